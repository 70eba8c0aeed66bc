package linstor

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lingate/lingate/internal/emulator"
)

// maxBody caps request bodies; the controller's own limit is far larger but
// no call a client makes comes near it.
const maxBody = 4 << 20

// Config configures a LINSTOR emulator.
type Config struct {
	// StateFile is the JSON state file; "" keeps state in memory only.
	StateFile string
	// Pools are the storage pools on each node: seeded when the state is new
	// (with DfltDisklessStorPool), and added to every node of a loaded state
	// that lacks them, as an operator provisions a pool a new tier needs.
	Pools []string
	// PoolProviders optionally maps a pool name to its provider kind (LVM,
	// LVM_THIN, ZFS, ZFS_THIN, FILE, FILE_THIN). Without an entry the kind is
	// guessed from the name: "zfs" gives ZFS, "file" FILE, "thick" or "lvm"
	// LVM, each the _THIN variant when the name also says "thin"; the default
	// is LVM_THIN.
	PoolProviders map[string]string
	// Nodes are the satellites seeded when the state is new; default three
	// nodes node-a/b/c in zones zone-a/b/c (node property Aux/zone).
	Nodes []NodeSeed
	// Now is the controller's clock: resource creation timestamps, entry
	// times and the balance task's grace period read it. nil is time.Now;
	// tests pass a clock they move.
	Now func() time.Time
	// BalanceGracePeriod is the controller property
	// BalanceResourcesGracePeriod: Balance leaves a resource definition alone
	// while any of its resources is younger. 0 is the controller's default
	// of 3600 s.
	BalanceGracePeriod time.Duration
}

// NodeSeed names a seeded node and its zone (the Aux/zone property; "" for none).
type NodeSeed struct{ Name, Zone string }

// Server is an emulated LINSTOR controller serving the REST API under /v1.
// It is safe for concurrent use.
type Server struct {
	stateFile string
	grace     time.Duration
	mu        sync.Mutex
	st        *state
	rules     whitelists
	routes    []route
	now       func() time.Time
	errPrefix string
	errSeq    atomic.Int64
}

// New loads cfg.StateFile if it exists, otherwise seeds a fresh cluster from cfg.
func New(cfg Config) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("linstor emulator: %w", err)
	}
	rules, err := compileWhitelists()
	if err != nil {
		return nil, fmt.Errorf("linstor emulator: %w", err)
	}
	s := &Server{stateFile: cfg.StateFile, rules: rules, now: cfg.Now, grace: cfg.BalanceGracePeriod}
	if s.now == nil {
		s.now = time.Now
	}
	if s.grace <= 0 {
		s.grace = defaultBalanceGrace
	}
	s.errPrefix = fmt.Sprintf("%08X", uint32(s.now().Unix()))
	s.routes = s.routeTable()
	if s.st, err = loadOrSeed(cfg); err != nil {
		return nil, fmt.Errorf("linstor emulator: %w", err)
	}
	return s, nil
}

func loadOrSeed(cfg Config) (*state, error) {
	if cfg.StateFile != "" {
		st := &state{}
		found, err := emulator.LoadJSON(cfg.StateFile, st)
		if err != nil {
			return nil, err
		}
		if found {
			if err := st.validate(); err != nil {
				return nil, fmt.Errorf("state %s: %w", cfg.StateFile, err)
			}
			if st.ensurePools(cfg) {
				if err := emulator.SaveJSON(cfg.StateFile, st); err != nil {
					return nil, err
				}
			}
			return st, nil
		}
	}
	st := seedState(cfg)
	if cfg.StateFile != "" {
		if err := emulator.SaveJSON(cfg.StateFile, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// Save writes the state file atomically; it is a no-op without one. The
// server also saves after every successful mutation.
func (s *Server) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *Server) saveLocked() error {
	if s.stateFile == "" {
		return nil
	}
	if err := emulator.SaveJSON(s.stateFile, s.st); err != nil {
		return fmt.Errorf("linstor emulator: save: %w", err)
	}
	return nil
}

// request is what a handler gets: path parameters, query and body.
type request struct {
	method string
	path   string
	params []string
	query  map[string][]string
	body   []byte
}

// reply is a handler's answer, written as JSON.
type reply struct {
	status int
	body   any
	header map[string]string
	// keep commits a mutation even though the answer is an error, for calls
	// whose failing part runs after the controller committed (autoplace
	// after a resource group modification).
	keep bool
}

// ServeHTTP answers one REST call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveControl(w, r) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.write(w, s.fixedReply(http.StatusBadRequest, []apiCallRc{parseError(err.Error())}))
		return
	}
	req := &request{method: r.Method, path: r.URL.Path, query: r.URL.Query(), body: body}
	h, params, allowed := s.match(r.Method, r.URL.Path)
	if h.fn == nil {
		s.write(w, s.noRoute(req, allowed))
		return
	}
	req.params = params
	s.write(w, s.run(h, req))
}

// run calls a handler under the state lock. A mutating call that fails is
// rolled back, one that succeeds is persisted, like a controller transaction.
func (s *Server) run(h routeHandler, req *request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !h.mutates {
		return h.fn(s, req)
	}
	snapshot, err := s.st.clone()
	if err != nil {
		return s.unknownError(err)
	}
	rep := h.fn(s, req)
	if rep.status >= http.StatusBadRequest && !rep.keep {
		s.st = snapshot
		return rep
	}
	if err := s.saveLocked(); err != nil {
		s.st = snapshot
		return s.unknownError(err)
	}
	return rep
}

// unknownError is the controller's answer to an uncaught exception.
func (s *Server) unknownError(err error) reply {
	rc := apiCallRc{RetCode: failUnknownError, Message: "Exception thrown.", Details: err.Error(), report: true}
	return s.fixedReply(http.StatusInternalServerError, []apiCallRc{rc})
}

// noRoute answers like Grizzly's exception mapper: 404 for an unknown path,
// 405 for a known path with another method.
func (s *Server) noRoute(req *request, allowed []string) reply {
	path := "/" + strings.TrimPrefix(req.path, "/")
	if len(allowed) == 0 {
		rc := apiCallRc{RetCode: failUnknownError, Message: fmt.Sprintf("Path '%s' not found on server.", path),
			Details: "HTTP 404 Not Found"}
		return s.fixedReply(http.StatusNotFound, []apiCallRc{rc})
	}
	rc := apiCallRc{RetCode: failUnknownError, Details: "HTTP 405 Method Not Allowed",
		Message: fmt.Sprintf("Method '%s' not allowed on path '%s'.", req.method, path)}
	rep := s.fixedReply(http.StatusMethodNotAllowed, []apiCallRc{rc})
	rep.header = map[string]string{"Allow": strings.Join(allowed, ",")}
	return rep
}

// rcReply finishes ApiCallRc entries and computes the status from them, as
// ApiCallRcRestUtils.toResponse does.
func (s *Server) rcReply(success int, rcs []apiCallRc) reply {
	return reply{status: statusFor(success, rcs), body: s.finish(rcs)}
}

// fixedReply answers with a status that does not depend on the entries:
// parse errors and the exception mappers' answers.
func (s *Server) fixedReply(status int, rcs []apiCallRc) reply {
	return reply{status: status, body: s.finish(rcs)}
}

// finish stamps entries with their creation time and files error reports.
func (s *Server) finish(rcs []apiCallRc) []apiCallRc {
	now := s.now().UTC().Format(time.RFC3339Nano)
	for i := range rcs {
		rcs[i].CreatedAt = now
		if rcs[i].report && len(rcs[i].ErrorReportIDs) == 0 {
			rcs[i].ErrorReportIDs = []string{fmt.Sprintf("%s-00000-%06d", s.errPrefix, s.errSeq.Add(1))}
		}
	}
	return rcs
}

// respond turns a handler outcome into a reply: entries of an rcError get
// the context's failure treatment, successes the given status.
func (s *Server) respond(success int, c respCtx, rcs []apiCallRc, err error) reply {
	if err != nil {
		return s.rcReply(success, c.all(errorEntries(err), true))
	}
	return s.rcReply(success, rcs)
}

// errorEntries unwraps an rcError; any other error is an uncaught exception.
func errorEntries(err error) []apiCallRc {
	if rce, ok := err.(*rcError); ok {
		return rce.rcs
	}
	return []apiCallRc{{RetCode: failUnknownError, Message: "Exception thrown.", Details: err.Error(), report: true}}
}

func (s *Server) write(w http.ResponseWriter, rep reply) {
	b, err := json.Marshal(rep.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_, _ = w.Write(b)
}

// nodes returns the configured node seeds or the default three zones.
func (c Config) nodes() []NodeSeed {
	if len(c.Nodes) > 0 {
		return c.Nodes
	}
	return []NodeSeed{{"node-a", "zone-a"}, {"node-b", "zone-b"}, {"node-c", "zone-c"}}
}

// provider returns the provider kind of a seeded pool.
func (c Config) provider(pool string) string {
	if p, ok := c.PoolProviders[pool]; ok {
		if canon, err := providerKind(p); err == nil {
			return canon
		}
		return p
	}
	lower := strings.ToLower(pool)
	thin := strings.Contains(lower, "thin")
	base := "LVM"
	switch {
	case strings.Contains(lower, "zfs"):
		base = "ZFS"
	case strings.Contains(lower, "file"):
		base = "FILE"
	case !thin && !strings.Contains(lower, "thick") && !strings.Contains(lower, "lvm"):
		return "LVM_THIN"
	}
	if thin {
		return base + "_THIN"
	}
	return base
}

// check validates node and pool names as the controller would on creation.
func (c Config) check() error {
	seen := map[string]bool{}
	for _, n := range c.nodes() {
		if err := nodeNameError(n.Name); err != nil {
			return fmt.Errorf("node %q: %w", n.Name, err)
		}
		if seen[key(n.Name)] {
			return fmt.Errorf("node %q: duplicate", n.Name)
		}
		seen[key(n.Name)] = true
	}
	for _, p := range c.Pools {
		if err := nameError(p, poolNameMin); err != nil {
			return fmt.Errorf("storage pool %q: %w", p, err)
		}
		if kind := c.provider(p); !knownProvider(kind) || kind == providerDiskless {
			return fmt.Errorf("storage pool %q: unsupported provider kind %q", p, kind)
		}
	}
	return nil
}
