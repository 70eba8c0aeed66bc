package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/lingate/lingate/internal/access"
)

// TestAccessCSVNeutralizesFormulas keeps a spreadsheet from running a
// value that starts like a formula.
func TestAccessCSVNeutralizesFormulas(t *testing.T) {
	var b bytes.Buffer
	m := access.Matrix{Rows: []access.Row{{Env: "prod", Group: "=HYPERLINK(\"x\")", Role: "r", Method: "GET", Path: "/a,b"}}}
	if err := AccessCSV(&b, m); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], `"'=HYPERLINK(""x"")"`) || !strings.Contains(lines[1], `"/a,b"`) {
		t.Errorf("csv:\n%s", b.String())
	}
}

// TestAccessChangesAreCapped shows at most accessLimit changes in text
// and markdown, and says how many more there are; none, no section.
func TestAccessChangesAreCapped(t *testing.T) {
	var cs []access.Change
	for i := range accessLimit + 7 {
		cs = append(cs, access.Change{Env: "prod", Kind: "gained", Text: fmt.Sprintf("group g%03d gains GET /x", i)})
	}
	for _, render := range []func(*bytes.Buffer, Plan) error{
		func(b *bytes.Buffer, p Plan) error { return Text(b, p, false) },
		func(b *bytes.Buffer, p Plan) error { return Markdown(b, p) },
	} {
		var b bytes.Buffer
		if err := render(&b, Plan{Environments: []string{"prod"}, Access: cs}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.Count(out, "gains GET /x") != accessLimit || !strings.Contains(out, "and 7 more") {
			t.Errorf("%d changes shown, want %d and a count of 7 more:\n%.300s", strings.Count(out, "gains GET /x"), accessLimit, out)
		}
		b.Reset()
		_ = render(&b, Plan{Environments: []string{"prod"}})
		if strings.Contains(b.String(), "ccess changes") {
			t.Errorf("an empty access section is shown:\n%s", b.String())
		}
	}
}
