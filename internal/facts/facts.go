// Package facts defines what kechuang knows about a subject (主体): the
// enterprise, institute, platform, person or team a policy pays, with its
// annual financials and the events (认定, 奖项, 知识产权, 大赛, 协议, 项目, 选派, 入库)
// that clauses pay for. It is the schema CEL conditions are type-checked
// against and the JSON interchange form (docs/facts.md).
//
// Money is int64 fen. Dates are calendar dates "YYYY-MM-DD" in Asia/Shanghai.
package facts

// SchemaVersion names this version of the facts schema; a facts file may
// declare it in "schema" and must not declare another.
const SchemaVersion = "kechuang.facts/1"

// Facts is everything known about one subject.
type Facts struct {
	Schema       string        `json:"schema" cel:"schema"`
	AsOf         string        `json:"as_of" cel:"as_of" kc:"date"`
	Subject      Subject       `json:"subject" cel:"subject" kc:"required"`
	Annual       []Annual      `json:"annual" cel:"annual"`
	Recognitions []Recognition `json:"recognitions" cel:"recognitions"`
	Awards       []Award       `json:"awards" cel:"awards"`
	IP           []IPItem      `json:"ip" cel:"ip"`
	Contests     []Contest     `json:"contests" cel:"contests"`
	Agreements   []Agreement   `json:"agreements" cel:"agreements"`
	Projects     []Project     `json:"projects" cel:"projects"`
	Appointments []Appointment `json:"appointments" cel:"appointments"`
	Pools        []PoolEntry   `json:"pools" cel:"pools"`
	Incidents    []Incident    `json:"incidents" cel:"incidents"`
	// Assessments are expert judgements and recorded findings on the items
	// of a qualification standard that kechuang cannot compute (技术的先进程度,
	// 研究开发组织管理水平 …). They are read by the standards evaluator, not by
	// clause conditions.
	Assessments []Assessment `json:"assessments" cel:"-"`
	// Shareholders are the registered shareholders (股东, from the market
	// regulator's enterprise registry): who holds shares in the subject.
	// Read for conflicts of interest in project review, not by clauses.
	Shareholders []Shareholding `json:"shareholders" cel:"-"`
}

// Shareholding is one registered shareholder of the subject: a person or a
// unit (its id in the registry), with its share and the period it held it.
type Shareholding struct {
	ID     string `json:"id" kc:"required"`
	Holder string `json:"holder" kc:"required"` // a person's or a unit's id
	Name   string `json:"name"`
	Share  string `json:"share"` // 持股比例 as registered, e.g. "35%"
	From   string `json:"from" kc:"date"`
	To     string `json:"to" kc:"date"` // empty: still held
	Source string `json:"source" kc:"enum=source"`

	Known Mask `json:"-"`
}

// Subject is the 主体 itself. Fields other than id, kind and region may be
// unknown; a clause that needs an unknown field says so (needs facts).
type Subject struct {
	ID                string `json:"id" cel:"id" kc:"required"`
	Kind              string `json:"kind" cel:"kind" kc:"required,enum=subject_kind"`
	Name              string `json:"name" cel:"name"`
	USCC              string `json:"uscc" cel:"uscc"`                             // 统一社会信用代码
	Region            string `json:"region" cel:"region" kc:"required,region"`    // GB/T 2260 six-digit code
	Industry          string `json:"industry" cel:"industry"`                     // GB/T 4754 code, e.g. "C26"
	Size              string `json:"size" cel:"size" kc:"enum=size"`              // 企业规模: micro/small/medium/large
	Established       string `json:"established" cel:"established" kc:"date"`     // 成立日期
	AboveScale        bool   `json:"above_scale" cel:"above_scale"`               // 规模以上
	Industrial        bool   `json:"industrial" cel:"industrial"`                 // 工业企业
	Resident          bool   `json:"resident" cel:"resident"`                     // 在中国境内（不含港澳台）注册的居民企业
	Restricted        bool   `json:"restricted" cel:"restricted"`                 // 产品（服务）属于国家禁止、限制或淘汰类
	StrategicEmerging bool   `json:"strategic_emerging" cel:"strategic_emerging"` // 主导产品属于《战略性新兴产业分类》
	NicheSince        string `json:"niche_since" cel:"niche_since" kc:"date"`     // 开始从事特定细分市场的日期（专精特新）
	DigitalLevel      int64  `json:"digital_level" cel:"digital_level"`           // 数字化水平等级（中小企业数字化水平评测）
	Listed            bool   `json:"listed" cel:"listed"`                         // 已在境内外股票市场上市（新三板及场外交易市场除外）
	Age               int64  `json:"age" cel:"age"`                               // person's age in years
	Source            string `json:"source" cel:"source" kc:"enum=source"`
	LegalRep          string `json:"legal_rep" cel:"-"` // 法定代表人: the person's id in the registry (for conflicts of interest)
	// EstablishedYear is derived from established: years before it count as
	// zero in multi-year totals ("实际经营期不满三年的按实际经营时间计算").
	EstablishedYear int64 `json:"-" cel:"established_year"`

	Known Mask `json:"-" cel:"-"` // which optional fields were given
}

// Annual is one year's figures for a subject, with the source they came from.
type Annual struct {
	Year   int64  `json:"year" cel:"year" kc:"required,year"`
	Source string `json:"source" cel:"source" kc:"enum=source"`
	// Sources overrides Source per field, e.g. {"rd_expense": "tax",
	// "rd_internal": "stats"}: one year's figures often come from several
	// authorities, each with its own caliber (口径).
	Sources map[string]string `json:"sources" cel:"-" kc:"enum=source,sources"`

	Revenue          int64 `json:"revenue" cel:"revenue" kc:"money"`                       // 营业收入
	Sales            int64 `json:"sales" cel:"sales" kc:"money"`                           // 销售收入
	RDExpense        int64 `json:"rd_expense" cel:"rd_expense" kc:"money"`                 // 研发费用 (会计/税务口径)
	RDInternal       int64 `json:"rd_internal" cel:"rd_internal" kc:"money"`               // 研发经费内部支出 (统计口径)
	RDSuperDeduction int64 `json:"rd_super_deduction" cel:"rd_super_deduction" kc:"money"` // 研发费用加计扣除额
	SuperDeductFirst bool  `json:"super_deduction_first" cel:"super_deduction_first"`      // 首次享受加计扣除
	Employees        int64 `json:"employees" cel:"employees"`                              // 从业人员
	RDStaff          int64 `json:"rd_staff" cel:"rd_staff"`                                // 研发人员
	TechContracts    int64 `json:"tech_contracts" cel:"tech_contracts" kc:"money"`         // 技术合同登记成交额
	RDDomestic       int64 `json:"rd_domestic" cel:"rd_domestic" kc:"money"`               // 在中国境内发生的研究开发费用
	TotalIncome      int64 `json:"total_income" cel:"total_income" kc:"money"`             // 总收入（收入总额减去不征税收入）
	HTIncome         int64 `json:"ht_income" cel:"ht_income" kc:"money"`                   // 高新技术产品（服务）收入
	MainRevenue      int64 `json:"main_revenue" cel:"main_revenue" kc:"money"`             // 主营业务收入
	CostExpense      int64 `json:"cost_expense" cel:"cost_expense" kc:"money"`             // 成本费用支出总额
	Assets           int64 `json:"assets" cel:"assets" kc:"money"`                         // 资产总额（年末）
	Liabilities      int64 `json:"liabilities" cel:"liabilities" kc:"money"`               // 负债总额（年末）
	STStaff          int64 `json:"st_staff" cel:"st_staff"`                                // 科技人员数（高企、科技型中小企业口径）
	Conversions      int64 `json:"conversions" cel:"conversions"`                          // 当年科技成果转化项数
	EquityRaised     int64 `json:"equity_raised" cel:"equity_raised" kc:"money"`           // 当年新增股权融资（合格机构投资者实缴额）
	NetProfit        int64 `json:"net_profit" cel:"net_profit" kc:"money,signed"`          // 净利润

	// RDIntensity is derived: rd_expense / revenue (研发投入强度, 研发费用口径).
	RDIntensity float64 `json:"-" cel:"rd_intensity"`
	// NetAssets is derived: assets − liabilities (净资产 = 资产总额 − 负债总额).
	NetAssets int64 `json:"-" cel:"net_assets" kc:"money"`

	Known Mask `json:"-" cel:"-"`
}

// SourceOf returns where the field (JSON name) of this record came from.
func (a *Annual) SourceOf(field string) string {
	if s, ok := a.Sources[field]; ok {
		return s
	}
	return a.Source
}

// Recognition is one 认定/备案/入选 event: a status, a platform, a base, an
// IP-management credential. Event says whether it is 新认定, 重新认定, 整体迁入,
// 备案 or an upgrade of an existing platform.
type Recognition struct {
	ID         string `json:"id" cel:"id" kc:"required"`
	Kind       string `json:"kind" cel:"kind" kc:"required,enum=recognition_kind"`
	Level      string `json:"level" cel:"level" kc:"required,enum=level"`
	Event      string `json:"event" cel:"event" kc:"required,enum=event"`
	Category   string `json:"category" cel:"category"` // finer type where a clause needs it, e.g. 初创型 startup / 成长型 growth
	Date       string `json:"date" cel:"date" kc:"required,date"`
	ValidUntil string `json:"valid_until" cel:"valid_until" kc:"date"`
	Of         string `json:"of" cel:"of"` // for upgrades: the id of the recognition it upgrades
	Source     string `json:"source" cel:"source" kc:"enum=source"`
	Year       int64  `json:"-" cel:"year"` // derived from date

	Known Mask `json:"-" cel:"-"`
}

// Award is a prize or a grant another body gave, with its grade and amount
// (for clauses that match it: "给予同等数额的奖励", "在享受省上…基础上再给予").
type Award struct {
	ID       string `json:"id" cel:"id" kc:"required"`
	Kind     string `json:"kind" cel:"kind" kc:"required,enum=award_kind"`
	Level    string `json:"level" cel:"level" kc:"required,enum=level"`
	Category string `json:"category" cel:"category"` // e.g. natural_science, invention, progress
	Grade    int64  `json:"grade" cel:"grade"`       // 1 一等奖, 2 二等奖, 3 三等奖; 0 none
	Rank     int64  `json:"rank" cel:"rank"`         // 完成单位/完成人排名 (1 = first); 0 unknown
	Amount   int64  `json:"amount" cel:"amount" kc:"money"`
	Role     string `json:"role" cel:"role" kc:"enum=role"`
	Date     string `json:"date" cel:"date" kc:"required,date"`
	Source   string `json:"source" cel:"source" kc:"enum=source"`
	Year     int64  `json:"-" cel:"year"`

	Known Mask `json:"-" cel:"-"`
}

// IPItem is one piece of intellectual property or brand credential.
type IPItem struct {
	ID         string `json:"id" cel:"id" kc:"required"`
	Kind       string `json:"kind" cel:"kind" kc:"required,enum=ip_kind"`
	Date       string `json:"date" cel:"date" kc:"required,date"`                  // 授权（登记）日期
	ValidUntil string `json:"valid_until" cel:"valid_until" kc:"date,absent_none"` // 失效日期; absent: in force
	Acquired   string `json:"acquired" cel:"acquired" kc:"enum=ip_acquired"`       // 获得方式
	Used       bool   `json:"used" cel:"used" kc:"absent_none"`                    // 已用于此前的高企申请（Ⅱ类仅限使用一次）; absent: not used
	Source     string `json:"source" cel:"source" kc:"enum=source"`
	Year       int64  `json:"-" cel:"year"`
	Class      int64  `json:"-" cel:"class"` // derived from kind: 1 Ⅰ类, 2 Ⅱ类, 0 neither (高企工作指引 二（二）)

	Known Mask `json:"-" cel:"-"`
}

// Contest is an entry in an innovation and entrepreneurship contest (创新创业大赛).
type Contest struct {
	ID     string `json:"id" cel:"id" kc:"required"`
	Name   string `json:"name" cel:"name"`
	Level  string `json:"level" cel:"level" kc:"required,enum=level"`
	Result string `json:"result" cel:"result" kc:"required,enum=contest_result"`
	Date   string `json:"date" cel:"date" kc:"required,date"`
	Source string `json:"source" cel:"source" kc:"enum=source"`
	Year   int64  `json:"-" cel:"year"`

	Known Mask `json:"-" cel:"-"`
}

// Agreement is a cooperation agreement, e.g. 产学研科技合作协议.
type Agreement struct {
	ID      string `json:"id" cel:"id" kc:"required"`
	Kind    string `json:"kind" cel:"kind" kc:"required,enum=agreement_kind"`
	Partner string `json:"partner" cel:"partner"`
	Date    string `json:"date" cel:"date" kc:"required,date"`
	Active  bool   `json:"active" cel:"active"`   // 开展科技合作 (cooperation actually under way)
	Results int64  `json:"results" cel:"results"` // 取得项目开发成果 (number of results)
	Source  string `json:"source" cel:"source" kc:"enum=source"`
	Year    int64  `json:"-" cel:"year"`

	Known Mask `json:"-" cel:"-"`
}

// Project is a research, challenge or transfer project the subject takes on.
type Project struct {
	ID        string    `json:"id" cel:"id" kc:"required"`
	Kind      string    `json:"kind" cel:"kind" kc:"required,enum=project_kind"`
	Level     string    `json:"level" cel:"level" kc:"required,enum=level"`
	Role      string    `json:"role" cel:"role" kc:"enum=role"`
	Total     int64     `json:"total" cel:"total" kc:"money"`         // 科技投入总额
	Granted   int64     `json:"granted" cel:"granted" kc:"money"`     // 争取项目资金额度 (higher-level funds won)
	Equipment int64     `json:"equipment" cel:"equipment" kc:"money"` // 设备费
	Direct    int64     `json:"direct" cel:"direct" kc:"money"`       // 直接费用
	Interest  int64     `json:"interest" cel:"interest" kc:"money"`   // 贷款利息 (for 贴息)
	Funds     []Funding `json:"funds" cel:"funds"`                    // 实际到位资金 by year
	Date      string    `json:"date" cel:"date" kc:"required,date"`   // 立项/签约日期
	Source    string    `json:"source" cel:"source" kc:"enum=source"`
	Year      int64     `json:"-" cel:"year"`
	FundsFY   int64     `json:"-" cel:"funds_fy" kc:"money"` // derived: funds arrived in the fiscal year

	Known Mask `json:"-" cel:"-"`
}

// Funding is money that arrived for a project in one year.
type Funding struct {
	Year   int64 `json:"year" cel:"year" kc:"required,year"`
	Amount int64 `json:"amount" cel:"amount" kc:"required,money"`
}

// Appointment is a person sent to serve: 科技特派员, 科技专员, 科技副总. The subject
// holding it is the person, the sending unit (派出单位) or the served enterprise.
type Appointment struct {
	ID     string `json:"id" cel:"id" kc:"required"`
	Kind   string `json:"kind" cel:"kind" kc:"required,enum=appointment_kind"`
	Level  string `json:"level" cel:"level" kc:"required,enum=level"`
	Role   string `json:"role" cel:"role" kc:"required,enum=appointment_role"`
	Person string `json:"person" cel:"person"`
	From   string `json:"from" cel:"from" kc:"required,date"`
	To     string `json:"to" cel:"to" kc:"date"` // empty: still serving
	Source string `json:"source" cel:"source" kc:"enum=source"`
	Year   int64  `json:"-" cel:"year"` // derived from from

	Known Mask `json:"-" cel:"-"`
}

// PoolEntry is admission to a cultivation pool (培育库入库).
type PoolEntry struct {
	ID     string `json:"id" cel:"id" kc:"required"`
	Pool   string `json:"pool" cel:"pool" kc:"required,enum=pool"`
	Level  string `json:"level" cel:"level" kc:"enum=level"`
	Date   string `json:"date" cel:"date" kc:"required,date"`
	Source string `json:"source" cel:"source" kc:"enum=source"`
	Year   int64  `json:"-" cel:"year"`

	Known Mask `json:"-" cel:"-"`
}

// Incident is an adverse record: 重大安全、质量事故, 严重环境违法, 科研严重失信,
// 列入经营异常名录 or 严重违法失信企业名单. Standards exclude subjects with one
// in their look-back window; an empty list means none is on record.
type Incident struct {
	ID     string `json:"id" cel:"id" kc:"required"`
	Kind   string `json:"kind" cel:"kind" kc:"required,enum=incident_kind"`
	Date   string `json:"date" cel:"date" kc:"required,date"`
	Until  string `json:"until" cel:"until" kc:"date,absent_none"` // listed until (名录移出日期); absent: still listed
	Source string `json:"source" cel:"source" kc:"enum=source"`
	Year   int64  `json:"-" cel:"year"`

	Known Mask `json:"-" cel:"-"`
}

// Assessment records a finding on one item of a qualification standard:
// points an expert gave (技术的先进程度 7分) or whether a judged condition is
// met (核心知识产权 支持主要产品). Standard is the pack's id.
type Assessment struct {
	ID       string `json:"id" kc:"required"`
	Standard string `json:"standard" kc:"required"`
	Item     string `json:"item" kc:"required"`
	Points   int64  `json:"points"`
	Met      bool   `json:"met"`
	By       string `json:"by"` // who judged: an expert panel, the bureau, the enterprise (自评)
	Date     string `json:"date" kc:"required,date"`
	Source   string `json:"source" kc:"enum=source"`

	Known Mask `json:"-"`
}

// Mask records which optional fields of a Subject or Annual were given, one
// bit per field in declaration order.
type Mask uint64

// Has reports whether every bit of m is set in k.
func (k Mask) Has(m Mask) bool { return k&m == m }
