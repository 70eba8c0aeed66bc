package apigee

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/lingate/lingate/compile/artifact"
)

// revisions reads the revisions of one proxy and remembers their stamps,
// for one Read or Apply.
type revisions struct {
	d      *Driver
	name   string
	list   []int // ascending; nil until listed
	stamps map[int]stampRead
	// verified says of stamped revisions whether their bundle has the
	// stamped hash; exports holds the bundles exported.
	verified map[int]bool
	exports  map[int]artifact.Object
}

// stampRead is what a revision's description said.
type stampRead struct {
	stamp
	ok bool // the description carries lingate's stamp
}

func (d *Driver) revisions(name string) *revisions {
	return &revisions{d: d, name: name, stamps: map[int]stampRead{}, verified: map[int]bool{}, exports: map[int]artifact.Object{}}
}

func (r *revisions) path() string { return r.d.org + "/apis/" + r.name }

// all lists the proxy's revision numbers, ascending; none when the proxy
// does not exist.
func (r *revisions) all(ctx context.Context) ([]int, error) {
	p, err := r.d.svc.Organizations.Apis.Get(r.path()).Context(ctx).Do()
	if isStatus(err, http.StatusNotFound) {
		r.list = []int{}
		return r.list, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: list revisions: %w", subject(artifact.KindProxy, r.name), apiError(err))
	}
	r.list = revNumbers(p.Revision)
	return r.list, nil
}

// stampOf reads the stamp of revision rev.
func (r *revisions) stampOf(ctx context.Context, rev int) (stampRead, error) {
	if s, ok := r.stamps[rev]; ok {
		return s, nil
	}
	// The client decodes this call as an HttpBody (it also serves the
	// bundle), so the metadata is read raw.
	data, err := r.d.raw(ctx, http.MethodGet, r.path()+"/revisions/"+strconv.Itoa(rev), nil, nil)
	if err != nil {
		return stampRead{}, fmt.Errorf("%s: revision %d: %w", subject(artifact.KindProxy, r.name), rev, err)
	}
	var meta struct {
		Description string `json:"description"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return stampRead{}, fmt.Errorf("%s: revision %d: reading the answer: %w", subject(artifact.KindProxy, r.name), rev, err)
	}
	s, ok := parseStamp(meta.Description)
	r.stamps[rev] = stampRead{stamp: s, ok: ok}
	return r.stamps[rev], nil
}

// lingates reads the stamp of revision rev and reports whether the
// revision is lingate's: its description carries the stamp and its
// bundle, read back under this proxy's name, has the stamped content hash.
// A stamp alone proves nothing: a revision made by hand from one of
// lingate's (edited in the console, exported and imported again, copied
// under another name) carries it too.
func (r *revisions) lingates(ctx context.Context, rev int) (stampRead, error) {
	s, err := r.stampOf(ctx, rev)
	if err != nil || !s.ok {
		return s, err
	}
	v, ok := r.verified[rev]
	if !ok {
		obj, err := r.export(ctx, rev)
		if err != nil {
			return stampRead{}, err
		}
		v = ContentHash(obj) == s.Hash
		r.verified[rev] = v
	}
	s.ok = v
	return s, nil
}

// find returns the newest revision stamped with hash, or 0. It lists the
// revisions afresh, so a revision that an import whose answer was lost
// did create is found.
func (r *revisions) find(ctx context.Context, hash string) (int, error) {
	revs, err := r.all(ctx)
	if err != nil {
		return 0, err
	}
	for _, rev := range slices.Backward(revs) {
		s, err := r.stampOf(ctx, rev)
		if err != nil {
			return 0, err
		}
		if !s.ok || s.Hash != hash {
			continue
		}
		if s, err = r.lingates(ctx, rev); err != nil || s.ok {
			return rev, err
		}
	}
	return 0, nil
}

// owned reports whether any revision is lingate's (see lingates), looking
// at the newest first.
func (r *revisions) owned(ctx context.Context) (bool, error) {
	revs := r.list
	if revs == nil {
		var err error
		if revs, err = r.all(ctx); err != nil {
			return false, err
		}
	}
	for _, rev := range slices.Backward(revs) {
		s, err := r.lingates(ctx, rev)
		if err != nil {
			return false, err
		}
		if s.ok {
			return true, nil
		}
	}
	return false, nil
}

// export downloads revision rev and unpacks it into compile's form, once.
func (r *revisions) export(ctx context.Context, rev int) (artifact.Object, error) {
	if o, ok := r.exports[rev]; ok {
		return o, nil
	}
	data, err := r.d.raw(ctx, http.MethodGet, r.path()+"/revisions/"+strconv.Itoa(rev), url.Values{"format": {"bundle"}}, nil)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("%s: export revision %d: %w", subject(artifact.KindProxy, r.name), rev, err)
	}
	o, err := unpack(r.name, data)
	if err == nil {
		r.exports[rev] = o
	}
	return o, err
}

// importBundle imports a zip as a new revision and returns its number.
func (r *revisions) importBundle(ctx context.Context, zip []byte) (int, error) {
	data, err := r.d.raw(ctx, http.MethodPost, r.d.org+"/apis", url.Values{"name": {r.name}, "action": {"import"}}, zip)
	if err != nil {
		return 0, fmt.Errorf("%s: import: %w", subject(artifact.KindProxy, r.name), err)
	}
	var rev struct {
		Revision string `json:"revision"`
	}
	if err := json.Unmarshal(data, &rev); err != nil {
		return 0, fmt.Errorf("%s: import: reading the answer: %w", subject(artifact.KindProxy, r.name), err)
	}
	n, err := strconv.Atoi(rev.Revision)
	if err != nil {
		return 0, fmt.Errorf("%s: import: revision %q: expected a number", subject(artifact.KindProxy, r.name), rev.Revision)
	}
	return n, nil
}
