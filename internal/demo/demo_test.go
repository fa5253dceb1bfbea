package demo

import (
	"bytes"
	"testing"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

func library(t testing.TB) *rules.Engine {
	t.Helper()
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.Compile(files)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// The same seed gives the same population; another seed another one.
func TestDeterministic(t *testing.T) {
	eng := library(t)
	n := len(Scenarios(eng)) + 50
	a, err := Generate(eng, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(eng, n, 7)
	c, _ := Generate(eng, n, 8)
	if len(a) != n {
		t.Fatalf("%d subjects, want %d", len(a), n)
	}
	same := func(x, y [][]byte) bool {
		for i := range x {
			if !bytes.Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("the same seed gave different populations")
	}
	if same(a, c) {
		t.Error("different seeds gave the same population")
	}
}

// Every clause has, in the demo population, subjects who are entitled and
// subjects who are not; every enterprise has a valid 统一社会信用代码.
func TestEveryClauseBothWays(t *testing.T) {
	eng := library(t)
	docs, err := Generate(eng, len(Scenarios(eng)), 1)
	if err != nil {
		t.Fatal(err)
	}
	entitled := map[string]int{}
	missed := map[string]int{}
	nearMiss := map[string]int{}
	ev := eng.NewEvaluator()
	for _, d := range docs {
		f, err := facts.DecodeBytes(d, "demo")
		if err != nil {
			t.Fatal(err)
		}
		if f.Subject.USCC != "" {
			if err := facts.CheckUSCC(f.Subject.USCC); err != nil {
				t.Fatal(err)
			}
		}
		at, err := policy.ParseDate(f.AsOf)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ev.Evaluate(f, at, int64(at.Year())).Clauses {
			switch c.Outcome {
			case rules.Entitled:
				entitled[c.Clause]++
			case rules.NotEntitled:
				missed[c.Clause]++
				if len(c.NearMisses) > 0 {
					nearMiss[c.Clause]++
				}
			}
		}
	}
	thresholds := 0
	for _, c := range eng.Clauses {
		if entitled[c.ID] == 0 || missed[c.ID] == 0 {
			t.Errorf("clause %s: %d entitled and %d not entitled demo subjects; want both", c.ID, entitled[c.ID], missed[c.ID])
		}
		// A clause with a numeric threshold also has a subject just short
		// of it, told what is missing (a near miss) — except "more than 0".
		if n, zeroOnly := c.Thresholds(); n > 0 && !zeroOnly {
			thresholds++
			if nearMiss[c.ID] == 0 {
				t.Errorf("clause %s has a threshold but no demo subject with a near miss", c.ID)
			}
		}
	}
	t.Logf("%d subjects; %d clauses with thresholds, each with a near-miss subject", len(docs), thresholds)
}
