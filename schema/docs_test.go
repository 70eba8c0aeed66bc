package schema

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// TestReadmeTourValidates keeps the README's tour of the language true: its
// CUE example must validate as it stands.
func TestReadmeTourValidates(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```cue\n")
	if !ok {
		t.Fatal("README has no ```cue block")
	}
	src, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("README's ```cue block is not closed")
	}
	if _, err := Load(fstest.MapFS{"policies/tour.cue": {Data: []byte(src)}}, "policies"); err != nil {
		t.Errorf("the README's tour does not validate:\n%v", err)
	}
}
