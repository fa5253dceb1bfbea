// Package i18n holds the web UI's message catalogs: Simplified Chinese
// (zh-CN, the default) and English. Policy content — titles, citations,
// explanations — is the documents' own Chinese and is not translated; the
// catalogs cover the interface around it.
package i18n

import (
	"fmt"
	"sort"
	"strings"
)

// Lang is a catalog's language tag.
type Lang string

const (
	Zh Lang = "zh-CN"
	En Lang = "en"
)

// Langs lists the catalogs, default first.
var Langs = []Lang{Zh, En}

// Parse returns the catalog a tag (a cookie, a query parameter or an
// Accept-Language header) asks for; zh-CN unless English comes first.
func Parse(tags ...string) Lang {
	for _, t := range tags {
		for _, part := range strings.Split(t, ",") {
			tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
			switch {
			case tag == "":
				continue
			case strings.HasPrefix(tag, "zh"):
				return Zh
			case strings.HasPrefix(tag, "en"):
				return En
			}
		}
	}
	return Zh
}

// T returns the message for key in l, formatted with args (fmt verbs). A
// key missing from the catalog comes back as itself in brackets, so it is
// seen, and the catalog test fails.
func (l Lang) T(key string, args ...any) string {
	m, ok := catalog[key]
	if !ok {
		return "[" + key + "]"
	}
	s := m.zh
	if l == En {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalog.
func Has(key string) bool { _, ok := catalog[key]; return ok }

// Keys lists the catalog's keys, sorted.
func Keys() []string {
	out := make([]string, 0, len(catalog))
	for k := range catalog {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Name is the language's own name, for the switcher.
func (l Lang) Name() string {
	if l == En {
		return "English"
	}
	return "中文"
}

type msg struct{ zh, en string }
