package apply

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/atomicfile"
)

// FormatVersion is the version of the plan JSON. Readers accept only this
// major version; later minor additions add fields and keep this number.
const FormatVersion = 1

// Source names the commits a plan compares. An empty SHA (a plan against
// live targets has no base commit) is written as null.
type Source struct {
	Base string
	Head string
}

type wireSource struct {
	Base *string `json:"base"`
	Head *string `json:"head"`
}

// MarshalJSON writes {"base": sha or null, "head": sha or null}.
func (s Source) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireSource{Base: nullable(s.Base), Head: nullable(s.Head)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Source) UnmarshalJSON(data []byte) error {
	var w wireSource
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = Source{Base: deref(w.Base), Head: deref(w.Head)}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Document is a plan in its JSON form, as `lingate plan --format json`
// prints it. Replacements count as one create and one delete in Summary.
type Document struct {
	FormatVersion int      `json:"format_version"`
	Source        Source   `json:"source"`
	Changes       []Change `json:"changes"`
	Summary       Summary  `json:"summary"`
}

// NewDocument is the JSON form of cs between the commits of src.
func NewDocument(src Source, cs ChangeSet) Document {
	changes := cs.Changes
	if changes == nil {
		changes = []Change{}
	}
	return Document{FormatVersion: FormatVersion, Source: src, Changes: changes, Summary: cs.Summary()}
}

// PlanFile is a plan saved by `lingate plan --out FILE` for `lingate apply
// --plan FILE`: the plan's document, the environments it covers, and the
// digest of every object desired at head in those environments, so that
// apply can refuse a plan that no longer matches what it would apply
// (Stale).
type PlanFile struct {
	Document
	Environments []string `json:"environments"`
	Artifacts    []Digest `json:"artifacts"`
	// Live are the digests of the live state each target had when a plan
	// against live targets was made (Live.Digest); absent from a plan
	// between two commits.
	Live []LiveDigest `json:"live,omitempty"`
	// Checksum is the sha256 of the rest of the plan, as WritePlanFile
	// encodes it, so ReadPlanFile refuses a plan edited since.
	Checksum string `json:"checksum,omitempty"`
}

// Digest is the fingerprint of one desired object.
type Digest struct {
	Ref
	// SHA256 is ObjectDigest of the object.
	SHA256 string `json:"sha256"`
}

// LiveDigest is the digest of one target's live state when planned.
type LiveDigest struct {
	Env    string `json:"env"`
	System string `json:"system"`
	Digest string `json:"digest"`
}

// StaleLive reports how the live state read now (digests by target)
// differs from what the plan was made against: nil when every target the
// plan recorded reads the same, else an error naming the targets that
// changed.
func (p PlanFile) StaleLive(now []LiveDigest) error {
	current := make(map[[2]string]string, len(now))
	for _, d := range now {
		current[[2]string{d.Env, d.System}] = d.Digest
	}
	var problems []string
	for _, d := range p.Live {
		if got, ok := current[[2]string{d.Env, d.System}]; !ok || got != d.Digest {
			problems = append(problems, d.Env+" "+d.System)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("plan is stale: the live state of %s changed since the plan was made (re-plan)", strings.Join(problems, ", "))
	}
	return nil
}

// NewPlanFile records a plan of cs between the commits of src over envs,
// with the digests of the objects desired at head (Digests).
func NewPlanFile(src Source, envs []string, cs ChangeSet, head []Digest) PlanFile {
	p := PlanFile{Document: NewDocument(src, cs), Environments: envs, Artifacts: head}
	if p.Environments == nil {
		p.Environments = []string{}
	}
	if p.Artifacts == nil {
		p.Artifacts = []Digest{}
	}
	return p
}

// Digests are the digests of the objects of sets, in their order.
func Digests(sets []artifact.Set) []Digest {
	var out []Digest
	for _, set := range sets {
		for _, o := range set.Objects {
			out = append(out, DigestOf(set.Env, o))
		}
	}
	return out
}

// DigestOf is the digest of object o of environment env.
func DigestOf(env string, o artifact.Object) Digest {
	return Digest{Ref: ref(env, o), SHA256: ObjectDigest(o)}
}

// ObjectDigest is the hex sha256 of an object's files: each file's path and
// content, length-prefixed, in path order as compiled. Objects with the
// same files have the same digest.
func ObjectDigest(o artifact.Object) string {
	h := sha256.New()
	for _, f := range o.Files {
		for _, part := range [][]byte{[]byte(f.Path), f.Data} {
			_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
			h.Write(part)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Stale reports how the objects desired at head (as compiled now) differ
// from those the plan recorded, in the environments it covers: nil when
// the plan still describes them, else an error naming each object that
// changed, appeared or went.
func (p PlanFile) Stale(head []artifact.Set) error {
	recorded := make(map[Ref]string, len(p.Artifacts))
	for _, d := range p.Artifacts {
		recorded[d.Ref] = d.SHA256
	}
	var now []Digest
	for _, set := range head {
		if slices.Contains(p.Environments, set.Env) {
			now = append(now, Digests([]artifact.Set{set})...)
		}
	}
	var problems []string
	for _, d := range now {
		sum, ok := recorded[d.Ref]
		delete(recorded, d.Ref)
		switch {
		case !ok:
			problems = append(problems, d.Env+" "+d.Subject()+" is not in the plan")
		case sum != d.SHA256:
			problems = append(problems, d.Env+" "+d.Subject()+" changed")
		}
	}
	for _, d := range p.Artifacts {
		if _, gone := recorded[d.Ref]; gone {
			problems = append(problems, d.Env+" "+d.Subject()+" is gone since the plan")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("plan is stale: %s (re-plan)", strings.Join(problems, ", "))
	}
	return nil
}

// checksum is the hex sha256 of p without its checksum, as encoded.
func checksum(p PlanFile) (string, error) {
	p.Checksum = ""
	data, err := encode(p)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// WritePlanFile saves p at path with its checksum, readable by its owner
// only (a plan names the organization's systems). The file is written
// beside path and renamed over it, so a reader never sees half a plan.
func WritePlanFile(path string, p PlanFile) error {
	sum, err := checksum(p)
	if err != nil {
		return fmt.Errorf("plan file %s: %w", path, err)
	}
	p.Checksum = sum
	data, err := encode(p)
	if err != nil {
		return fmt.Errorf("plan file %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("plan file %s: %w", path, err)
	}
	return nil
}

// encode renders v as indented JSON with a trailing newline, without HTML
// escaping.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadPlanFile reads a plan saved by WritePlanFile. It refuses a file of
// another format version, one that is not a lingate plan, and one changed
// since it was written (its checksum differs; reformatting the JSON is no
// change).
func ReadPlanFile(path string) (PlanFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return PlanFile{}, fmt.Errorf("plan file %s: %w", path, err)
	}
	var p PlanFile
	if err := json.Unmarshal(data, &p); err != nil {
		return PlanFile{}, fmt.Errorf("plan file %s: not a lingate plan: %w", path, err)
	}
	switch {
	case p.FormatVersion == 0:
		return PlanFile{}, fmt.Errorf("plan file %s: not a lingate plan (no format_version)", path)
	case p.FormatVersion != FormatVersion:
		return PlanFile{}, fmt.Errorf("plan file %s: format_version %d (expected %d: re-plan with this lingate)", path, p.FormatVersion, FormatVersion)
	}
	sum, err := checksum(p)
	if err != nil {
		return PlanFile{}, fmt.Errorf("plan file %s: %w", path, err)
	}
	if p.Checksum != sum {
		return PlanFile{}, fmt.Errorf("plan file %s: changed since lingate wrote it (its checksum does not match; re-plan)", path)
	}
	return p, nil
}
