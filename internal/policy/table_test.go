package policy

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestWuweiTableExact: 武威's 强科技行动主要指标 as encoded is the source's
// table, row by row — number, name, unit (as printed, or none), and every
// value with its mark — read independently from the source text; the
// values marked * are 2020's; the row with fewer values than columns is
// flagged, not assigned.
func TestWuweiTableExact(t *testing.T) {
	f, err := LoadFile("../../policies/wuwei-2022.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tables) != 1 {
		t.Fatalf("%d tables, want 1", len(f.Tables))
	}
	tb := f.Tables[0]
	src, err := os.ReadFile("../../policies/source/002_e8e5995f61b7636d.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	start := strings.Index(text, "強科技行動主要指標\n")
	end := strings.Index(text, "注:加*號為2020年數據")
	if start < 0 || end < start {
		t.Fatal("the table is not where expected in the source")
	}
	var tokens []string
	for _, line := range strings.Split(text[start:end], "\n") {
		if s := strings.TrimSpace(line); s != "" {
			tokens = append(tokens, s)
		}
	}
	groups := map[string]bool{"綜合指標": true, "投入指標": true, "產出指標": true}
	index := func(name string, from int) int {
		for i := from; i < len(tokens); i++ {
			if tokens[i] == name {
				return i
			}
		}
		t.Fatalf("%q is not in the source table after token %d", name, from)
		return -1
	}
	if len(tb.Rows) != 15 {
		t.Fatalf("%d rows, want the source's 15", len(tb.Rows))
	}
	at := 0
	for k, row := range tb.Rows {
		if row.No != k+1 {
			t.Errorf("row %d numbered %d", k+1, row.No)
		}
		i := index(row.Name, at)
		if tokens[i-1] != strconv.Itoa(row.No) && !groups[tokens[i-1]] {
			t.Errorf("row %d: the source has %q before %q, want its number or group", row.No, tokens[i-1], row.Name)
		}
		var data []string
		if k+1 < len(tb.Rows) {
			j := index(tb.Rows[k+1].Name, i+1)
			data = tokens[i+1 : j]
			for len(data) > 0 && groups[data[len(data)-1]] {
				data = data[:len(data)-1]
			}
			if len(data) == 0 || data[len(data)-1] != strconv.Itoa(row.No+1) {
				t.Fatalf("row %d: the source's next row number is not where expected: %q", row.No, data)
			}
			data = data[:len(data)-1]
			at = j
		} else {
			data = tokens[i+1:]
		}
		unit := ""
		if len(data) == len(row.Cells)+1 {
			unit, data = data[0], data[1:]
		}
		if unit != row.Unit || strings.Join(data, "|") != strings.Join(row.Cells, "|") {
			t.Errorf("row %d %s: source unit %q values %q; encoded unit %q values %q", row.No, row.Name, unit, data, row.Unit, row.Cells)
		}
	}
	starred := 0
	for _, row := range tb.Rows {
		for _, v := range row.Values {
			if v.Marked == "*" {
				starred++
				if v.Year != 2020 || v.Kind != "actual" || strings.HasSuffix(v.Value, "*") {
					t.Errorf("row %d: a * value read as %+v, want 2020 actual", row.No, v)
				}
			} else if v.Year != tb.Columns[v.Column].Year {
				t.Errorf("row %d: %+v", row.No, v)
			}
		}
		switch {
		case row.No == 6 && (!row.Incomplete || len(row.Values) != 0 || !strings.Contains(row.Ambiguity(tb), "须人工确认")):
			t.Errorf("row 6 (two values, three columns) is not flagged: %+v", row)
		case row.No != 6 && (row.Incomplete || len(row.Values) != 3):
			t.Errorf("row %d: %+v", row.No, row)
		}
	}
	if starred != 7 {
		t.Errorf("%d values marked *, want the source's 7", starred)
	}
}
