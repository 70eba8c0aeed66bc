package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

// TestPrintErrorEscapesControls checks that what an error shows (a file
// name from a pull request, say) cannot drive the terminal, while the line
// breaks between joined errors stay.
func TestPrintErrorEscapesControls(t *testing.T) {
	var out bytes.Buffer
	e := &env{stderr: &out, stdout: &out, format: formatText}
	printError(e, schema.Errors{{Pos: schema.Position{File: "policies/\x1b[2J.cue", Line: 1, Col: 1}, Msg: "bad\u202eword"}})
	printError(e, errors.Join(errors.New("one\x9b"), errors.New("two")))
	got := out.String()
	if strings.ContainsAny(got, "\x1b\u202e\u009b") {
		t.Errorf("raw control characters reached the output: %q", got)
	}
	want := "policies/\\x1b[2J.cue:1:1: bad\\u202eword\nerror: one\\x9b\ntwo\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
