// Package githubtest is a fake GitHub REST API over HTTP for tests: it
// keeps comments, issues, pull requests, reviews, team memberships and
// check runs in memory, serves them under /api/v3 with pagination (Link
// headers), checks the token, can refuse calls for rate limiting or as a
// read-only token, and records every request.
package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Prefix is where the fake serves the API, as GitHub Enterprise does.
const Prefix = "/api/v3"

// Comment is an issue or pull request comment.
type Comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
	User string `json:"user,omitempty"`
}

// Review is a pull request review.
type Review struct {
	User     string `json:"user"`
	State    string `json:"state"`
	CommitID string `json:"commit_id"`
}

// Pull is a pull request.
type Pull struct {
	Number         int    `json:"number"`
	Head           string `json:"head"`
	Author         string `json:"author"`
	Merged         bool   `json:"merged"`
	MergeCommitSHA string `json:"merge_commit_sha"`
	// Commits are other commits the pull request holds.
	Commits []string `json:"commits,omitempty"`
}

// Issue is an issue.
type Issue struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	State  string `json:"state"`
}

// CheckRun is a check run and every annotation sent for it.
type CheckRun struct {
	ID          int64            `json:"id"`
	Name        string           `json:"name"`
	HeadSHA     string           `json:"head_sha"`
	Annotations []map[string]any `json:"annotations"`
}

// State is everything the fake holds; a test seeds it and reads it back.
type State struct {
	// Token, when set, is the only token accepted.
	Token    string             `json:"token,omitempty"`
	Comments map[int][]*Comment `json:"comments,omitempty"`
	Pulls    []Pull             `json:"pulls,omitempty"`
	Reviews  map[int][]Review   `json:"reviews,omitempty"`
	Files    map[int][]string   `json:"files,omitempty"`
	// Teams maps a team slug to its active members.
	Teams map[string][]string `json:"teams,omitempty"`
	// TeamsForbidden answers team lookups 403, as for GITHUB_TOKEN.
	TeamsForbidden bool        `json:"teams_forbidden,omitempty"`
	Issues         []*Issue    `json:"issues,omitempty"`
	CheckRuns      []*CheckRun `json:"check_runs,omitempty"`
	// ReadOnly refuses every write 403, as a fork's pull request token.
	ReadOnly bool `json:"read_only,omitempty"`
	// NoChecks refuses check runs 403, as a personal access token.
	NoChecks bool `json:"no_checks,omitempty"`
	// Limited is how many next calls are refused for rate limiting, and
	// LimitStatus how: 403 (primary limit, remaining 0) or 429 (Retry-After).
	Limited     int `json:"limited,omitempty"`
	LimitStatus int `json:"limit_status,omitempty"`

	nextID int64
}

// Request is one request the fake received.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Query  string `json:"query,omitempty"`
	Body   string `json:"body,omitempty"`
	Auth   string `json:"-"`
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	state    State
	requests []Request
}

// New starts a fake holding state; close it when done.
func New(state State) *Server {
	s := &Server{state: state}
	if s.state.Comments == nil {
		s.state.Comments = map[int][]*Comment{}
	}
	s.state.nextID = 1000
	mux := http.NewServeMux()
	s.routes(mux)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, Prefix+"/") {
			http.Error(w, `{"message":"not under `+Prefix+`"}`, http.StatusNotFound)
			return
		}
		http.StripPrefix(Prefix, s.gate(mux)).ServeHTTP(w, r)
	}))
	return s
}

// URL is the API's base URL, as GITHUB_API_URL names it.
func (s *Server) APIURL() string { return s.URL + Prefix }

// State returns a copy of what the fake holds now.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, _ := json.Marshal(s.state)
	var out State
	_ = json.Unmarshal(data, &out)
	return out
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Auths returns the Authorization header of every request.
func (s *Server) Auths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.Auth
	}
	return out
}

// Count counts the requests with method whose path has prefix.
func (s *Server) Count(method, prefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// gate records the request, checks the token and applies rate limits and
// read-only refusals.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), Auth: r.Header.Get("Authorization")})
		st := &s.state
		w.Header().Set("Content-Type", "application/json")
		switch {
		case st.Token != "" && r.Header.Get("Authorization") != "Bearer "+st.Token:
			s.mu.Unlock()
			fail(w, http.StatusUnauthorized, "Bad credentials")
			return
		case st.Limited > 0:
			st.Limited--
			status := st.LimitStatus
			s.mu.Unlock()
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
				fail(w, status, "too many requests")
				return
			}
			w.Header().Set("X-RateLimit-Limit", "5000")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
			fail(w, http.StatusForbidden, "API rate limit exceeded")
			return
		case st.ReadOnly && r.Method != http.MethodGet:
			s.mu.Unlock()
			fail(w, http.StatusForbidden, "Resource not accessible by integration")
			return
		}
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"message":%q,"documentation_url":"https://docs.github.com/rest"}`, msg)
}

func reply(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// page serves one page of items, with Link headers to the next and last.
func page[T any](w http.ResponseWriter, r *http.Request, items []T) {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 || per > 100 {
		per = 30
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	last := max((len(items)+per-1)/per, 1)
	if n < last {
		link := func(p int) string {
			q := r.URL.Query()
			q.Set("page", strconv.Itoa(p))
			return fmt.Sprintf(`<http://%s%s%s?%s>`, r.Host, Prefix, r.URL.Path, q.Encode())
		}
		w.Header().Set("Link", link(n+1)+`; rel="next", `+link(last)+`; rel="last"`)
	}
	lo, hi := min((n-1)*per, len(items)), min(n*per, len(items))
	reply(w, http.StatusOK, items[lo:hi])
}
