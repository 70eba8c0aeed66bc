package apply

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
)

func rg(name string, vgs int, extra string) artifact.Object {
	numbers := make([]string, vgs)
	for i := range numbers {
		numbers[i] = fmt.Sprintf(`{"volume_number": %d}`, i)
	}
	groups := strings.Join(numbers, ",")
	data := "{\n  \"name\": \"" + name + "\",\n  \"description\": \"" + extra + "\",\n  \"volume_groups\": [" + groups + "]\n}\n"
	return artifact.Object{System: artifact.SystemLinstor, Kind: artifact.KindResourceGroup, Name: name,
		Files: []artifact.File{{Path: "linstor/resource-groups/" + name + ".json", Data: []byte(data)}}}
}

func product(name, quota string) artifact.Object {
	return artifact.Object{System: artifact.SystemApigee, Kind: artifact.KindProduct, Name: name,
		Files: []artifact.File{{Path: "apigee/products/" + name + ".json", Data: []byte("{\n  \"name\": \"" + name + "\",\n  \"quota\": \"" + quota + "\"\n}\n")}}}
}

func proxy(name, target string, zip string) artifact.Object {
	dir := "apigee/proxies/" + name
	return artifact.Object{System: artifact.SystemApigee, Kind: artifact.KindProxy, Name: name, Files: []artifact.File{
		{Path: dir + ".zip", Data: []byte(zip), Binary: true},
		{Path: dir + "/apiproxy/" + name + ".xml", Data: []byte("<APIProxy name=\"" + name + "\"/>\n")},
		{Path: dir + "/apiproxy/targets/default.xml", Data: []byte("<TargetEndpoint>\n  <URL>" + target + "</URL>\n</TargetEndpoint>\n")},
	}}
}

func refs(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Env+" "+string(c.Action)+" "+c.Subject())
	}
	return out
}

func TestCompareEveryAction(t *testing.T) {
	base := []artifact.Object{rg("fast", 1, "nvme"), rg("slow", 1, "hdd"), rg("wide", 1, "x"),
		proxy("orders", "https://a", "zip1"), product("orders", "100"), product("legacy", "1"), product("same", "1")}
	head := []artifact.Object{product("same", "1"), product("orders", "200"), product("fresh", "5"),
		proxy("orders", "https://a", "zip2"), rg("wide", 2, "x"), rg("fast", 1, "nvme, faster"), rg("new", 1, "")}
	cs := Compare([]Pair{{Env: "prod", Base: base, Head: head, Prune: true}})
	want := []string{
		"prod update linstor resource-group fast",
		"prod create linstor resource-group new",
		"prod delete linstor resource-group slow",
		"prod replace linstor resource-group wide",
		"prod create apigee product fresh",
		"prod delete apigee product legacy",
		"prod update apigee product orders",
	}
	if got := refs(cs.Changes); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := cs.Summary(); s != (Summary{Create: 3, Update: 2, Delete: 3}) {
		t.Errorf("summary = %+v, want replace counted as a create and a delete", s)
	}
	byName := map[string]Change{}
	for _, c := range cs.Changes {
		byName[c.Name] = c
	}
	if r := byName["wide"]; r.Reason != "volume groups 1 → 2, adds volume group 1: LINSTOR refuses to add a volume group to a resource group that has resource definitions" || r.Diff == "" {
		t.Errorf("replace: reason %q, diff %q", r.Reason, r.Diff)
	}
	wantDiff := "--- base/prod/apigee/products/orders.json\n+++ head/prod/apigee/products/orders.json\n" +
		"@@ -1,4 +1,4 @@\n {\n   \"name\": \"orders\",\n-  \"quota\": \"100\"\n+  \"quota\": \"200\"\n }\n"
	if d := byName["orders"].Diff; d != wantDiff {
		t.Errorf("update diff:\n%s\nwant:\n%s", d, wantDiff)
	}
	for _, name := range []string{"slow", "legacy"} {
		if byName[name].Diff != "" {
			t.Errorf("%s %s has a diff", byName[name].Action, name)
		}
	}
	// A create shows every line of the new object's text files.
	wantCreate := "--- /dev/null\n+++ head/prod/apigee/products/fresh.json\n" +
		"@@ -0,0 +1,4 @@\n+{\n+  \"name\": \"fresh\",\n+  \"quota\": \"5\"\n+}\n"
	if d := byName["fresh"].Diff; d != wantCreate {
		t.Errorf("create diff:\n%s\nwant:\n%s", d, wantCreate)
	}
	if got := len(cs.Destructive()); got != 3 {
		t.Errorf("destructive = %d, want 3 (two deletes, one replace)", got)
	}
}

func TestCompareOrderAcrossEnvironments(t *testing.T) {
	cs := Compare([]Pair{
		{Env: "staging", Head: []artifact.Object{product("b", "1"), rg("z", 1, ""), proxy("a", "u", "z")}},
		{Env: "prod", Head: []artifact.Object{product("a", "1"), rg("a", 1, "")}},
	})
	want := []string{
		"prod create linstor resource-group a", "prod create apigee product a",
		"staging create linstor resource-group z", "staging create apigee proxy a", "staging create apigee product b",
	}
	if got := refs(cs.Changes); !reflect.DeepEqual(got, want) {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := refs(cs.In("staging").Changes); len(got) != 3 || !strings.HasPrefix(got[0], "staging") {
		t.Errorf("In(staging) = %v", got)
	}
}

func TestCompareRenameIsDeletePlusCreate(t *testing.T) {
	cs := Compare([]Pair{{Env: "prod", Prune: true,
		Base: []artifact.Object{proxy("orders", "u", "z"), product("orders", "1")},
		Head: []artifact.Object{proxy("purchases", "u", "z"), product("purchases", "1")}}})
	want := []string{
		"prod delete apigee proxy orders", "prod create apigee proxy purchases",
		"prod delete apigee product orders", "prod create apigee product purchases",
	}
	if got := refs(cs.Changes); !reflect.DeepEqual(got, want) {
		t.Errorf("rename:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCompareKeepsWithoutPrune(t *testing.T) {
	cs := Compare([]Pair{{Env: "prod", Base: []artifact.Object{product("gone", "1"), product("kept", "1")},
		Head: []artifact.Object{product("kept", "1")}}})
	if !cs.Empty() || cs.Summary() != (Summary{}) {
		t.Errorf("changes without prune: %v", refs(cs.Changes))
	}
	if want := []Ref{{Env: "prod", System: "apigee", Kind: "product", Name: "gone"}}; !reflect.DeepEqual(cs.Kept, want) {
		t.Errorf("kept = %v, want %v", cs.Kept, want)
	}
	if k := cs.In("prod").Kept; len(k) != 1 || len(cs.In("qa").Kept) != 0 {
		t.Errorf("In(prod).Kept = %v", k)
	}
}

func TestCompareOneEnvironmentOnly(t *testing.T) {
	objs := []artifact.Object{rg("fast", 1, ""), proxy("orders", "https://a", "z"), product("orders", "1")}
	changed := []artifact.Object{rg("fast", 1, ""), proxy("orders", "https://b", "z"), product("orders", "1")}
	cs := Compare([]Pair{
		{Env: "prod", Base: objs, Head: objs, Prune: true},
		{Env: "staging", Base: objs, Head: changed, Prune: true},
	})
	if got := refs(cs.Changes); !reflect.DeepEqual(got, []string{"staging update apigee proxy orders"}) {
		t.Errorf("changes = %v", got)
	}
	d := cs.Changes[0].Diff
	if !strings.HasPrefix(d, "--- base/staging/apigee/proxies/orders/apiproxy/targets/default.xml\n+++ head/staging/apigee/proxies/orders/apiproxy/targets/default.xml\n") ||
		strings.Contains(d, ".zip") || strings.Contains(d, "orders.xml") {
		t.Errorf("diff shows only the changed text file:\n%s", d)
	}
}

func TestCompareBinaryFiles(t *testing.T) {
	same := proxy("orders", "u", "zip made at 10:00")
	rezipped := proxy("orders", "u", "zip made at 11:00")
	cs := Compare([]Pair{{Env: "prod", Base: []artifact.Object{same}, Head: []artifact.Object{rezipped}}})
	if !cs.Empty() {
		t.Errorf("a zip whose text twins are equal counts as a change: %v", refs(cs.Changes))
	}
	onlyBinary := func(data string) artifact.Object {
		return artifact.Object{System: "apigee", Kind: "proxy", Name: "blob", Files: []artifact.File{{Path: "b.zip", Data: []byte(data), Binary: true}}}
	}
	cs = Compare([]Pair{{Env: "prod", Base: []artifact.Object{onlyBinary("1")}, Head: []artifact.Object{onlyBinary("2")}}})
	if got := refs(cs.Changes); len(got) != 1 || cs.Changes[0].Diff != "" {
		t.Errorf("binary-only object: %v, diff %q", got, cs.Changes[0].Diff)
	}
}

func TestCompareFilesAddedAndRemoved(t *testing.T) {
	b := proxy("orders", "u", "z")
	h := proxy("orders", "u", "z")
	h.Files = append(h.Files[:1], artifact.File{Path: "apigee/proxies/orders/apiproxy/policies/Quota.xml", Data: []byte("<Quota/>\n")})
	cs := Compare([]Pair{{Env: "prod", Base: []artifact.Object{b}, Head: []artifact.Object{h}}})
	want := "--- base/prod/apigee/proxies/orders/apiproxy/orders.xml\n+++ /dev/null\n@@ -1 +0,0 @@\n-<APIProxy name=\"orders\"/>\n" +
		"--- /dev/null\n+++ head/prod/apigee/proxies/orders/apiproxy/policies/Quota.xml\n@@ -0,0 +1 @@\n+<Quota/>\n" +
		"--- base/prod/apigee/proxies/orders/apiproxy/targets/default.xml\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-<TargetEndpoint>\n-  <URL>u</URL>\n-</TargetEndpoint>\n"
	if len(cs.Changes) != 1 || cs.Changes[0].Diff != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", cs.Changes[0].Diff, want)
	}
}

func TestCompareEnvironmentOnOneSide(t *testing.T) {
	objs := []artifact.Object{rg("fast", 1, ""), product("orders", "1")}
	cs := Compare([]Pair{{Env: "new", Head: objs}, {Env: "old", Base: objs, Prune: true}})
	want := []string{
		"new create linstor resource-group fast", "new create apigee product orders",
		"old delete linstor resource-group fast", "old delete apigee product orders",
	}
	if got := refs(cs.Changes); !reflect.DeepEqual(got, want) {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReplaceOnlyForAddedVolumeGroups: LINSTOR refuses to create a volume
// group in a group with resource definitions but deletes one, so only an
// addition replaces the group.
func TestReplaceOnlyForAddedVolumeGroups(t *testing.T) {
	cases := []struct {
		name   string
		b, h   artifact.Object
		want   Action
		reason string
	}{
		{"same count", rg("a", 2, "x"), rg("a", 2, "y"), Update, ""},
		{"one more", rg("a", 1, "x"), rg("a", 2, "x"), Replace, "volume groups 1 → 2, adds volume group 1: " +
			"LINSTOR refuses to add a volume group to a resource group that has resource definitions"},
		{"two more", rg("a", 0, "x"), rg("a", 2, "x"), Replace, "volume groups 0 → 2, adds volume groups 0, 1: " +
			"LINSTOR refuses to add a volume group to a resource group that has resource definitions"},
		{"fewer", rg("a", 3, "x"), rg("a", 1, "x"), Update, ""},
		{"all removed", rg("a", 1, "x"), rg("a", 0, "x"), Update, ""},
		{"products never", product("a", "1"), product("a", "2"), Update, ""},
	}
	for _, c := range cases {
		cs := Compare([]Pair{{Env: "e", Base: []artifact.Object{c.b}, Head: []artifact.Object{c.h}}})
		if len(cs.Changes) != 1 || cs.Changes[0].Action != c.want || cs.Changes[0].Reason != c.reason {
			t.Errorf("%s: %v %+v, want %s (%q)", c.name, refs(cs.Changes), cs.Changes, c.want, c.reason)
		}
	}
}

func TestActionSymbols(t *testing.T) {
	for a, want := range map[Action]string{Create: "+", Update: "~", Delete: "-", Replace: "-/+", "other": "?"} {
		if got := a.Symbol(); got != want {
			t.Errorf("%s: %q, want %q", a, got, want)
		}
	}
}

// TestCompareLargeDiff: a bundle file of 5,000 lines with a few changes far
// apart gives one hunk per change with its context, and nothing else.
func TestCompareLargeDiff(t *testing.T) {
	var b, h strings.Builder
	for i := range 5000 {
		line := "  <Step><Name>policy-" + strings.Repeat("x", i%7) + "-" + itoa(i) + "</Name></Step>\n"
		b.WriteString(line)
		if i%1000 == 500 {
			line = "  <Step><Name>changed-" + itoa(i) + "</Name></Step>\n"
		}
		h.WriteString(line)
	}
	obj := func(data string) artifact.Object {
		return artifact.Object{System: "apigee", Kind: "proxy", Name: "big", Files: []artifact.File{{Path: "apigee/proxies/big/apiproxy/proxies/default.xml", Data: []byte(data)}}}
	}
	cs := Compare([]Pair{{Env: "prod", Base: []artifact.Object{obj(b.String())}, Head: []artifact.Object{obj(h.String())}}})
	if len(cs.Changes) != 1 {
		t.Fatalf("changes = %v", refs(cs.Changes))
	}
	d := cs.Changes[0].Diff
	if hunks := strings.Count(d, "\n@@ "); hunks != 5 {
		t.Errorf("%d hunks, want 5", hunks)
	}
	if lines := strings.Count(d, "\n"); lines != 2+5*(1+6+2) {
		t.Errorf("%d diff lines, want headers plus 5 hunks of 9 lines", lines)
	}
	if !strings.Contains(d, "@@ -498,7 +498,7 @@\n") || !strings.Contains(d, "+  <Step><Name>changed-4500</Name></Step>\n") {
		t.Errorf("diff:\n%s", d)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestCompareHeadGainsAFile: an object whose head has every file of base,
// unchanged, and one file more is an update (the new policy file is its
// diff); one that loses a file is too.
func TestCompareHeadGainsAFile(t *testing.T) {
	b := proxy("orders", "u", "z")
	h := proxy("orders", "u", "z")
	h.Files = append(h.Files, artifact.File{Path: "apigee/proxies/orders/apiproxy/policies/Quota.xml", Data: []byte("<Quota/>\n")})
	for _, tc := range []struct {
		name       string
		base, head artifact.Object
		diff       string
	}{
		{"gains", b, h, "--- /dev/null\n+++ head/prod/apigee/proxies/orders/apiproxy/policies/Quota.xml\n@@ -0,0 +1 @@\n+<Quota/>\n"},
		{"loses", h, b, "--- base/prod/apigee/proxies/orders/apiproxy/policies/Quota.xml\n+++ /dev/null\n@@ -1 +0,0 @@\n-<Quota/>\n"},
	} {
		cs := Compare([]Pair{{Env: "prod", Base: []artifact.Object{tc.base}, Head: []artifact.Object{tc.head}}})
		if got := refs(cs.Changes); len(got) != 1 || got[0] != "prod update apigee proxy orders" || cs.Changes[0].Diff != tc.diff {
			t.Errorf("head %s a file: %q, diff:\n%s\nwant one update, diff:\n%s", tc.name, got, diffOf(cs), tc.diff)
		}
	}
}

// diffOf is the diff of the only change, or "".
func diffOf(cs ChangeSet) string {
	if len(cs.Changes) != 1 {
		return ""
	}
	return cs.Changes[0].Diff
}
