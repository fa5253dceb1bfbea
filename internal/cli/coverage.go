package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"kechuang/internal/coverage"
)

const coverageHelp = `
kechuang coverage [--json] [--all] [DIR ...]

Splits every source document into sentences and lists each sentence that names
an amount, a rate or a threshold, or promises money (补助, 奖励, 资金支持, 贴息 …),
with how it is accounted for: encoded by which clauses, or annotated as a
target, not a rule, context or a duplicate, with the reason. Exit code 1 if
any sentence is unaccounted for. Without --all only the summary and the
unaccounted sentences are printed.`

func runCoverage(e *env, args []string) error {
	fs := newFlags("coverage", coverageHelp, e)
	asJSON := fs.Bool("json", false, "print JSON")
	all := fs.Bool("all", false, "list every amount-bearing sentence, not only the unaccounted ones")
	if err := parse(fs, args); err != nil {
		return err
	}
	files, err := loadArgs(e, fs.Args())
	if err != nil {
		printErrs(e.stdout, err)
		return exitError{1}
	}
	var sents []coverage.Sentence
	bad := 0
	for _, f := range files {
		s, l := coverage.Analyze(f)
		if len(l) > 0 {
			printErrs(e.stdout, l)
			bad += len(l)
		}
		sents = append(sents, s...)
	}
	unaccounted := 0
	for _, s := range sents {
		if !s.Accounted() {
			unaccounted++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sents); err != nil {
			return err
		}
	} else {
		doc := ""
		for _, s := range sents {
			if !*all && s.Accounted() {
				continue
			}
			if s.Document != doc {
				doc = s.Document
				fmt.Fprintf(e.stdout, "\n== %s\n", doc)
			}
			status := ""
			switch {
			case len(s.Clauses) > 0:
				status = "encoded: " + strings.Join(s.Clauses, ", ")
			case s.Reason != "":
				status = s.Reason + ": " + s.Note
			default:
				status = "UNACCOUNTED"
			}
			fmt.Fprintf(e.stdout, "%s:%d: [%s] %s\n", s.Document, s.Line, status, s.Text)
		}
		byDoc := map[string][3]int{}
		var order []string
		for _, s := range sents {
			c, seen := byDoc[s.Document]
			if !seen {
				order = append(order, s.Document)
			}
			switch {
			case len(s.Clauses) > 0:
				c[0]++
			case s.Reason != "":
				c[1]++
			default:
				c[2]++
			}
			byDoc[s.Document] = c
		}
		fmt.Fprintln(e.stdout, "\ndocument             sentences  encoded  annotated  unaccounted")
		for _, d := range order {
			c := byDoc[d]
			fmt.Fprintf(e.stdout, "%-20s %9d %8d %10d %12d\n", d, c[0]+c[1]+c[2], c[0], c[1], c[2])
		}
	}
	if unaccounted > 0 || bad > 0 {
		fmt.Fprintf(e.stderr, "%d amount-bearing sentences are unaccounted for\n", unaccounted)
		return exitError{1}
	}
	return nil
}
