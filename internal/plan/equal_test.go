package plan

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/access"
	"github.com/lingate/lingate/internal/gitsrc"
	"github.com/lingate/lingate/internal/gittest"
	"github.com/lingate/lingate/internal/testgen"
)

// The plan compiles both commits for what differs (compile.StreamChanges):
// what is the same at both is neither rendered nor compared. These tests
// hold it to what comparing two full compiles gives, changes and head's
// digests alike, for every kind of edit.

// equalSize is the generated repository the edits start from: products 6
// and 7 have no role granting them, so they can be removed or renamed.
var equalSize = testgen.Size{Products: 8, Roles: 6, Tiers: 4, PerFile: 1}

// TestCommitsEqualsFullCompiles plans each kind of edit alone, some
// together, and commits that change nothing: the plan is exactly the
// comparison of two full compiles.
func TestCommitsEqualsFullCompiles(t *testing.T) {
	g := gittest.New(t)
	start := equalFiles()
	base := commitExactly(g, start, "base")
	check := func(name, base, head string, only ...string) {
		t.Helper()
		if n := planEqualsFull(t, g, base, head, only); n == 0 && name != "env prune" {
			t.Errorf("%s: no changes: the edit should change something", name)
		}
	}
	r := rand.New(rand.NewPCG(12, 12))
	for _, e := range edits {
		files := maps.Clone(start)
		if !e.apply(files, r) {
			t.Fatalf("%s: does not apply to the generated policies", e.name)
		}
		check(e.name, base, commitExactly(g, files, e.name))
	}
	files := maps.Clone(start)
	for _, name := range []string{"product quota", "role quota", "tier pools", "env prefix", "product added", "role removed"} {
		editNamed(t, name).apply(files, r)
	}
	several := commitExactly(g, files, "several")
	check("several", base, several)
	check("several, staging only", base, several, "staging")
	check("several, backwards", several, base)

	files = maps.Clone(start)
	files["policies/tiers.cue"] += "\n// a comment changes the tree, not the policies\n"
	comment := commitExactly(g, files, "comment")
	if n := planEqualsFull(t, g, base, comment, nil); n != 0 {
		t.Errorf("a comment: %d changes, want none", n)
	}
	if n := planEqualsFull(t, g, comment, comment, nil); n != 0 {
		t.Errorf("a commit with itself: %d changes, want none", n)
	}
}

// TestCommitsEqualsFullCompilesRandomEdits applies one to four random
// edits (a fixed seed) to the generated policies, 36 times, and holds the
// plan to the comparison of two full compiles each time; every few cases
// from the previous head rather than the start, and some for one
// environment only.
func TestCommitsEqualsFullCompilesRandomEdits(t *testing.T) {
	g := gittest.New(t)
	r := rand.New(rand.NewPCG(2026, 12))
	start := equalFiles()
	prev, base := start, commitExactly(g, start, "start")
	changed := 0
	for i := range 36 {
		from, fromSHA := start, base
		if i%3 == 2 {
			from, fromSHA = prev, commitExactly(g, prev, fmt.Sprintf("case %d: base", i))
		}
		files := maps.Clone(from)
		var applied []string
		for range 1 + r.IntN(4) {
			e := edits[r.IntN(len(edits))]
			if e.apply(files, r) {
				applied = append(applied, e.name)
			}
		}
		head := commitExactly(g, files, fmt.Sprintf("case %d: %s", i, strings.Join(applied, ", ")))
		var only []string
		if i%5 == 4 {
			only = []string{"staging"}
		}
		if planEqualsFull(t, g, fromSHA, head, only) > 0 {
			changed++
		}
		prev = files
	}
	if changed < 30 {
		t.Errorf("only %d of 36 cases change anything: the edits are too weak", changed)
	}
}

// planEqualsFull plans base..head for the environments only (all when
// empty), with and without recording head's digests, and holds the plan
// to comparing two full compiles. It returns the number of changes and
// objects kept.
func planEqualsFull(t *testing.T, g *gittest.Repo, base, head string, only []string) int {
	t.Helper()
	want, digests, wantAccess := fullPlan(t, g, base, head, only)
	for _, record := range []bool{false, true} {
		res, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head, Envs: only, Record: record})
		if err != nil {
			t.Fatalf("%s..%s: %v", base[:7], head[:7], err)
		}
		if !reflect.DeepEqual(res.View.Changes, want) {
			t.Errorf("%s..%s (record %v): plan changes differ from comparing two full compiles:\n%s\nwant\n%s", base[:7], head[:7], record, changeList(res.View.Changes), changeList(want))
		}
		if !reflect.DeepEqual(res.View.Access, wantAccess) {
			t.Errorf("%s..%s: access changes differ from comparing the full matrices:\n%v\nwant\n%v", base[:7], head[:7], res.View.Access, wantAccess)
		}
		if record && !reflect.DeepEqual(res.Head, digests) {
			t.Errorf("%s..%s: head's digests differ from a full compile of head (%d, want %d)", base[:7], head[:7], len(res.Head), len(digests))
		}
		if !record && res.Head != nil {
			t.Errorf("%s..%s: %d digests recorded unasked", base[:7], head[:7], len(res.Head))
		}
	}
	return len(want.Changes) + len(want.Kept)
}

// fullPlan is the plan of base..head as comparing two full compiles gives
// it (every object rendered at both commits), the digests of every object
// of head, and the access changes between the full access matrices.
func fullPlan(t *testing.T, g *gittest.Repo, base, head string, only []string) (apply.ChangeSet, []apply.Digest, []access.Change) {
	t.Helper()
	repo, err := gitsrc.Open(g.Dir)
	if err != nil {
		t.Fatal(err)
	}
	full := func(sha, label string) side {
		c, err := repo.Resolve(sha)
		if err != nil {
			t.Fatal(err)
		}
		s := readSide(repo, c, label, "policies")
		s.load("policies")
		if s.err != nil {
			t.Fatalf("%s: %v", label, s.err)
		}
		if envs := declaredOf(s.cfg, only); len(envs) > 0 {
			sets, err := compile.All(s.cfg, envs)
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			for _, set := range sets {
				s.sets[set.Env] = set
			}
		}
		return s
	}
	b, h := full(base, "base"), full(head, "head")
	envs, err := plannedEnvs(b, h, only)
	if err != nil {
		t.Fatal(err)
	}
	var sets []artifact.Set
	for _, env := range envs {
		if set, ok := h.sets[env]; ok {
			sets = append(sets, set)
		}
	}
	return apply.Compare(pairs(envs, b, h)), apply.Digests(sets), access.Diff(access.Compute(b.cfg, envs), access.Compute(h.cfg, envs))
}

// changeList is cs for people: one change a line, without diffs.
func changeList(cs apply.ChangeSet) string {
	var b strings.Builder
	for _, c := range cs.Changes {
		fmt.Fprintf(&b, "  %s %s %s (diff %d bytes)\n", c.Env, c.Action, c.Subject(), len(c.Diff))
	}
	for _, k := range cs.Kept {
		fmt.Fprintf(&b, "  %s kept %s\n", k.Env, k.Subject())
	}
	return b.String()
}

// commitExactly commits files as the whole policies folder.
func commitExactly(g *gittest.Repo, files map[string]string, msg string) string {
	return g.Remove("policies").Write(files).Commit(msg)
}

// equalFiles is the generated repository, as text, with an S3 remote in
// every environment and backups of tier standard to it.
func equalFiles() map[string]string {
	out := map[string]string{}
	for name, data := range testgen.Files(equalSize) {
		out[name] = string(data)
	}
	out["policies/backup.cue"] = "package policies\n\n" +
		`environments: [string]: linstor: remotes: offsite: s3: {endpoint: "https://s3.example.com", bucket: "backups", region: "eu-west-1", accessKeyEnv: "S3_KEY", secretKeyEnv: "S3_SECRET"}` + "\n" +
		`tiers: "standard": backup: {remote: "offsite", full: "0 1 * * *"}` + "\n"
	return out
}

// keysOf is the names of files.
func keysOf(files map[string]string) []string {
	var out []string
	for k := range files {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// edit changes the policies in files, keeping them valid; false when it
// finds nothing to change.
type edit struct {
	name  string
	apply func(files map[string]string, r *rand.Rand) bool
}

func editNamed(t *testing.T, name string) edit {
	t.Helper()
	i := slices.IndexFunc(edits, func(e edit) bool { return e.name == name })
	if i < 0 {
		t.Fatalf("no edit %q", name)
	}
	return edits[i]
}

// Every kind of edit a plan must get right: products, roles, tiers and
// environments changed, added, removed and renamed.
var edits = []edit{
	{"product quota", inEntry("products", `quota: \{limit: \d+`, func(r *rand.Rand, _ string) string { return fmt.Sprintf("quota: {limit: %d", 100+r.IntN(9000)) })},
	{"product tier", func(files map[string]string, r *rand.Rand) bool {
		// A product's tier needs a backend of its own: the other of its two.
		name, ok := pick(r, entries(files, "products"))
		targets := regexp.MustCompile(`\n\t\t("[^"]+"): url:`).FindAllStringSubmatch(files[name], -1)
		tier := regexp.MustCompile(`\n\ttier: ("[^"]+")`)
		m := tier.FindStringSubmatch(files[name])
		if !ok || len(targets) != 2 || m == nil {
			return false
		}
		to := targets[0][1]
		if to == m[1] {
			to = targets[1][1]
		}
		files[name] = tier.ReplaceAllString(files[name], "\n\ttier: "+to)
		return true
	}},
	{"product base path", inEntry("products", `/v\d+"`, func(r *rand.Rand, _ string) string { return fmt.Sprintf("/v%d\"", 2+r.IntN(8)) })},
	{"product leaves staging", inEntry("products", `\["sandbox", "staging", "prod"\]`, func(*rand.Rand, string) string { return `["sandbox", "prod"]` })},
	{"product header", inEntry("products", `"X-Service": "[^"]+"`, func(r *rand.Rand, _ string) string { return fmt.Sprintf(`"X-Service": "edited-%d"`, r.IntN(100)) })},
	{"product removed", func(files map[string]string, r *rand.Rand) bool {
		name, ok := pick(r, ungranted(files))
		if ok {
			delete(files, name)
		}
		return ok
	}},
	{"product added", func(files map[string]string, r *rand.Rand) bool {
		i := 100 + r.IntN(900)
		files[fmt.Sprintf("policies/products/added-%05d.cue", i)] = "package policies\n\n" + testgen.Product(i)
		return true
	}},
	{"product renamed", func(files map[string]string, r *rand.Rand) bool {
		name, ok := pick(r, ungranted(files))
		if ok {
			files[name] = regexp.MustCompile(`products: "([^"]+)"`).ReplaceAllString(files[name], fmt.Sprintf(`products: "${1}-r%d"`, r.IntN(100)))
		}
		return ok
	}},
	{"role quota", inEntry("roles", `quota: \{limit: \d+`, func(r *rand.Rand, _ string) string { return fmt.Sprintf("quota: {limit: %d", 1+r.IntN(500)) })},
	{"role grant methods", inEntry("roles", `methods: \["GET", "POST"\]`, func(*rand.Rand, string) string { return `methods: ["GET"]` })},
	{"role members", inEntry("roles", `"admins"`, func(r *rand.Rand, _ string) string { return fmt.Sprintf(`"operators-%d"`, r.IntN(100)) })},
	{"role tier", inEntry("roles", `\n\ttier: "[^"]+"`, func(r *rand.Rand, old string) string { return "\n\ttier: " + otherTier(r, old) })},
	{"role grant moved", func(files map[string]string, r *rand.Rand) bool {
		names := products(files)
		return inEntry("roles", `grants: "[^"]+"`, func(r *rand.Rand, _ string) string {
			p, _ := pick(r, names)
			return fmt.Sprintf("grants: %q", p)
		})(files, r)
	}},
	{"role removed", func(files map[string]string, r *rand.Rand) bool {
		name, ok := pick(r, entries(files, "roles"))
		if ok {
			delete(files, name)
		}
		return ok
	}},
	{"role added", func(files map[string]string, r *rand.Rand) bool {
		p, ok := pick(r, products(files))
		if ok {
			i := 100 + r.IntN(900)
			role := regexp.MustCompile(`grants: "[^"]+"`).ReplaceAllString(testgen.Role(i, 1), fmt.Sprintf("grants: %q", p))
			files[fmt.Sprintf("policies/roles/added-%05d.cue", i)] = "package policies\n\n" + role
		}
		return ok
	}},
	{"role renamed", inEntry("roles", `roles: "role-(\d+)"`, func(r *rand.Rand, old string) string {
		return strings.TrimSuffix(old, `"`) + fmt.Sprintf(`-r%d"`, r.IntN(100))
	})},
	{"tier replicas", inFile("policies/tiers.cue", `replicas:\s+\d+`, func(r *rand.Rand, _ string) string { return fmt.Sprintf("replicas: %d", 2+r.IntN(3)) })},
	{"tier pools", inFile("policies/tiers.cue", `storagePools: \["[^"]+"`, func(r *rand.Rand, old string) string { return old + fmt.Sprintf(`, "pool-extra-%d"`, r.IntN(10)) })},
	{"tier backups", inFile("policies/backup.cue", `tiers: "[^"]+": backup: \{remote: "offsite", full: "[^"]+"`, func(r *rand.Rand, _ string) string {
		return fmt.Sprintf(`tiers: %q: backup: {remote: "offsite", full: "0 %d * * *"`, testgen.TierName(r.IntN(equalSize.Tiers)), r.IntN(24))
	})},
	{"env prefix", inFile("policies/environments.cue", `resourceGroupPrefix: "[^"]*"`, func(r *rand.Rand, _ string) string { return fmt.Sprintf(`resourceGroupPrefix: "stg%d-"`, r.IntN(100)) })},
	{"env apigee target", inFile("policies/environments.cue", `organization: "acme-prod[^"]*"`, func(r *rand.Rand, _ string) string { return fmt.Sprintf(`organization: "acme-prod-%d"`, r.IntN(100)) })},
	{"env linstor target", inFile("policies/environments.cue", `https://linstor[^.]*\.staging:3371`, func(r *rand.Rand, _ string) string {
		return fmt.Sprintf("https://linstor-%d.staging:3371", r.IntN(100))
	})},
	{"env remotes", inFile("policies/backup.cue", `bucket: "[^"]+"`, func(r *rand.Rand, _ string) string { return fmt.Sprintf(`bucket: "backups-%d"`, r.IntN(100)) })},
	{"env prune", func(files map[string]string, _ *rand.Rand) bool {
		files["policies/prune.cue"] = "package policies\n\nenvironments: [\"staging\" | \"prod\"]: prune: true\n"
		return true
	}},
}

// inEntry edits one match of pattern in a random file of section
// (products or roles), replacing it with what with returns.
func inEntry(section, pattern string, with func(r *rand.Rand, old string) string) func(map[string]string, *rand.Rand) bool {
	re := regexp.MustCompile(pattern)
	return func(files map[string]string, r *rand.Rand) bool {
		var candidates []string
		for _, name := range entries(files, section) {
			if re.MatchString(files[name]) {
				candidates = append(candidates, name)
			}
		}
		name, ok := pick(r, candidates)
		return ok && inFile(name, pattern, with)(files, r)
	}
}

// inFile replaces a random match of pattern in the file name.
func inFile(name, pattern string, with func(r *rand.Rand, old string) string) func(map[string]string, *rand.Rand) bool {
	re := regexp.MustCompile(pattern)
	return func(files map[string]string, r *rand.Rand) bool {
		text := files[name]
		locs := re.FindAllStringIndex(text, -1)
		if len(locs) == 0 {
			return false
		}
		l := locs[r.IntN(len(locs))]
		files[name] = text[:l[0]] + with(r, text[l[0]:l[1]]) + text[l[1]:]
		return true
	}
}

// entries is the files of a section (products or roles), sorted.
func entries(files map[string]string, section string) []string {
	var out []string
	for _, name := range keysOf(files) {
		if strings.HasPrefix(name, "policies/"+section+"/") {
			out = append(out, name)
		}
	}
	return out
}

var productRE = regexp.MustCompile(`products: "([^"]+)"`)

// products is the names of the products declared.
func products(files map[string]string) []string {
	var out []string
	for _, name := range entries(files, "products") {
		for _, m := range productRE.FindAllStringSubmatch(files[name], -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// ungranted is the product files no role grants.
func ungranted(files map[string]string) []string {
	var grants strings.Builder
	for _, name := range entries(files, "roles") {
		grants.WriteString(files[name])
	}
	var out []string
	for _, name := range entries(files, "products") {
		m := productRE.FindStringSubmatch(files[name])
		if m != nil && !strings.Contains(grants.String(), fmt.Sprintf("grants: %q", m[1])) {
			out = append(out, name)
		}
	}
	return out
}

// otherTier is a tier other than the one in old, quoted.
func otherTier(r *rand.Rand, old string) string {
	for {
		if t := fmt.Sprintf("%q", testgen.TierName(r.IntN(equalSize.Tiers))); !strings.Contains(old, t) {
			return t
		}
	}
}

// pick is a random item of items.
func pick(r *rand.Rand, items []string) (string, bool) {
	if len(items) == 0 {
		return "", false
	}
	return items[r.IntN(len(items))], true
}

// TestCommitsProblemsOfUnchangedProducts: a product that reads the same
// policies at both commits is only checked, not built, yet its problems
// (found only by compiling) fail the plan at both commits as a full
// compile's do; a head that repairs it is planned against nothing.
func TestCommitsProblemsOfUnchangedProducts(t *testing.T) {
	g := gittest.New(t)
	files := equalFiles()
	bad := "policies/products/products-00003.cue"
	good := files[bad]
	files[bad] = strings.Replace(good, `{path: "/reports/{id}",`, `{path: "/items/{id}", methods: ["GET"]},
		{path: "/reports/{id}",`, 1)
	if files[bad] == good {
		t.Fatal("the edit does not apply")
	}
	base := commitExactly(g, files, "a product compile refuses")
	editNamed(t, "product quota").apply(files, rand.New(rand.NewPCG(1, 2)))
	head := commitExactly(g, files, "another product changed")
	_, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head})
	for _, sha := range []string{base, head} {
		if want := sha[:7] + ":" + bad + ":"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("plan: %v, want the problem at %s", err, want)
		}
	}
	files[bad] = good
	repaired := commitExactly(g, files, "repaired")
	res, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: head, Head: repaired, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	_, digests, _ := fullPlan(t, g, repaired, repaired, nil)
	if s := res.View.Changes.Summary(); s.Create != len(digests) || s.Update+s.Delete != 0 || len(res.View.BaseErrors) == 0 {
		t.Errorf("a head repairing its base: %+v, base errors %v; want %d creates", s, res.View.BaseErrors, len(digests))
	}
	if !reflect.DeepEqual(res.Head, digests) {
		t.Error("a head repairing its base: head's digests differ from a full compile")
	}
}
