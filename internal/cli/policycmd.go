package cli

import (
	"context"
	"fmt"

	"kechuang/internal/rules"
	"kechuang/internal/store"
)

const policyHelp = `
kechuang policy upload --db PATH|URL [--dir DIR] [--note TEXT] [--by NAME]
kechuang policy list --db PATH|URL

The policy library a server evaluates with lives in its database, as
numbered versions; it changes only by upload. upload loads DIR (default: the
library bundled in this binary), runs every check of kechuang check — types,
quotes, brackets, coverage annotations, every test, tests at every boundary —
and, only if all pass, stores the files as a new version (or finds the
version that holds exactly these files) and makes it the version in force.
Nothing is stored when a check fails. Both steps are in the audit log. list
shows the stored versions and which is in force. A running server picks up a
new version when it restarts.`

func runPolicy(e *env, args []string) error {
	if len(args) == 0 || (args[0] != "upload" && args[0] != "list") {
		fmt.Fprintln(e.stderr, policyHelp)
		return exitError{2}
	}
	fs0 := newFlags("policy "+args[0], policyHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	dir := fs0.String("dir", "", "policy directory to upload (default: the bundled library)")
	note := fs0.String("note", "", "what changed (kept with the version)")
	by := fs0.String("by", "kechuang policy upload", "who uploads (audit log)")
	if err := parse(fs0, args[1:]); err != nil {
		return err
	}
	if *dsn == "" {
		fs0.Usage()
		return exitError{2}
	}
	db, err := store.Open(e.ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "list" {
		vs, err := db.PolicyVersions(e.ctx)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			fmt.Fprintln(e.stdout, "no policy library stored yet: kechuang policy upload")
		}
		for _, v := range vs {
			mark := " "
			if v.Active {
				mark = "*"
			}
			fmt.Fprintf(e.stdout, "%s %3d  %s  %s  %s  %s\n", mark, v.Version, v.CreatedAt, v.Checksum[:12], v.CreatedBy, v.Note)
		}
		return nil
	}
	v, _, err := uploadPolicies(e, db, *dir, *by, *note)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "policy library version %d is in force\n", v)
	return nil
}

// uploadPolicies checks the library in dir (the bundled one when empty) and,
// if every check passes, stores it and makes it the version in force.
func uploadPolicies(e *env, db *store.DB, dir, by, note string) (int, *rules.Engine, error) {
	files, err := loadPolicies(e, dir)
	if err != nil {
		printErrs(e.stderr, err)
		return 0, nil, exitError{1}
	}
	eng, ok := checkLibrary(e.stdout, files)
	if !ok {
		fmt.Fprintln(e.stderr, "the library does not pass kechuang check: nothing stored")
		return 0, nil, exitError{1}
	}
	raw, err := policyFiles(e, dir)
	if err != nil {
		return 0, nil, err
	}
	v, err := db.SavePolicyVersion(e.ctx, raw, by, note)
	if err != nil {
		return 0, nil, err
	}
	if err := db.ActivatePolicyVersion(e.ctx, v, by); err != nil {
		return 0, nil, err
	}
	return v, eng, nil
}

// activeEngine loads and compiles the policy version in force in db.
func activeEngine(ctx context.Context, db *store.DB) (int, *rules.Engine, error) {
	v, err := db.ActivePolicyVersion(ctx)
	if err != nil {
		return 0, nil, err
	}
	eng, err := versionEngine(ctx, db, v)
	return v, eng, err
}
