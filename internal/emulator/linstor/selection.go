package linstor

import (
	"slices"
	"strings"
)

// notUsable marks a replicas_on_different value that must not be selected.
const notUsable = -1

// placement is the search state of the selection (SelectionManager.State).
type placement struct {
	chosen      []candidate
	allowMixing bool
	kinds       []string // provider kinds of the diskful replicas, deployed and chosen
	nodes       map[string]bool
	same        map[string]string         // key -> decided value ("" undecided)
	remaining   map[string]map[string]int // replicas_on_different key -> value -> replicas left
	maxPer      map[string]int
}

// newPlacement seeds the selection with the replicas already deployed.
func (s *Server) newPlacement(rd *resourceDefinition, f *autoSelectFilter) *placement {
	p := &placement{nodes: map[string]bool{}, same: map[string]string{},
		remaining: map[string]map[string]int{}, maxPer: map[string]int{}, allowMixing: s.allowMixing(rd)}
	var deployed []*node
	for _, r := range diskfulOf(rd) {
		deployed = append(deployed, s.st.Nodes[key(r.Node)])
		if !slices.Contains(p.kinds, r.Provider) {
			p.kinds = append(p.kinds, r.Provider)
		}
	}
	for _, entry := range f.ReplicasOnSame {
		k, v, _ := strings.Cut(entry, "=")
		for _, n := range deployed {
			if nv, ok := n.Props[k]; ok {
				v = nv
			}
		}
		p.same[k] = v
	}
	p.initDifferent(f, deployed)
	return p
}

// initDifferent sets the replicas left per value of each replicas_on_different
// key (1 unless x_replicas_on_different_map says more); "key=value" entries
// forbid that value.
func (p *placement) initDifferent(f *autoSelectFilter, deployed []*node) {
	keys := slices.Clone(f.ReplicasOnDifferent)
	for k := range f.XReplicasOnDifferent {
		keys = append(keys, k)
	}
	for _, entry := range keys {
		k, v, forbid := strings.Cut(entry, "=")
		if p.remaining[k] == nil {
			p.remaining[k] = map[string]int{}
		}
		if forbid {
			p.remaining[k][v] = notUsable
		}
		p.maxPer[k] = 1
		if x, ok := f.XReplicasOnDifferent[k]; ok {
			p.maxPer[k] = x
		}
	}
	for _, n := range deployed {
		p.take(n)
	}
}

// searchFrom is SelectionManager.findSelection: depth-first over the rated
// candidates from start, the first complete and valid selection wins.
func (p *placement) searchFrom(cands []candidate, start, want int) bool {
	for i := start; i < len(cands); i++ {
		c := cands[i]
		if !p.allowed(c) {
			continue
		}
		saved := p.snapshot()
		p.chosen = append(p.chosen, c)
		p.take(c.node)
		if c.pool.Provider != providerDiskless && !slices.Contains(p.kinds, c.pool.Provider) {
			p.kinds = append(p.kinds, c.pool.Provider)
		}
		if len(p.chosen) == want && p.valid() {
			return true
		}
		if len(p.chosen) < want && p.searchFrom(cands, i+1, want) {
			return true
		}
		p.restore(saved)
	}
	return false
}

// allowed is SelectionManager.isAllowed: a node not yet selected, a
// provider kind that mixes with every selected one, matching
// replicas_on_same values and no exhausted replicas_on_different value.
func (p *placement) allowed(c candidate) bool {
	n := c.node
	if p.nodes[key(n.Name)] {
		return false
	}
	for _, k := range p.kinds {
		if !mixingAllowed(c.pool.Provider, k, p.allowMixing) {
			return false
		}
	}
	for k, v := range p.same {
		if v != "" && n.Props[k] != v {
			return false
		}
	}
	for k, left := range p.remaining {
		if v, ok := n.Props[k]; ok {
			if rem, seen := left[v]; seen && rem <= 0 {
				return false
			}
		}
	}
	return true
}

// take records a node as holding a replica.
func (p *placement) take(n *node) {
	p.nodes[key(n.Name)] = true
	for k, v := range p.same {
		if nv, ok := n.Props[k]; ok && v == "" {
			p.same[k] = nv
		}
	}
	for k, left := range p.remaining {
		if v, ok := n.Props[k]; ok {
			rem, seen := left[v]
			if !seen {
				rem = p.maxPer[k]
			}
			left[v] = rem - 1
		}
	}
}

// valid rejects selections that leave more than one partially filled group
// of an x_replicas_on_different key.
func (p *placement) valid() bool {
	for _, left := range p.remaining {
		partial := 0
		for _, rem := range left {
			if rem > 0 {
				partial++
			}
		}
		if partial > 1 {
			return false
		}
	}
	return true
}

type placementSnapshot struct {
	chosen    int
	kinds     int
	nodes     map[string]bool
	same      map[string]string
	remaining map[string]map[string]int
}

func (p *placement) snapshot() placementSnapshot {
	snap := placementSnapshot{chosen: len(p.chosen), kinds: len(p.kinds), nodes: map[string]bool{}, same: map[string]string{},
		remaining: map[string]map[string]int{}}
	for k, v := range p.nodes {
		snap.nodes[k] = v
	}
	for k, v := range p.same {
		snap.same[k] = v
	}
	for k, m := range p.remaining {
		snap.remaining[k] = copyCounts(m)
	}
	return snap
}

func (p *placement) restore(snap placementSnapshot) {
	p.chosen = p.chosen[:snap.chosen]
	p.kinds = p.kinds[:snap.kinds]
	p.nodes, p.same, p.remaining = snap.nodes, snap.same, snap.remaining
}
