package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/registry"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
)

// Import (主体导入): staff upload an Excel workbook or a CSV laid out as the
// template; every cell is checked (registry.Decode) and every subject must
// lie in the account's jurisdiction — both its new region and, for a subject
// already stored, its current one. With any problem nothing is imported,
// unless the user asks for the valid subjects only; either way the report
// names row, column and value.

// importLimit bounds an uploaded sheet.
const importLimit = 32 << 20

// reportLimit is how many problems the page lists.
const reportLimit = 1000

type importData struct {
	Done      bool
	File      string
	Valid     int
	Imported  int
	ValidOnly bool
	Errors    []registry.RowError
	More      int // problems not listed
	Total     int // all problems
	CanWrite  bool
}

func (s *Server) importForm(q *req) error {
	return s.render(q, http.StatusOK, "import", q.lang.T("import.title"), "import", importData{CanWrite: canImport(*q.user) == nil})
}

// canImport: staff and admin change the registry; finance reads it.
func canImport(u auth.User) error {
	if u.Role == auth.Staff || u.Role == auth.Admin {
		return nil
	}
	return errs.E(errs.Permission, "only bureau staff and administrators import subjects")
}

func (s *Server) importTemplate(q *req) error {
	format := q.r.URL.Query().Get("format")
	if format != "csv" && format != "xlsx" {
		return errs.At(errs.Pos{Path: "format"}, "format must be xlsx or csv")
	}
	header, notes := registry.Template()
	return writeSheet(q, "kechuang-import-template", format, sheet.Table{Name: "主体", Rows: header}, sheet.Table{Name: "说明", Rows: notes})
}

func (s *Server) importUpload(q *req) error {
	u := *q.user
	if err := canImport(u); err != nil {
		return err
	}
	file, fh, err := q.r.FormFile("file")
	if err != nil {
		return errs.At(errs.Pos{Path: "file"}, "choose an .xlsx or .csv file laid out as the template")
	}
	defer file.Close()
	d := importData{Done: true, File: filepath.Base(fh.Filename), ValidOnly: q.r.PostFormValue("valid_only") != "", CanWrite: true}
	table, err := sheet.Read(d.File, file)
	if err != nil {
		return err
	}
	docs, report := registry.Decode(table)
	// Every subject within the account's reach, before and after.
	var ok []registry.Doc
	for _, doc := range docs {
		var head struct {
			Subject struct{ ID, Region string }
		}
		if err := json.Unmarshal(doc.JSON, &head); err != nil {
			return errs.E(errs.Internal, "decoded row: %v", err)
		}
		bad := auth.CanSubject(u, auth.Write, auth.Subject{ID: head.Subject.ID, Region: head.Subject.Region}) != nil
		if !bad {
			if f, _, err := s.Store.Facts(q.r.Context(), head.Subject.ID); err == nil {
				bad = auth.CanSubject(u, auth.Write, auth.Subject{ID: f.Subject.ID, Region: f.Subject.Region}) != nil
			} else if errs.KindOf(err) != errs.NotFound {
				return err
			}
		}
		if bad {
			report = append(report, registry.RowError{Row: doc.Rows[0], Column: "所在地区代码", Value: head.Subject.Region,
				Msg: fmt.Sprintf("主体 %s 不在本账号辖区（%s）内，不能导入或修改", head.Subject.ID, u.Jurisdiction)})
			continue
		}
		ok = append(ok, doc)
	}
	d.Valid = len(ok)
	if (len(report) == 0 || d.ValidOnly) && len(ok) > 0 {
		batch := make([][]byte, len(ok))
		for i, doc := range ok {
			batch[i] = doc.JSON
		}
		if _, err := s.Store.PutFactsBatch(q.r.Context(), batch, store.Entry{Source: "import", By: u.ID, Note: d.File}); err != nil {
			return err
		}
		d.Imported = len(ok)
		s.Match.Trigger() // the 免申即享 lists follow the imported data
	}
	slices.SortStableFunc(report, func(a, b registry.RowError) int { return a.Row - b.Row })
	d.Total = len(report)
	if len(report) > reportLimit {
		d.More = len(report) - reportLimit
		report = report[:reportLimit]
	}
	d.Errors = report
	status := http.StatusOK
	if d.Total > 0 && !d.ValidOnly {
		status = http.StatusUnprocessableEntity
	}
	return s.render(q, status, "import", q.lang.T("import.title"), "import", d)
}
