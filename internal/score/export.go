package score

import (
	"fmt"
	"strings"

	"kechuang/internal/region"
)

// Rows is the ranked list for financial institutions (创新积分贷名单): a
// header row in Chinese, then one row per subject in Position order with
// its rank, name, 统一社会信用代码, region, score, each group's points and
// the indicators it lacks facts for. The rows are plain text, for a sheet
// or CSV writer; Title says what they are.
func (r *Ranking) Rows() [][]string {
	head := []string{"排名", "名称", "统一社会信用代码", "所在地区", "创新积分"}
	for _, g := range r.Groups {
		head = append(head, g+"得分")
	}
	head = append(head, "缺失指标")
	rows := [][]string{head}
	names := make(map[string]string, len(r.Set.Indicators))
	for _, in := range r.Set.Indicators {
		names[in.ID] = in.Name
	}
	for _, res := range r.Results {
		s := res.Subject
		row := []string{fmt.Sprint(res.Rank), s.Name, s.USCC, regionLabel(s.Region), res.Score.String()}
		for _, p := range res.GroupPoints {
			row = append(row, p.String())
		}
		missing := make([]string, len(res.Missing))
		for i, id := range res.Missing {
			missing[i] = names[id]
		}
		rows = append(rows, append(row, strings.Join(missing, "、")))
	}
	return rows
}

// Title names the list: cohort, year and indicator set, with the set's
// note, so that a reader sees whether the set is a local configuration.
func (r *Ranking) Title() string {
	cohort := r.Cohort.Name
	if cohort == "" {
		cohort = r.Cohort.ID
	}
	return fmt.Sprintf("%s %d年度企业创新积分排名（指标体系：%s；%s；权重合计%d分）", cohort, r.FY, r.Set.Name, r.Set.Note, r.totalWeight())
}

func (r *Ranking) totalWeight() int64 {
	var t int64
	for _, w := range r.Weights {
		t += w
	}
	return t
}

func regionLabel(code string) string {
	if n := region.Name(code); n != "" {
		return n + "（" + code + "）"
	}
	return code
}
