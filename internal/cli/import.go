package cli

import (
	"context"
	"fmt"
	"os"

	"kechuang/internal/errs"
	"kechuang/internal/registry"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
)

const importHelp = `
kechuang import --file FILE.xlsx|FILE.csv --db PATH|URL [--valid-only] [--by NAME] [--json]
kechuang import --template FILE.xlsx|FILE.csv

Imports subjects (主体) and their yearly figures from an Excel workbook (first
sheet) or a UTF-8 CSV laid out as the template (--template writes it, with a
second sheet explaining each column). Every cell is checked: 统一社会信用代码
(GB 32100-2015 check character), GB/T 2260 region, GB/T 4754 industry, dates,
amounts in 万元 to the fen, counts and the vocabulary. Every problem is
reported with its row, column and value. If any row is bad, nothing is
imported unless --valid-only is given, which imports the subjects whose rows
are all valid — in one transaction, so either all of those land or none.
Each subject gets a new facts version (source "import", by --by), so earlier
values stay in its history.`

func runImport(e *env, args []string) error {
	fs0 := newFlags("import", importHelp, e)
	file := fs0.String("file", "", "the sheet to import (.xlsx or .csv)")
	template := fs0.String("template", "", "write the import template to this file (.xlsx or .csv) and stop")
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	validOnly := fs0.Bool("valid-only", false, "import the valid subjects even when some rows are bad")
	by := fs0.String("by", "kechuang import", "who imports (recorded with each facts version)")
	asJSON := fs0.Bool("json", false, "print the report as JSON")
	if err := parse(fs0, args); err != nil {
		return err
	}
	if *template != "" {
		header, notes := registry.Template()
		if err := writeSheetFile(*template, sheet.Table{Name: "主体", Rows: header}, sheet.Table{Name: "说明", Rows: notes}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote the import template to %s\n", *template)
		return nil
	}
	if *file == "" || *dsn == "" {
		fs0.Usage()
		return exitError{2}
	}
	fh, err := os.Open(*file)
	if err != nil {
		return errs.At(errs.Pos{File: *file}, "cannot open: %v", err)
	}
	rows, err := sheet.Read(*file, fh)
	fh.Close()
	if err != nil {
		printErrs(e.stderr, err)
		return exitError{2}
	}
	docs, report := registry.Decode(rows)
	imported := 0
	if len(report) == 0 || *validOnly {
		if len(docs) > 0 {
			ctx := context.Background()
			db, err := store.Open(ctx, *dsn)
			if err != nil {
				return err
			}
			defer db.Close()
			batch := make([][]byte, len(docs))
			for i, d := range docs {
				batch[i] = d.JSON
			}
			if _, err := db.PutFactsBatch(ctx, batch, store.Entry{Source: "import", By: *by, Note: *file}); err != nil {
				return err
			}
			imported = len(docs)
		}
	}
	if *asJSON {
		if err := writeJSON(e.stdout, map[string]any{"imported": imported, "valid": len(docs), "errors": report}); err != nil {
			return err
		}
	} else {
		for _, r := range report {
			fmt.Fprintln(e.stdout, r.String())
		}
		switch {
		case len(report) == 0:
			fmt.Fprintf(e.stdout, "导入 %d 个主体。\n", imported)
		case *validOnly:
			fmt.Fprintf(e.stdout, "%d 处错误；已导入其余 %d 个主体（有错误行的主体未导入）。\n", len(report), imported)
		default:
			fmt.Fprintf(e.stdout, "%d 处错误，未导入任何数据（%d 个主体无误；改正后重新导入，或加 --valid-only 只导入无误的主体）。\n", len(report), len(docs))
		}
	}
	if len(report) > 0 && !*validOnly {
		return exitError{1}
	}
	return nil
}
