package gitsrc_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	git "github.com/go-git/go-git/v5"

	"github.com/lingate/lingate/internal/gitsrc"
	"github.com/lingate/lingate/internal/gittest"
	"github.com/lingate/lingate/schema"
)

const envs = `package policies

environments: prod: {
	apigee: {organization: "acme", environment: "prod"}
	linstor: controllers: ["https://linstor:3371"]
}
`

func open(t *testing.T, g *gittest.Repo) *gitsrc.Repo {
	t.Helper()
	r, err := gitsrc.Open(g.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func resolve(t *testing.T, r *gitsrc.Repo, rev string) gitsrc.Commit {
	t.Helper()
	c, err := r.Resolve(rev)
	if err != nil {
		t.Fatalf("resolve %s: %v", rev, err)
	}
	return c
}

func readAll(t *testing.T, fsys fs.FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, name)
		out[name] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestResolveRevisions(t *testing.T) {
	g := gittest.New(t)
	first := g.Write(map[string]string{"policies/env.cue": envs}).Commit("first")
	g.Tag("v1").AnnotatedTag("v1-annotated", "release 1")
	second := g.Write(map[string]string{"policies/more.cue": "package policies\n"}).Commit("second")
	g.AddRemoteBranch("origin", "main", first)
	r := open(t, g)
	cases := map[string]string{
		first: first, first[:7]: first, second[:12]: second,
		"HEAD": second, "HEAD~1": first, "HEAD^": first, "main": second, "refs/heads/main": second,
		"v1": first, "v1-annotated": first, "origin/main": first,
	}
	for rev, want := range cases {
		c := resolve(t, r, rev)
		if c.SHA != want || c.Rev != rev {
			t.Errorf("resolve %s = %+v, want SHA %s", rev, c, want)
		}
	}
	if got := resolve(t, r, first).Short(); got != first[:7] {
		t.Errorf("short = %s, want %s", got, first[:7])
	}
}

func TestResolveUnknown(t *testing.T) {
	g := gittest.New(t)
	g.Write(map[string]string{"policies/env.cue": envs}).Commit("only")
	r := open(t, g)
	for rev, want := range map[string]string{
		"nope":                   `revision "nope": not found (expected a commit SHA, a branch, a tag, or an expression such as HEAD~1)`,
		"HEAD~3":                 `revision "HEAD~3": not found (expected a commit SHA, a branch, a tag, or an expression such as HEAD~1): the history has no such ancestor`,
		strings.Repeat("ab", 20): `revision "abababababababababababababababababababab": not found`,
	} {
		_, err := r.Resolve(rev)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("resolve %s: %v, want prefix %q", rev, err, want)
		}
	}
}

func TestPoliciesReadsTheCommitNotTheWorkTree(t *testing.T) {
	g := gittest.New(t)
	g.Write(map[string]string{
		"policies/env.cue":            envs,
		"policies/tiers/fast.cue":     "package policies\n\ntiers: {}\n",
		"policies/_draft/x.cue":       "broken {",
		"policies/.hidden.cue":        "broken {",
		"policies/README.md":          "notes\r\n",
		"outside/other.cue":           "package other\n",
		"policies/tiers/slow.cue.txt": "not cue",
	})
	c := g.Commit("base")
	// The work tree now holds anything: a broken file, a removed file, an untracked file.
	g.Write(map[string]string{"policies/env.cue": "broken {", "policies/new.cue": "broken {"}).Remove("policies/tiers")
	r := open(t, g)
	fsys, err := r.Policies(resolve(t, r, c), "policies")
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, fsys)
	want := map[string]string{
		"policies/env.cue":        envs,
		"policies/tiers/fast.cue": "package policies\n\ntiers: {}\n",
	}
	if len(got) != len(want) {
		t.Errorf("files = %v, want %v", keys(got), keys(want))
	}
	for name, data := range want {
		if got[name] != data {
			t.Errorf("%s = %q, want %q", name, got[name], data)
		}
	}
	if err := fstest.TestFS(fsys, "policies/env.cue", "policies/tiers/fast.cue"); err != nil {
		t.Error(err)
	}
	if _, err := schema.Load(fsys, "policies"); err != nil {
		t.Errorf("load from commit: %v", err)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestPoliciesWholeTree(t *testing.T) {
	g := gittest.New(t)
	c := g.Write(map[string]string{"env.cue": envs, "sub/a.cue": "package policies\n"}).Commit("root")
	r := open(t, g)
	fsys, err := r.Policies(resolve(t, r, c), ".")
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, fsys); len(got) != 2 || got["sub/a.cue"] != "package policies\n" {
		t.Errorf("files = %v", got)
	}
}

func TestPoliciesAbsent(t *testing.T) {
	g := gittest.New(t)
	c := g.Write(map[string]string{"README.md": "empty"}).Commit("no policies")
	r := open(t, g)
	_, err := r.Policies(resolve(t, r, c), "policies")
	if !errors.Is(err, gitsrc.ErrNoPolicies) {
		t.Fatalf("err = %v, want ErrNoPolicies", err)
	}
	want := "policies at commit " + c[:7] + ": policies folder not present"
	if err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if _, err := r.Policies(resolve(t, r, c), "../x"); err == nil || !strings.Contains(err.Error(), "inside the repository") {
		t.Errorf("path outside: %v", err)
	}
}

func TestPoliciesRefusesSymlinksAndSubmodules(t *testing.T) {
	g := gittest.New(t)
	g.Write(map[string]string{"policies/env.cue": envs, "shared/tiers.cue": "package policies\n"})
	g.Symlink("policies/tiers.cue", "../shared/tiers.cue").Symlink("policies/_ignored.cue", "env.cue")
	g.Commit("links")
	c := g.CommitGitlink("policies/vendor", strings.Repeat("1", 40), "submodule")
	r := open(t, g)
	_, err := r.Policies(resolve(t, r, c), "policies")
	var errs schema.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want schema.Errors", err)
	}
	short := c[:7]
	want := short + `:policies/tiers.cue: symbolic link to "../shared/tiers.cue" is refused (expected a regular file: copy it or move it here)` + "\n" +
		short + `:policies/vendor: submodule (at commit 1111111) is refused: its files are not in this repository (expected policy files committed here)`
	if err.Error() != want {
		t.Errorf("err =\n%s\nwant\n%s", err, want)
	}
}

func TestResolveRangeMergeBase(t *testing.T) {
	g := gittest.New(t)
	forkPoint := g.Write(map[string]string{"policies/env.cue": envs}).Commit("fork point")
	g.Branch("feature")
	head := g.Write(map[string]string{"policies/a.cue": "package policies\n"}).Commit("feature work")
	g.Checkout("main")
	mainTip := g.Write(map[string]string{"policies/b.cue": "package policies\n"}).Commit("main moves on")
	g.Tag("main-tip")
	r := open(t, g)

	rg, err := r.ResolveRange("main", "feature")
	if err != nil {
		t.Fatal(err)
	}
	if rg.Base.SHA != forkPoint || rg.Head.SHA != head || !rg.MergeBase || rg.Base.Rev != "main" {
		t.Errorf("branch base: %+v, want merge-base %s", rg, forkPoint)
	}
	for _, base := range []string{mainTip, "main-tip"} {
		rg, err = r.ResolveRange(base, "feature")
		if err != nil {
			t.Fatal(err)
		}
		if rg.Base.SHA != mainTip || rg.MergeBase {
			t.Errorf("base %s: %+v, want %s as is", base, rg, mainTip)
		}
	}
	if _, err := r.ResolveRange("nope", "feature"); err == nil || !strings.HasPrefix(err.Error(), `base: revision "nope"`) {
		t.Errorf("unknown base: %v", err)
	}
	if _, err := r.ResolveRange("main", "nope"); err == nil || !strings.HasPrefix(err.Error(), `head: revision "nope"`) {
		t.Errorf("unknown head: %v", err)
	}
}

func TestShallowCloneExplainsTheFix(t *testing.T) {
	g := gittest.New(t)
	base := g.Write(map[string]string{"policies/env.cue": envs}).Commit("base")
	g.Write(map[string]string{"policies/a.cue": "package policies\n"}).Commit("head")
	shallow := g.ShallowClone(1)
	r := open(t, shallow)
	for _, rev := range []string{"HEAD~1", base, base[:7]} {
		_, err := r.Resolve(rev)
		if err == nil || !strings.Contains(err.Error(), "shallow clone") || !strings.Contains(err.Error(), "fetch-depth: 0") {
			t.Errorf("resolve %s in a shallow clone: %v", rev, err)
		}
	}
	if _, err := r.Policies(resolve(t, r, "HEAD"), "policies"); err != nil {
		t.Errorf("head of a shallow clone: %v", err)
	}
}

func TestOpenFromSubfolder(t *testing.T) {
	g := gittest.New(t)
	g.Write(map[string]string{"policies/env.cue": envs}).Commit("base")
	r, err := gitsrc.Open(g.Dir + "/policies")
	if err != nil {
		t.Fatal(err)
	}
	if r.Root() != g.Dir {
		t.Errorf("root = %s, want %s", r.Root(), g.Dir)
	}
	if _, err := gitsrc.Open(t.TempDir()); err == nil {
		t.Error("open outside any repository: no error")
	}
}

func TestLoadErrorsNameTheCommit(t *testing.T) {
	g := gittest.New(t)
	c := g.Write(map[string]string{"policies/env.cue": envs + "tiers: slow: replicas: 0\n"}).Commit("bad")
	r := open(t, g)
	commit := resolve(t, r, c)
	fsys, err := r.Policies(commit, "policies")
	if err != nil {
		t.Fatal(err)
	}
	_, err = schema.Load(fsys, "policies")
	err = gitsrc.Locate(err, commit, "head")
	var errs schema.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("err = %v, want schema.Errors", err)
	}
	for _, e := range errs {
		if e.Commit != c[:7] || e.Pos.File != "policies/env.cue" || e.Pos.Line == 0 {
			t.Errorf("commit %s, position %s; want %s, policies/env.cue:line", e.Commit, e.Pos, c[:7])
		}
	}
	if again := gitsrc.Locate(err, commit, "head"); again.Error() != err.Error() {
		t.Errorf("locating twice changed the error:\n%v\n%v", again, err)
	}
	other := gitsrc.Locate(errors.New("boom"), commit, "base")
	if other.Error() != "base "+c[:7]+": boom" {
		t.Errorf("other error = %v", other)
	}
	nopos := gitsrc.Locate(schema.Errors{{Msg: "embedded schema: broken"}}, commit, "base")
	if nopos.Error() != c[:7]+": embedded schema: broken" {
		t.Errorf("error without position = %v", nopos)
	}
	if gitsrc.Locate(nil, commit, "base") != nil {
		t.Error("nil error located as non-nil")
	}
}

func TestTreeID(t *testing.T) {
	g := gittest.New(t)
	a := g.Write(map[string]string{"policies/env.cue": envs}).Commit("a")
	b := g.Write(map[string]string{"README.md": "other files change"}).Commit("b")
	c := g.Write(map[string]string{"policies/env.cue": envs + "\n"}).Commit("c")
	d := g.Remove("policies").Commit("d")
	r := open(t, g)
	id := func(sha string) string {
		t.Helper()
		s, err := r.TreeID(resolve(t, r, sha), "policies")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if id(a) == "" || id(a) != id(b) {
		t.Errorf("same policies, tree ids %q and %q", id(a), id(b))
	}
	if id(b) == id(c) {
		t.Error("changed policies, same tree id")
	}
	if id(d) != "" {
		t.Errorf("absent policies: tree id %q", id(d))
	}
	if _, err := r.TreeID(resolve(t, r, a), "/abs"); err == nil {
		t.Error("invalid folder: no error")
	}
}

func TestOpenBare(t *testing.T) {
	g := gittest.New(t)
	c := g.Write(map[string]string{"policies/env.cue": envs}).Commit("base")
	dir := t.TempDir()
	if _, err := git.PlainClone(dir, true, &git.CloneOptions{URL: g.Dir}); err != nil {
		t.Fatal(err)
	}
	r, err := gitsrc.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Root() != "" {
		t.Errorf("bare repository: root %q, want none", r.Root())
	}
	fsys, err := r.Policies(resolve(t, r, "main"), "policies")
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, fsys); got["policies/env.cue"] != envs || resolve(t, r, "HEAD").SHA != c {
		t.Errorf("bare repository read: %v", got)
	}
}

// TestResolveRefusesWhatGitWouldNot: names go-git resolves but git does
// not, or resolves to another commit than git, are errors rather than a
// plan between the wrong commits.
func TestResolveRefusesWhatGitWouldNot(t *testing.T) {
	g := gittest.New(t)
	g.Write(map[string]string{"policies/env.cue": envs}).Commit("first")
	head := g.Write(map[string]string{"policies/more.cue": "package policies\n"}).Commit("second")
	r := open(t, g)
	for rev, want := range map[string]string{
		head[:1]:            `revision "` + head[:1] + `": not found`,
		head[:3]:            `revision "` + head[:3] + `": not found`,
		"HEAD@{1}":          `revision "HEAD@{1}": @{...} (reflog, upstream) is not supported`,
		"main@{u}":          `revision "main@{u}": @{...} (reflog, upstream) is not supported`,
		"HEAD^{tree}":       `revision "HEAD^{tree}": "^{tree}" is not supported`,
		"HEAD:policies":     `revision "HEAD:policies": names a file or searches commit messages, not a commit`,
		":/second":          `revision ":/second": names a file or searches commit messages, not a commit`,
		"HEAD~1^{blob}~1":   `revision "HEAD~1^{blob}~1": "^{blob}~1" is not supported`,
		"HEAD^{commit}~1~x": `revision "HEAD^{commit}~1~x": "x" is not supported`,
		"~1":                `revision "~1": not found`,
	} {
		c, err := r.Resolve(rev)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("resolve %s = %+v, %v; want an error starting %q", rev, c, err, want)
		}
	}
}

func TestResolveAmbiguous(t *testing.T) {
	g := gittest.New(t)
	first := g.Write(map[string]string{"policies/env.cue": envs}).Commit("first")
	second := g.Write(map[string]string{"policies/more.cue": "package policies\n"}).Commit("second")
	twinA, twinB := g.Twins(4)
	g.SetRef("refs/heads/x", second).SetRef("refs/tags/x", first)
	g.SetRef("refs/heads/"+first[:7], second)
	g.SetRef("refs/heads/origin/main", first).AddRemoteBranch("origin", "main", second)
	r := open(t, g)
	for rev, want := range map[string]string{
		"x":           `revision "x": ambiguous: it names tag refs/tags/x (` + first[:7] + `) and branch refs/heads/x (` + second[:7] + `); name one in full`,
		first[:7]:     `revision "` + first[:7] + `": ambiguous: it names branch refs/heads/` + first[:7] + ` (` + second[:7] + `) and commit ` + first[:7] + `; name one in full`,
		"origin/main": `revision "origin/main": ambiguous: it names branch refs/heads/origin/main (` + first[:7] + `) and remote-tracking branch refs/remotes/origin/main (` + second[:7] + `); name one in full`,
		twinA[:4]:     `revision "` + twinA[:4] + `": ambiguous: it names commit ` + min(twinA, twinB)[:7] + ` and commit ` + max(twinA, twinB)[:7] + `; name one in full`,
	} {
		c, err := r.Resolve(rev)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("resolve %s = %+v, %v\nwant an error starting %q", rev, c, err, want)
		}
	}
	for rev, want := range map[string]string{
		"refs/heads/x": second, "refs/tags/x": first, "heads/x": second, "tags/x": first,
		first[:8]: first, first: first, "refs/heads/" + first[:7]: second,
		"refs/remotes/origin/main": second, twinA[:12]: twinA, twinB: twinB,
	} {
		if c := resolve(t, r, rev); c.SHA != want {
			t.Errorf("resolve %s = %s, want %s", rev, c.SHA, want)
		}
	}
}

func TestResolveSuffixes(t *testing.T) {
	g := gittest.New(t)
	first := g.Write(map[string]string{"policies/env.cue": envs}).Commit("first")
	g.AnnotatedTag("v1", "release 1")
	second := g.Write(map[string]string{"policies/more.cue": "package policies\n"}).Commit("second")
	third := g.Write(map[string]string{"policies/more.cue": "package policies\n\n"}).Commit("third")
	r := open(t, g)
	for rev, want := range map[string]string{
		"HEAD^{commit}": third, "HEAD~": second, "HEAD~2": first, "HEAD^^": first, "HEAD^1~1": first,
		"main~0": third, "v1~0": first, "v1^{commit}": first, third[:7] + "~1": second, "HEAD^{/second}": second,
	} {
		if c := resolve(t, r, rev); c.SHA != want || c.Rev != rev {
			t.Errorf("resolve %s = %+v, want %s", rev, c, want)
		}
	}
}

func TestResolveRangeBranchIsWhatTheNameResolvedTo(t *testing.T) {
	g := gittest.New(t)
	g.Write(map[string]string{"policies/env.cue": envs}).Commit("first")
	g.Branch("feature")
	head := g.Write(map[string]string{"policies/a.cue": "package policies\n"}).Commit("feature work")
	g.Checkout("main")
	tip := g.Write(map[string]string{"policies/b.cue": "package policies\n"}).Commit("main moves on")
	g.SetRef("refs/tags/release", tip)
	r := open(t, g)
	// A tag, an expression and a SHA are used as they are.
	for _, base := range []string{"refs/tags/release", "main~0", tip[:7]} {
		rg, err := r.ResolveRange(base, head)
		if err != nil {
			t.Fatal(err)
		}
		if rg.MergeBase || rg.Base.SHA != tip {
			t.Errorf("base %s: %+v, want %s as it is", base, rg, tip)
		}
	}
	for _, base := range []string{"main", "refs/heads/main", "heads/main"} {
		rg, err := r.ResolveRange(base, head)
		if err != nil {
			t.Fatal(err)
		}
		if !rg.MergeBase || rg.Base.SHA == tip {
			t.Errorf("base %s: %+v, want the merge-base", base, rg)
		}
	}
}

func TestResolveSuggestsTheRemoteBranch(t *testing.T) {
	g := gittest.New(t)
	c := g.Write(map[string]string{"policies/env.cue": envs}).Commit("first")
	g.AddRemoteBranch("origin", "trunk", c)
	r := open(t, g)
	_, err := r.Resolve("trunk")
	want := `revision "trunk": not found (expected a commit SHA, a branch, a tag, or an expression such as HEAD~1): ` +
		`there is no local branch trunk, but there is origin/trunk (CI checkouts fetch remote-tracking branches only)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestMergeBaseInAShallowClone: where the branch's tip is in the fetched
// history of head (a pull request's merge commit fetched with depth 2 has
// the base branch's tip as parent), the merge-base is that tip, as git
// finds it, though it lies on the boundary of the shallow history.
func TestMergeBaseInAShallowClone(t *testing.T) {
	g := gittest.New(t)
	g.Write(map[string]string{"policies/env.cue": envs}).Commit("one")
	g.Write(map[string]string{"policies/a.cue": "package policies\n"}).Commit("two")
	g.Write(map[string]string{"policies/b.cue": "package policies\n"}).Commit("three")
	tip := g.Write(map[string]string{"policies/c.cue": "package policies\n"}).Commit("base tip")
	head := g.Write(map[string]string{"policies/d.cue": "package policies\n"}).Commit("pull request")
	shallow := g.ShallowClone(2).AddRemoteBranch("origin", "trunk", tip)
	r := open(t, shallow)
	rg, err := r.ResolveRange("origin/trunk", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if rg.Base.SHA != tip || rg.Head.SHA != head || !rg.MergeBase {
		t.Errorf("range %+v, want the merge-base %s", rg, tip)
	}
	rg, err = r.ResolveRange("main", "origin/trunk")
	if err != nil {
		t.Fatal(err)
	}
	if rg.Base.SHA != tip {
		t.Errorf("head an ancestor of base: merge-base %s, want head %s", rg.Base.SHA, tip)
	}
}

// TestPoliciesFolderItselfRefused: a policies folder that is, at a commit,
// a symbolic link, a submodule or a file (or lies under one) is refused
// with its path, not taken as absent (which plans every object as removed).
func TestPoliciesFolderItselfRefused(t *testing.T) {
	g := gittest.New(t)
	g.Write(map[string]string{"infra/policies/env.cue": envs, "deploy.txt": "a file\n"})
	g.Symlink("policies", "infra/policies").Symlink("linked", "infra")
	c := g.Commit("links")
	sub := g.CommitGitlink("vendored", strings.Repeat("2", 40), "submodule")
	r := open(t, g)
	short, subShort := c[:7], sub[:7]
	for _, tc := range []struct{ commit, dir, want string }{
		{c, "policies", short + `:policies: symbolic link to "infra/policies" is refused (expected the policies folder: name the folder it points to with --policies)`},
		{c, "linked/policies", short + `:linked: symbolic link to "infra" is refused (expected the policies folder: name the folder it points to with --policies)`},
		{sub, "vendored/policies", subShort + `:vendored: submodule (at commit 2222222) is refused: its files are not in this repository (expected policy files committed here)`},
		{c, "deploy.txt", short + `:deploy.txt: a file (expected the policies folder)`},
		{c, "deploy.txt/policies", short + `:deploy.txt: a file (expected the policies folder)`},
	} {
		commit := resolve(t, r, tc.commit)
		_, err := r.Policies(commit, tc.dir)
		var errs schema.Errors
		if !errors.As(err, &errs) || err.Error() != tc.want {
			t.Errorf("policies %s: %v\nwant %s", tc.dir, err, tc.want)
		}
		if _, err := r.TreeID(commit, tc.dir); err == nil || err.Error() != tc.want {
			t.Errorf("tree id of %s: %v\nwant %s", tc.dir, err, tc.want)
		}
	}
	if _, err := r.Policies(resolve(t, r, c), "infra/nope"); !errors.Is(err, gitsrc.ErrNoPolicies) {
		t.Errorf("a folder that is not there: %v, want ErrNoPolicies", err)
	}
}
