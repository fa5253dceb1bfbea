package project

import (
	"slices"
)

// ToleranceCase is a 容错 case file for a project that failed (武威
// 四（一）6): the procedure it was approved under, the cause, the evidence
// that its people were diligent, and the reviews that confirm it.
type ToleranceCase struct {
	Project           string            `json:"project"`
	Level             string            `json:"level"`              // the plan's level: the sentence covers 市级科技计划项目
	ProcedureComplete bool              `json:"procedure_complete"` // 经审慎研究程序完备
	Cause             string            `json:"cause"`              // route (技术路线选择有误), market (市场风险), economy (经济形势重大变化), or other
	Diligence         []string          `json:"diligence"`          // evidence of 勤勉和忠实义务 (records, reports, audits)
	Reviews           []ToleranceReview `json:"reviews"`
	Misconduct        bool              `json:"misconduct"` // evidence of 科研失信 (fabrication, misuse of funds …)
}

// ToleranceReview is one confirmation by peer, market or expert review.
type ToleranceReview struct {
	Method  string `json:"method"` // peer (同行评议), market (市场评议), expert (专家评议)
	Confirm bool   `json:"confirm"`
	By      string `json:"by"`
}

// MethodZh names the review's method in Chinese.
func (r ToleranceReview) MethodZh() string {
	return map[string]string{"peer": "同行评议", "market": "市场评议", "expert": "专家评议"}[r.Method]
}

// ToleranceDecision is the outcome with its reasons.
type ToleranceDecision struct {
	Granted  bool     `json:"granted"` // 予以容错
	Record   bool     `json:"record"`  // a 科研失信 record is made
	Reasons  []string `json:"reasons"` // each condition not met, in words
	Section  string   `json:"section"`
	Quote    string   `json:"quote"`
	Document string   `json:"document,omitempty"` // the document's title, filled in from the library
}

// ToleranceDoc is the library document whose 四（一）6 DecideTolerance applies.
const ToleranceDoc = "wuwei-2022"

// toleranceQuote is the sentence the rule rests on.
const toleranceQuote = "對經審慎研究程序完備的市級科技計劃項目,確因科研人員技術路線選擇有誤、受市場風險影響、經濟形勢發生重大變化,導致預期目標未能實現或項目失敗,但項目承擔人員已盡到勤勉和忠實義務的,由項目主管部門綜合運用國際國內同行評議、市場評議、專家評議等方式確認后,予以容錯,不納入科研失信范疇"

// DecideTolerance applies 武威 四（一）6: tolerance is granted to a city
// plan project approved by a complete procedure that failed for one of the
// named causes, whose people were diligent, as confirmed by peer, market or
// expert review, with no misconduct; a granted case leaves no 失信 record.
// A refused case is closed by the ordinary procedure — it becomes a 失信
// record only on evidence of misconduct, never for the failure itself.
func DecideTolerance(c ToleranceCase) ToleranceDecision {
	d := ToleranceDecision{Section: "四（一）6", Quote: toleranceQuote}
	if c.Level != "city" {
		d.Reasons = append(d.Reasons, "容错适用于市级科技计划项目")
	}
	if !c.ProcedureComplete {
		d.Reasons = append(d.Reasons, "立项未经审慎研究、程序不完备")
	}
	if !slices.Contains([]string{"route", "market", "economy"}, c.Cause) {
		d.Reasons = append(d.Reasons, "失败原因不属于技术路线选择有误、市场风险或经济形势重大变化")
	}
	if len(c.Diligence) == 0 {
		d.Reasons = append(d.Reasons, "没有项目承担人员已尽勤勉和忠实义务的证明材料")
	}
	confirmed := slices.ContainsFunc(c.Reviews, func(r ToleranceReview) bool {
		return r.Confirm && slices.Contains([]string{"peer", "market", "expert"}, r.Method)
	})
	if !confirmed {
		d.Reasons = append(d.Reasons, "未经同行评议、市场评议或专家评议确认")
	}
	if c.Misconduct {
		d.Reasons = append(d.Reasons, "存在科研失信行为")
	}
	d.Granted = len(d.Reasons) == 0
	d.Record = c.Misconduct
	return d
}
