package cli

import (
	"fmt"
	"io/fs"
	"path"
	"sort"

	"kechuang"
	"kechuang/internal/facts"
)

const tourHelp = `
kechuang tour

The five-minute tour (what ` + "`make run`" + ` does until the server exists): checks the
bundled policy library, then evaluates every bundled example subject in
examples/ and prints each report.`

func runTour(e *env, args []string) error {
	fs0 := newFlags("tour", tourHelp, e)
	if err := parse(fs0, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "== kechuang check（检查政策库：类型、引文、档次、测试）")
	if err := runCheck(e, nil); err != nil {
		return err
	}
	eng, err := loadEngine(e, "")
	if err != nil {
		return err
	}
	names, err := fs.Glob(kechuang.Examples, "examples/*.json")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := fs.ReadFile(kechuang.Examples, n)
		if err != nil {
			return err
		}
		f, err := facts.DecodeBytes(data, n)
		if err != nil {
			return err
		}
		at, fy, err := when("", 0, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\n== kechuang eval --facts %s\n", path.Clean(n))
		WriteReport(e.stdout, eng.NewEvaluator().Evaluate(f, at, fy))
	}
	return nil
}
