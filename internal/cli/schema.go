package cli

import "kechuang/internal/facts"

const schemaHelp = `
kechuang schema

Prints the facts schema (docs/facts.md) as Markdown, generated from the types
the decoder and the CEL checker use.`

func runSchema(e *env, args []string) error {
	fs := newFlags("schema", schemaHelp, e)
	if err := parse(fs, args); err != nil {
		return err
	}
	facts.WriteSchema(e.stdout)
	return nil
}
