package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"kechuang"
	"kechuang/internal/demo"
	"kechuang/internal/errs"
	"kechuang/internal/store"
)

const demoHelp = `
kechuang demo [--subjects N] [--seed S] [--db PATH|URL] [--policies DIR]

Generates a deterministic demonstration population (演示数据): enterprises,
institutes and people across 武威, 肥乡, 泰安 and 临沂, built from the policy
library's own test cases so that every clause has subjects who are entitled
and subjects who just miss; later subjects vary the figures. The same seed
gives the same population.

Without --db it writes one facts document (JSON, docs/facts.md) per line to
standard output. With --db (a SQLite file path or a postgres:// URL) it stores
the policy library as a version and every subject as a facts version
(source "demo").`

func runDemo(e *env, args []string) error {
	fs0 := newFlags("demo", demoHelp, e)
	n := fs0.Int("subjects", 1000, "number of subjects")
	seed := fs0.Uint64("seed", 1, "random seed")
	dsn := fs0.String("db", "", "store the population in this database instead of printing it")
	dir := fs0.String("policies", "", "policy directory (default: the bundled library)")
	if err := parse(fs0, args); err != nil {
		return err
	}
	if *n < 1 || *n > 10_000_000 {
		return errs.E(errs.Invalid, "--subjects must be between 1 and 10000000, not %d", *n)
	}
	eng, err := loadEngine(e, *dir)
	if err != nil {
		printErrs(e.stderr, err)
		return exitError{1}
	}
	docs, err := demo.Generate(eng, *n, *seed)
	if err != nil {
		return err
	}
	if *dsn == "" {
		for _, d := range docs {
			e.stdout.Write(d)
			e.stdout.Write([]byte{'\n'})
		}
		return nil
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	files, err := policyFiles(e, *dir)
	if err != nil {
		return err
	}
	pv, err := db.SavePolicyVersion(ctx, files, "kechuang demo", "policy library loaded with the demo data")
	if err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := db.PutFacts(ctx, d, store.Entry{Source: "demo", By: "kechuang demo", Note: fmt.Sprintf("seed %d", *seed)}); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "stored %d demo subjects and policy library version %d in %s\n", len(docs), pv, *dsn)
	return nil
}

// policyFiles reads the policy library's files (YAML and source texts) for
// storing: the bundled library, or DIR.
func policyFiles(e *env, dir string) (store.PolicyFiles, error) {
	if dir == "" {
		dir = e.getenv("KECHUANG_POLICIES")
	}
	var fsys fs.FS
	if dir == "" {
		sub, err := fs.Sub(kechuang.Policies, "policies")
		if err != nil {
			return nil, err
		}
		fsys = sub
	} else {
		fsys = os.DirFS(dir)
	}
	out := store.PolicyFiles{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".txt") || strings.HasSuffix(p, ".md") {
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			out[p] = b
		}
		return nil
	})
	return out, err
}
