// Package apply holds what an apply would do and how it is recorded: the
// ChangeSet between two sets of desired objects (changeset.go), the unified
// diffs that explain updates (diff.go), and the plan file that `lingate
// apply --plan` applies (planfile.go).
package apply

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lingate/lingate/compile/artifact"
)

// Action is what applying does to one object.
type Action string

// Actions, as plans name them.
const (
	Create Action = "create"
	Update Action = "update"
	// Delete removes an object that left the policies; only environments
	// with prune on delete anything.
	Delete Action = "delete"
	// Replace deletes an object and creates it again, because it cannot be
	// changed in place (see replaceReason).
	Replace Action = "replace"
)

// Symbol is the action's mark in a plan: "+", "~", "-" or "-/+".
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Delete:
		return "-"
	case Replace:
		return "-/+"
	}
	return "?"
}

// Ref names one object of one environment.
type Ref struct {
	Env    string `json:"env"`
	System string `json:"system"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
}

// Subject is the object's name in messages: "linstor resource-group fast".
func (r Ref) Subject() string { return r.System + " " + r.Kind + " " + r.Name }

// Compare orders refs by environment, then system in apply order (LINSTOR
// before Apigee), kind in apply order, then name.
func (r Ref) Compare(o Ref) int {
	return cmp.Or(
		cmp.Compare(r.Env, o.Env),
		artifact.Compare(artifact.Object{System: r.System, Kind: r.Kind, Name: r.Name},
			artifact.Object{System: o.System, Kind: o.Kind, Name: o.Name}),
	)
}

// Change is one object that applying would change.
type Change struct {
	Ref
	Action Action `json:"action"`
	// Diff is the unified diff of the object's changed text files, for
	// updates and replacements, and of all its text files (from
	// /dev/null) for creates, so a plan shows what a new object holds;
	// empty for deletes.
	Diff string `json:"diff,omitempty"`
	// Reason says why an object is replaced rather than updated in place,
	// or why an object that matches the policies is updated (live, it
	// does not work: see Unhealthy).
	Reason string `json:"reason,omitempty"`
	// Impact says what a change against live targets does beyond the
	// object itself (Driver.Impact), such as replicas added to resources
	// spawned from a resource group; empty when nothing else is affected.
	Impact string `json:"impact,omitempty"`
	// Adopt marks an update that takes over an object lingate did not
	// create (apply --adopt NAME): applying it writes lingate's marker.
	Adopt bool `json:"adopt,omitempty"`
}

// ChangeSet is every change of a plan, in Ref order.
type ChangeSet struct {
	Changes []Change
	// Kept are objects that left the policies but stay in place, because
	// their environment does not prune. They are not changes.
	Kept []Ref
}

// Summary counts a plan's changes. A replacement counts as one create and
// one delete, as it is carried out.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
}

// Summary counts the changes of cs.
func (cs ChangeSet) Summary() Summary {
	var s Summary
	for _, c := range cs.Changes {
		switch c.Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Delete:
			s.Delete++
		case Replace:
			s.Create++
			s.Delete++
		}
	}
	return s
}

// Empty reports whether cs changes nothing.
func (cs ChangeSet) Empty() bool { return len(cs.Changes) == 0 }

// In returns the changes and kept objects of one environment.
func (cs ChangeSet) In(env string) ChangeSet {
	var out ChangeSet
	for _, c := range cs.Changes {
		if c.Env == env {
			out.Changes = append(out.Changes, c)
		}
	}
	for _, k := range cs.Kept {
		if k.Env == env {
			out.Kept = append(out.Kept, k)
		}
	}
	return out
}

// Destructive returns the deletions and replacements of cs.
func (cs ChangeSet) Destructive() []Change {
	var out []Change
	for _, c := range cs.Changes {
		if c.Action == Delete || c.Action == Replace {
			out = append(out, c)
		}
	}
	return out
}

// Pair is one environment's desired objects at the base and at the head of
// a plan. An environment absent on one side has no objects there.
type Pair struct {
	Env        string
	Base, Head []artifact.Object
	// Prune deletes objects present at base and absent at head; without it
	// they are kept.
	Prune bool
	// Unhealthy are live objects that match head but do not work; each
	// is planned as an update, with the reason, when it is not changed
	// anyway.
	Unhealthy []Unhealthy
}

// Compare computes the changes from base to head of every pair, one
// environment per goroutine, and returns them in Ref order. Objects are
// matched by identity (system, kind, name), so a renamed object is a
// delete plus a create.
func Compare(pairs []Pair) ChangeSet {
	results := make([]ChangeSet, len(pairs))
	var wg sync.WaitGroup
	for i, p := range pairs {
		wg.Go(func() { results[i] = comparePair(p) })
	}
	wg.Wait()
	var out ChangeSet
	for _, r := range results {
		out.Changes = append(out.Changes, r.Changes...)
		out.Kept = append(out.Kept, r.Kept...)
	}
	slices.SortFunc(out.Changes, func(a, b Change) int { return a.Ref.Compare(b.Ref) })
	slices.SortFunc(out.Kept, Ref.Compare)
	return out
}

// comparePair computes the changes of one environment.
func comparePair(p Pair) ChangeSet {
	base := make(map[Ref]artifact.Object, len(p.Base))
	for _, o := range p.Base {
		base[ref(p.Env, o)] = o
	}
	var cs ChangeSet
	for _, h := range p.Head {
		r := ref(p.Env, h)
		b, ok := base[r]
		delete(base, r)
		switch {
		case !ok:
			cs.Changes = append(cs.Changes, Change{Ref: r, Action: Create, Diff: diffObject(p.Env, artifact.Object{}, h)})
		case changed(b, h):
			cs.Changes = append(cs.Changes, update(r, b, h))
		}
	}
	for _, u := range p.Unhealthy {
		r := Ref{Env: p.Env, System: u.System, Kind: u.Kind, Name: u.Name}
		if !slices.ContainsFunc(cs.Changes, func(c Change) bool { return c.Ref == r }) {
			cs.Changes = append(cs.Changes, Change{Ref: r, Action: Update, Reason: u.Why})
		}
	}
	for r := range base {
		if p.Prune {
			cs.Changes = append(cs.Changes, Change{Ref: r, Action: Delete})
		} else {
			cs.Kept = append(cs.Kept, r)
		}
	}
	return cs
}

func ref(env string, o artifact.Object) Ref {
	return Ref{Env: env, System: o.System, Kind: o.Kind, Name: o.Name}
}

// update is the change of an object whose files differ: a replacement when
// it cannot be changed in place, else an update.
func update(r Ref, b, h artifact.Object) Change {
	c := Change{Ref: r, Action: Update, Diff: diffObject(r.Env, b, h)}
	if why := replaceReason(b, h); why != "" {
		c.Action, c.Reason = Replace, why
	}
	return c
}

// changed reports whether two versions of an object differ. Text files are
// compared byte for byte. Binary files (bundle zips) pack the object's text
// files, so they count only for an object that has no text files: a zip
// that differs only in what it records about its making is no change.
// Compiled files carry no provenance (commit, time), so a commit that does
// not change what the policies mean changes nothing.
func changed(b, h artifact.Object) bool {
	bt, ht := files(b), files(h)
	if len(bt) == 0 && len(ht) == 0 {
		bt, ht = binaries(b), binaries(h)
	}
	if len(bt) != len(ht) {
		return true
	}
	for p, data := range bt {
		other, ok := ht[p]
		if !ok || !bytes.Equal(data, other) {
			return true
		}
	}
	return false
}

// files maps the paths of an object's text files to their content.
func files(o artifact.Object) map[string][]byte {
	m := make(map[string][]byte, len(o.Files))
	for _, f := range o.Files {
		if !f.Binary {
			m[f.Path] = f.Data
		}
	}
	return m
}

// binaries maps the paths of an object's binary files to their content.
func binaries(o artifact.Object) map[string][]byte {
	m := map[string][]byte{}
	for _, f := range o.Files {
		if f.Binary {
			m[f.Path] = f.Data
		}
	}
	return m
}

// replaceReason says why h cannot be applied over b in place, or is empty.
//
// The one rule: a LINSTOR resource group that gains a volume group is
// replaced. LINSTOR refuses to create a volume group in a resource group
// that has resource definitions (CtrlVlmGrpApiCallHandler.createVlmGrps:
// FAIL_EXISTS_RSC_DFN), so the group is deleted and created again (which
// the resource definitions using it must allow). Deleting a volume group is
// allowed with resource definitions, so a group that only loses volume
// groups is updated in place, like every other change.
func replaceReason(b, h artifact.Object) string {
	if b.System != artifact.SystemLinstor || b.Kind != artifact.KindResourceGroup {
		return ""
	}
	nb, okb := volumeNumbers(b)
	nh, okh := volumeNumbers(h)
	if !okb || !okh {
		return ""
	}
	var added []string
	for _, n := range nh {
		if !slices.Contains(nb, n) {
			added = append(added, strconv.Itoa(n))
		}
	}
	if len(added) == 0 {
		return ""
	}
	noun := "volume group"
	if len(added) > 1 {
		noun += "s"
	}
	return fmt.Sprintf("volume groups %d → %d, adds %s %s: LINSTOR refuses to add a volume group to a resource group that has resource definitions",
		len(nb), len(nh), noun, strings.Join(added, ", "))
}

// volumeNumbers lists the volume numbers of the volume groups in a resource
// group's JSON file (compiled groups always write volume_number).
func volumeNumbers(o artifact.Object) ([]int, bool) {
	for _, f := range o.Files {
		if f.Binary {
			continue
		}
		var rg struct {
			VolumeGroups []struct {
				Number int `json:"volume_number"`
			} `json:"volume_groups"`
		}
		if json.Unmarshal(f.Data, &rg) == nil {
			out := make([]int, len(rg.VolumeGroups))
			for i, vg := range rg.VolumeGroups {
				out[i] = vg.Number
			}
			return out, true
		}
	}
	return nil, false
}
