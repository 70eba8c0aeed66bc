package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// move is a system whose target an environment changes between the
// commits: objects are compared with what the new target holds, which a
// plan between commits cannot know, so every one is a create there.
type move struct {
	system string
	note   string
}

// moves returns the systems whose target env changes from base to head,
// in apply order: a LINSTOR cluster with none of the old controllers, an
// Apigee organization or environment of another name, or a switch to or
// from the sandbox. Adding a controller of the same cluster moves nothing.
func moves(env string, base, head side) []move {
	b, h := envOf(base, env), envOf(head, env)
	if b == nil || h == nil {
		return nil
	}
	var out []move
	if b.Sandbox != h.Sandbox || !shareController(b.Linstor.Controllers, h.Linstor.Controllers) {
		out = append(out, move{artifact.SystemLinstor, fmt.Sprintf("%s moves to another LINSTOR cluster (controllers %s → %s): every LINSTOR object is planned as created there; nothing is removed from the old one.",
			env, controllers(b), controllers(h))})
	}
	if b.Sandbox != h.Sandbox || b.Apigee.Organization != h.Apigee.Organization || b.Apigee.Environment != h.Apigee.Environment {
		out = append(out, move{artifact.SystemApigee, fmt.Sprintf("%s moves to another Apigee organization or environment (%s/%s → %s/%s): every Apigee object is planned as created there; nothing is removed from the old one.",
			env, b.Apigee.Organization, b.Apigee.Environment, h.Apigee.Organization, h.Apigee.Environment)})
	}
	return out
}

// envOf is env as the side declares it, or nil.
func envOf(s side, env string) *schema.Environment {
	if s.cfg == nil {
		return nil
	}
	return s.cfg.Environments[env]
}

// shareController reports whether two lists name a controller in common
// (ignoring case and a trailing slash), or are both empty.
func shareController(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	key := func(u string) string { return strings.TrimSuffix(strings.ToLower(u), "/") }
	return slices.ContainsFunc(a, func(x string) bool {
		return slices.ContainsFunc(b, func(y string) bool { return key(x) == key(y) })
	})
}

// controllers lists an environment's controllers for people.
func controllers(e *schema.Environment) string {
	if e.Sandbox {
		return "the sandbox"
	}
	if len(e.Linstor.Controllers) == 0 {
		return "none"
	}
	return strings.Join(e.Linstor.Controllers, ", ")
}

// withoutMoved drops the objects of the moved systems.
func withoutMoved(objs []artifact.Object, moved []move) []artifact.Object {
	if len(moved) == 0 {
		return objs
	}
	return slices.DeleteFunc(slices.Clone(objs), func(o artifact.Object) bool {
		return slices.ContainsFunc(moved, func(m move) bool { return m.system == o.System })
	})
}
