package fulfil

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"kechuang/internal/money"
)

// Payment is one line of the disbursement ledger (拨付台账). A payment is
// never changed after it is paid and never deleted: it is undone only by a
// compensating entry (Kind reversal, negative Fen, Reverses naming it).
type Payment struct {
	ID          int64
	Key         string // PaymentKey, or ReversalKey of the payment reversed
	Case        int64
	Batch       int64 // 0: not in a batch (a reversal)
	Subject     string
	SubjectName string
	USCC        string
	Clause      string
	Payer       string
	Year        int64 // the budget year it is paid from
	Fen         money.Fen
	Kind        string // payment, reversal
	Reverses    int64
	State       string // batched (sent to finance), paid (confirmed)
	StackKey    string
	Note        string // why less than asked, why a difference only
	By          string
	Created     string
	PaidAt      string
}

// Batch is one disbursement batch (拨付批次) of a payer and budget year.
type Batch struct {
	ID          int64
	Payer       string
	Year        int64
	State       string // filling (payments being written), open (sent to finance), confirmed (paid)
	Count       int
	Fen         money.Fen
	CreatedBy   string
	Created     string
	ConfirmedBy string
	Confirmed   string
}

var batchZh = map[string]string{"filling": "生成中", "open": "待财政确认", "confirmed": "已确认到账"}

// BatchStateZh is a batch state in Chinese.
func BatchStateZh(s string) string { return batchZh[s] }

// ExportHeader is the first row of a batch exported for the finance system.
var ExportHeader = []string{"序号", "批次", "支付键", "收款单位", "统一社会信用代码", "主体编号", "条款", "支付单位", "预算年度", "金额（元）", "金额（分）", "事项编号", "说明"}

// ExportRows lays out a batch's payments for the finance system (.xlsx or
// CSV): one row each, then a total row whose fen equal the batch's.
func ExportRows(b Batch, ps []Payment) [][]string {
	out := [][]string{ExportHeader}
	var sum money.Fen
	for i, p := range ps {
		sum += p.Fen
		out = append(out, []string{strconv.Itoa(i + 1), strconv.FormatInt(b.ID, 10), p.Key, p.SubjectName, p.USCC, p.Subject, p.Clause, p.Payer,
			strconv.FormatInt(p.Year, 10), Yuan(p.Fen), strconv.FormatInt(int64(p.Fen), 10), strconv.FormatInt(p.Case, 10), p.Note})
	}
	out = append(out, []string{"合计", strconv.FormatInt(b.ID, 10), fmt.Sprintf("%d 笔", len(ps)), "", "", "", "", b.Payer,
		strconv.FormatInt(b.Year, 10), Yuan(sum), strconv.FormatInt(int64(sum), 10), "", ""})
	return out
}

// Yuan writes fen as 元 with two decimals and no separators, for spreadsheets.
func Yuan(f money.Fen) string {
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	return fmt.Sprintf("%s%d.%02d", sign, f/money.Yuan, f%money.Yuan)
}

// Reconciliation is the ledger checked against itself and the cases.
type Reconciliation struct {
	Payments, Reversals int
	Paid, Batched       money.Fen // net of reversals
	Problems            []string
}

// Reconcile checks the ledger: keys unique, every reversal undoing one paid
// payment exactly, no payment above what its case may pay (due by case id),
// and every batch's recorded total equal to the sum of its lines.
func Reconcile(ps []Payment, due map[int64]money.Fen, batches []Batch) Reconciliation {
	var r Reconciliation
	keys := map[string]bool{}
	byID := map[int64]Payment{}
	perCase := map[int64]money.Fen{}
	perBatch := map[int64]money.Fen{}
	perBatchN := map[int64]int{}
	reversed := map[int64]bool{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	for _, p := range ps {
		if keys[p.Key] {
			r.Problems = append(r.Problems, fmt.Sprintf("支付键 %s 出现两次", p.Key))
		}
		keys[p.Key] = true
		switch p.Kind {
		case "payment":
			r.Payments++
			if p.Fen <= 0 {
				r.Problems = append(r.Problems, fmt.Sprintf("支付 %d 金额 %s 不为正", p.ID, p.Fen))
			}
			perBatch[p.Batch] += p.Fen
			perBatchN[p.Batch]++
		case "reversal":
			r.Reversals++
			o, ok := byID[p.Reverses]
			switch {
			case !ok:
				r.Problems = append(r.Problems, fmt.Sprintf("冲正 %d 指向不存在的支付 %d", p.ID, p.Reverses))
			case o.State != "paid" || o.Fen != -p.Fen || reversed[o.ID]:
				r.Problems = append(r.Problems, fmt.Sprintf("冲正 %d 与支付 %d 不对应（%s 对 %s）", p.ID, o.ID, p.Fen, o.Fen))
			}
			reversed[p.Reverses] = true
		default:
			r.Problems = append(r.Problems, fmt.Sprintf("支付 %d 类型 %q 不对", p.ID, p.Kind))
		}
		perCase[p.Case] += p.Fen
		switch p.State {
		case "paid":
			r.Paid += p.Fen
		case "batched":
			r.Batched += p.Fen
		}
	}
	for _, c := range slices.Sorted(maps.Keys(perCase)) {
		if d, ok := due[c]; ok && perCase[c] > d {
			r.Problems = append(r.Problems, fmt.Sprintf("事项 %d 已付 %s，超过应付 %s", c, perCase[c], d))
		}
	}
	for _, b := range batches {
		if b.State == "filling" {
			continue
		}
		if perBatch[b.ID] != b.Fen || perBatchN[b.ID] != b.Count {
			r.Problems = append(r.Problems, fmt.Sprintf("批次 %d 记 %d 笔 %s，明细为 %d 笔 %s", b.ID, b.Count, b.Fen, perBatchN[b.ID], perBatch[b.ID]))
		}
	}
	return r
}
