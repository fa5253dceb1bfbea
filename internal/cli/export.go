package cli

import (
	"context"
	"fmt"
	"os"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/registry"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
)

const exportHelp = `
kechuang export subjects --db PATH|URL --out FILE.xlsx|FILE.csv [--region CODE] [--kind KIND] [--query TEXT]

Exports the subjects the filters select (region: a GB/T 2260 prefix such as
6206 for 武威; kind: enterprise, institute …; query: part of the name or the
统一社会信用代码) with their current yearly figures, laid out as the import
template — so an exported sheet can be corrected and imported again (each
import adds a new facts version; the history keeps the old values).`

func runExport(e *env, args []string) error {
	if len(args) == 0 || args[0] != "subjects" {
		fmt.Fprintln(e.stderr, exportHelp)
		return exitError{2}
	}
	fs0 := newFlags("export subjects", exportHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	out := fs0.String("out", "", "file to write (.xlsx or .csv)")
	regionFlag := fs0.String("region", "", "GB/T 2260 code prefix")
	kind := fs0.String("kind", "", "subject kind")
	query := fs0.String("query", "", "part of the name, or the 统一社会信用代码")
	if err := parse(fs0, args[1:]); err != nil {
		return err
	}
	if *dsn == "" || *out == "" {
		fs0.Usage()
		return exitError{2}
	}
	if _, err := sheet.Format(*out); err != nil { // before reading anything
		return err
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var subjects []*facts.Facts
	if err := db.EachFacts(ctx, store.Filter{Region: *regionFlag, Kind: *kind, Query: *query}, func(f *facts.Facts) error {
		subjects = append(subjects, f)
		return nil
	}); err != nil {
		return err
	}
	if err := writeSheetFile(*out, sheet.Table{Name: "主体", Rows: registry.Encode(subjects)}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "exported %d subjects to %s\n", len(subjects), *out)
	return nil
}

// writeSheetFile writes tables to path as .xlsx or CSV (by its extension).
func writeSheetFile(path string, tables ...sheet.Table) error {
	format, err := sheet.Format(path)
	if err != nil {
		return err
	}
	fh, err := os.Create(path)
	if err != nil {
		return errs.At(errs.Pos{File: path}, "cannot write: %v", err)
	}
	if err := sheet.Write(fh, format, tables...); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return errs.At(errs.Pos{File: path}, "cannot write: %v", err)
	}
	return nil
}
