// Package rulestest gives other packages' tests the bundled policy library
// (the one the binary embeds), compiled once per test binary.
package rulestest

import (
	"io/fs"
	"sync"
	"testing"

	"kechuang"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

var (
	once sync.Once
	eng  *rules.Engine
	err  error
)

// Library is the bundled library, compiled; a library that does not load
// or compile fails the test.
func Library(t testing.TB) *rules.Engine {
	t.Helper()
	once.Do(func() {
		var sub fs.FS
		if sub, err = fs.Sub(kechuang.Policies, "policies"); err != nil {
			return
		}
		var files []*policy.File
		if files, err = policy.LoadFS(sub, "policies"); err != nil {
			return
		}
		eng, err = rules.Compile(files)
	})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}
