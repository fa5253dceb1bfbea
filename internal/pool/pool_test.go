package pool

import (
	"reflect"
	"testing"
	"time"

	"kechuang/internal/errs"
	"kechuang/internal/policy"
)

func twoSteps() *policy.Pool {
	return &policy.Pool{ID: "fx_hte_pool", Title: "肥乡区高新技术企业培育库", Capacity: 2,
		Steps: []*policy.PoolStep{{ID: "review", Title: "审核", By: "staff"}, {ID: "approve", Title: "审批", By: "staff"}},
		Doc:   &policy.Document{JurisdictionName: "邯郸市肥乡区"}}
}

var now = time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC) // 2026-12-04 in Shanghai

func TestLifecycle(t *testing.T) {
	p := twoSteps()
	staff := func(a Act, note string) Request {
		return Request{Act: a, By: "officer", Staff: true, Note: note, Officer: "王科长"}
	}
	firm := func(a Act, note string) Request { return Request{Act: a, By: "firm", Note: note} }
	tests := []struct {
		name  string
		from  Member
		req   Request
		to    State
		step  int
		kind  errs.Kind // 0: allowed
		check func(t *testing.T, m Member, ev Event)
	}{
		{"staff invite", Member{}, staff(Invite, ""), Invited, 0, 0, func(t *testing.T, m Member, ev Event) {
			if m.Invited != "2026-12-04" {
				t.Errorf("invited on %q, want the Shanghai date 2026-12-04", m.Invited)
			}
		}},
		{"an enterprise cannot invite", Member{}, firm(Invite, ""), "", 0, errs.Permission, nil},
		{"enterprise applies", Member{}, firm(ApplyAct, ""), Applied, 0, 0, nil},
		{"enterprise accepts an invitation", Member{State: Invited}, firm(ApplyAct, ""), Applied, 0, 0, nil},
		{"enterprise declines an invitation", Member{State: Invited}, firm(Decline, ""), Declined, 0, 0, func(t *testing.T, m Member, ev Event) {
			if ev.Note == "" {
				t.Error("the declined invitation says nothing")
			}
		}},
		{"an enterprise cannot decline its application", Member{State: Applied}, firm(Decline, "x"), Applied, 0, errs.Permission, nil},
		{"apply twice", Member{State: Applied}, firm(ApplyAct, ""), Applied, 0, errs.Conflict, nil},
		{"first step passed", Member{State: Applied}, staff(Pass, ""), Reviewing, 1, 0, func(t *testing.T, m Member, ev Event) {
			if ev.Step != "审核" {
				t.Errorf("event step %q, want 审核", ev.Step)
			}
		}},
		{"last step admits", Member{State: Reviewing, Step: 1}, staff(Pass, ""), Admitted, 2, 0, func(t *testing.T, m Member, ev Event) {
			if m.Admitted != "2026-12-04" {
				t.Errorf("admitted %q", m.Admitted)
			}
		}},
		{"an enterprise cannot pass a step", Member{State: Applied}, firm(Pass, ""), Applied, 0, errs.Permission, nil},
		{"decline needs a reason", Member{State: Reviewing, Step: 1}, staff(Decline, " "), Reviewing, 1, errs.Invalid, nil},
		{"decline with a reason", Member{State: Reviewing, Step: 1}, staff(Decline, "研发费用归集不规范"), Declined, 1, 0, func(t *testing.T, m Member, ev Event) {
			if m.Reason != "研发费用归集不规范" {
				t.Errorf("reason %q", m.Reason)
			}
		}},
		{"assign officer and plan", Member{State: Admitted}, staff(Assign, "补足研发费用比例"), Admitted, 0, 0, func(t *testing.T, m Member, ev Event) {
			if m.Officer != "王科长" || m.Plan != "补足研发费用比例" {
				t.Errorf("officer %q plan %q", m.Officer, m.Plan)
			}
		}},
		{"assign before admission", Member{State: Applied}, staff(Assign, "x"), Applied, 0, errs.Conflict, nil},
		{"note needs text", Member{State: Admitted}, staff(Note, ""), Admitted, 0, errs.Invalid, nil},
		{"note with next steps", Member{State: Admitted}, Request{Act: Note, By: "officer", Staff: true, Note: "上门辅导研发费用归集", Next: "提交专项审计报告", NextDate: "2027-01-15"}, Admitted, 0, 0,
			func(t *testing.T, m Member, ev Event) {
				if m.NextDate != "2027-01-15" || ev.Next != "提交专项审计报告" || ev.NextDate != "2027-01-15" {
					t.Errorf("member next %q, event %q %q", m.NextDate, ev.Next, ev.NextDate)
				}
			}},
		{"note with a next date in the past", Member{State: Admitted}, Request{Act: Note, Staff: true, Note: "x", NextDate: "2026-12-03"}, Admitted, 0, errs.Invalid, nil},
		{"note with a next date that is not a date", Member{State: Admitted}, Request{Act: Note, Staff: true, Note: "x", NextDate: "2027-02-30"}, Admitted, 0, errs.Invalid, nil},
		{"graduate", Member{State: Admitted}, staff(Graduate, "2027年认定为高新技术企业"), Graduated, 0, 0, nil},
		{"remove needs a reason", Member{State: Admitted}, staff(Remove, ""), Admitted, 0, errs.Invalid, nil},
		{"remove", Member{State: Admitted}, staff(Remove, "列入严重违法失信企业名单"), Removed, 0, 0, nil},
		{"nothing after removal", Member{State: Removed}, staff(Note, "x"), Removed, 0, errs.Conflict, nil},
		{"no such act", Member{State: Admitted}, staff("pay", "x"), Admitted, 0, errs.Invalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.from
			ev, err := Apply(p, &m, tt.req, now)
			if tt.kind != 0 {
				if errs.KindOf(err) != tt.kind {
					t.Fatalf("got error %v (kind %v), want kind %v", err, errs.KindOf(err), tt.kind)
				}
				if !reflect.DeepEqual(m, tt.from) {
					t.Errorf("a refused act changed the member: %+v → %+v", tt.from, m)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.State != tt.to || m.Step != tt.step || ev.From != tt.from.State || ev.To != tt.to || ev.Act != tt.req.Act {
				t.Errorf("got state %s step %d event %+v, want %s step %d", m.State, m.Step, ev, tt.to, tt.step)
			}
			if tt.check != nil {
				tt.check(t, m, ev)
			}
		})
	}
}

func TestCapacity(t *testing.T) {
	p := twoSteps()
	for _, tt := range []struct {
		admitted int
		ok       bool
	}{{0, true}, {1, true}, {2, false}, {3, false}} {
		if err := Capacity(p, tt.admitted); (err == nil) != tt.ok {
			t.Errorf("capacity 2, %d admitted: got %v", tt.admitted, err)
		}
	}
	p.Capacity = 0
	if err := Capacity(p, 1000); err != nil {
		t.Errorf("no capacity: %v", err)
	}
}

func TestActs(t *testing.T) {
	p := twoSteps()
	if got := Acts(p, &Member{State: Invited}, false); len(got) != 2 || got[0] != ApplyAct || got[1] != Decline {
		t.Errorf("enterprise on an invitation: %v, want [apply decline]", got)
	}
	if got := Acts(p, &Member{State: Admitted}, true); len(got) != 4 {
		t.Errorf("staff on a member: %v, want assign, note, graduate, remove", got)
	}
}
