package fulfil

import (
	"slices"

	"kechuang/internal/errs"
	"kechuang/internal/money"
)

// A project award paid by year (分年度按比例拨付) may hold installments
// until the project's milestones pass; when a project is stopped or closed
// its unpaid installments are cut, and a 赛马 stop may move them to the team
// that is continued. These change a case only while it can still pay.

// Release frees installment i, held until a milestone passed.
func (c *Case) Release(i int) error {
	if c.Final() {
		return errs.E(errs.Conflict, "兑现事项 %d 已%s", c.ID, StatusZh(c.Status))
	}
	if k := slices.Index(c.Hold, i); k >= 0 {
		c.Hold = slices.Delete(c.Hold, k, k+1)
	}
	if i >= 0 && i < len(c.Schedule) {
		c.Schedule[i].Held = false
	}
	return nil
}

// Cut ends the case's payments: the installments the ledger has not taken
// (inLedger reports those it has) are removed and their sum returned; the
// case is ended at once when nothing of it is still on its way.
func (c *Case) Cut(inLedger func(i int) bool, paid func(i int) bool, reason string) (money.Fen, error) {
	if c.Final() {
		return 0, errs.E(errs.Conflict, "兑现事项 %d 已%s", c.ID, StatusZh(c.Status))
	}
	var freed money.Fen
	if c.Schedule == nil {
		// Not yet at 拨付: nothing was paid; the whole decided amount is freed.
		freed, _ = c.Amount()
		c.Planned = nil
	}
	var kept []Installment
	pending := false
	for i, in := range c.Schedule {
		if inLedger(i) {
			kept = append(kept, in)
			pending = pending || !paid(i)
			continue
		}
		freed += in.Fen
	}
	c.Schedule, c.Hold, c.Ended = kept, nil, reason
	if !pending {
		c.Status = Ended
	}
	return freed, nil
}

// Top adds fen to the case's last installment the ledger has not taken —
// the funds of a stopped 赛马 team following the decision to continue this
// one — as a new decision on the amount, which must stay within what the
// clause allows.
func (c *Case) Top(fen money.Fen, inLedger func(i int) bool, d Decision) error {
	if c.Final() {
		return errs.E(errs.Conflict, "兑现事项 %d 已%s", c.ID, StatusZh(c.Status))
	}
	amt, ok := c.Amount()
	if !ok {
		return errs.E(errs.Conflict, "兑现事项 %d 的金额尚未确定", c.ID)
	}
	d.Fen = amt + fen
	if err := c.inRange(d.Fen); err != nil {
		return err
	}
	switch {
	case c.Schedule == nil && len(c.Planned) > 0:
		// Not yet at 拨付: the plan the schedule will be made from.
		c.Planned[len(c.Planned)-1].Fen += fen
	case c.Schedule == nil:
		return errs.E(errs.Conflict, "兑现事项 %d 没有分年度拨付计划，剩余资金不能转入", c.ID)
	case len(c.Schedule) == 0 || inLedger(len(c.Schedule)-1):
		return errs.E(errs.Conflict, "兑现事项 %d 已没有未拨付的年度，剩余资金不能转入", c.ID)
	default:
		c.Schedule[len(c.Schedule)-1].Fen += fen
	}
	c.Decided = &d
	return nil
}
