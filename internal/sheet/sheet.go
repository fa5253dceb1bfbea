// Package sheet reads and writes tables as CSV (UTF-8) or Excel (.xlsx,
// excelize): the import sheets of the registry and exports of any list.
package sheet

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"kechuang/internal/errs"
)

// MaxBytes bounds what Read accepts.
const MaxBytes = 64 << 20

// Format is csv or xlsx, from a file name's extension.
func Format(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv", nil
	case ".xlsx":
		return "xlsx", nil
	}
	return "", errs.At(errs.Pos{File: name}, "not a .csv or .xlsx file")
}

// Read returns the rows of a CSV file or of an Excel workbook's first sheet,
// as text.
func Read(name string, r io.Reader) ([][]string, error) {
	format, err := Format(name)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, errs.At(errs.Pos{File: name}, "cannot read: %v", err)
	}
	if len(data) > MaxBytes {
		return nil, errs.At(errs.Pos{File: name}, "larger than %d MB: split it", MaxBytes>>20)
	}
	if format == "csv" {
		return readCSV(name, data)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, errs.At(errs.Pos{File: name}, "not a readable .xlsx workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errs.At(errs.Pos{File: name}, "the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, errs.At(errs.Pos{File: name}, "reading sheet %q: %v", sheets[0], err)
	}
	return rows, nil
}

func readCSV(name string, data []byte) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, errs.At(errs.Pos{File: name}, "the CSV file is not UTF-8 (Excel's plain “CSV” is GBK): save it as “CSV UTF-8” or as .xlsx")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		if pe, ok := err.(*csv.ParseError); ok {
			return nil, errs.At(errs.Pos{File: name, Line: pe.Line, Col: pe.Column}, "not valid CSV: %v", pe.Err)
		}
		return nil, errs.At(errs.Pos{File: name}, "not valid CSV: %v", err)
	}
	return rows, nil
}

// Table is a named sheet of a workbook.
type Table struct {
	Name string
	Rows [][]string
}

// Write writes tables as CSV (the first table only; UTF-8 with a byte-order
// mark, so Excel opens it right) or as an .xlsx workbook, one sheet each.
func Write(w io.Writer, format string, tables ...Table) error {
	if len(tables) == 0 {
		return fmt.Errorf("nothing to write")
	}
	switch format {
	case "csv":
		if _, err := w.Write([]byte("\ufeff")); err != nil {
			return err
		}
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(tables[0].Rows); err != nil {
			return err
		}
		return cw.Error()
	case "xlsx":
		f := excelize.NewFile()
		defer f.Close()
		for k, t := range tables {
			if k == 0 {
				if err := f.SetSheetName("Sheet1", t.Name); err != nil {
					return err
				}
			} else if _, err := f.NewSheet(t.Name); err != nil {
				return err
			}
			for i, row := range t.Rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				vals := make([]any, len(row))
				for j, v := range row {
					vals[j] = v
				}
				if err := f.SetSheetRow(t.Name, cell, &vals); err != nil {
					return err
				}
			}
		}
		_, err := f.WriteTo(w)
		return err
	}
	return fmt.Errorf("format %q: use csv or xlsx", format)
}
