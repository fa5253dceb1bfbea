// Package kechuang holds what the binary carries with it: the policy library
// (one YAML file per source document, and the unchanged source texts) and the
// example subjects.
package kechuang

import "embed"

// Policies is the bundled policy library: *.yaml at the top, source texts
// under source/.
//
//go:embed policies/*.yaml policies/source/*.txt policies/source/national/*.txt policies/source/national/ORIGIN.md
var Policies embed.FS

// Examples are the bundled example subjects (facts files).
//
//go:embed examples/*.json
var Examples embed.FS
