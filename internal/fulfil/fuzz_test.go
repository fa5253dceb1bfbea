package fulfil

import (
	"encoding/json"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/money"
)

// FuzzWorkflow: a workflow as the bureau sends it (JSON, through the API or
// the settings form) is either refused by Validate or drives a case from
// its first step to 拨付 without a panic, every deadline a date and the
// expected payment date never before today.
func FuzzWorkflow(f *testing.F) {
	def, _ := json.Marshal(DefaultWorkflow())
	f.Add(def, uint8(3))
	f.Add([]byte(`{"steps":[{"step":"submit","role":"enterprise","days":1},{"step":"pay","role":"finance","days":1}],"notice_days":0}`), uint8(0))
	f.Add([]byte(`{"steps":[{"step":"submit","role":"enterprise","days":30},{"step":"notice","role":"staff","days":2},{"step":"pay","role":"admin","days":365}],"notice_days":60}`), uint8(200))
	f.Add([]byte(`{"steps":[]}`), uint8(1))
	f.Fuzz(func(t *testing.T, doc []byte, hour uint8) {
		var w Workflow
		if json.Unmarshal(doc, &w) != nil || w.Validate() != nil {
			return
		}
		now := time.Date(2025, 3, 3, int(hour%24), 0, 0, 0, Shanghai)
		c := &Case{ID: 1, Clause: "x", Subject: "s", Route: RouteAuto, Workflow: w, Computed: money.Exact(money.Wan), BudgetYear: 2025}
		Start(c, now)
		cl := Clause{Auth: auth.Clause{ID: "x", Jurisdiction: "620600"}}
		admin := auth.User{ID: "a", Role: auth.Admin}
		for range len(w.Steps) + 2 {
			if c.CurrentStep().Step == Pay {
				break
			}
			if e := c.Expected(now); e == "" || e < day(now) {
				t.Fatalf("expected payment %q before today %s at step %s", e, day(now), c.CurrentStep().Step)
			}
			if c.CurrentStep().Step == Notice {
				now = now.AddDate(0, 0, w.NoticeDays+1)
			}
			if _, err := Apply(c, cl, Act{Action: Approve, By: admin, Version: c.Version}, now, 0); err != nil {
				t.Fatalf("step %s: %v", c.CurrentStep().Step, err)
			}
		}
		if c.CurrentStep().Step != Pay || len(c.Schedule) != 1 || c.Schedule[0].Fen != money.Wan {
			t.Fatalf("did not reach 拨付 with its schedule: at %s, %+v", c.CurrentStep().Step, c.Schedule)
		}
	})
}
