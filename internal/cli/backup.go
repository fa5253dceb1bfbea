package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/store"
)

const backupHelp = `
kechuang backup --db PATH|URL --out FILE
kechuang restore --db PATH|URL --from FILE [--force]

backup writes a consistent copy of the store: for SQLite a database file
(VACUUM INTO, safe while kechuang runs), for PostgreSQL a pg_dump archive
(custom format; pg_dump must be installed). It refuses to overwrite FILE.

restore puts a backup in place: for SQLite it copies the file to PATH, which
must not exist unless --force (stop kechuang first); for PostgreSQL it runs
pg_restore --clean --if-exists into the database, which must exist. Either
way it then opens the store (applying any newer migrations) and verifies the
audit log chain; scripts/test-backup-restore exercises both engines.`

func runBackup(e *env, args []string) error {
	fs0 := newFlags("backup", backupHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	out := fs0.String("out", "", "backup file to write")
	if err := parse(fs0, args); err != nil {
		return err
	}
	if *dsn == "" || *out == "" {
		fs0.Usage()
		return exitError{2}
	}
	if _, err := os.Stat(*out); err == nil {
		return errs.At(errs.Pos{File: *out}, "already exists: choose another name")
	}
	ctx := context.Background()
	if store.IsPostgres(*dsn) {
		if err := runTool(e, "pg_dump", "--format=custom", "--file="+*out, "--dbname="+*dsn); err != nil {
			return err
		}
	} else {
		db, err := store.Open(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.Backup(ctx, *out); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s\n", redact(*dsn), *out)
	return nil
}

func runRestore(e *env, args []string) error {
	fs0 := newFlags("restore", backupHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	from := fs0.String("from", "", "backup file")
	force := fs0.Bool("force", false, "SQLite: replace an existing database file")
	if err := parse(fs0, args); err != nil {
		return err
	}
	if *dsn == "" || *from == "" {
		fs0.Usage()
		return exitError{2}
	}
	if _, err := os.Stat(*from); err != nil {
		return errs.At(errs.Pos{File: *from}, "cannot read the backup: %v", err)
	}
	if store.IsPostgres(*dsn) {
		if err := runTool(e, "pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname="+*dsn, *from); err != nil {
			return err
		}
	} else {
		if _, err := os.Stat(*dsn); err == nil && !*force {
			return errs.At(errs.Pos{File: *dsn}, "the database exists: stop kechuang and restore with --force to replace it")
		}
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(*dsn + suffix)
		}
		if err := copyFile(*from, *dsn); err != nil {
			return err
		}
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored %s from %s; audit log intact (%d entries)\n", redact(*dsn), *from, n)
	return nil
}

func runTool(e *env, name string, args ...string) error {
	if _, err := exec.LookPath(name); err != nil {
		return errs.E(errs.Invalid, "%s is not installed: it is needed for PostgreSQL backups (Debian: postgresql-client)", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
	if err := cmd.Run(); err != nil {
		return errs.E(errs.Internal, "%s failed: %v", name, err)
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := to + ".restoring"
	dst, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(tmp)
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, to)
}

// redact hides a password in a database URL for messages.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.Index(dsn[i+3:], "@"); at >= 0 {
			cred := dsn[i+3 : i+3+at]
			if c := strings.Index(cred, ":"); c >= 0 {
				return dsn[:i+3] + cred[:c] + ":***" + dsn[i+3+at:]
			}
		}
	}
	return dsn
}
