package policy

import (
	"fmt"
	"strings"
)

// Zh describes the amount rule in Chinese, one line per tier or stage
// (each line after the first starts with indent).
func (a *Amount) Zh(indent string) string {
	rate := func() string {
		if a.Rates[0] == a.Rates[1] {
			return a.Rates[0].String()
		}
		return a.Rates[0].String() + "—" + a.Rates[1].String()
	}
	var b strings.Builder
	switch a.Kind {
	case "fixed":
		b.WriteString("定额 " + a.Fixed.String())
	case "range":
		b.WriteString("酌定区间 " + a.Range.String())
	case "at_least":
		b.WriteString(a.Range.String())
	case "unspecified":
		b.WriteString("文件未规定金额（“" + a.Unspecified + "”）")
	case "by_value":
		b.WriteString("按 " + a.Of.Src + " 取值：")
		for _, e := range a.Table {
			fmt.Fprintf(&b, "\n%s%s → %s", indent, e.Key, e.Amount)
		}
	case "brackets":
		b.WriteString("分档（" + a.Of.Src + "）：")
		for _, t := range a.Tiers {
			fmt.Fprintf(&b, "\n%s%s → %s", indent, tierZh(t), t.Amount)
		}
		for _, t := range a.Ties {
			fmt.Fprintf(&b, "\n%s边界 %s 取%s档：%s", indent, t.At, map[string]string{"upper": "上", "lower": "下"}[t.Winner], strings.TrimSpace(t.Note))
		}
		for _, g := range a.Gaps {
			fmt.Fprintf(&b, "\n%s%s—%s 不补：%s", indent, g.From, g.To, strings.TrimSpace(g.Note))
		}
	case "progressive":
		b.WriteString("超额累进（" + a.Of.Src + "，" + a.Round.String() + "）：")
		for _, t := range a.Tiers {
			fmt.Fprintf(&b, "\n%s%s → %s", indent, tierZh(t), t.Rate)
		}
	case "rate", "match":
		fmt.Fprintf(&b, "%s × %s", a.Of.Src, rate())
		if a.Cap != nil {
			b.WriteString("，封顶 " + a.Cap.String())
		}
		if a.Floor != nil {
			b.WriteString("，保底 " + a.Floor.String())
		}
		b.WriteString("，舍入 " + a.Round.String())
	case "per_unit":
		fmt.Fprintf(&b, "每件 %s × %s", a.Each.Range, a.Count.Src)
	case "recurring":
		fmt.Fprintf(&b, "连续 %d 年，每年 %s", a.Years, a.Each.Zh(indent))
	case "staged":
		fmt.Fprintf(&b, "逐级补差（%s，上一阶段 %s）：", a.Of.Src, a.PreviousOf.Src)
		for _, st := range a.Stages {
			fmt.Fprintf(&b, "\n%s%s 累计 %s", indent, st.Key, st.Cumulative)
		}
	}
	return b.String()
}

func tierZh(t Tier) string {
	var b strings.Builder
	if t.From != nil {
		b.WriteString(t.From.String() + t.FromWord)
	}
	if t.To != nil {
		if b.Len() > 0 {
			b.WriteString("，")
		}
		b.WriteString(t.To.String() + t.ToWord)
	}
	if b.Len() == 0 {
		return "全部"
	}
	return b.String()
}
