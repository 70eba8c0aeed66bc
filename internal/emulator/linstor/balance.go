package linstor

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// defaultBalanceGrace is BalanceResources.DEFAULT_GRACE_PERIOD_SECS.
const defaultBalanceGrace = 3600 * time.Second

// BalanceResult counts what one run of the balance task did.
type BalanceResult struct {
	// Adjusted are the resource definitions that got replicas autoplaced.
	Adjusted int
	// Deleted are the excess diskful replicas removed.
	Deleted int
}

// Balance runs the controller's BalanceResourcesTask once (it runs every
// BalanceResourcesInterval, default 3600 s, on a real controller; here the
// caller decides when): every DRBD resource definition whose group's place
// count differs from its diskful replicas gets replicas autoplaced or the
// excess removed, unless any of its resources is still in the grace period
// (younger than Config.BalanceGracePeriod by the server's clock) or
// BalanceResourcesEnabled is false on it or its group. A failed autoplace
// is skipped, as the task only logs it. The state is saved afterwards.
func (s *Server) Balance() (BalanceResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res BalanceResult
	for _, name := range sortedKeys(s.st.ResourceDefs) {
		rd := s.st.ResourceDefs[name]
		rg := s.lookupRG(rd.Group)
		if rg == nil || s.balanceIgnores(rd) {
			continue
		}
		want, have := int(*rg.Filter.change().PlaceCount), len(diskfulOf(rd))
		switch {
		case have < want:
			_, err := s.inTransaction(func() ([]apiCallRc, error) {
				rd := s.st.ResourceDefs[name]
				return s.autoplace(rd, s.groupFilter(rd), autoplaceCtx(rd.Name))
			})
			if err == nil {
				res.Adjusted++
			}
		case have > want:
			res.Deleted += s.removeExcess(rd, have-want)
		}
	}
	if err := s.saveLocked(); err != nil {
		return res, err
	}
	return res, nil
}

// balanceIgnores is BalanceResources.shouldIgnoreRscDfn as far as the
// emulator knows the state (every replica is UpToDate and established).
func (s *Server) balanceIgnores(rd *resourceDefinition) bool {
	deadline := s.now().Add(-s.grace).UnixMilli()
	for _, r := range rd.Resources {
		if r.CreatedMs > deadline {
			return true
		}
	}
	return !slices.Contains(rd.LayerStack, "DRBD") || len(rd.Resources) == 0 ||
		strings.EqualFold(s.prioProp(rd, "BalanceResourcesEnabled", "true"), "false")
}

// removeExcess deletes up to n diskful replicas, each time the one whose
// storage pool the autoplacer rates lowest (AutoUnplacer without the
// filter-violation scores), then lets the tie breaker helper run.
func (s *Server) removeExcess(rd *resourceDefinition, n int) int {
	deleted := 0
	for ; deleted < n; deleted++ {
		var cands []candidate
		for _, r := range diskfulOf(rd) {
			nd := s.st.Nodes[key(r.Node)]
			cands = append(cands, candidate{node: nd, pool: nd.Pools[key(r.StorPool)]})
		}
		if len(cands) == 0 {
			break
		}
		s.rate(cands)
		worst := cands[len(cands)-1]
		for _, c := range cands {
			if c.score == worst.score {
				worst = c // equal ratings: the first resource by node name, as the TreeMap gives it
				break
			}
		}
		s.removeReplica(rd, key(worst.node.Name))
	}
	s.manageTieBreaker(rd)
	return deleted
}

// removeReplica deletes one resource and gives a thick pool its space back.
func (s *Server) removeReplica(rd *resourceDefinition, nodeKey string) {
	if sp := s.poolOf(rd.Resources[nodeKey]); sp != nil && thick(sp.Provider) {
		sp.FreeKiB += rd.sizeKiB()
	}
	delete(rd.Resources, nodeKey)
}

// String describes a balance run for logs.
func (r BalanceResult) String() string {
	return fmt.Sprintf("%d adjusted, %d deleted", r.Adjusted, r.Deleted)
}
