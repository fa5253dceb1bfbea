package cli

import (
	"context"
	"fmt"

	"kechuang/internal/store"
)

const auditHelp = `
kechuang audit verify --db PATH|URL
kechuang audit list --db PATH|URL [--object subject/ID] [--json]

The append-only audit log: every change to the store (a facts version, a
policy library version, an evaluation) with who made it, when, and the value
before and after, each entry chained to the previous one by its SHA-256 hash.
verify recomputes the whole chain and names the first entry where it breaks
(an entry altered, removed or reordered); it exits 1 then.`

func runAudit(e *env, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "list") {
		fmt.Fprintln(e.stderr, auditHelp)
		return exitError{2}
	}
	fs0 := newFlags("audit "+args[0], auditHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	object := fs0.String("object", "", "only this object's entries, e.g. subject/e1")
	asJSON := fs0.Bool("json", false, "print JSON")
	if err := parse(fs0, args[1:]); err != nil {
		return err
	}
	if *dsn == "" {
		fs0.Usage()
		return exitError{2}
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "verify" {
		n, err := db.VerifyAudit(ctx)
		if err != nil {
			fmt.Fprintln(e.stdout, err)
			return exitError{1}
		}
		fmt.Fprintf(e.stdout, "audit log intact: %d entries, every hash and link verified\n", n)
		return nil
	}
	es, err := db.Audit(ctx, *object)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, es)
	}
	for _, a := range es {
		fmt.Fprintf(e.stdout, "%d  %s  %s  %s  %s  (%d → %d bytes)  %s\n", a.Seq, a.At, a.Actor, a.Action, a.Object, len(a.Before), len(a.After), a.Hash[:12])
	}
	return nil
}
