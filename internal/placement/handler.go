package placement

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"unicode/utf8"
)

// Path is where the handler answers: GET Path?env=E&tier=T&key=K.
const Path = "/v1/placement"

// MaxKey is the longest key accepted, in bytes.
const MaxKey = 256

// TokenEnv is the environment variable holding the bearer token.
const TokenEnv = "LINGATE_PLACEMENT_TOKEN"

// LoadToken reads the bearer token from file when given, otherwise from
// LINGATE_PLACEMENT_TOKEN; surrounding white space is dropped. The error
// never holds the token.
func LoadToken(file string) (string, error) {
	tok := os.Getenv(TokenEnv)
	from := TokenEnv
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("placement token: %w", err)
		}
		tok, from = string(b), file
	}
	tok = strings.TrimSpace(tok)
	if len(tok) < 16 {
		return "", fmt.Errorf("placement token from %s: %d characters (expected at least 16)", from, len(tok))
	}
	return tok, nil
}

// Handler answers placement lookups from a View for callers presenting the
// bearer token.
type Handler struct {
	view  *View
	token [sha256.Size]byte
}

// NewHandler serves v to callers presenting token (see LoadToken).
func NewHandler(v *View, token string) *Handler {
	return &Handler{view: v, token: sha256.Sum256([]byte(token))}
}

// ServeHTTP answers GET /v1/placement with the Answer as JSON (200), or
// an error as JSON {"error": ...}: 401 without the right token, 400 for a
// bad query, 404 for an environment and tier that serve no placement, 503
// when the tier was not read yet or too long ago, has no resources, or the key's resource
// has no healthy replica (then the answer's resource is given too).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed (expected GET)", nil)
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="lingate placement"`)
		writeError(w, http.StatusUnauthorized, "missing or wrong bearer token (expected Authorization: Bearer <token>)", nil)
		return
	}
	env, tier, key, err := query(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	a, err := h.view.Lookup(env, tier, key)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, a)
	case errors.Is(err, ErrUnknown):
		writeError(w, http.StatusNotFound, err.Error(), nil)
	case errors.Is(err, ErrNoReplica):
		writeError(w, http.StatusServiceUnavailable, err.Error(), &a)
	default:
		writeError(w, http.StatusServiceUnavailable, err.Error(), nil)
	}
}

// authorized compares the token in constant time (of hashes, so the
// length of the expected token does not show either).
func (h *Handler) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || got == "" {
		return false
	}
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], h.token[:]) == 1
}

// query reads env, tier and key, each given once.
func query(r *http.Request) (env, tier, key string, err error) {
	q := r.URL.Query()
	get := func(name string, max int) string {
		vs := q[name]
		switch {
		case err != nil:
		case len(vs) != 1 || vs[0] == "":
			err = fmt.Errorf("query parameter %s: expected exactly one non-empty value", name)
		case len(vs[0]) > max:
			err = fmt.Errorf("query parameter %s: %d bytes (expected at most %d)", name, len(vs[0]), max)
		case !utf8.ValidString(vs[0]):
			err = fmt.Errorf("query parameter %s: expected UTF-8 text", name)
		default:
			return vs[0]
		}
		return ""
	}
	env, tier, key = get("env", 40), get("tier", 40), get("key", MaxKey)
	return env, tier, key, err
}

// errorBody is the JSON of an error reply.
type errorBody struct {
	Error string `json:"error"`
	*Answer
}

func writeError(w http.ResponseWriter, status int, msg string, a *Answer) {
	writeJSON(w, status, errorBody{Error: msg, Answer: a})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to tell it
}
