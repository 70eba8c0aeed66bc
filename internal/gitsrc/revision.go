package gitsrc

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// minShortSHA is the fewest hex digits git takes as an abbreviated SHA.
const minShortSHA = 4

// suffix is one step that may follow a name: ~N, ^N, ^{commit} or
// ^{/text}, which go-git resolves as git does. Other forms (reflogs,
// upstreams, trees, paths) go-git would silently read as the name alone.
var suffix = regexp.MustCompile(`^(~[0-9]*|\^\{commit\}|\^\{/[^}]*\}|\^[0-9]*)`)

// errNoName is returned, wrapped, when nothing is called by a name.
var errNoName = errors.New("no such name")

// splitRev splits rev into the name it starts from (a SHA or a ref) and
// the steps after it, refusing the forms lingate does not resolve.
func splitRev(rev string) (name, steps string, err error) {
	name = rev
	if i := strings.IndexAny(rev, "~^"); i >= 0 {
		name, steps = rev[:i], rev[i:]
	}
	switch {
	case strings.Contains(name, "@{"):
		return "", "", errors.New("@{...} (reflog, upstream) is not supported (expected a commit SHA, a branch, a tag, or an expression such as HEAD~1)")
	case strings.Contains(name, ":"):
		return "", "", errors.New("names a file or searches commit messages, not a commit (expected a commit SHA, a branch, a tag, or an expression such as HEAD~1)")
	}
	for rest := steps; rest != ""; {
		m := suffix.FindString(rest)
		if m == "" || m == "^" && strings.HasPrefix(rest, "^{") {
			return "", "", fmt.Errorf("%q is not supported (expected ~N, ^N, ^{commit} or ^{/text} after a name)", rest)
		}
		rest = rest[len(m):]
	}
	return name, steps, nil
}

// match is one thing a name may stand for: a reference, or a commit named
// by (a prefix of) its SHA.
type match struct {
	ref  plumbing.ReferenceName // empty for a SHA
	hash plumbing.Hash          // the object it points to (a commit or a tag)
}

// resolveName finds what name stands for as git does: a full SHA, else the
// references git's rules expand it to (name, refs/name, refs/tags/name,
// refs/heads/name, refs/remotes/name, refs/remotes/name/HEAD) and the
// commits whose SHA starts with it (four hex digits or more). Where git
// would pick one and warn, it refuses: a plan must not silently compare
// another commit than the one meant.
func (r *Repo) resolveName(name string) (match, error) {
	if len(name) == 2*len(plumbing.ZeroHash) && isHex(name) {
		return match{hash: plumbing.NewHash(name)}, nil
	}
	all := append(r.refsNamed(name), r.abbreviated(name)...)
	switch len(all) {
	case 0:
		return match{}, errNoName
	case 1:
		return all[0], nil
	}
	names := make([]string, len(all))
	for i, m := range all {
		names[i] = r.describe(m)
	}
	return match{}, fmt.Errorf("ambiguous: it names %s; name one in full", joinAnd(names))
}

// refsNamed returns the references name expands to by git's rules. Only
// names such as HEAD or FETCH_HEAD, or names under refs/, are taken as
// they are, as git does; other files of the git folder are not refs.
func (r *Repo) refsNamed(name string) []match {
	var out []match
	for i, rule := range plumbing.RefRevParseRules {
		if i == 0 && !strings.HasPrefix(name, "refs/") && !rootRef.MatchString(name) {
			continue
		}
		full := plumbing.ReferenceName(fmt.Sprintf(rule, name))
		ref, err := storer.ResolveReference(r.repo.Storer, full)
		if err == nil && !slices.ContainsFunc(out, func(m match) bool { return m.ref == full }) {
			out = append(out, match{ref: full, hash: ref.Hash()})
		}
	}
	return out
}

// rootRef is the form of the references outside refs/: HEAD, FETCH_HEAD.
var rootRef = regexp.MustCompile(`^[A-Z][A-Z_]*$`)

// abbreviated returns the commits (or tags of commits) whose SHA starts
// with name, when name is an abbreviated SHA.
func (r *Repo) abbreviated(name string) []match {
	if len(name) < minShortSHA || len(name) >= 2*len(plumbing.ZeroHash) || !isHex(name) {
		return nil
	}
	prefix := strings.ToLower(name)
	var out []match
	for _, h := range r.hashesWithPrefix(prefix) {
		if _, ok := r.peel(h); ok && strings.HasPrefix(h.String(), prefix) && !slices.ContainsFunc(out, func(m match) bool { return m.hash == h }) {
			out = append(out, match{hash: h})
		}
	}
	slices.SortFunc(out, func(a, b match) int { return strings.Compare(a.hash.String(), b.hash.String()) })
	return out
}

// hashesWithPrefix lists the objects whose hex SHA starts with prefix
// (and some more that share its whole bytes) from the storage's index of
// loose and packed objects. Open always gives go-git's filesystem storage,
// which has one.
func (r *Repo) hashesWithPrefix(prefix string) []plumbing.Hash {
	var whole []byte
	for i := 0; i+1 < len(prefix); i += 2 {
		whole = append(whole, unhex(prefix[i])<<4|unhex(prefix[i+1]))
	}
	type indexed interface {
		HashesWithPrefix(prefix []byte) ([]plumbing.Hash, error)
	}
	st, ok := r.repo.Storer.(indexed)
	if !ok {
		return nil
	}
	hashes, _ := st.HashesWithPrefix(whole)
	return hashes
}

// peel returns the commit h is, or the commit the tag h points to.
func (r *Repo) peel(h plumbing.Hash) (plumbing.Hash, bool) {
	if _, err := r.repo.CommitObject(h); err == nil {
		return h, true
	}
	tag, err := r.repo.TagObject(h)
	if err != nil {
		return h, false
	}
	c, err := tag.Commit()
	if err != nil {
		return h, false
	}
	return c.Hash, true
}

// describe names a match for people: "branch refs/heads/x (1a2b3c4)".
func (r *Repo) describe(m match) string {
	c, _ := r.peel(m.hash)
	short := c.String()[:ShortLen]
	if m.ref == "" {
		return "commit " + short
	}
	kind := "ref"
	switch {
	case m.ref.IsBranch():
		kind = "branch"
	case m.ref.IsTag():
		kind = "tag"
	case m.ref.IsRemote():
		kind = "remote-tracking branch"
	}
	return fmt.Sprintf("%s %s (%s)", kind, m.ref, short)
}

// remoteTwins returns the remote-tracking branches called name, such as
// origin/main for main, as people name them.
func (r *Repo) remoteTwins(name string) []string {
	refs, err := r.repo.References()
	if err != nil {
		return nil
	}
	var out []string
	_ = refs.ForEach(func(ref *plumbing.Reference) error {
		short, ok := strings.CutPrefix(ref.Name().String(), "refs/remotes/")
		if _, branch, found := strings.Cut(short, "/"); ok && found && branch == name {
			out = append(out, short)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// joinAnd joins items as "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdefABCDEF") == "" && s != ""
}

// unhex is the value of one hex digit (lower case).
func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}
