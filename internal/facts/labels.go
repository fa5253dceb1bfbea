package facts

import (
	"fmt"
	"reflect"
	"strings"

	"kechuang/internal/money"
)

// labels name fields in Chinese for explanations, by CEL root and field.
var labels = map[string]string{
	"subject.id": "主体编号", "subject.kind": "主体类型", "subject.name": "名称", "subject.uscc": "统一社会信用代码",
	"subject.region": "所在地区", "subject.industry": "所属行业", "subject.size": "企业规模", "subject.established": "成立日期",
	"subject.resident": "是否境内注册的居民企业", "subject.restricted": "产品（服务）是否属于国家禁止、限制或淘汰类",
	"subject.strategic_emerging": "主导产品是否属于《战略性新兴产业分类》",
	"subject.above_scale":        "是否规模以上企业", "subject.established_year": "成立年份", "subject.industrial": "是否工业企业", "subject.age": "年龄", "subject.source": "信息来源",
	"subject.listed": "是否已上市", "subject.niche_since": "开始从事特定细分市场日期", "subject.digital_level": "数字化水平等级",

	"revenue": "营业收入", "sales": "销售收入", "rd_expense": "研发费用", "rd_internal": "研发经费内部支出",
	"rd_super_deduction": "研发费用加计扣除额", "super_deduction_first": "是否首次享受研发费用加计扣除",
	"employees": "从业人员数", "rd_staff": "研发人员数", "tech_contracts": "技术合同登记成交额",
	"rd_intensity": "研发投入强度（研发费用/营业收入）",
	"rd_domestic":  "境内研究开发费用", "total_income": "总收入", "ht_income": "高新技术产品（服务）收入",
	"main_revenue": "主营业务收入", "cost_expense": "成本费用支出总额", "assets": "资产总额", "liabilities": "负债总额",
	"net_assets": "净资产", "net_profit": "净利润", "st_staff": "科技人员数", "conversions": "科技成果转化项数", "equity_raised": "新增股权融资额",
	"acquired": "获得方式", "used": "是否已用于高企申请", "class": "知识产权类别", "until": "移出日期", "year": "年度", "source": "来源",

	"kind": "类别", "level": "级别", "event": "认定类型", "date": "日期", "valid_until": "有效期至", "of": "升级前平台",
	"category": "细分类别", "grade": "等级", "rank": "排名", "amount": "金额", "role": "承担方式", "name": "名称", "result": "结果",
	"partner": "合作方", "active": "是否已开展合作", "results": "项目开发成果数", "total": "科技投入总额",
	"granted": "争取项目资金额度", "equipment": "设备费", "direct": "直接费用", "interest": "贷款利息",
	"funds_fy": "当年度实际到位资金", "person": "人员", "from": "起始日期", "to": "截止日期", "pool": "培育库", "id": "编号",
}

var listZh = map[string]string{
	"recognitions": "认定", "awards": "奖项", "ip": "知识产权", "contests": "大赛", "agreements": "协议",
	"projects": "项目", "appointments": "选派", "pools": "入库", "incidents": "不良记录",
}

// ListZh names a facts list in Chinese.
func ListZh(list string) string { return listZh[list] }

// Label names a CEL path (subject.size, last.revenue, item.level) in Chinese.
func Label(path string) string {
	root, field, _ := strings.Cut(path, ".")
	if l, ok := labels[path]; ok {
		return l
	}
	l := labels[field]
	if l == "" {
		l = field
	}
	switch root {
	case "cur":
		return "本年度" + l
	case "last":
		return "上年度" + l
	case "last2":
		return "前年度" + l
	}
	return l
}

// enumOf maps CEL field names to their vocabulary, per element type.
func enumOf(t reflect.Type, celName string) string {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("cel") != celName {
			continue
		}
		for opt := range strings.SplitSeq(f.Tag.Get("kc"), ",") {
			if strings.HasPrefix(opt, "enum=") {
				return strings.TrimPrefix(opt, "enum=")
			}
		}
	}
	return ""
}

func isMoney(t reflect.Type, celName string) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("cel") == celName {
			return strings.Contains(f.Tag.Get("kc"), "money")
		}
	}
	return false
}

// Format renders a fact's value for people: amounts in 元/万元, ratios in
// percent, codes by their Chinese names. t is the struct the field is in.
func Format(t reflect.Type, celName string, v any) string {
	if v == nil {
		return "未知"
	}
	switch x := v.(type) {
	case int64:
		if isMoney(t, celName) {
			return money.Fen(x).String()
		}
		return fmt.Sprint(x)
	case float64:
		if celName == "rd_intensity" {
			return fmt.Sprintf("%.2f%%", x*100)
		}
		return fmt.Sprint(x)
	case bool:
		if x {
			return "是"
		}
		return "否"
	case string:
		if e := enumOf(t, celName); e != "" {
			if term, ok := TermOf(e, x); ok {
				return term.Zh
			}
		}
		if x == "" {
			return "（空）"
		}
		return x
	}
	return fmt.Sprint(v)
}

// FormatConst renders a constant that a fact is compared with, in the fact's
// terms.
func FormatConst(t reflect.Type, celName string, v any) string {
	return Format(t, celName, v)
}
