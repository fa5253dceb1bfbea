// Package errs gives kechuang's errors a kind and a position, so that every
// failure tells the user where (file:line:col, JSON path, row and column) and
// what to do, and so that the kind maps to an HTTP status in exactly one place.
package errs

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
type Kind uint8

const (
	Internal   Kind = iota // a bug or an environment failure: someone must fix kechuang
	Invalid                // the input is wrong: the user must correct it
	NotFound               // the named thing does not exist
	Conflict               // the request contradicts the current state
	Permission             // the caller may not do this
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case Permission:
		return "permission"
	}
	return "internal"
}

// HTTPStatus is the one place where a kind becomes an HTTP status.
func HTTPStatus(k Kind) int {
	switch k {
	case Invalid:
		return http.StatusUnprocessableEntity
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Permission:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// Pos says where in an input an error was found. Any part may be empty.
type Pos struct {
	File string // file name as the user gave it
	Line int    // 1-based
	Col  int    // 1-based, in runes
	Path string // JSON path or field path, e.g. "$.annual[1].revenue"
}

func (p Pos) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
	}
	if p.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	if p.Path != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(p.Path)
	}
	return b.String()
}

// Error is kechuang's error value.
type Error struct {
	Kind Kind
	Pos  Pos
	Msg  string // what is wrong and what to do, for a user
	Err  error  // underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil && e.Msg == "" {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an Error of the given kind with a formatted message.
func E(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// At builds an Invalid error at a position.
func At(p Pos, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Pos: p, Msg: fmt.Sprintf(format, args...)}
}

// KindOf reports the kind of err; errors that are not *Error are Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Wrap adds context to *errp if it is non-nil, keeping its kind:
//
//	defer errs.Wrap(&err, "policy.Load(%q)", dir)
func Wrap(errp *error, format string, args ...any) {
	if *errp == nil {
		return
	}
	var e *Error
	if errors.As(*errp, &e) {
		return // positioned user errors already say where; do not bury them
	}
	*errp = &Error{Kind: Internal, Msg: fmt.Sprintf(format, args...) + ": " + (*errp).Error(), Err: *errp}
}

// List collects several positioned errors so a user sees all of them at once.
type List []*Error

func (l List) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As and KindOf see the errors of the list: a list of
// invalid-input errors is itself invalid input.
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Err returns l as an error, or nil when empty.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
