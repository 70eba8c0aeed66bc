package plan

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/gittest"
	"github.com/lingate/lingate/internal/testgen"
	"github.com/lingate/lingate/schema"
)

// repo commits a generated repository, then a quota change in one product
// and one product more.
func repo(t *testing.T) (*gittest.Repo, string, string) {
	t.Helper()
	g := gittest.New(t)
	files := map[string]string{}
	for name, data := range testgen.Files(testgen.Size{Products: 3, Roles: 3, PerFile: 1}) {
		files[name] = string(data)
	}
	base := g.Write(files).Commit("base")
	changed := strings.Replace(files["policies/products/products-00001.cue"], "limit: 1000", "limit: 2000", 1)
	head := g.Write(map[string]string{
		"policies/products/products-00001.cue": changed,
		"policies/products/products-00003.cue": "package policies\n\n" + testgen.Product(3),
	}).Commit("head")
	return g, base, head
}

func TestCommitsComparesEveryEnvironment(t *testing.T) {
	g, base, head := repo(t)
	res, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.View.Base.SHA != base || res.View.Head.SHA != head {
		t.Errorf("source %s..%s, want %s..%s", res.View.Base.SHA, res.View.Head.SHA, base, head)
	}
	got := map[string]int{}
	for _, c := range res.View.Changes.Changes {
		if c.Name == testgen.ProductName(1) && c.Action == apply.Update || c.Name == testgen.ProductName(3) && c.Action == apply.Create {
			got[c.Env]++
		}
	}
	for _, env := range []string{"prod", "sandbox", "staging"} {
		if got[env] != 4 {
			t.Errorf("%s: %d of the 4 expected changes (proxy and product of each product)", env, got[env])
		}
	}
	if envs := digestEnvs(res.Head); !slices.Equal(envs, []string{"prod", "sandbox", "staging"}) {
		t.Errorf("head's digests are of environments %q, want prod, sandbox and staging", envs)
	}
}

func TestCommitsIgnoresTheWorkTree(t *testing.T) {
	g, base, head := repo(t)
	if err := os.WriteFile(filepath.Join(g.Dir, "policies", "broken.cue"), []byte("package policies\nproducts: {"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head, Envs: []string{"prod"}}); err != nil {
		t.Fatalf("a broken work tree file was read: %v", err)
	}
}

func TestCommitsNamesTheCommitOfAnError(t *testing.T) {
	g, base, _ := repo(t)
	bad := g.Write(map[string]string{"policies/bad.cue": "package policies\n\ntiers: fast: replicas: 0\n"}).Commit("bad")
	_, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: bad})
	if err == nil || !strings.Contains(err.Error(), bad[:7]+":policies/bad.cue:3:") {
		t.Fatalf("got %v, want an error at %s:policies/bad.cue:3", err, bad[:7])
	}
}

// TestCommitsCompilesOnlyTheEnvironmentsAsked: with --env staging, a base
// that does not declare staging compiles nothing, so a problem that only
// compiling prod finds at base does not fail the plan of staging (as it
// does not when base declares staging too).
func TestCommitsCompilesOnlyTheEnvironmentsAsked(t *testing.T) {
	product := func(envs string) string {
		return `products: orders: {
	displayName: "Orders", basePath: "/orders", environments: [` + envs + `]
	target: url: "https://orders.internal", auth: apiKey: {}, tier: "fast"
}
tiers: fast: {description: "NVMe", replicas: 2, storagePools: ["nvme"]}
`
	}
	env := func(name, prefix string) string {
		return "environments: " + name + `: {apigee: {organization: "acme", environment: "` + name +
			`"}, linstor: {controllers: ["https://linstor:3371"], resourceGroupPrefix: "` + prefix + `"}}` + "\n"
	}
	g := gittest.New(t)
	base := g.Write(map[string]string{"policies/p.cue": "package policies\n\n" + env("prod", "{bad}") + product(`"prod"`)}).Commit("base")
	head := g.Write(map[string]string{"policies/p.cue": "package policies\n\n" + env("prod", "p-") + env("staging", "s-") + product(`"prod", "staging"`)}).Commit("head")
	res, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head, Envs: []string{"staging"}, Record: true})
	if err != nil {
		t.Fatalf("plan of staging failed on prod at base: %v", err)
	}
	if s := res.View.Changes.Summary(); s.Create != 3 || s.Update+s.Delete != 0 || len(res.Head) != 3 || !slices.Equal(digestEnvs(res.Head), []string{"staging"}) {
		t.Errorf("summary %+v, head digests %v; want 3 creates in staging only", s, res.Head)
	}
	// Every environment: the base is invalid and head repairs it, so the
	// plan is made against nothing and shows the base's problems.
	res, err = Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head})
	if err != nil {
		t.Fatalf("plan of a head that repairs its base: %v", err)
	}
	if be := res.View.BaseErrors; len(be) == 0 || be[0].Commit != base[:7] || be[0].Pos.File != "policies/p.cue" {
		t.Errorf("base errors %v, want the error in prod at base %s", be, base[:7])
	}
	if s := res.View.Changes.Summary(); s.Create != 6 || s.Update+s.Delete != 0 {
		t.Errorf("summary %+v, want every object of prod and staging created", s)
	}
	if len(res.View.Notes) == 0 || !strings.Contains(res.View.Notes[0], "invalid at base "+base[:7]) {
		t.Errorf("notes %q, want the invalid base first", res.View.Notes)
	}
}

// TestCommitsInvalidHeadFails: an invalid head is never planned, whatever
// the base.
func TestCommitsInvalidHeadFails(t *testing.T) {
	g := gittest.New(t)
	good := "package policies\n\ntiers: fast: {description: \"NVMe\", replicas: 2, storagePools: [\"nvme\"]}\n"
	base := g.Write(map[string]string{"policies/p.cue": good}).Commit("base")
	head := g.Write(map[string]string{"policies/p.cue": strings.Replace(good, "replicas: 2", "replicas: 0", 1)}).Commit("head")
	_, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head})
	var errs schema.Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Commit != head[:7] {
		t.Errorf("plan of an invalid head: %v, want its problem at %s", err, head[:7])
	}
}

// TestPlanFileDigestsMatchACompile: the digests a plan records for head
// are those of compiling head's policies anew (here from the work tree, as
// apply would), and not those of base.
func TestPlanFileDigestsMatchACompile(t *testing.T) {
	g, base, head := repo(t)
	res, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	pf := apply.NewPlanFile(res.View.Source(), res.View.Environments, res.View.Changes, res.Head)
	compiled := func() []artifact.Set {
		t.Helper()
		cfg, err := schema.Load(os.DirFS(g.Dir), "policies")
		if err != nil {
			t.Fatal(err)
		}
		sets, err := compile.All(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return sets
	}
	if err := pf.Stale(compiled()); err != nil {
		t.Errorf("head compiled anew: %v", err)
	}
	g.Remove("policies/products/products-00003.cue").Write(map[string]string{"policies/products/products-00001.cue": mustRead(t, g, base, "policies/products/products-00001.cue")})
	if err := pf.Stale(compiled()); err == nil || !strings.Contains(err.Error(), "plan is stale: ") {
		t.Errorf("base compiled: %v, want stale", err)
	}
}

// digestEnvs is the environments of digests, each once, in order.
func digestEnvs(digests []apply.Digest) []string {
	var envs []string
	for _, d := range digests {
		envs = append(envs, d.Env)
	}
	return slices.Compact(envs)
}

// mustRead returns a file's content at a commit.
func mustRead(t *testing.T, g *gittest.Repo, sha, name string) string {
	t.Helper()
	c, err := g.Git().CommitObject(plumbing.NewHash(sha))
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.File(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Contents()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCommitsPoliciesFolderIsTheNameGiven: --policies names a folder of
// the repository as the user wrote it; a symbolic link in the work tree is
// not followed to another folder (the commits may hold anything there).
func TestCommitsPoliciesFolderIsTheNameGiven(t *testing.T) {
	g, base, _ := repo(t)
	if err := os.Rename(filepath.Join(g.Dir, "policies"), filepath.Join(g.Dir, "infra")); err != nil {
		t.Fatal(err)
	}
	g.Commit("policies moved")
	head := g.Symlink("policies", "infra").Commit("a link left behind")
	_, err := Commits(Options{Policies: filepath.Join(g.Dir, "policies"), Base: base, Head: head})
	want := head[:7] + `:policies: symbolic link to "infra" is refused`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("plan through a linked folder: %v, want %s", err, want)
	}
	res, err := Commits(Options{Policies: filepath.Join(g.Dir, "infra"), Base: base, Head: head})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.View.Changes.Summary(); s.Create == 0 || s.Update+s.Delete != 0 {
		t.Errorf("infra, absent at base: %+v, want creates only", s)
	}
}

// TestCommitsNotes: a plan says why everything is a create or a removal
// when the policies folder is absent at one commit, and why nothing is
// compared when head is already part of the base branch.
func TestCommitsNotes(t *testing.T) {
	g, base, head := repo(t)
	gone := g.Remove("policies").Commit("policies moved away")
	policies := filepath.Join(g.Dir, "policies")
	for _, tc := range []struct {
		base, head string
		want       []string
	}{
		{head, gone, []string{"The policies folder policies is absent at head " + gone[:7] + ": every object at base is planned as removed."}},
		{gone, head, []string{"The policies folder policies is absent at base " + gone[:7] + ": every object at head is planned as created."}},
		{"main", base, []string{"Head " + base[:7] + " is already part of main (their merge-base is head itself): nothing is compared."}},
		{base, head, nil},
	} {
		res, err := Commits(Options{Policies: policies, Base: tc.base, Head: tc.head})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.View.Notes, tc.want) {
			t.Errorf("%s..%s: notes %q, want %q", tc.base, tc.head, res.View.Notes, tc.want)
		}
	}
}

// TestCommitsTargetMoved: an environment pointed at another Apigee
// organization or environment, or at another LINSTOR cluster (no
// controller in common), gets every object of that system created there;
// the objects at the old target are left alone. Adding a controller to
// the same cluster moves nothing.
func TestCommitsTargetMoved(t *testing.T) {
	env := func(org, controllers string) string { return targetPolicies(org, "prod", controllers) }
	g := gittest.New(t)
	base := g.Write(map[string]string{"policies/p.cue": env("acme", `"https://a:3371"`)}).Commit("base")
	moved := g.Write(map[string]string{"policies/p.cue": env("acme-new", `"https://b:3371"`)}).Commit("both moved")
	more := g.Write(map[string]string{"policies/p.cue": env("acme-new", `"https://b:3371", "https://c:3371"`)}).Commit("a second controller")
	policies := filepath.Join(g.Dir, "policies")
	res, err := Commits(Options{Policies: policies, Base: base, Head: moved})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.View.Changes.Changes {
		got = append(got, string(c.Action)+" "+c.Subject())
	}
	want := []string{"create linstor resource-group fast", "create apigee proxy orders", "create apigee product orders"}
	if !slices.Equal(got, want) || len(res.View.Changes.Kept) != 0 {
		t.Errorf("changes %q, kept %v; want %q", got, res.View.Changes.Kept, want)
	}
	wantNotes := []string{
		"prod moves to another LINSTOR cluster (controllers https://a:3371 → https://b:3371): every LINSTOR object is planned as created there; nothing is removed from the old one.",
		"prod moves to another Apigee organization or environment (acme/prod → acme-new/prod): every Apigee object is planned as created there; nothing is removed from the old one.",
	}
	if !slices.Equal(res.View.Notes, wantNotes) {
		t.Errorf("notes:\n%q\nwant:\n%q", res.View.Notes, wantNotes)
	}
	res, err = Commits(Options{Policies: policies, Base: moved, Head: more})
	if err != nil {
		t.Fatal(err)
	}
	if !res.View.Changes.Empty() || len(res.View.Notes) != 0 {
		t.Errorf("a second controller: %v, notes %q; want no changes", res.View.Changes.Changes, res.View.Notes)
	}
}

// TestCommitsTargetMovedOneFieldAtATime: a change of the Apigee
// environment alone moves the Apigee objects (creates there, with the
// note), and nothing of LINSTOR; the same controller spelled with another
// case or a trailing slash moves nothing.
func TestCommitsTargetMovedOneFieldAtATime(t *testing.T) {
	env := func(apigeeEnv, controller string) string {
		return targetPolicies("acme", apigeeEnv, `"`+controller+`"`)
	}
	g := gittest.New(t)
	base := g.Write(map[string]string{"policies/p.cue": env("prod", "https://linstor-a:3371")}).Commit("base")
	envMoved := g.Write(map[string]string{"policies/p.cue": env("prod-2", "https://linstor-a:3371")}).Commit("apigee environment")
	respelled := g.Write(map[string]string{"policies/p.cue": env("prod", "https://LINSTOR-A:3371/")}).Commit("controller respelled")
	policies := filepath.Join(g.Dir, "policies")
	for _, tc := range []struct {
		head  string
		want  []string
		notes []string
	}{
		{envMoved, []string{"create apigee proxy orders", "create apigee product orders"}, []string{
			"prod moves to another Apigee organization or environment (acme/prod → acme/prod-2): every Apigee object is planned as created there; nothing is removed from the old one.",
		}},
		{respelled, nil, nil},
	} {
		res, err := Commits(Options{Policies: policies, Base: base, Head: tc.head})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range res.View.Changes.Changes {
			got = append(got, string(c.Action)+" "+c.Subject())
		}
		if !slices.Equal(got, tc.want) || !slices.Equal(res.View.Notes, tc.notes) {
			t.Errorf("%s: changes %q, notes %q; want %q, notes %q", tc.head[:7], got, res.View.Notes, tc.want, tc.notes)
		}
	}
}

// targetPolicies is one product and its tier in environment prod, which
// prunes and points at Apigee org/env and the LINSTOR controllers given
// (a CUE list's items).
func targetPolicies(org, env, controllers string) string {
	return "package policies\n\nenvironments: prod: {apigee: {organization: \"" + org + "\", environment: \"" + env + "\"}, linstor: controllers: [" + controllers + "], prune: true}\n" +
		"tiers: fast: {description: \"NVMe\", replicas: 2, storagePools: [\"nvme\"]}\n" +
		"products: orders: {displayName: \"Orders\", basePath: \"/orders\", environments: [\"prod\"], target: url: \"https://orders.internal\", auth: apiKey: {}, tier: \"fast\"}\n"
}
