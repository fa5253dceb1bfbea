package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/i18n"
)

// TestCatalog checks that every message key the templates and handlers use
// is in the catalog, in both languages, and that the catalog holds no key
// nothing uses.
func TestCatalog(t *testing.T) {
	used := map[string]bool{}
	static := regexp.MustCompile(`\.T "([a-z0-9._-]+)"`)
	code := regexp.MustCompile(`\.T\("([a-z0-9._-]+)"`)
	fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(templateFS, p)
		for _, m := range static.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		return nil
	})
	gofiles, _ := filepath.Glob("*.go")
	for _, p := range gofiles {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(p)
		for _, m := range code.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix completed below
				used[m[1]] = true
			}
		}
	}
	// Keys built from values: (print "prefix." value).
	for _, r := range auth.Roles {
		used["role."+string(r)] = true
	}
	for _, k := range []errs.Kind{errs.Invalid, errs.NotFound, errs.Conflict, errs.Permission, errs.Internal} {
		used["err.title."+k.String()] = true
		used["err.hint."+k.String()] = true
	}
	for _, b := range []string{"this_year", "next_year", ""} {
		used["budget."+b] = true
	}
	for _, st := range []string{"changed", "added", "removed", ""} {
		used["reform.status."+st] = true
	}
	for _, k := range []string{"clause", "gate", "standard"} {
		used["kind."+k] = true
	}
	for _, r := range []string{"target", "not_a_rule", "context", "duplicate", "unspecified"} {
		used["reason."+r] = true
	}
	for _, l := range []string{"recognitions", "awards", "ip", "contests", "agreements", "projects", "appointments", "pools", "incidents", "assessments"} {
		used["facts.list."+l] = true
	}
	for _, k := range []string{"route.auto", "route.apply", "ledger.payment.batched", "ledger.payment.paid", "ledger.reversal.paid",
		"outcome.funded", "outcome.reduced", "outcome.cut", "outcome.queued",
		"act.confirm", "act.resubmit", "act.accept", "act.review", "act.recheck", "act.notice", "act.decide", "act.return", "act.reject",
		"act.object", "act.dismiss", "act.uphold", "verdict.qualifies", "verdict.needs_review", "verdict.needs_facts", "verdict.not_qualified",
		"points.norm.minmax", "points.norm.percentile", "points.norm.standard",
		"cond.met", "cond.review", "cond.unknown", "cond.failed", "pool.exit.graduate", "pool.exit.remove", "pool.exit.criteria",
		"ind.vintage.document", "ind.vintage.computed", "ind.vintage.final", "ind.vintage.preliminary"} {
		used[k] = true
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys: the scan is broken", len(used))
	}
	for k := range used {
		if !i18n.Has(k) {
			t.Errorf("key %q is used but not in the catalog", k)
			continue
		}
		for _, l := range i18n.Langs {
			if strings.TrimSpace(l.T(k)) == "" {
				t.Errorf("key %q has no %s message", k, l)
			}
		}
	}
	for _, k := range i18n.Keys() {
		if !used[k] {
			t.Errorf("catalog key %q is not used", k)
		}
	}
}

// TestLanguage: zh-CN is the default; English comes from the switcher's
// cookie or the browser's preference.
func TestLanguage(t *testing.T) {
	for _, tt := range []struct {
		tags []string
		want i18n.Lang
	}{
		{nil, i18n.Zh},
		{[]string{""}, i18n.Zh},
		{[]string{"en-US,en;q=0.9"}, i18n.En},
		{[]string{"zh-CN,zh;q=0.9,en;q=0.8"}, i18n.Zh},
		{[]string{"fr-FR, en;q=0.5"}, i18n.En},
		{[]string{"fr-FR"}, i18n.Zh},
		{[]string{"en", "zh-CN"}, i18n.En},
	} {
		if got := i18n.Parse(tt.tags...); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.tags, got, tt.want)
		}
	}
}
