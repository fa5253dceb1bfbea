package facts

// Term is one allowed value of an enumerated field, with its Chinese and
// English names (the zh name is what explanations show).
type Term struct {
	Code, Zh, En string
}

// Vocab lists the allowed values of every enumerated field, by enum name
// (the name in a field's `kc:"enum=…"` tag). docs/facts.md is generated from
// the same table by `kechuang schema`.
var Vocab = map[string][]Term{
	"subject_kind": {
		{"enterprise", "企业", "enterprise"},
		{"institute", "高校院所", "university or research institute"},
		{"platform", "创新平台", "innovation platform"},
		{"person", "个人", "person"},
		{"team", "团队", "team"},
		{"service_provider", "服务机构", "service provider"},
		{"park", "园区", "park or zone"},
		{"government", "县区政府", "county or district government"},
	},
	"size": {
		{"micro", "微型企业", "micro"},
		{"small", "小型企业", "small"},
		{"medium", "中型企业", "medium"},
		{"large", "大型企业", "large"},
	},
	"source": {
		{"tax", "税务部门", "tax bureau"},
		{"stats", "统计部门", "statistics bureau"},
		{"market", "市场监管部门", "market regulator"},
		{"sti", "科技部门", "science and technology bureau"},
		{"industry", "工信部门", "industry and IT bureau"},
		{"finance", "财政部门", "finance bureau"},
		{"certificate", "认定证书", "certificate"},
		{"self", "企业自报", "self-declared"},
		{"expert", "专家评审", "expert review"},
		{"assessed", "kechuang按认定标准评估（非证书）", "kechuang assessment against the standard (not a certificate)"},
	},
	"level": {
		{"national", "国家级", "national"},
		{"province", "省级", "provincial"},
		{"city", "市级", "city"},
		{"county", "县级", "county"},
		{"district", "区级", "district"},
	},
	"event": {
		{"new", "新认定", "newly recognised"},
		{"renewed", "重新认定", "renewed"},
		{"moved_in", "整体迁入", "moved in while valid"},
		{"filed", "备案", "filed"},
		{"upgraded", "升级认定", "upgraded"},
		{"evaluated", "评价入库", "evaluated and registered"},
	},
	"recognition_kind": {
		{"high_tech_enterprise", "高新技术企业", "high and new technology enterprise"},
		{"sme_tech", "科技型中小企业", "technology-based SME"},
		{"innovative_sme", "创新型中小企业", "innovative SME"},
		{"specialized_sme", "专精特新中小企业", "specialised SME"},
		{"little_giant", "专精特新“小巨人”企业", "little giant"},
		{"sci_innov_enterprise", "科技创新型企业", "S&T innovative enterprise"},
		{"tech_innov_demo", "技术创新示范企业", "technology innovation demonstration enterprise"},
		{"smart_factory", "智能工厂", "smart factory"},
		{"digital_workshop", "数字化车间", "digital workshop"},
		{"leading_enterprise", "科技领军企业", "S&T leading enterprise"},
		{"gazelle", "瞪羚企业", "gazelle enterprise"},
		{"hi_tech_zone", "高新技术产业开发区", "high-tech zone"},
		{"torch_base", "火炬特色产业基地", "torch industry base"},
		{"agri_park", "农业科技园区", "agricultural S&T park"},
		{"eng_research_center", "工程研究中心", "engineering research centre"},
		{"tech_innovation_center", "技术创新中心", "technology innovation centre"},
		{"enterprise_tech_center", "企业（行业）技术中心", "enterprise technology centre"},
		{"industrial_design_center", "工业设计中心", "industrial design centre"},
		{"key_lab", "重点实验室", "key laboratory"},
		{"eng_lab", "工程实验室", "engineering laboratory"},
		{"new_rd_institution", "新型研发机构", "new R&D institution"},
		{"intl_coop_base", "国际科技合作基地", "international cooperation base"},
		{"germplasm_bank", "种质资源库", "germplasm bank"},
		{"clinical_research_center", "临床医学研究中心", "clinical research centre"},
		{"mfg_innovation_center", "制造业创新中心", "manufacturing innovation centre"},
		{"maker_space", "众创空间", "maker space"},
		{"incubator", "科技企业孵化器", "incubator"},
		{"accelerator", "科技企业加速器", "accelerator"},
		{"university_sci_park", "大学科技园", "university science park"},
		{"talent_base", "引智引才基地", "talent base"},
		{"sci_pop_base", "科普示范基地", "science popularisation base"},
		{"academician_station", "院士专家工作站", "academician workstation"},
		{"research_branch", "科研分支机构", "research branch"},
		{"collab_innovation_base", "协同创新基地", "collaborative innovation base"},
		{"joint_lab", "联合实验室", "joint laboratory"},
		{"field_station", "野外科学观测研究站", "field observation station"},
		{"transfer_demo_zone", "科技成果转移转化示范区", "technology transfer demonstration zone"},
		{"tech_transfer_org", "技术转移示范机构", "technology transfer demonstration organisation"},
		{"industry_alliance", "产业技术创新战略联盟", "industrial technology innovation alliance"},
		{"ip_service_brand", "国家知识产权服务品牌培育机构", "IP service brand organisation"},
		{"ip_advantage", "知识产权优势企业", "IP advantage enterprise"},
		{"ip_demo", "知识产权示范企业", "IP demonstration enterprise"},
		{"ip_mgmt_certified", "知识产权管理体系认证", "IP management system certified"},
		{"ip_pilot", "知识产权试点", "IP pilot"},
		{"ip_demo_leader", "知识产权示范企业（数量质量排名靠前）", "leading IP demonstration enterprise"},
		{"star_maker", "星创天地", "star maker space"},
		{"commissioner_base", "科技特派员创新创业示范基地", "commissioner demonstration base"},
		{"innovation_consortium", "企业创新联合体", "enterprise innovation consortium"},
		{"sci_pop_district_base", "区级科普基地", "district science popularisation base"},
		{"sci_innov_top50", "“科技创新50强”企业", "top-50 S&T innovation enterprise"},
		{"tech_transfer_agency", "技术转移机构", "technology transfer agency"},
		{"standard_lead", "主导制定标准（国际、国家或行业标准）", "led the drafting of a standard (category: international, national or industry)"},
		{"other", "其他", "other"},
	},
	"award_kind": {
		{"national_sti_award", "国家科学技术奖", "national S&T award"},
		{"provincial_sti_award", "省科学技术奖", "provincial S&T award"},
		{"patent_award", "专利奖", "patent award"},
		{"provincial_transfer_grant", "省级成果转化一次性补助", "provincial technology-transfer grant"},
		{"talent_transfer_fund", "省上项目转化扶持资金", "provincial talent transfer fund"},
		{"talent_research_fund", "省上项目研发扶持资金", "provincial talent research fund"},
		{"other", "其他", "other"},
	},
	"ip_kind": {
		{"high_value_invention_patent", "高价值发明专利", "high-value invention patent"},
		{"invention_patent", "发明专利", "invention patent"},
		{"well_known_trademark", "中国驰名商标", "well-known trademark"},
		{"gi_trademark", "地理标志证明商标（集体商标）", "geographical-indication trademark"},
		{"gi_product", "国家地理标志产品保护", "protected geographical-indication product"},
		{"gi_mark_use", "地理标志专用标志使用核准", "approved use of the GI mark"},
		{"defense_patent", "国防专利", "defence patent"},
		{"plant_variety", "植物新品种", "new plant variety"},
		{"crop_variety", "国家级农作物品种", "national crop variety"},
		{"new_drug", "国家新药", "national new drug"},
		{"tcm_protected", "国家一级中药保护品种", "first-grade protected TCM variety"},
		{"ic_layout", "集成电路布图设计专有权", "integrated-circuit layout design right"},
		{"utility_model", "实用新型专利", "utility model patent"},
		{"design_patent", "外观设计专利", "design patent"},
		{"software_copyright", "软件著作权", "software copyright"},
		{"trademark", "商标", "trademark"},
	},
	// classification: what a classification standard (划型, 规上) finds a
	// subject to be; unlike a recognition it is not certified, only computed.
	"classification": {
		{"sme", "中小微型企业", "small, medium or micro enterprise"},
		{"medium", "中型企业", "medium enterprise"},
		{"small", "小型企业", "small enterprise"},
		{"micro", "微型企业", "micro enterprise"},
		{"above_scale_industrial", "规模以上工业企业", "industrial enterprise above designated size"},
	},
	"ip_acquired": {
		{"own", "自主研发", "own research"},
		{"transfer", "受让", "transferred in"},
		{"gift", "受赠", "received as a gift"},
		{"merger", "并购", "through a merger"},
		{"license", "独占许可", "exclusive licence"},
	},
	"incident_kind": {
		{"safety", "重大安全事故", "major safety accident"},
		{"quality", "重大质量事故", "major quality accident"},
		{"environment", "严重环境违法行为", "serious environmental violation"},
		{"misconduct", "科研严重失信行为", "serious research misconduct"},
		{"abnormal", "列入经营异常名录", "listed for abnormal operation"},
		{"dishonest", "列入严重违法失信企业名单", "listed as seriously dishonest"},
		{"tax_evasion", "偷漏税等违法违规行为", "tax evasion"},
	},
	"contest_result": {
		{"finalist", "入围", "finalist"},
		{"first", "一等奖", "first prize"},
		{"second", "二等奖", "second prize"},
		{"third", "三等奖", "third prize"},
		{"excellence", "优秀奖", "honourable mention"},
		{"top500", "全国500强", "national top 500"},
		{"top50", "全国50强", "national top 50"},
	},
	"agreement_kind": {
		{"industry_university", "产学研科技合作协议", "industry-university cooperation agreement"},
	},
	"project_kind": {
		{"national_major_special", "国家重大科技专项", "national major S&T programme"},
		{"challenge", "揭榜挂帅项目", "open-challenge project"},
		{"sti_plan", "科技计划项目", "S&T plan project"},
		{"transfer", "科技成果转化项目", "technology transfer project"},
		{"key_tech", "关键核心技术攻关项目", "key technology project"},
		{"consortium", "企业创新联合体项目", "consortium project"},
		{"talent_transfer", "引进人才成果转化项目", "imported talent transfer project"},
		{"talent_research", "引进人才科研项目", "imported talent research project"},
		{"tech_renovation", "技改项目", "technical renovation project"},
		{"stable_support", "基本科研业务费等稳定支持科研经费", "stable institutional research funding"},
		{"other", "其他", "other"},
	},
	"role": {
		{"lead", "牵头承担", "lead"},
		{"independent", "独立承担", "sole"},
		{"participant", "参与", "participant"},
		{"unit", "所在单位", "host unit"},
		{"team", "团队", "team"},
		{"individual", "个人", "individual"},
	},
	"appointment_kind": {
		{"tech_commissioner", "科技特派员", "S&T commissioner"},
		{"tech_specialist", "科技专员", "S&T specialist"},
		{"tech_vp", "科技副总", "S&T vice-president"},
		{"fulltime_talent", "全职引进高科技人才", "full-time recruited high-tech talent"},
	},
	"appointment_role": {
		{"person", "本人", "the person"},
		{"sender", "派出单位", "sending unit"},
		{"host", "服务企业", "served enterprise"},
		{"employer", "用人单位", "employer"},
	},
	"pool": {
		{"fx_sme_pool", "肥乡区科技型中小企业培育库", "Feixiang tech-SME pool"},
		{"fx_hte_pool", "肥乡区高新技术企业培育库", "Feixiang high-tech enterprise pool"},
		{"fx_leading_pool", "肥乡区科技领军企业培育库", "Feixiang leading-enterprise pool"},
		{"fx_platform_pool", "肥乡区研发平台培育库（省级平台）", "Feixiang provincial-platform pool"},
		{"fx_incubator_pool", "肥乡区孵化器培育库（省级孵化器）", "Feixiang provincial-incubator pool"},
		{"ww_hte_pool", "武威市高新技术企业培育库", "Wuwei high-tech enterprise pool"},
		{"ta_future_pool", "泰安市未来产业科技型中小企业培育库", "Tai'an future-industry SME pool"},
		{"ly_hte_pool", "临沂市高新技术企业培育库", "Linyi high-tech enterprise pool"},
	},
}

// TermOf returns the term for code in enum, and whether it exists.
func TermOf(enum, code string) (Term, bool) {
	for _, t := range Vocab[enum] {
		if t.Code == code {
			return t, true
		}
	}
	return Term{}, false
}

// TermZh returns the Chinese name of code in enum, or code itself.
func TermZh(enum, code string) string {
	if t, ok := TermOf(enum, code); ok {
		return t.Zh
	}
	return code
}
