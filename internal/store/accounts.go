package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
)

// Account rules.
const (
	MinPassword    = 10                 // characters
	MaxFailures    = 5                  // wrong passwords in a row before the account locks
	LockFor        = 15 * time.Minute   // how long it stays locked
	SessionTTL     = 12 * time.Hour     // how long a session lasts
	defaultBcryptC = bcrypt.DefaultCost // tests lower it with SetBcryptCost
)

var (
	bcryptCost = defaultBcryptC
	dummy      []byte
	dummyCost  int
	dummyMu    sync.Mutex
)

func dummyHash() []byte {
	dummyMu.Lock()
	defer dummyMu.Unlock()
	if dummy == nil || dummyCost != bcryptCost {
		dummy, _ = bcrypt.GenerateFromPassword([]byte("no such account"), bcryptCost)
		dummyCost = bcryptCost
	}
	return dummy
}

// SetBcryptCost changes the bcrypt cost (tests use bcrypt.MinCost).
func SetBcryptCost(c int) { bcryptCost = c }

// CreateUser adds an account with a password.
func (db *DB) CreateUser(ctx context.Context, u auth.User, password, by string) (err error) {
	defer errs.Wrap(&err, "store.CreateUser(%q)", u.ID)
	if err := u.Validate(); err != nil {
		return err
	}
	if u.ID == "" || len(u.ID) > 64 || strings.ContainsAny(u.ID, " \t\n/") {
		return errs.E(errs.Invalid, "account id %q: 1–64 characters, no spaces or slashes", u.ID)
	}
	if len([]rune(password)) < MinPassword {
		return errs.E(errs.Invalid, "the password needs at least %d characters", MinPassword)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return errs.E(errs.Invalid, "password: %v", err)
	}
	return db.transact(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, u.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "account %q already exists", u.ID)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO users (id, role, subject_id, jurisdiction, department, password_hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			u.ID, string(u.Role), u.Subject, u.Jurisdiction, u.Department, string(hash), db.stamp()); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "user.create", "user/"+u.ID, "",
			"role "+string(u.Role)+" subject "+u.Subject+" jurisdiction "+u.Jurisdiction+" department "+u.Department)
	})
}

// errLogin is the one answer to a failed login, whatever failed: it does not
// tell whether the account exists.
var errLogin = errs.E(errs.Permission, "wrong account or password, or the account is locked: wait 15 minutes after 5 failures")

// Authenticate checks a password. After MaxFailures wrong passwords in a row
// the account is locked for LockFor, even for the right password.
func (db *DB) Authenticate(ctx context.Context, id, password string) (u auth.User, err error) {
	defer errs.Wrap(&err, "store.Authenticate")
	var hash, locked, role string
	var failed, disabled int
	err = db.w.QueryRowContext(ctx, `
		SELECT role, subject_id, jurisdiction, department, password_hash, failed, locked_until, disabled FROM users WHERE id = $1`, id).
		Scan(&role, &u.Subject, &u.Jurisdiction, &u.Department, &hash, &failed, &locked, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password)) // as slow as a real check: no hint the account is missing
		return auth.User{}, errLogin
	}
	if err != nil {
		return auth.User{}, err
	}
	now := db.now().UTC()
	if disabled != 0 || (locked != "" && locked > now.Format(stampFormat)) {
		return auth.User{}, errLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		failed++
		lock := ""
		if failed >= MaxFailures {
			lock, failed = now.Add(LockFor).Format(stampFormat), 0
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE users SET failed = $1, locked_until = $2 WHERE id = $3`, failed, lock, id); err != nil {
			return auth.User{}, err
		}
		return auth.User{}, errLogin
	}
	if _, err := db.w.ExecContext(ctx, `UPDATE users SET failed = 0, locked_until = '' WHERE id = $1`, id); err != nil {
		return auth.User{}, err
	}
	u.ID, u.Role = id, auth.Role(role)
	return u, nil
}

func token() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// CreateSession starts a session for a user: the token goes in a cookie,
// the CSRF token in every form and htmx request.
func (db *DB) CreateSession(ctx context.Context, userID string) (tok, csrf string, err error) {
	defer errs.Wrap(&err, "store.CreateSession")
	tok, csrf = token(), token()
	now := db.now().UTC()
	_, err = db.w.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		tokenHash(tok), userID, csrf, now.Format(stampFormat), now.Add(SessionTTL).Format(stampFormat))
	return tok, csrf, err
}

// Session returns the user and CSRF token of a live session.
func (db *DB) Session(ctx context.Context, tok string) (u auth.User, csrf string, err error) {
	defer errs.Wrap(&err, "store.Session")
	var role, expires string
	var disabled int
	err = db.r.QueryRowContext(ctx, `
		SELECT u.id, u.role, u.subject_id, u.jurisdiction, u.department, u.disabled, s.csrf, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, tokenHash(tok)).
		Scan(&u.ID, &role, &u.Subject, &u.Jurisdiction, &u.Department, &disabled, &csrf, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (expires <= db.now().UTC().Format(stampFormat) || disabled != 0)) {
		return auth.User{}, "", errs.E(errs.Permission, "not signed in, or the session has expired: sign in again")
	}
	if err != nil {
		return auth.User{}, "", err
	}
	u.Role = auth.Role(role)
	return u, csrf, nil
}

// EndSession signs a session out.
func (db *DB) EndSession(ctx context.Context, tok string) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash(tok))
	return err
}
