package linstor

import (
	"fmt"
	"net/http"
	"strings"
)

// ControlPrefix is where the emulator's own control calls live, outside
// LINSTOR's /v1 API: POST ControlPrefix+"nodes/NODE/fail" and
// ".../restore" take a satellite offline and bring it back, as a sandbox's
// `lingate sandbox node fail|restore` does.
const ControlPrefix = "/x-lingate-emulator/"

// Connection states a node reports (Node.connection_status).
const (
	connOnline  = "ONLINE"
	connOffline = "OFFLINE"
)

func (n *node) connectionStatus() string {
	if n.Offline {
		return connOffline
	}
	return connOnline
}

// SetNodeOnline takes a satellite offline (online false) or brings it back,
// and saves the state. While a node is offline the controller reports it
// OFFLINE and knows no state of the replicas on it: their resource and
// volume states are absent (no disk state, so not UpToDate); the replicas
// on other nodes stay UpToDate, as DRBD keeps a surviving peer's disk.
func (s *Server) SetNodeOnline(name string, online bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.st.Nodes[key(name)]
	if !ok {
		return fmt.Errorf("linstor emulator: node %q not found (nodes: %s)", name, strings.Join(s.nodeNames(), ", "))
	}
	n.Offline = !online
	return s.saveLocked()
}

func (s *Server) nodeNames() []string {
	var names []string
	for _, n := range s.st.sortedNodes() {
		names = append(names, n.Name)
	}
	return names
}

// asReported drops the states of a replica whose satellite is offline: the
// controller only knows what a connected satellite reports.
func (s *Server) asReported(o rscOut) rscOut {
	if n, ok := s.st.Nodes[key(o.NodeName)]; ok && n.Offline {
		o.State = nil
		for i := range o.Volumes {
			o.Volumes[i].State = nil
		}
	}
	return o
}

// serveControl answers the emulator's control calls; it reports whether
// the path was one.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, ControlPrefix)
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] != "nodes" || (parts[2] != "fail" && parts[2] != "restore") {
		http.Error(w, "unknown control call (expected POST "+ControlPrefix+"nodes/NODE/fail or /restore)", http.StatusNotFound)
		return true
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return true
	}
	if err := s.SetNodeOnline(parts[1], parts[2] == "restore"); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return true
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// SpawnMany spawns a resource definition named by each of names from the
// resource group, with volumes of sizesKiB, as POST …/spawn does but
// without the per-call rollback copy of the state: for benchmarks and
// scale tests that need thousands of resources quickly. It stops at the
// first failure, keeping what was spawned before it.
func (s *Server) SpawnMany(group string, names []string, sizesKiB []int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range names {
		in := spawnIn{ResourceDefinitionName: name, VolumeSizes: sizesKiB}
		c := respCtx{op: maskCrt, obj: maskRscGrp, descr: "Resource group: " + group}
		if _, err := s.spawn(group, in, nil, c); err != nil {
			return fmt.Errorf("linstor emulator: spawn %s from %s: %v", name, group, errorEntries(err))
		}
	}
	return s.saveLocked()
}
