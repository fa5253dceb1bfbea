// Package auth decides who may do what (权限): accounts with a role, enterprise
// accounts tied to their own subject, staff and finance accounts scoped to a
// jurisdiction (a GB/T 2260 code and everything under it) and a department.
// It knows nothing of HTTP or SQL: handlers and the store ask Can, and every
// refusal is a permission error.
package auth

import (
	"slices"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/policy"
)

// Role is what an account is for.
type Role string

const (
	Enterprise Role = "enterprise" // an enterprise or institute: its own subject only
	Staff      Role = "staff"      // S&T bureau staff (科技局/工信局), scoped to a jurisdiction
	Finance    Role = "finance"    // finance bureau (财政局), scoped to a jurisdiction; reads subjects
	Expert     Role = "expert"     // reviewers (评审专家): projects they are assigned, no registry access
	Admin      Role = "admin"      // runs the instance
)

// Roles lists every role.
var Roles = []Role{Enterprise, Staff, Finance, Expert, Admin}

// User is an account as the rules see it.
type User struct {
	ID           string
	Role         Role
	Subject      string // Enterprise: the subject the account belongs to
	Jurisdiction string // Staff, Finance: a GB/T 2260 code (620600 covers 武威 and its counties)
	Department   string
}

// Validate checks that an account's fields fit its role.
func (u User) Validate() error {
	if !slices.Contains(Roles, u.Role) {
		return errs.E(errs.Invalid, "role %q is not one of enterprise, staff, finance, expert, admin", u.Role)
	}
	switch u.Role {
	case Enterprise:
		if u.Subject == "" {
			return errs.E(errs.Invalid, "an enterprise account needs the subject it belongs to")
		}
	case Staff, Finance:
		if len(u.Jurisdiction) != 6 {
			return errs.E(errs.Invalid, "a %s account needs a jurisdiction: a six-digit GB/T 2260 code such as 620600", u.Role)
		}
	}
	return nil
}

// Action is what a user wants to do.
type Action string

const (
	Read  Action = "read"
	Write Action = "write"
)

// Subject is a registry subject as the rules see it.
type Subject struct {
	ID     string
	Region string // GB/T 2260
}

// CanSubject decides whether u may act on subject s.
func CanSubject(u User, a Action, s Subject) error {
	switch u.Role {
	case Admin:
		return nil
	case Enterprise:
		if u.Subject == s.ID {
			return nil
		}
		return errs.E(errs.Permission, "this account may only see and change its own enterprise")
	case Staff:
		if policy.Covers(u.Jurisdiction, s.Region) {
			return nil
		}
	case Finance:
		if a == Read && policy.Covers(u.Jurisdiction, s.Region) {
			return nil
		}
		if policy.Covers(u.Jurisdiction, s.Region) {
			return errs.E(errs.Permission, "finance accounts read subjects but do not change them")
		}
	}
	return errs.E(errs.Permission, "subject %s is outside this account's jurisdiction (%s)", s.ID, u.Jurisdiction)
}

// RegionScope is the GB/T 2260 prefix a user's subject lists are limited
// to, and whether the user may list subjects at all. An enterprise lists
// only itself (by id, not by region).
func RegionScope(u User) (prefix string, ok bool) {
	switch u.Role {
	case Admin:
		return "", true
	case Staff, Finance:
		return policy.RegionPrefix(u.Jurisdiction), true
	}
	return "", false
}

// Reaches reports whether a document of jurisdiction j concerns an account
// scoped to jurisdiction scope: j covers the scope (a city's document for a
// county officer, a national one for everyone) or lies within it (a
// county's document for the city).
func Reaches(scope, j string) bool {
	return policy.Covers(j, scope) || policy.Covers(scope, j)
}

// Clause is a clause as the rules see it: its document's jurisdiction and
// the units the document makes responsible for it (责任单位).
type Clause struct {
	ID           string
	Jurisdiction string
	Responsible  []string
}

// CanClause decides whether u may read (a) or act on (a == Write: export
// and push the 免申即享 list, later approve and pay) what clause c pays in
// u's jurisdiction. Reading needs the clause's document to concern the
// account's jurisdiction; acting also needs the account's department to be
// one of the clause's responsible units, when the document names any.
func CanClause(u User, a Action, c Clause) error {
	switch u.Role {
	case Admin:
		return nil
	case Staff, Finance:
	default:
		return errs.E(errs.Permission, "this account does not work on clauses")
	}
	if !Reaches(u.Jurisdiction, c.Jurisdiction) {
		return errs.E(errs.Permission, "clause %s belongs to another jurisdiction (%s), not this account's (%s)", c.ID, c.Jurisdiction, u.Jurisdiction)
	}
	if a == Read || len(c.Responsible) == 0 || slices.Contains(c.Responsible, u.Department) {
		return nil
	}
	return errs.E(errs.Permission, "clause %s is handled by %v; this account's department (%q) may read its list but not export or act on it",
		c.ID, c.Responsible, u.Department)
}

// Narrow returns the region prefix a list asked for region should use for
// an account whose lists are limited to scope: the scope itself when region
// is empty or wider, region when it lies within the scope, and a permission
// error when it lies outside.
func Narrow(scope, region string) (string, error) {
	switch {
	case region == "" || strings.HasPrefix(scope, region):
		return scope, nil
	case strings.HasPrefix(region, scope):
		return region, nil
	}
	return "", errs.E(errs.Permission, "region %s is outside this account's jurisdiction", region)
}

// CheckSubject decides whether u may act (a) on subject id, calling load to
// fetch it only when the decision needs its region. A subject out of reach
// and one that does not exist get the same refusal — an account cannot
// learn whether another's subject exists — except for an admin, who is told
// it is not found.
func CheckSubject(u User, a Action, id string, load func() (Subject, error)) error {
	if u.Role == Enterprise && u.Subject != id {
		return CanSubject(u, a, Subject{ID: id})
	}
	s, err := load()
	if err != nil {
		if errs.KindOf(err) == errs.NotFound && u.Role != Admin {
			return errs.E(errs.Permission, "no subject %q within this account's reach", id)
		}
		return err
	}
	return CanSubject(u, a, s)
}
