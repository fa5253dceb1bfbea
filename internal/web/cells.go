package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// cell shows one recorded value of a list item as text.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "✓"
		}
		return "✗"
	case float64:
		return fmt.Sprint(x)
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// columnOrder puts the identifying columns first, the rest alphabetically.
var columnOrder = []string{"id", "kind", "level", "event", "category", "name", "date", "year", "valid_until", "amount", "source"}

func sortColumns(cs []string) {
	slices.SortFunc(cs, func(a, b string) int {
		ia, ib := slices.Index(columnOrder, a), slices.Index(columnOrder, b)
		switch {
		case ia >= 0 && ib >= 0:
			return ia - ib
		case ia >= 0:
			return -1
		case ib >= 0:
			return 1
		}
		return strings.Compare(a, b)
	})
}
