package policy

import (
	"strings"
	"testing"
)

// poolYAML is a valid file with one clause (the money clause the pool
// triggers, paid per admission) and one pool; tests break one thing each.
func poolYAML() string {
	return header + `clauses:
  - id: t-pool
    title: 入库培育资金
    citation: {section: 四（二）7, quote: 对新认定的高新技术企业给予20万元一次性补助}
    beneficiary: [enterprise]
    level: city
    for_each: pools
    when: item.pool == 'ww_hte_pool'
    amount: {fixed: 20万元}
    payer: 市级财政
    tests:
      - name: x
        at: 2024-12-31
        facts: {subject: {id: a, kind: enterprise, region: "620602"}, pools: [{id: q, pool: ww_hte_pool, date: "2024-01-01"}]}
        want: {outcome: entitled, amount: 20万元}
pools:
  - id: ww_hte_pool
    title: 培育库
    beneficiary: [enterprise]
    level: city
    citation: {section: 四（二）7, quote: 新認定的高新技術企業}
    criteria:
      - id: sme
        title: 中小企业
        local: 局里定的
        when: subject.size in ['small', 'micro']
    steps:
      - {id: review, title: 审核, by: staff}
    clause: t-pool
    graduate:
      - id: hte
        title: 认定高企
        citation: {section: 四（二）7, quote: 给予20萬元一次性補助}
        when: "recognitions.exists(r, r.kind == 'high_tech_enterprise')"
    tests:
      - name: y
        at: 2024-12-31
        facts: {subject: {id: a, kind: enterprise, region: "620602", size: small}}
        want: {outcome: admissible}
`
}

func TestParsePools(t *testing.T) {
	f, err := parse(t, poolYAML())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Pools) != 1 {
		t.Fatalf("pools: got %d, want 1", len(f.Pools))
	}
	p := f.Pools[0]
	if p.ID != "ww_hte_pool" || p.Clause != "t-pool" || !p.Criteria[0].IsLocal() || p.Graduate[0].IsLocal() || p.Doc != &f.Document {
		t.Errorf("pool read as %+v", p)
	}
	if err := CheckIDs([]*File{f}); err != nil {
		t.Errorf("CheckIDs: %v", err)
	}
}

func TestPoolErrors(t *testing.T) {
	tests := []struct {
		name      string
		from, to  string
		line, col int
		msg       string
	}{
		{"pool not in the vocabulary", "  - id: ww_hte_pool\n    title: 培育库", "  - id: ww_pool\n    title: 培育库", 0, 0, `"ww_pool" is not a pool`},
		{"criterion quote not in the source", "给予20萬元一次性補助", "给予30萬元一次性補助", 0, 0, "does not occur"},
		{"criterion neither quoted nor local", "        local: 局里定的\n", "", 0, 0, "needs a citation"},
		{"criterion both quoted and local", "        local: 局里定的\n", "        local: 局里定的\n        citation: {section: x, quote: 新認定}\n", 0, 0, "has both citation and local"},
		{"step role", "by: staff}", "by: finance}", 0, 0, `by "finance" must be staff or expert`},
		{"within without standard", "    clause: t-pool\n", "    clause: t-pool\n    within: 2\n", 0, 0, "give standard too"},
		{"bad test outcome", "want: {outcome: admissible}", "want: {outcome: entitled}", 0, 0, "outcome \"entitled\" must be one of admissible"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yml := poolYAML()
			if !strings.Contains(yml, tt.from) {
				t.Fatalf("test setup: %q not in the file", tt.from)
			}
			_, err := parse(t, strings.Replace(yml, tt.from, tt.to, 1))
			if err == nil {
				t.Fatal("no error")
			}
			e := firstErr(t, err)
			if e.Pos.File != "p.yaml" || e.Pos.Line == 0 || !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("got %q, want a positioned error containing %q", e.Error(), tt.msg)
			}
		})
	}
	// references across the library: the clause must exist and pay per admission
	for _, tt := range []struct{ from, to, msg string }{
		{"    clause: t-pool\n", "    clause: t-none\n", `triggers clause "t-none", which does not exist`},
		{"    for_each: pools\n    when: item.pool == 'ww_hte_pool'\n", "", "does not pay per admission"},
		{"    clause: t-pool\n", "    clause: t-pool\n    standard: hte-9999\n", `standard "hte-9999"`},
	} {
		f, err := parse(t, strings.Replace(poolYAML(), tt.from, tt.to, 1))
		if err != nil {
			t.Fatalf("%s: %v", tt.msg, err)
		}
		if err := CheckIDs([]*File{f}); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("CheckIDs: got %v, want %q", err, tt.msg)
		}
	}
}
