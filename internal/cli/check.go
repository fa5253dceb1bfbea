package cli

import (
	"fmt"
	"io"
	"kechuang/internal/indicator"

	"kechuang/internal/policy"

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
	if _, ok := checkLibrary(e.stdout, files); !ok {
		return exitError{1}
	}
	return nil
}

// checkLibrary compiles a loaded library and runs every check kechuang check
// makes — types, coverage annotations, every test, tests at every boundary —
// printing each problem and a summary line. ok is false on any problem.
func checkLibrary(w io.Writer, files []*policy.File) (eng *rules.Engine, ok bool) {
	eng, err := rules.Compile(files)
	if err != nil {
		printErrs(w, err)
		return nil, false
	}
	bad := 0
	for _, f := range files {
		if _, l := coverage.Analyze(f); len(l) > 0 {
			printErrs(w, l)
			bad += len(l)
		}
	}
	fails, n := eng.RunTests()
	fails = append(fails, eng.UntestedBoundaries()...)
	for _, f := range fails {
		fmt.Fprintln(w, f.Error())
	}
	clauses, gates := 0, 0
	for _, f := range files {
		clauses += len(f.Clauses)
		gates += len(f.Gates)
	}
	reg, err := indicator.LoadRegistry()
	if err != nil {
		printErrs(w, err)
		return nil, false
	}
	lib, err := indicator.NewLibrary(reg, files)
	if err != nil {
		printErrs(w, err)
		return nil, false
	}
	fmt.Fprintf(w, "%d files, %d clauses, %d gates, %d standards, %d pools, %d targets and %d table rows of %d indicators: %d tests, %d passed, %d failed\n",
		len(files), clauses, gates, len(eng.Standards), len(eng.Pools), len(lib.Targets), len(lib.Rows), len(reg.List), n, n-len(fails), len(fails))
	return eng, len(fails) == 0 && bad == 0
}
