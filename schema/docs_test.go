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
	src := docBlock(t, "../README.md", "", "cue")
	if _, err := Load(fstest.MapFS{"policies/tour.cue": {Data: []byte(src)}}, "policies"); err != nil {
		t.Errorf("the README's tour does not validate:\n%v", err)
	}
}

// docBlock is the first code block in lang after the line heading (from
// the top when heading is "") of the markdown file at path.
func docBlock(t *testing.T, path, heading, lang string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), heading)
	if !ok {
		t.Fatalf("%s has no %q", path, heading)
	}
	_, rest, ok := strings.Cut(section, "```"+lang+"\n")
	if !ok {
		t.Fatalf("%s has no ```%s block after %q", path, lang, heading)
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("%s: the ```%s block after %q is not closed", path, lang, heading)
	}
	return block
}
