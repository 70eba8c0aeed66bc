package placement

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Resource is one LINSTOR resource spawned from a tier's resource group as
// last read: the nodes holding an UpToDate diskful replica of it, on an
// online node, and the DRBD Primary among them ("" when none is Primary).
type Resource struct {
	Name    string
	Nodes   []string
	Primary string
}

// Tier names one environment's tier and the resource group it is.
type Tier struct {
	Env, Tier, Group string
}

// Answer is the reply to a lookup: the resource holding the key, the nodes
// with an UpToDate diskful replica (sorted), and the preferred node.
type Answer struct {
	Resource string   `json:"resource"`
	Nodes    []string `json:"nodes"`
	Node     string   `json:"node"`
}

// Lookup errors; the handler maps them to statuses.
var (
	// ErrUnknown: no such environment and tier serves placement.
	ErrUnknown = errors.New("no placement for this environment and tier")
	// ErrNotRead: the tier's resources have not been read yet.
	ErrNotRead = errors.New("placement not read from LINSTOR yet")
	// ErrStale: the last read of the tier is older than the view's MaxAge
	// (serve cannot read LINSTOR): answering could name a failed node.
	ErrStale = errors.New("placement view is stale: LINSTOR was not read recently")
	// ErrNoResource: the tier's resource group has spawned no resource.
	ErrNoResource = errors.New("the tier's resource group has no resources")
	// ErrNoReplica: the key's resource has no UpToDate diskful replica on
	// an online node.
	ErrNoReplica = errors.New("no healthy replica: no UpToDate diskful replica on an online node")
)

// tierView is one tier's resources, ready for hashing: names sorted, with
// their hashes at the same index.
type tierView struct {
	resources []Resource
	hashes    []uint64
	readAt    time.Time
}

func newTierView(rs []Resource, at time.Time) *tierView {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b Resource) int { return strings.Compare(a.Name, b.Name) })
	tv := &tierView{resources: rs, hashes: make([]uint64, len(rs)), readAt: at}
	for i, r := range rs {
		slices.Sort(r.Nodes)
		tv.hashes[i] = fnv64(r.Name)
	}
	return tv
}

// View is the cached view of LINSTOR lookups are answered from: safe for
// concurrent lookups while a refresh replaces a tier's resources.
type View struct {
	// MaxAge, when positive, refuses answers from a tier read longer ago
	// (ErrStale); Now is the clock (time.Now when nil). Set both before
	// serving.
	MaxAge time.Duration
	Now    func() time.Time

	mu    sync.RWMutex
	tiers map[Tier]*tierView
	known map[[2]string]Tier
}

// NewView returns a view serving the tiers given, none read yet.
func NewView(tiers []Tier) *View {
	v := &View{tiers: map[Tier]*tierView{}, known: map[[2]string]Tier{}}
	for _, t := range tiers {
		v.known[[2]string{t.Env, t.Tier}] = t
	}
	return v
}

// Tiers are the tiers the view serves, sorted by environment and tier.
func (v *View) Tiers() []Tier {
	out := make([]Tier, 0, len(v.known))
	for _, t := range v.known {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Tier) int { return strings.Compare(a.Env+"\x00"+a.Tier, b.Env+"\x00"+b.Tier) })
	return out
}

// Set replaces the resources of one tier, as read at time at.
func (v *View) Set(t Tier, rs []Resource, at time.Time) error {
	if _, ok := v.known[[2]string{t.Env, t.Tier}]; !ok {
		return fmt.Errorf("placement %s/%s: %w", t.Env, t.Tier, ErrUnknown)
	}
	tv := newTierView(rs, at)
	v.mu.Lock()
	v.tiers[t] = tv
	v.mu.Unlock()
	return nil
}

// Lookup answers where key lives in env's tier. On ErrNoReplica the answer
// still names the resource (its nodes empty).
func (v *View) Lookup(env, tier, key string) (Answer, error) {
	t, ok := v.known[[2]string{env, tier}]
	if !ok {
		return Answer{}, ErrUnknown
	}
	v.mu.RLock()
	tv := v.tiers[t]
	v.mu.RUnlock()
	if tv == nil {
		return Answer{}, ErrNotRead
	}
	if v.MaxAge > 0 && v.now().Sub(tv.readAt) > v.MaxAge {
		return Answer{}, ErrStale
	}
	return tv.lookup(key)
}

func (tv *tierView) lookup(key string) (Answer, error) {
	kh := fnv64(key)
	i := pick(kh, tv.hashes)
	if i < 0 {
		return Answer{}, ErrNoResource
	}
	r := tv.resources[i]
	a := Answer{Resource: r.Name, Nodes: slices.Clone(r.Nodes), Node: preferred(kh, r)}
	if len(a.Nodes) == 0 {
		a.Nodes = []string{}
		return a, ErrNoReplica
	}
	return a, nil
}

// preferred is the resource's DRBD Primary when it holds an UpToDate
// replica, otherwise the UpToDate node that rendezvous hashing of the key
// picks: stable while that node stays, and only the keys of a node that
// leaves (or of one that returns) move.
func preferred(key uint64, r Resource) string {
	if r.Primary != "" && slices.Contains(r.Nodes, r.Primary) {
		return r.Primary
	}
	hs := make([]uint64, len(r.Nodes))
	for i, n := range r.Nodes {
		hs[i] = fnv64(n)
	}
	if i := pick(key, hs); i >= 0 {
		return r.Nodes[i]
	}
	return ""
}

func (v *View) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}
