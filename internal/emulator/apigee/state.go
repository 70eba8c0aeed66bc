package apigee

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/lingate/lingate/internal/atomicfile"
	"github.com/lingate/lingate/internal/emulator"
)

// stateVersion is the layout of the state file; New refuses other versions.
const stateVersion = 1

// state is everything the emulator remembers, as written to the state file.
type state struct {
	Version       int                  `json:"version"`
	Organizations map[string]*orgState `json:"organizations"`
}

type orgState struct {
	CreatedAt    int64                    `json:"createdAt"`
	Environments map[string]*envState     `json:"environments"`
	Proxies      map[string]*proxyState   `json:"proxies"`
	Products     map[string]*productState `json:"products"`
	KVMs         map[string]*kvmState     `json:"keyValueMaps"`
	// EnvGroups maps an environment group to its attached environments.
	EnvGroups map[string][]string `json:"environmentGroups,omitempty"`
}

type envState struct {
	CreatedAt   int64                  `json:"createdAt"`
	Deployments map[string]*deployment `json:"deployments"` // by proxy name
	KVMs        map[string]*kvmState   `json:"keyValueMaps"`
	// TargetServers are the environment's TargetServer bodies by name.
	TargetServers map[string]map[string]any `json:"targetServers,omitempty"`
}

type proxyState struct {
	CreatedAt      int64                  `json:"createdAt"`
	LastModifiedAt int64                  `json:"lastModifiedAt"`
	Revisions      map[int]*revisionState `json:"revisions"`
	KVMs           map[string]*kvmState   `json:"keyValueMaps"`
}

type revisionState struct {
	Meta           bundleMeta `json:"meta"`
	SHA256         string     `json:"sha256"`
	CreatedAt      int64      `json:"createdAt"`
	LastModifiedAt int64      `json:"lastModifiedAt"`
	// EverDeployed makes the revision immutable, even after undeploy.
	EverDeployed bool `json:"everDeployed,omitempty"`
}

// deployment is the one revision of a proxy deployed in an environment.
type deployment struct {
	Revision        int    `json:"revision"`
	DeployStartTime int64  `json:"deployStartTime"`
	ServiceAccount  string `json:"serviceAccount,omitempty"`
	// Polls counts status reads answered PROGRESSING so far.
	Polls int `json:"polls"`
	// Error is why the runtime cannot serve the deployment (Config.
	// DeployError); it makes the deployment end in ERROR.
	Error string `json:"error,omitempty"`
}

type productState struct {
	CreatedAt      int64 `json:"createdAt"`
	LastModifiedAt int64 `json:"lastModifiedAt"`
	// Body is the product as normalized from the last create or update,
	// without the server-set timestamps.
	Body map[string]any `json:"body"`
}

type kvmState struct {
	MaskedValues bool              `json:"maskedValues,omitempty"`
	Entries      map[string]string `json:"entries"`
}

func newState() *state {
	return &state{Version: stateVersion, Organizations: map[string]*orgState{}}
}

func newOrg(now int64) *orgState {
	return &orgState{
		CreatedAt: now, Environments: map[string]*envState{}, Proxies: map[string]*proxyState{},
		Products: map[string]*productState{}, KVMs: map[string]*kvmState{}, EnvGroups: map[string][]string{},
	}
}

func newEnv(now int64) *envState {
	return &envState{CreatedAt: now, Deployments: map[string]*deployment{}, KVMs: map[string]*kvmState{}, TargetServers: map[string]map[string]any{}}
}

func newProxy(now int64) *proxyState {
	return &proxyState{CreatedAt: now, LastModifiedAt: now, Revisions: map[int]*revisionState{}, KVMs: map[string]*kvmState{}}
}

// fill replaces the nil maps a state file may hold with empty ones.
func (st *state) fill() {
	if st.Organizations == nil {
		st.Organizations = map[string]*orgState{}
	}
	for _, o := range st.Organizations {
		o.fill()
	}
}

func (o *orgState) fill() {
	fillMap(&o.Environments)
	fillMap(&o.Proxies)
	fillMap(&o.Products)
	fillMap(&o.KVMs)
	fillMap(&o.EnvGroups)
	for _, e := range o.Environments {
		fillMap(&e.Deployments)
		fillKVMs(&e.KVMs)
		fillMap(&e.TargetServers)
	}
	for _, p := range o.Proxies {
		fillMap(&p.Revisions)
		fillKVMs(&p.KVMs)
	}
	fillKVMs(&o.KVMs)
}

func fillMap[K comparable, V any](m *map[K]V) {
	if *m == nil {
		*m = map[K]V{}
	}
}

func fillKVMs(m *map[string]*kvmState) {
	fillMap(m)
	for _, k := range *m {
		fillMap(&k.Entries)
	}
}

// bundleRefs is the set of bundle hashes some revision still uses.
func (st *state) bundleRefs() map[string]bool {
	refs := map[string]bool{}
	for _, o := range st.Organizations {
		for _, p := range o.Proxies {
			for _, r := range p.Revisions {
				refs[r.SHA256] = true
			}
		}
	}
	return refs
}

// dropUnusedBlobs forgets the bundle bytes no revision uses any more.
func (s *Server) dropUnusedBlobs() {
	refs := s.st.bundleRefs()
	for sha := range s.blobs {
		if !refs[sha] {
			delete(s.blobs, sha)
		}
	}
}

func (s *Server) bundlesDir() string {
	base := filepath.Base(s.cfg.StateFile)
	name := strings.TrimSuffix(base, filepath.Ext(base)) + "-bundles"
	return filepath.Join(filepath.Dir(s.cfg.StateFile), name)
}

var blobName = regexp.MustCompile(`^[0-9a-f]{64}\.zip$`)

// saveLocked writes missing bundle files, then the state file, then removes
// bundle files nothing refers to. The caller holds s.mu.
func (s *Server) saveLocked() error {
	if s.cfg.StateFile == "" {
		return nil
	}
	refs := s.st.bundleRefs()
	dir := s.bundlesDir()
	if err := writeBlobs(dir, refs, s.blobs); err != nil {
		return err
	}
	if err := emulator.SaveJSON(s.cfg.StateFile, s.st); err != nil {
		return err
	}
	if err := s.snapshotLocked(); err != nil {
		return err
	}
	return pruneBlobs(dir, refs)
}

// snapshotLocked remembers the state as it is now saved.
func (s *Server) snapshotLocked() error {
	b, err := json.Marshal(s.st)
	if err != nil {
		return fmt.Errorf("state %s: encode: %w", s.cfg.StateFile, err)
	}
	s.saved = b
	return nil
}

// rollbackLocked puts back the state last saved, after a change could not
// be saved; the change's bundles are forgotten with it.
func (s *Server) rollbackLocked() {
	st := &state{}
	if err := json.Unmarshal(s.saved, st); err != nil {
		return
	}
	st.fill()
	s.st = st
	s.dropUnusedBlobs()
}

func writeBlobs(dir string, refs map[string]bool, blobs map[string][]byte) error {
	if len(refs) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bundles %s: %w", dir, err)
	}
	for sha := range refs {
		p := filepath.Join(dir, sha+".zip")
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := atomicfile.Write(p, blobs[sha], 0o644); err != nil {
			return fmt.Errorf("bundle %s: %w", p, err)
		}
	}
	return nil
}

func pruneBlobs(dir string, refs map[string]bool) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bundles %s: %w", dir, err)
	}
	for _, e := range ents {
		sha := strings.TrimSuffix(e.Name(), ".zip")
		if blobName.MatchString(e.Name()) && !refs[sha] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("bundles %s: %w", dir, err)
			}
		}
	}
	return nil
}

// load reads the state file and the bundles it refers to, checking each
// bundle against its hash.
func (s *Server) load() error {
	if s.cfg.StateFile == "" {
		return nil
	}
	st := &state{}
	ok, err := emulator.LoadJSON(s.cfg.StateFile, st)
	if err != nil {
		return err
	}
	if !ok {
		return s.snapshotLocked()
	}
	if st.Version != stateVersion {
		return fmt.Errorf("state %s: version %d, want %d", s.cfg.StateFile, st.Version, stateVersion)
	}
	st.fill()
	for sha := range st.bundleRefs() {
		b, err := readBlob(s.bundlesDir(), sha)
		if err != nil {
			return fmt.Errorf("state %s: %w", s.cfg.StateFile, err)
		}
		s.blobs[sha] = b
	}
	s.st = st
	return s.snapshotLocked()
}

func readBlob(dir, sha string) ([]byte, error) {
	p := filepath.Join(dir, sha+".zip")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", sha, err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != sha {
		return nil, fmt.Errorf("bundle %s: %s does not match its hash", sha, p)
	}
	return b, nil
}
