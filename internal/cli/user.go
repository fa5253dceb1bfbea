package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/store"
)

const userHelp = `
kechuang user add --db PATH|URL --id ID --role ROLE [--subject ID] [--jurisdiction CODE] [--department NAME] < password

Adds an account. Roles: enterprise (needs --subject: the account sees and
changes only that subject), staff and finance (need --jurisdiction, a GB/T
2260 code: 620600 covers 武威 and its counties, 130407 only 肥乡), expert,
admin. The password (at least 10 characters) is read from the first line of
standard input, so it stays out of the shell history; it is stored as a
bcrypt hash. The creation is recorded in the audit log.`

func runUser(e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(e.stderr, userHelp)
		return exitError{2}
	}
	fs0 := newFlags("user add", userHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	id := fs0.String("id", "", "account id (login name)")
	role := fs0.String("role", "", "enterprise, staff, finance, expert or admin")
	subject := fs0.String("subject", "", "enterprise accounts: the subject id")
	jurisdiction := fs0.String("jurisdiction", "", "staff and finance accounts: GB/T 2260 code")
	department := fs0.String("department", "", "staff accounts: department, e.g. 市科技局")
	by := fs0.String("by", "kechuang user add", "who adds the account (audit log)")
	if err := parse(fs0, args[1:]); err != nil {
		return err
	}
	if *dsn == "" || *id == "" || *role == "" {
		fs0.Usage()
		return exitError{2}
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errs.E(errs.Invalid, "no password on standard input")
	}
	password := strings.TrimRight(line, "\r\n")
	ctx := context.Background()
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	u := auth.User{ID: *id, Role: auth.Role(*role), Subject: *subject, Jurisdiction: *jurisdiction, Department: *department}
	if err := db.CreateUser(ctx, u, password, *by); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "account %s (%s) added\n", *id, *role)
	return nil
}
