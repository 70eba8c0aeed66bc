package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/golden"
)

func file(path, data string) artifact.File { return artifact.File{Path: path, Data: []byte(data)} }

func obj(system, kind, name string, files ...artifact.File) artifact.Object {
	return artifact.Object{System: system, Kind: kind, Name: name, Files: files}
}

func group(name string, vgs int) artifact.Object {
	numbers := make([]string, vgs)
	for i := range numbers {
		numbers[i] = fmt.Sprintf(`{"volume_number": %d}`, i)
	}
	body := "{\n  \"name\": \"" + name + "\",\n  \"volume_groups\": [" + strings.Join(numbers, ",") + "]\n}\n"
	return obj(artifact.SystemLinstor, artifact.KindResourceGroup, name, file("linstor/resource-groups/"+name+".json", body))
}

func product(name, quota string) artifact.Object {
	return obj(artifact.SystemApigee, artifact.KindProduct, name,
		file("apigee/products/"+name+".json", "{\n  \"name\": \""+name+"\",\n  \"quota\": \""+quota+"\",\n  \"approvalType\": \"auto\"\n}\n"))
}

func proxy(name, url string) artifact.Object {
	return obj(artifact.SystemApigee, artifact.KindProxy, name,
		artifact.File{Path: "apigee/proxies/" + name + ".zip", Data: []byte("PK" + url), Binary: true},
		file("apigee/proxies/"+name+"/apiproxy/targets/default.xml", "<TargetEndpoint name=\"default\">\n  <HTTPTargetConnection>\n    <URL>"+url+"</URL>\n  </HTTPTargetConnection>\n</TargetEndpoint>\n"))
}

// samplePlan has every action, a kept object, an environment without
// changes and one changed in one place only.
func samplePlan() Plan {
	prodBase := []artifact.Object{group("fast", 1), group("wide", 1), proxy("orders", "https://orders.internal"), product("orders", "100"), product("legacy", "1")}
	prodHead := []artifact.Object{group("fast", 1), group("wide", 2), group("archive", 1), proxy("orders", "https://orders-v2.internal"), product("orders", "200"), product("reports", "5")}
	stagingBase := []artifact.Object{product("orders", "100"), product("old", "1")}
	stagingHead := []artifact.Object{product("orders", "100")}
	sandbox := []artifact.Object{product("orders", "100")}
	cs := apply.Compare([]apply.Pair{
		{Env: "prod", Base: prodBase, Head: prodHead, Prune: true},
		{Env: "sandbox", Base: sandbox, Head: sandbox},
		{Env: "staging", Base: stagingBase, Head: stagingHead},
	})
	return Plan{
		Base:         Commit{SHA: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", Label: "main", MergeBaseWith: "feature"},
		Head:         Commit{SHA: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", Label: "feature"},
		Environments: []string{"prod", "sandbox", "staging"},
		Changes:      cs,
	}
}

func noChanges() Plan {
	objs := []artifact.Object{product("orders", "1")}
	return Plan{
		Base:         Commit{SHA: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", Label: "1a2b3c4"},
		Head:         Commit{SHA: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", Label: "HEAD"},
		Environments: []string{"prod", "staging"},
		Changes:      apply.Compare([]apply.Pair{{Env: "prod", Base: objs, Head: objs}, {Env: "staging", Base: objs, Head: objs}}),
	}
}

// checkGolden compares got with testdata/name; LINGATE_UPDATE_GOLDEN=1 rewrites it.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.File(t, filepath.Join("testdata", name), got)
}

func TestGoldens(t *testing.T) {
	plans := map[string]Plan{"plan": samplePlan(), "nochanges": noChanges()}
	for name, p := range plans {
		var text, color, md, js bytes.Buffer
		for _, err := range []error{Text(&text, p, false), Text(&color, p, true), Markdown(&md, p), JSON(&js, p)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		checkGolden(t, name+".txt", text.Bytes())
		checkGolden(t, name+".color.txt", color.Bytes())
		checkGolden(t, name+".md", md.Bytes())
		checkGolden(t, name+".json", js.Bytes())
	}
}

func TestTextColorOnlyWhenAsked(t *testing.T) {
	var plain, color bytes.Buffer
	_ = Text(&plain, samplePlan(), false)
	_ = Text(&color, samplePlan(), true)
	if bytes.Contains(plain.Bytes(), []byte("\x1b[")) {
		t.Error("escape codes without colour")
	}
	if !bytes.Contains(color.Bytes(), []byte(green+"    + create linstor resource-group archive"+reset+"\n")) {
		t.Errorf("create line not green:\n%q", color.String())
	}
	stripped := strings.NewReplacer(reset, "", bold, "", red, "", green, "", yellow, "", magenta, "", cyan, "").Replace(color.String())
	if stripped != plain.String() {
		t.Error("colour changes more than colour")
	}
}

func TestTextSummaryLine(t *testing.T) {
	var b bytes.Buffer
	_ = Text(&b, samplePlan(), false)
	if !strings.HasSuffix(b.String(), "\nPlan: 3 to create, 2 to update, 2 to delete.\n") {
		t.Errorf("closing line:\n%s", b.String())
	}
	b.Reset()
	_ = Text(&b, noChanges(), false)
	if !strings.HasSuffix(b.String(), "\nNo changes.\n") {
		t.Errorf("closing line:\n%s", b.String())
	}
}

func TestMarkdownDestroyWarningFirst(t *testing.T) {
	var b bytes.Buffer
	_ = Markdown(&b, samplePlan())
	s := b.String()
	warn, table := strings.Index(s, "> [!CAUTION]"), strings.Index(s, "| | Action")
	if warn < 0 || warn > table {
		t.Errorf("destroy warning missing or after the first table:\n%s", s)
	}
	b.Reset()
	creates := samplePlan()
	creates.Changes = apply.Compare([]apply.Pair{{Env: "prod", Head: []artifact.Object{product("a", "1")}}})
	_ = Markdown(&b, creates)
	if strings.Contains(b.String(), "CAUTION") {
		t.Errorf("warning without deletions:\n%s", b.String())
	}
}

func TestMarkdownEscapes(t *testing.T) {
	evil := "a|b`c<script>*_[x](y)"
	diff := "--- base/x\n+++ head/x\n@@ -1 +1 @@\n-```\n+````\n"
	p := Plan{Environments: []string{"e|v"}, Changes: apply.ChangeSet{Changes: []apply.Change{
		{Ref: apply.Ref{Env: "e|v", System: "apigee", Kind: "product", Name: evil}, Action: apply.Update, Diff: diff},
		{Ref: apply.Ref{Env: "e|v", System: "apigee", Kind: "proxy", Name: evil}, Action: apply.Delete},
	}}}
	var b bytes.Buffer
	_ = Markdown(&b, p)
	s := b.String()
	for _, want := range []string{
		"| `-` | delete | apigee | proxy | `` a\\|b`c<script>*_[x](y) `` |",
		"<code>a|b`c&lt;script&gt;*_[x](y)</code></summary>",
		"`````diff\n" + diff + "`````\n",
		"#### `e|v`: ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("markdown lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "<script>") != 3 {
		t.Errorf("a name's HTML outside code spans:\n%s", s)
	}
	if got := escape("<b>*x*</b> | _y_ [z]"); got != `&lt;b&gt;\*x\*&lt;/b&gt; \| \_y\_ \[z\]` {
		t.Errorf("escape = %s", got)
	}
}

func TestJSONMatchesDocument(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, samplePlan()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion int `json:"format_version"`
		Source        struct{ Base, Head *string }
		Changes       []map[string]any
		Summary       map[string]int
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != 1 || doc.Source.Base == nil || *doc.Source.Head != samplePlan().Head.SHA || len(doc.Changes) != 6 {
		t.Errorf("document: %+v", doc)
	}
	if doc.Summary["create"] != 3 || doc.Summary["update"] != 2 || doc.Summary["delete"] != 2 || len(doc.Summary) != 3 {
		t.Errorf("summary = %v", doc.Summary)
	}
	var live bytes.Buffer
	_ = JSON(&live, Plan{})
	if !strings.Contains(live.String(), "\"base\": null,\n    \"head\": null") || !strings.Contains(live.String(), `"changes": []`) {
		t.Errorf("live plan without commits:\n%s", live.String())
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteErrorsAreReturned(t *testing.T) {
	p := samplePlan()
	for name, err := range map[string]error{"text": Text(failWriter{}, p, false), "markdown": Markdown(failWriter{}, p), "json": JSON(failWriter{}, p)} {
		if err == nil {
			t.Errorf("%s: write error lost", name)
		}
	}
}

func TestDestroyWarningWording(t *testing.T) {
	del := apply.Change{Ref: apply.Ref{Env: "e", System: "apigee", Kind: "product", Name: "a"}, Action: apply.Delete}
	rep := apply.Change{Ref: apply.Ref{Env: "e", System: "linstor", Kind: "resource-group", Name: "b"}, Action: apply.Replace}
	cases := map[string][]apply.Change{
		"> This plan deletes 1 object:\n":                                               {del},
		"> This plan replaces 1 object (deleted, then created again):\n":                {rep},
		"> This plan deletes 2 objects and replaces 1 (deleted, then created again):\n": {del, del, rep},
	}
	for want, changes := range cases {
		var b bytes.Buffer
		_ = Markdown(&b, Plan{Environments: []string{"e"}, Changes: apply.ChangeSet{Changes: changes}})
		if !strings.Contains(b.String(), want) {
			t.Errorf("want %q in:\n%s", want, b.String())
		}
	}
}

// hostile is a plan whose every string from outside carries what a
// terminal or a pull request page would act on: escape sequences (C0 and
// 8-bit C1), DEL, a carriage return, bidi overrides, invalid UTF-8, and
// markdown/HTML.
func hostile() Plan {
	created := "--- /dev/null\n+++ head/prod/apigee/proxies/new/apiproxy/new.xml\n@@ -0,0 +1 @@\n" +
		"+<Description>ok\u202e\x1b[8m</Description>\n"
	diff := "--- base/prod/apigee/products/x.json\n+++ head/prod/apigee/products/x.json\n@@ -1 +1 @@\n" +
		"-  \"description\": \"a\"\n+  \"description\": \"\x1b[2J\u009b31m\x7f\rbad\u202egnp.exe\xff\"\n"
	return Plan{
		Base:         Commit{SHA: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", Label: "main\u009b2J", MergeBaseWith: "<img src=x onerror=alert(1)>@octocat"},
		Head:         Commit{SHA: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", Label: "<img src=x onerror=alert(1)>@octocat"},
		Environments: []string{"prod"},
		Changes: apply.ChangeSet{Changes: []apply.Change{
			{Ref: apply.Ref{Env: "prod", System: "apigee", Kind: "product", Name: "x\x1b]0;title\x07"}, Action: apply.Replace, Diff: diff, Reason: "why\x1b[1m\nnext"},
			{Ref: apply.Ref{Env: "prod", System: "apigee", Kind: "proxy", Name: "new"}, Action: apply.Create, Diff: created},
		}},
	}
}

// unsafeRune reports a rune a terminal acts on or that reorders the text
// around it.
func unsafeRune(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f || r == utf8.RuneError ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

func TestTextWritesNoControlCharacters(t *testing.T) {
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := Text(&b, hostile(), color); err != nil {
			t.Fatal(err)
		}
		s := strings.NewReplacer(reset, "", bold, "", red, "", green, "", yellow, "", magenta, "", cyan, "").Replace(b.String())
		if i := strings.IndexFunc(s, unsafeRune); i >= 0 || !utf8.ValidString(s) {
			t.Errorf("colour %v: unsafe character at %d:\n%q", color, i, s)
		}
		for _, want := range []string{
			`Comparing base 1a2b3c4 (merge-base of main\u009b2J and <img src=x onerror=alert(1)>@octocat) with head 9f8e7d6 (<img src=x onerror=alert(1)>@octocat).`,
			`-/+ replace apigee product x\x1b]0;title\x07`,
			`# why\x1b[1m\nnext`,
			`+  "description": "\x1b[2J\u009b31m\x7f\rbad\u202egnp.exe\xff"`,
			"+ create apigee proxy new\n      --- /dev/null",
			`+<Description>ok\u202e\x1b[8m</Description>`,
		} {
			if !strings.Contains(s, want) {
				t.Errorf("colour %v: text lacks %s:\n%s", color, want, s)
			}
		}
	}
}

func TestMarkdownEscapesCommitLabelsAndControls(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, hostile()); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if i := strings.IndexFunc(s, unsafeRune); i >= 0 || !utf8.ValidString(s) {
		t.Errorf("unsafe character at %d:\n%q", i, s)
	}
	want := "Base `1a2b3c4` (merge-base of `main\\u009b2J` and `<img src=x onerror=alert(1)>@octocat`), " +
		"head `9f8e7d6` (`<img src=x onerror=alert(1)>@octocat`)."
	if !strings.Contains(s, want) {
		t.Errorf("markdown lacks %s:\n%s", want, s)
	}
	if !strings.Contains(s, `+  "description": "\x1b[2J\u009b31m\x7f\rbad\u202egnp.exe\xff"`+"\n") {
		t.Errorf("diff not shown with visible escapes:\n%s", s)
	}
	if !strings.Contains(s, `+<Description>ok\u202e\x1b[8m</Description>`+"\n") {
		t.Errorf("a create's content not shown with visible escapes:\n%s", s)
	}
	if strings.Count(s, "<img") != 2 {
		t.Errorf("a label's HTML outside code spans:\n%s", s)
	}
}

// TestTextDestructiveFirst: the text plan, like the markdown one, lists
// what it deletes or replaces before any environment's changes.
func TestTextDestructiveFirst(t *testing.T) {
	var text bytes.Buffer
	if err := Text(&text, samplePlan(), false); err != nil {
		t.Fatal(err)
	}
	s := text.String()
	caution := strings.Index(s, "Caution: this plan deletes 1 object and replaces 1")
	del := strings.Index(s, "    - prod: delete apigee product legacy\n")
	env := strings.Index(s, "prod: 3 to create")
	if caution < 0 || del < caution || env < del {
		t.Errorf("deletes not listed first:\n%s", s)
	}
}

func TestNotesBeforeTheChanges(t *testing.T) {
	p := samplePlan()
	p.Notes = []string{"The policies folder <p>_x_ is absent at head 9f8e7d6: every object at base is planned as removed."}
	var text, md bytes.Buffer
	_ = Text(&text, p, false)
	_ = Markdown(&md, p)
	if want := "Comparing base 1a2b3c4 (merge-base of main and feature) with head 9f8e7d6 (feature).\n\n" +
		"Caution: this plan deletes 1 object and replaces 1 (deleted, then created again):\n" +
		"  -/+ prod: replace linstor resource-group wide\n" +
		"      # volume groups 1 → 2, adds volume group 1: LINSTOR refuses to add a volume group to a resource group that has resource definitions\n" +
		"    - prod: delete apigee product legacy\n\n" +
		"Note: The policies folder <p>_x_ is absent at head 9f8e7d6: every object at base is planned as removed.\n\nprod: "; !strings.HasPrefix(text.String(), want) {
		t.Errorf("text:\n%s\nwant it to start:\n%s", text.String(), want)
	}
	want := "> - `prod`: delete apigee product `legacy`\n\n> [!NOTE]\n> The policies folder &lt;p&gt;\\_x\\_ is absent at head 9f8e7d6: every object at base is planned as removed.\n\n#### `prod`"
	if !strings.Contains(md.String(), want) {
		t.Errorf("markdown:\n%s\nwant:\n%s", md.String(), want)
	}
}
