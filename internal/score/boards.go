package score

// Shipped boards (榜单). The documents name a list but not how it is made:
// 泰政发〔2024〕5号 二（二）5 says only "建立未来产业“硬科技”企业榜单,形成一批
// 在细分领域引领的明星企业". The rule and the ranking below are a local
// configuration, and the method each publishes says so.

// ShippedBoard is a board with the jurisdiction that publishes it and the
// sentence that calls for it.
type ShippedBoard struct {
	*Board
	Jurisdiction string // GB/T 2260
	Document     string // policy document id
	Section      string
	Quote        string
}

// Boards returns fresh copies of the shipped boards, each ranked by the
// default indicator set.
func Boards() []ShippedBoard {
	return []ShippedBoard{{
		Board: &Board{
			ID:   "ta-hard-tech",
			Name: "泰安市未来产业“硬科技”企业榜单",
			Method: "地方配置（文件未规定入榜条件与排名方法）：泰安市行政区域内，持有高新技术企业、专精特新中小企业或专精特新“小巨人”企业认定，" +
				"或承担国家级、省级科技项目（同条“承担重大科研任务”）的企业，按企业创新积分（默认指标集，地方配置）在入榜企业中排名，列前50名。",
			Eligible: "subject.kind == 'enterprise' && subject.region.startsWith('3709')" +
				" && (recognitions.exists(r, r.kind in ['high_tech_enterprise', 'specialized_sme', 'little_giant'] && r.date <= at)" +
				" || projects.exists(p, p.level in ['national', 'province'] && p.date <= at))",
			Set: DefaultSet(),
			Top: 50,
		},
		Jurisdiction: "370900",
		Document:     "taian-2024",
		Section:      "二（二）5",
		Quote:        "建立未来产业“硬科技”企业榜单,形成一批在细分领域引领的明星企业",
	}}
}
