// Package cli is kechuang's command line: one flag.FlagSet per subcommand,
// each with a help paragraph. main only calls Run.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"kechuang"
	"kechuang/internal/errs"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// env is what a command may use of its surroundings.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	summary string
	help    string
	run     func(e *env, args []string) error
}

var commands map[string]*command

func init() {
	commands = map[string]*command{
		"check":    {"check policy files", checkHelp, runCheck},
		"eval":     {"evaluate a subject's entitlements", evalHelp, runEval},
		"coverage": {"account for every amount-bearing sentence of the sources", coverageHelp, runCoverage},
		"explain":  {"show a clause, its source text and its tests", explainHelp, runExplain},
		"tour":     {"a five-minute tour: check, then evaluate the bundled examples", tourHelp, runTour},
		"ladder":   {"place an enterprise on the ladder: statuses held, next rung, near misses", ladderHelp, runLadder},
		"pools":    {"培育库: the pools of the library with their criteria and memberships; a pool's ranked candidates", poolsHelp, runPools},
		"points":   {"企业创新积分制: score and rank a cohort of stored subjects for a year, with each indicator's contribution", pointsHelp, runPoints},
		"import":   {"import subjects from an Excel or CSV sheet, with a per-row error report", importHelp, runImport},
		"export":   {"export subjects from the store to Excel or CSV (the import template's layout)", exportHelp, runExport},
		"serve":    {"serve the web UI and the JSON API over a database", serveHelp, runServe},
		"simulate": {"reform simulation: a proposed policy change against the library in force, over the stored population", simulateHelp, runSimulate},
		"match":    {"start a population run split into shards for workers, or show its status", matchHelp, runMatch},
		"worker":   {"work on a sharded population run: claim, evaluate and write shards", workerHelp, runWorker},
		"policy":   {"upload a checked policy library as a new version in force, or list versions", policyHelp, runPolicy},
		"user":     {"add an account (enterprise, staff, finance, expert, admin)", userHelp, runUser},
		"backup":   {"back up the store (SQLite file copy or pg_dump)", backupHelp, runBackup},
		"restore":  {"restore the store from a backup and verify its audit log", backupHelp, runRestore},
		"audit":    {"verify or list the store's hash-chained audit log", auditHelp, runAudit},
		"demo":     {"generate a deterministic demo population (JSON lines, or into a database)", demoHelp, runDemo},
		"schema":   {"print the facts schema (docs/facts.md)", schemaHelp, runSchema},
	}
}

// exitError carries an exit code; its message has already been printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// ExitCode prints err (unless already printed) and returns the process exit code.
func ExitCode(err error, stderr io.Writer) int {
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(stderr, "kechuang:", err)
	if errs.KindOf(err) == errs.Invalid {
		return 2
	}
	return 1
}

// Run runs the command line args (args[0] is the program name).
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil { // no panic reaches a user
			err = errs.E(errs.Internal, "internal error (please report it): %v", r)
		}
	}()
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) < 2 || args[1] == "help" || args[1] == "-h" || args[1] == "--help" {
		if len(args) >= 3 {
			if c, ok := commands[args[2]]; ok {
				fmt.Fprintln(stdout, strings.TrimSpace(c.help))
				return nil
			}
		}
		usage(stdout)
		return nil
	}
	c, ok := commands[args[1]]
	if !ok {
		usage(stderr)
		return errs.E(errs.Invalid, "unknown command %q", args[1])
	}
	return c.run(e, args[2:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "kechuang (科创) — science-and-technology innovation policy as code.")
	fmt.Fprintln(w, "\nUsage: kechuang <command> [flags]\n\nCommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun `kechuang help <command>` for a command's flags.")
}

func newFlags(name, help string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, strings.TrimSpace(help))
		fmt.Fprintln(e.stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitError{0}
		}
		return exitError{2}
	}
	return nil
}

// loadPolicies loads the library from dir, or the bundled one when dir is
// empty (the environment variable KECHUANG_POLICIES overrides the default).
// A policy file is loaded with the rest of its directory: its tests describe
// how its clauses behave within the library (one event pays once across
// documents).
func loadPolicies(e *env, dir string) ([]*policy.File, error) {
	if dir == "" {
		dir = e.getenv("KECHUANG_POLICIES")
	}
	if dir == "" {
		sub, err := fs.Sub(kechuang.Policies, "policies")
		if err != nil {
			return nil, err
		}
		return policy.LoadFS(sub, "policies")
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, errs.At(errs.Pos{File: dir}, "cannot read: %v", err)
	}
	if !st.IsDir() {
		dir = filepath.Dir(dir)
	}
	return policy.LoadDir(dir)
}

// loadArgs loads the libraries holding the given files or directories (the
// bundled library when there are none), each directory once.
func loadArgs(e *env, args []string) ([]*policy.File, error) {
	if len(args) == 0 {
		return loadPolicies(e, "")
	}
	seen := map[string]bool{}
	var out []*policy.File
	for _, a := range args {
		d := a
		if st, err := os.Stat(a); err == nil && !st.IsDir() {
			d = filepath.Dir(a)
		}
		if seen[filepath.Clean(d)] {
			continue
		}
		seen[filepath.Clean(d)] = true
		fs, err := loadPolicies(e, a)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, policy.CheckIDs(out)
}

func loadEngine(e *env, dir string) (*rules.Engine, error) {
	files, err := loadPolicies(e, dir)
	if err != nil {
		return nil, err
	}
	return rules.Compile(files)
}

// printErrs prints every positioned error on its own line.
func printErrs(w io.Writer, err error) {
	var l errs.List
	if errors.As(err, &l) {
		for _, e := range l {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, err.Error())
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func today() policy.Date {
	t := time.Now().In(shanghai)
	return policy.Date(t.Year()*10000 + int(t.Month())*100 + t.Day())
}

func parseDate(s string) (policy.Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, errs.E(errs.Invalid, "--at %q: write the date as YYYY-MM-DD", s)
	}
	return policy.Date(t.Year()*10000 + int(t.Month())*100 + t.Day()), nil
}
