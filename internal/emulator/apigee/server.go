// Package apigee is an in-process emulator of the part of the Apigee
// management API v1 that a deploy tool uses: proxy bundle import, revisions
// and their download, deployments with their PROGRESSING/READY/ERROR life
// cycle, API products and key value maps. It checks bundles the way Apigee
// does at import and answers errors in Apigee's google.rpc.Status JSON shape,
// so the real Go client (google.golang.org/api/apigee/v1) can drive it.
//
// Only the organizations and environments of Config.Organizations exist;
// others get the real API's errors. Wrap the Server with emulator.Wrap for faults, latency and a request log.
package apigee

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config tunes a Server.
type Config struct {
	// StateFile is the JSON state file. Bundles are kept beside it, in the
	// folder <state file name without extension>-bundles, one <sha256>.zip per
	// distinct bundle. "" keeps everything in memory.
	StateFile string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ReadyAfter is how many status polls a new deployment answers
	// PROGRESSING before it turns READY (or ERROR). 0 means the default, 1;
	// a negative value means no PROGRESSING poll at all.
	ReadyAfter int
	// DeployError, when set, is asked at every accepted deployment whether
	// the runtime fails to serve it; a non-empty message makes the
	// deployment end in ERROR with that message. Deployment validation
	// (override, base paths, service account) fails the deploy call itself.
	DeployError func(org, env, api string, rev int) string
	// Organizations are the organizations that exist, with their
	// environments and environment groups; those missing from the state
	// file are added by New. Any other organization or environment is
	// answered with the real API's error. Nil leaves the emulator open: a
	// change creates the organization and environment it names (a read
	// never does), for tests that do not care.
	Organizations []Organization
}

// Server answers the emulated management API under /v1/. It is safe for
// concurrent use.
type Server struct {
	cfg    Config
	routes []route
	reqSeq atomic.Uint64

	mu    sync.Mutex
	st    *state
	blobs map[string][]byte // bundle bytes by sha256
	dirty bool
	// saved is the state as last written to StateFile, what a change that
	// cannot be saved is rolled back to.
	saved []byte
}

// maxBodyBytes bounds a request body: the 15 MB bundle limit plus room for
// multipart framing, so an oversized bundle is still answered by the check.
const maxBodyBytes = maxBundleBytes + 1<<20

// New returns a Server, loading cfg.StateFile when it exists.
func New(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReadyAfter == 0 {
		cfg.ReadyAfter = 1
	}
	s := &Server{cfg: cfg, st: newState(), blobs: map[string][]byte{}}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("apigee emulator: %w", err)
	}
	if s.st.declare(cfg.Organizations, s.now()) {
		if err := s.saveLocked(); err != nil {
			return nil, fmt.Errorf("apigee emulator: %w", err)
		}
	}
	s.routes = s.table()
	return s, nil
}

// Save writes the state file (and the bundles beside it) now. With no
// StateFile it does nothing. Every request that changes state saves on its
// own, so Save is only needed by callers that want to be sure.
func (s *Server) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.saveLocked(); err != nil {
		return fmt.Errorf("apigee emulator: %w", err)
	}
	return nil
}

// request is what a handler sees: path variables, query, body and, for
// routes that take a bundle, the bundle parsed before the state lock.
type request struct {
	http      *http.Request
	vars      map[string]string
	query     url.Values
	body      []byte
	bundle    *bundle
	bundleErr error
}

func (q *request) v(name string) string { return q.vars[name] }

// handler answers a request with a value to encode as JSON, a rawBody, or an
// error (an *apiError, or anything else for a 500).
type handler func(q *request) (any, error)

// rawBody is a non-JSON answer, such as a bundle download.
type rawBody struct {
	contentType string
	data        []byte
}

type route struct {
	method  string
	pattern []string
	handle  handler
	bundle  bool // the body is a proxy bundle, parsed outside the lock
}

// ServeHTTP routes r to its handler and writes the answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, ctype, body := s.serve(w, r)
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (int, string, []byte) {
	segs, ok := splitPath(r.URL)
	if !ok {
		return s.encodeError(notFound("The requested URL %s was not found on this server.", r.URL.Path))
	}
	rt, vars := s.match(r.Method, segs)
	if rt == nil {
		return s.encodeError(notFound("Method not found: %s %s", r.Method, r.URL.Path))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return s.encodeError(invalidArgument("request body: %v", err))
	}
	q := &request{http: r, vars: vars, query: r.URL.Query(), body: body}
	if rt.bundle {
		q.bundle, q.bundleErr = readBundle(r.Header.Get("Content-Type"), body)
	}
	v, err := s.locked(rt.handle, q)
	if err != nil {
		return s.encodeError(err)
	}
	return encode(v)
}

// locked runs h under the state lock and saves the state when h changed it.
func (s *Server) locked(h handler, q *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var v any
	err := s.checkScope(q)
	if err == nil {
		v, err = h(q)
	}
	if s.dirty {
		s.dirty = false
		if serr := s.saveLocked(); serr != nil {
			s.rollbackLocked()
			return nil, serr
		}
	}
	return v, err
}

func encode(v any) (int, string, []byte) {
	if raw, ok := v.(rawBody); ok {
		return http.StatusOK, raw.contentType, raw.data
	}
	b, err := json.Marshal(v)
	if err != nil {
		return http.StatusInternalServerError, "text/plain", []byte("encode: " + err.Error())
	}
	return http.StatusOK, "application/json; charset=UTF-8", b
}

func (s *Server) encodeError(err error) (int, string, []byte) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = newError(http.StatusInternalServerError, "INTERNAL", "Internal error encountered: %v", err)
	}
	id := strconv.FormatUint(s.reqSeq.Add(1), 10)
	b, _ := json.Marshal(ae.body(id))
	return ae.Code, "application/json; charset=UTF-8", b
}

// splitPath returns the unescaped segments after /v1/.
func splitPath(u *url.URL) ([]string, bool) {
	p, ok := strings.CutPrefix(u.EscapedPath(), "/v1/")
	if !ok {
		return nil, false
	}
	raw := strings.Split(strings.TrimSuffix(p, "/"), "/")
	segs := make([]string, len(raw))
	for i, r := range raw {
		seg, err := url.PathUnescape(r)
		if err != nil || seg == "" {
			return nil, false
		}
		segs[i] = seg
	}
	return segs, true
}

func (s *Server) match(method string, segs []string) (*route, map[string]string) {
	for i := range s.routes {
		rt := &s.routes[i]
		if rt.method != method {
			continue
		}
		if vars, ok := matchPattern(rt.pattern, segs); ok {
			return rt, vars
		}
	}
	return nil, nil
}

func matchPattern(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	vars := map[string]string{}
	for i, p := range pattern {
		if name, ok := strings.CutPrefix(p, "{"); ok {
			vars[strings.TrimSuffix(name, "}")] = segs[i]
		} else if p != segs[i] {
			return nil, false
		}
	}
	return vars, true
}

// table lists every route the emulator answers.
func (s *Server) table() []route {
	var rs []route
	add := func(method, pattern string, h handler) {
		rs = append(rs, route{method: method, pattern: strings.Split(pattern, "/"), handle: h})
	}
	addBundle := func(method, pattern string, h handler) {
		add(method, pattern, h)
		rs[len(rs)-1].bundle = true
	}
	// collection adds list and create on base, get, replace and delete on
	// base/{id}.
	collection := func(base, id string, list, create, get, replace, del handler) {
		add("GET", base, list)
		add("POST", base, create)
		add("GET", base+"/{"+id+"}", get)
		add("PUT", base+"/{"+id+"}", replace)
		add("DELETE", base+"/{"+id+"}", del)
	}
	const org = "organizations/{org}"
	add("GET", "organizations", s.listOrganizations)
	add("GET", org, s.getOrganization)
	add("GET", org+"/environments", s.listEnvironments)
	add("GET", org+"/environments/{env}", s.getEnvironment)
	collection(org+"/environments/{env}/targetservers", "ts",
		s.listTargetServers, s.createTargetServer, s.getTargetServer, s.updateTargetServer, s.deleteTargetServer)
	add("GET", org+"/envgroups", s.listEnvGroups)
	add("GET", org+"/envgroups/{group}", s.getEnvGroup)
	add("GET", org+"/envgroups/{group}/attachments", s.listEnvGroupAttachments)

	add("GET", org+"/apis", s.listProxies)
	addBundle("POST", org+"/apis", s.importProxy)
	add("GET", org+"/apis/{api}", s.getProxy)
	add("DELETE", org+"/apis/{api}", s.deleteProxy)
	add("GET", org+"/apis/{api}/revisions", s.listRevisions)
	add("GET", org+"/apis/{api}/revisions/{rev}", s.getRevision)
	addBundle("POST", org+"/apis/{api}/revisions/{rev}", s.updateRevision)
	add("DELETE", org+"/apis/{api}/revisions/{rev}", s.deleteRevision)

	const envRev = org + "/environments/{env}/apis/{api}/revisions/{rev}/deployments"
	add("POST", envRev, s.deploy)
	add("GET", envRev, s.getDeployment)
	add("DELETE", envRev, s.undeploy)
	add("GET", org+"/deployments", s.listDeployments)
	add("GET", org+"/environments/{env}/deployments", s.listDeployments)
	add("GET", org+"/environments/{env}/apis/{api}/deployments", s.listDeployments)
	add("GET", org+"/apis/{api}/deployments", s.listDeployments)
	add("GET", org+"/apis/{api}/revisions/{rev}/deployments", s.listDeployments)

	collection(org+"/apiproducts", "product", s.listProducts, s.createProduct, s.getProduct, s.updateProduct, s.deleteProduct)

	for _, scope := range []string{org, org + "/environments/{env}", org + "/apis/{api}"} {
		kv := scope + "/keyvaluemaps"
		collection(kv, "map", s.listMaps, s.createMap, s.getMap, s.updateMap, s.deleteMap)
		collection(kv+"/{map}/entries", "entry", s.listEntries, s.createEntry, s.getEntry, s.updateEntry, s.deleteEntry)
	}
	return rs
}

// now is the clock in the milliseconds since the epoch that Apigee uses.
func (s *Server) now() int64 { return s.cfg.Now().UnixMilli() }

// ms renders a millisecond timestamp the way proto3 JSON renders an int64.
func ms(t int64) string { return strconv.FormatInt(t, 10) }
