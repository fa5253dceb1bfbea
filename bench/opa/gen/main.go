// Command gen writes library.rego: the policy library's clauses and
// qualification-standard criteria translated to Rego.
//
//	cd bench/opa && go run ./gen
package main

import (
	"fmt"
	"os"

	"kechuang/bench/opa"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	eng, err := opa.Compile(opa.PoliciesDir)
	if err != nil {
		return err
	}
	lib, err := opa.Generate(eng)
	if err != nil {
		return err
	}
	return os.WriteFile(opa.LibraryFile, []byte(lib.Rego), 0o644)
}
