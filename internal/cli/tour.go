package cli

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"kechuang"
	"kechuang/internal/facts"
)

const tourHelp = `
kechuang tour

The five-minute tour (what ` + "`make run`" + ` does until the server exists): checks the
bundled policy library, then evaluates every bundled example subject in
examples/ and prints each report: the ladder (梯次培育) for examples/ladder-*,
eval --assess for the *-hte-candidate examples, eval for the rest.`

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
		ev := eng.NewEvaluator()
		switch base := path.Base(n); {
		case strings.HasPrefix(base, "ladder-"):
			fmt.Fprintf(e.stdout, "\n== kechuang ladder --facts %s\n", path.Clean(n))
			WriteLadder(e.stdout, ev.Ladder(f, at))
		case strings.HasSuffix(base, "-hte-candidate.json"):
			fmt.Fprintf(e.stdout, "\n== kechuang eval --assess --facts %s\n", path.Clean(n))
			WriteReport(e.stdout, ev.EvaluateAssessed(f, at, fy))
		default:
			fmt.Fprintf(e.stdout, "\n== kechuang eval --facts %s\n", path.Clean(n))
			WriteReport(e.stdout, ev.Evaluate(f, at, fy))
		}
	}
	return nil
}
