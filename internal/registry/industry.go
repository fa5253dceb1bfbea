package registry

import (
	"fmt"
	"regexp"
	"strconv"
)

// GB/T 4754-2017 《国民经济行业分类》: the twenty sections (门类) and the
// divisions (大类, two digits) each holds. This is the standard's own 门类表
// (sections A–T with their division ranges); codes are written as the
// section letter followed by the division and, optionally, the group and
// class digits: "C", "C26", "C261", "C2614".
var sections = []struct {
	letter   byte
	from, to int
	name     string
}{
	{'A', 1, 5, "农、林、牧、渔业"},
	{'B', 6, 12, "采矿业"},
	{'C', 13, 43, "制造业"},
	{'D', 44, 46, "电力、热力、燃气及水生产和供应业"},
	{'E', 47, 50, "建筑业"},
	{'F', 51, 52, "批发和零售业"},
	{'G', 53, 60, "交通运输、仓储和邮政业"},
	{'H', 61, 62, "住宿和餐饮业"},
	{'I', 63, 65, "信息传输、软件和信息技术服务业"},
	{'J', 66, 69, "金融业"},
	{'K', 70, 70, "房地产业"},
	{'L', 71, 72, "租赁和商务服务业"},
	{'M', 73, 75, "科学研究和技术服务业"},
	{'N', 76, 79, "水利、环境和公共设施管理业"},
	{'O', 80, 82, "居民服务、修理和其他服务业"},
	{'P', 83, 83, "教育"},
	{'Q', 84, 85, "卫生和社会工作"},
	{'R', 86, 90, "文化、体育和娱乐业"},
	{'S', 91, 97, "公共管理、社会保障和社会组织"},
	{'T', 98, 98, "国际组织"},
}

var industryRE = regexp.MustCompile(`^([A-T])([0-9]{2}([0-9]{1,2})?)?$`)

// CheckIndustry validates a GB/T 4754-2017 code: a section letter, and a
// division that belongs to it.
func CheckIndustry(code string) error {
	m := industryRE.FindStringSubmatch(code)
	if m == nil {
		return fmt.Errorf("%q is not a GB/T 4754 code: write the section letter and the division, e.g. C26 (化学原料和化学制品制造业) or I65", code)
	}
	if m[2] == "" {
		return nil
	}
	div, _ := strconv.Atoi(m[2][:2])
	for _, s := range sections {
		if s.letter == m[1][0] {
			if div < s.from || div > s.to {
				return fmt.Errorf("%q: division %02d is not in section %c %s (divisions %02d–%02d)", code, div, s.letter, s.name, s.from, s.to)
			}
			return nil
		}
	}
	return fmt.Errorf("%q: unknown section", code)
}
