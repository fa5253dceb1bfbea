package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
)

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

// Entry says who put a version of a subject's facts, how and why.
type Entry struct {
	Source string // import, entry, api, demo
	By     string // the account or process
	Note   string // e.g. what a correction corrects
}

// FactVersion is one stored version of a subject's facts.
type FactVersion struct {
	SubjectID string
	Version   int
	Facts     []byte // the facts document, JSON (docs/facts.md)
	Source    string
	By        string
	At        string // RFC 3339, UTC
	Note      string
}

// PutFacts stores a new version of a subject's facts: the first makes the
// subject, every later one is a new version, and earlier versions stay. The
// document must decode (facts.DecodeBytes); it is stored as given.
func (db *DB) PutFacts(ctx context.Context, doc []byte, e Entry) (version int, err error) {
	defer errs.Wrap(&err, "store.PutFacts")
	vs, err := db.PutFactsBatch(ctx, [][]byte{doc}, e)
	if err != nil {
		return 0, err
	}
	return vs[0], nil
}

// PutFactsBatch stores several documents in one transaction: all of them or
// none (an import of the valid rows either lands whole or not at all).
func (db *DB) PutFactsBatch(ctx context.Context, docs [][]byte, e Entry) (versions []int, err error) {
	defer errs.Wrap(&err, "store.PutFactsBatch")
	if e.Source == "" || e.By == "" {
		return nil, errs.E(errs.Invalid, "a fact version needs a source and who entered it")
	}
	subjects := make([]facts.Subject, len(docs))
	for i, doc := range docs {
		f, err := facts.DecodeBytes(doc, "facts")
		if err != nil {
			return nil, err
		}
		subjects[i] = f.Subject
	}
	err = db.transact(ctx, func(tx *sql.Tx) error {
		var err error
		versions, err = db.putFacts(ctx, tx, docs, subjects, e)
		return err
	})
	return versions, err
}

// putFacts stores docs (already decoded to subjects) as new versions in tx.
func (db *DB) putFacts(ctx context.Context, tx *sql.Tx, docs [][]byte, subjects []facts.Subject, e Entry) ([]int, error) {
	now := db.stamp()
	versions := make([]int, 0, len(docs))
	for i, s := range subjects {
		var version int
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO subjects (id, kind, name, uscc, region, industry, current_version, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 1, $7)
			ON CONFLICT (id) DO UPDATE SET
				kind = excluded.kind, name = excluded.name, uscc = excluded.uscc, region = excluded.region,
				industry = excluded.industry, current_version = subjects.current_version + 1, updated_at = excluded.updated_at
			RETURNING current_version`,
			s.ID, s.Kind, s.Name, s.USCC, s.Region, s.Industry, now).Scan(&version); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO fact_versions (subject_id, version, facts, source, entered_by, entered_at, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			s.ID, version, string(docs[i]), e.Source, e.By, now, e.Note); err != nil {
			return nil, err
		}
		before := ""
		if version > 1 {
			if err := tx.QueryRowContext(ctx, `SELECT facts FROM fact_versions WHERE subject_id = $1 AND version = $2`,
				s.ID, version-1).Scan(&before); err != nil {
				return nil, err
			}
		}
		if err := db.audit(ctx, tx, e.By, "facts.put", "subject/"+s.ID, before, string(docs[i])); err != nil {
			return nil, err
		}
		versions = append(versions, version)
	}
	return versions, nil
}

// Facts returns the current facts of a subject and their version.
func (db *DB) Facts(ctx context.Context, id string) (f *facts.Facts, version int, err error) {
	defer errs.Wrap(&err, "store.Facts(%q)", id)
	doc, version, err := db.FactsDoc(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	f, err = facts.DecodeBytes(doc, id)
	return f, version, err
}

// FactsDoc returns the current facts document of a subject as stored, and its version.
func (db *DB) FactsDoc(ctx context.Context, id string) (doc []byte, version int, err error) {
	var s string
	err = db.r.QueryRowContext(ctx, `
		SELECT v.facts, v.version FROM subjects s
		JOIN fact_versions v ON v.subject_id = s.id AND v.version = s.current_version
		WHERE s.id = $1`, id).Scan(&s, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, errs.E(errs.NotFound, "no subject %q", id)
	}
	if err != nil {
		return nil, 0, err
	}
	return []byte(s), version, nil
}

// History lists every version of a subject's facts, oldest first.
func (db *DB) History(ctx context.Context, id string) (out []FactVersion, err error) {
	defer errs.Wrap(&err, "store.History(%q)", id)
	rows, err := db.r.QueryContext(ctx, `
		SELECT subject_id, version, facts, source, entered_by, entered_at, note
		FROM fact_versions WHERE subject_id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v FactVersion
		var doc string
		if err := rows.Scan(&v.SubjectID, &v.Version, &doc, &v.Source, &v.By, &v.At, &v.Note); err != nil {
			return nil, err
		}
		v.Facts = []byte(doc)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.E(errs.NotFound, "no subject %q", id)
	}
	return out, nil
}

// SubjectRow is a subject as listed.
type SubjectRow struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	USCC      string `json:"uscc"`
	Region    string `json:"region"`
	Industry  string `json:"industry"`
	Version   int    `json:"version"`
	UpdatedAt string `json:"updated_at"`
}

// Filter selects subjects. Region is a GB/T 2260 prefix ("6206" covers
// 武威's districts); Query matches the name or the 统一社会信用代码.
type Filter struct {
	Region string
	Kind   string
	Query  string
	Limit  int // default 100, at most 1000
	After  string
	// From and Before bound the ids (From ≤ id < Before; empty: unbounded),
	// for shards of a population run.
	From, Before string
}

// where is the filter as a condition on subjects s, with its arguments
// ($1–$6). LIKE wildcards in the filter match literally.
func (fl Filter) where() (string, []any) {
	return `s.region LIKE $1 ESCAPE '\' AND ($2 = '' OR s.kind = $2)
		AND ($3 = '' OR s.name LIKE $4 ESCAPE '\' OR s.uscc = $3)
		AND ($5 = '' OR s.id >= $5) AND ($6 = '' OR s.id < $6)`,
		[]any{esc.Replace(fl.Region) + "%", fl.Kind, fl.Query, "%" + esc.Replace(fl.Query) + "%", fl.From, fl.Before}
}

// Subjects lists subjects by id, a page at a time (After: the last id seen).
func (db *DB) Subjects(ctx context.Context, fl Filter) (out []SubjectRow, err error) {
	defer errs.Wrap(&err, "store.Subjects")
	limit := fl.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	where, args := fl.where()
	rows, err := db.r.QueryContext(ctx, `
		SELECT id, kind, name, uscc, region, industry, current_version, updated_at FROM subjects s
		WHERE `+where+` AND s.id > $7 ORDER BY s.id LIMIT $8`, append(args, fl.After, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s SubjectRow
		if err := rows.Scan(&s.ID, &s.Kind, &s.Name, &s.USCC, &s.Region, &s.Industry, &s.Version, &s.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PolicyFiles is a policy library: file path → content (the YAML files and
// the source texts under source/).
type PolicyFiles map[string][]byte

func (p PolicyFiles) checksum() string {
	paths := make([]string, 0, len(p))
	for k := range p {
		paths = append(paths, k)
	}
	slices.Sort(paths)
	h := sha256.New()
	for _, k := range paths {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write(p[k])
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SavePolicyVersion stores a library as a new version, or returns the
// version that already holds exactly these files. The caller has checked
// the library (kechuang check) before.
func (db *DB) SavePolicyVersion(ctx context.Context, files PolicyFiles, by, note string) (version int, err error) {
	defer errs.Wrap(&err, "store.SavePolicyVersion")
	if len(files) == 0 {
		return 0, errs.E(errs.Invalid, "an empty policy library")
	}
	sum := files.checksum()
	err = db.transact(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT version FROM policy_versions WHERE checksum = $1`, sum).Scan(&version)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO policy_versions (version, checksum, created_by, created_at, note)
			SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4 FROM policy_versions
			RETURNING version`, sum, by, db.stamp(), note).Scan(&version); err != nil {
			return err
		}
		paths := make([]string, 0, len(files))
		for path, content := range files {
			if _, err := tx.ExecContext(ctx, `INSERT INTO policy_files (version, path, content) VALUES ($1, $2, $3)`,
				version, path, string(content)); err != nil {
				return err
			}
			paths = append(paths, path)
		}
		slices.Sort(paths)
		return db.audit(ctx, tx, by, "policy.save", fmt.Sprintf("policy/%d", version), "",
			"sha256 "+sum+"\n"+strings.Join(paths, "\n"))
	})
	return version, err
}

// PolicyVersion returns the files of a stored library version; version 0
// means the latest.
func (db *DB) PolicyVersion(ctx context.Context, version int) (files PolicyFiles, v int, err error) {
	defer errs.Wrap(&err, "store.PolicyVersion(%d)", version)
	v = version
	if v == 0 {
		if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM policy_versions`).Scan(&v); err != nil {
			return nil, 0, err
		}
		if v == 0 {
			return nil, 0, errs.E(errs.NotFound, "no policy library is stored yet")
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT path, content FROM policy_files WHERE version = $1`, v)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	files = PolicyFiles{}
	for rows.Next() {
		var path, content string
		if err := rows.Scan(&path, &content); err != nil {
			return nil, 0, err
		}
		files[path] = []byte(content)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(files) == 0 {
		return nil, 0, errs.E(errs.NotFound, "no policy version %d", v)
	}
	return files, v, nil
}

// Evaluation is a stored evaluation: which facts, which library, the report.
type Evaluation struct {
	ID            int64
	SubjectID     string
	FactVersion   int
	PolicyVersion int
	At            string // the evaluation date, YYYY-MM-DD
	FiscalYear    int
	Report        []byte // JSON
	By            string
	CreatedAt     string
}

// RecordEvaluation stores an evaluation and returns its id.
func (db *DB) RecordEvaluation(ctx context.Context, e Evaluation) (id int64, err error) {
	defer errs.Wrap(&err, "store.RecordEvaluation")
	err = db.transact(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO evaluations (subject_id, fact_version, policy_version, at, fiscal_year, report, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			e.SubjectID, e.FactVersion, e.PolicyVersion, e.At, e.FiscalYear, string(e.Report), e.By, db.stamp()).Scan(&id); err != nil {
			return err
		}
		return db.audit(ctx, tx, e.By, "evaluation.record", "subject/"+e.SubjectID, "",
			fmt.Sprintf("evaluation %d: facts version %d, policy version %d, at %s, fiscal year %d", id, e.FactVersion, e.PolicyVersion, e.At, e.FiscalYear))
	})
	if err != nil && isForeignKey(err) {
		return 0, errs.E(errs.Invalid, "evaluation of %s refers to facts version %d or policy version %d, which are not stored",
			e.SubjectID, e.FactVersion, e.PolicyVersion)
	}
	return id, err
}

// Evaluations lists a subject's evaluations, newest first.
func (db *DB) Evaluations(ctx context.Context, subjectID string) (out []Evaluation, err error) {
	defer errs.Wrap(&err, "store.Evaluations(%q)", subjectID)
	rows, err := db.r.QueryContext(ctx, `
		SELECT id, subject_id, fact_version, policy_version, at, fiscal_year, report, created_by, created_at
		FROM evaluations WHERE subject_id = $1 ORDER BY id DESC`, subjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e Evaluation
		var report string
		if err := rows.Scan(&e.ID, &e.SubjectID, &e.FactVersion, &e.PolicyVersion, &e.At, &e.FiscalYear, &report, &e.By, &e.CreatedAt); err != nil {
			return nil, err
		}
		e.Report = []byte(report)
		out = append(out, e)
	}
	return out, rows.Err()
}

// isForeignKey recognises a foreign-key violation on either engine.
func isForeignKey(err error) bool {
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "violates foreign key constraint")
}

// EachFacts streams the current facts of every subject the filter selects
// (Limit and After are ignored), in id order.
func (db *DB) EachFacts(ctx context.Context, fl Filter, fn func(*facts.Facts) error) (err error) {
	return db.EachDoc(ctx, fl, func(id string, _ int, doc []byte) error {
		f, err := facts.DecodeBytes(doc, id)
		if err != nil {
			return err
		}
		return fn(f)
	})
}

// EachDoc streams the current facts documents (JSON) of the subjects fl
// selects, by id, undecoded: a caller can decode them on several cores.
// The document passed to fn is fn's to keep.
func (db *DB) EachDoc(ctx context.Context, fl Filter, fn func(id string, version int, doc []byte) error) (err error) {
	defer errs.Wrap(&err, "store.EachDoc")
	where, args := fl.where()
	rows, err := db.r.QueryContext(ctx, `
		SELECT s.id, s.current_version, v.facts FROM subjects s
		JOIN fact_versions v ON v.subject_id = s.id AND v.version = s.current_version
		WHERE `+where+` ORDER BY s.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var version int
		var doc []byte
		if err := rows.Scan(&id, &version, &doc); err != nil {
			return err
		}
		if err := fn(id, version, doc); err != nil {
			return err
		}
	}
	return rows.Err()
}

// esc makes LIKE wildcards in user text match literally.
var esc = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Regions lists the distinct GB/T 2260 codes of the subjects under prefix.
func (db *DB) Regions(ctx context.Context, prefix string) (out []string, err error) {
	defer errs.Wrap(&err, "store.Regions(%q)", prefix)
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT region FROM subjects WHERE region LIKE $1 ESCAPE '\' ORDER BY region`, esc.Replace(prefix)+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ActivatePolicyVersion makes a stored version the library in force
// (recorded in the audit log with the version it replaces).
func (db *DB) ActivatePolicyVersion(ctx context.Context, version int, by string) (err error) {
	defer errs.Wrap(&err, "store.ActivatePolicyVersion(%d)", version)
	return db.transact(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM policy_versions WHERE version = $1`, version).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "no policy version %d", version)
		}
		before := ""
		var old int
		switch err := tx.QueryRowContext(ctx, `SELECT version FROM policy_active WHERE id = 1`).Scan(&old); {
		case err == nil:
			if old == version {
				return nil
			}
			before = fmt.Sprintf("version %d", old)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO policy_active (id, version, activated_by, activated_at) VALUES (1, $1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET version = excluded.version, activated_by = excluded.activated_by,
				activated_at = excluded.activated_at`, version, by, db.stamp()); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "policy.activate", "policy/active", before, fmt.Sprintf("version %d", version))
	})
}

// ActivePolicyVersion returns the version in force; not found when none is.
func (db *DB) ActivePolicyVersion(ctx context.Context) (version int, err error) {
	defer errs.Wrap(&err, "store.ActivePolicyVersion")
	err = db.r.QueryRowContext(ctx, `SELECT version FROM policy_active WHERE id = 1`).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.E(errs.NotFound, "no policy library is active: run kechuang policy upload")
	}
	return version, err
}

// PolicyVersionInfo describes a stored library version.
type PolicyVersionInfo struct {
	Version   int
	Checksum  string
	CreatedBy string
	CreatedAt string
	Note      string
	Active    bool
}

// PolicyVersions lists the stored library versions, newest first.
func (db *DB) PolicyVersions(ctx context.Context) (out []PolicyVersionInfo, err error) {
	defer errs.Wrap(&err, "store.PolicyVersions")
	rows, err := db.r.QueryContext(ctx, `
		SELECT v.version, v.checksum, v.created_by, v.created_at, v.note, COALESCE(a.id, 0)
		FROM policy_versions v LEFT JOIN policy_active a ON a.version = v.version
		ORDER BY v.version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p PolicyVersionInfo
		var active int
		if err := rows.Scan(&p.Version, &p.Checksum, &p.CreatedBy, &p.CreatedAt, &p.Note, &active); err != nil {
			return nil, err
		}
		p.Active = active != 0
		out = append(out, p)
	}
	return out, rows.Err()
}

// SubjectVersions calls fn with every subject's id and current facts version.
func (db *DB) SubjectVersions(ctx context.Context, fn func(id string, version int) error) (err error) {
	defer errs.Wrap(&err, "store.SubjectVersions")
	rows, err := db.r.QueryContext(ctx, `SELECT id, current_version FROM subjects`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		if err := fn(id, v); err != nil {
			return err
		}
	}
	return rows.Err()
}
