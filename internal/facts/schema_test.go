package facts

import (
	"bytes"
	"os"
	"testing"
)

// docs/facts.md is generated from the types; regenerate it with
// `go run ./cmd/kechuang schema > docs/facts.md`.
func TestSchemaDocCurrent(t *testing.T) {
	var b bytes.Buffer
	WriteSchema(&b)
	have, err := os.ReadFile("../../docs/facts.md")
	if err != nil || !bytes.Equal(have, b.Bytes()) {
		t.Fatalf("docs/facts.md is stale: run `go run ./cmd/kechuang schema > docs/facts.md`")
	}
}
