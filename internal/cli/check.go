package cli

import (
	"fmt"

	"kechuang/internal/coverage"
	"kechuang/internal/rules"
)

const checkHelp = `
kechuang check [FILE|DIR ...]

Loads policy files (default: the bundled library; or the given directories of
*.yaml — a file is checked together with the rest of its directory, because
its tests describe how its clauses behave within the library), type-checks every CEL condition against the facts schema, checks
every quote against the source text, checks bracket tables for undeclared
overlaps and gaps, checks coverage annotations, and runs every clause's and
gate's tests. Problems are printed as file:line:col: message; the exit code is
1 if there are any.`

func runCheck(e *env, args []string) error {
	fs := newFlags("check", checkHelp, e)
	if err := parse(fs, args); err != nil {
		return err
	}
	files, err := loadArgs(e, fs.Args())
	if err != nil {
		printErrs(e.stdout, err)
		return exitError{1}
	}
	eng, err := rules.Compile(files)
	if err != nil {
		printErrs(e.stdout, err)
		return exitError{1}
	}
	bad := 0
	for _, f := range files {
		if _, l := coverage.Analyze(f); len(l) > 0 {
			printErrs(e.stdout, l)
			bad += len(l)
		}
	}
	fails, n := eng.RunTests()
	fails = append(fails, eng.UntestedBoundaries()...)
	for _, f := range fails {
		fmt.Fprintln(e.stdout, f.Error())
	}
	clauses, gates := 0, 0
	for _, f := range files {
		clauses += len(f.Clauses)
		gates += len(f.Gates)
	}
	fmt.Fprintf(e.stdout, "%d files, %d clauses, %d gates, %d standards: %d tests, %d passed, %d failed\n", len(files), clauses, gates, len(eng.Standards), n, n-len(fails), len(fails))
	if len(fails) > 0 || bad > 0 {
		return exitError{1}
	}
	return nil
}
