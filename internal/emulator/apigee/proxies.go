package apigee

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// maxRevisions is how many revisions Apigee retains per proxy; imports past
// it fail until old revisions are deleted.
const maxRevisions = 250

var proxyNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// revisionView is the ApiProxyRevision JSON.
type revisionView struct {
	Name                 string            `json:"name"`
	Revision             string            `json:"revision,omitempty"`
	DisplayName          string            `json:"displayName,omitempty"`
	Description          string            `json:"description,omitempty"`
	Basepaths            []string          `json:"basepaths,omitempty"`
	Policies             []string          `json:"policies,omitempty"`
	Proxies              []string          `json:"proxies,omitempty"`
	Targets              []string          `json:"targets,omitempty"`
	TargetServers        []string          `json:"targetServers,omitempty"`
	Resources            []string          `json:"resources,omitempty"`
	ConfigurationVersion configVersion     `json:"configurationVersion"`
	CreatedAt            string            `json:"createdAt,omitempty"`
	LastModifiedAt       string            `json:"lastModifiedAt,omitempty"`
	EntityMetaData       map[string]string `json:"entityMetaDataAsProperties,omitempty"`
	Type                 string            `json:"type"`
	ContextInfo          string            `json:"contextInfo,omitempty"`
}

type configVersion struct {
	MajorVersion int `json:"majorVersion"`
	MinorVersion int `json:"minorVersion"`
}

// proxyView is the ApiProxy JSON.
type proxyView struct {
	Name             string     `json:"name"`
	Revision         []string   `json:"revision,omitempty"`
	LatestRevisionID string     `json:"latestRevisionId,omitempty"`
	MetaData         *proxyMeta `json:"metaData,omitempty"`
	APIProxyType     string     `json:"apiProxyType"`
}

type proxyMeta struct {
	CreatedAt      string `json:"createdAt"`
	LastModifiedAt string `json:"lastModifiedAt"`
	SubType        string `json:"subType"`
}

func newRevisionView(org, name string, rev int, r *revisionState) revisionView {
	m := r.Meta
	v := revisionView{
		Name: name, DisplayName: m.DisplayName, Description: m.Description,
		Basepaths: m.Basepaths, Policies: m.Policies, Proxies: m.Proxies, Targets: m.Targets,
		TargetServers: m.TargetServers, Resources: m.Resources,
		ConfigurationVersion: configVersion{MajorVersion: 4}, Type: "Application",
	}
	if rev > 0 {
		v.Revision = strconv.Itoa(rev)
		v.CreatedAt, v.LastModifiedAt = ms(r.CreatedAt), ms(r.LastModifiedAt)
		v.ContextInfo = fmt.Sprintf("Revision %d of application %s, in organization %s", rev, name, org)
		v.EntityMetaData = map[string]string{
			"bundle_type": "zip", "subType": "Proxy",
			"createdAt": v.CreatedAt, "lastModifiedAt": v.LastModifiedAt,
		}
	}
	return v
}

func newProxyView(name string, p *proxyState, revisions, meta bool) proxyView {
	v := proxyView{Name: name, APIProxyType: "PROGRAMMABLE"}
	if revisions {
		revs := revNumbers(p)
		for _, r := range revs {
			v.Revision = append(v.Revision, strconv.Itoa(r))
		}
		// The real API sorts the list as text: "1", "10", "11", ..., "2".
		// Only latestRevisionId names the newest.
		sort.Strings(v.Revision)
		if len(revs) > 0 {
			v.LatestRevisionID = strconv.Itoa(revs[len(revs)-1])
		}
	}
	if meta {
		v.MetaData = &proxyMeta{CreatedAt: ms(p.CreatedAt), LastModifiedAt: ms(p.LastModifiedAt), SubType: "Proxy"}
	}
	return v
}

func revNumbers(p *proxyState) []int {
	out := make([]int, 0, len(p.Revisions))
	for r := range p.Revisions {
		out = append(out, r)
	}
	sort.Ints(out)
	return out
}

// proxyName is the name an import gives the proxy: the query's, else the
// APIProxy name attribute, else the base configuration's file name.
func proxyName(query string, m bundleMeta) string {
	switch {
	case query != "":
		return query
	case m.Name != "":
		return m.Name
	}
	return baseName(m.BaseFile)
}

// importProxy answers POST apis?name=&action=import|validate.
func (s *Server) importProxy(q *request) (any, error) {
	action := q.query.Get("action")
	if action != "import" && action != "validate" {
		return nil, invalidArgument("action must be \"import\" or \"validate\", got %q", action)
	}
	if q.bundleErr != nil {
		return nil, q.bundleErr
	}
	name := proxyName(q.query.Get("name"), q.bundle.meta)
	if !proxyNameRE.MatchString(name) {
		return nil, invalidArgument("invalid API proxy name %q: allowed characters are A-Za-z0-9._-", name)
	}
	org := q.v("org")
	if action == "validate" {
		return newRevisionView(org, name, 0, &revisionState{Meta: q.bundle.meta}), nil
	}
	o := s.org(org)
	p := o.Proxies[name]
	if p == nil {
		p = newProxy(s.now())
	}
	if len(p.Revisions) >= maxRevisions {
		return nil, failedPrecondition("API proxy %s already has %d revisions, the maximum Apigee retains per proxy; delete revisions that are not deployed before importing another", name, maxRevisions)
	}
	o.Proxies[name] = p
	rev := 1
	if revs := revNumbers(p); len(revs) > 0 {
		rev = revs[len(revs)-1] + 1
	}
	r := s.storeRevision(p, rev, q.bundle)
	return newRevisionView(org, name, rev, r), nil
}

func (s *Server) storeRevision(p *proxyState, rev int, b *bundle) *revisionState {
	now := s.now()
	r := p.Revisions[rev]
	if r == nil {
		r = &revisionState{CreatedAt: now}
		p.Revisions[rev] = r
	}
	r.Meta, r.SHA256, r.LastModifiedAt = b.meta, b.sha, now
	p.LastModifiedAt = now
	s.blobs[b.sha] = b.data
	s.dropUnusedBlobs()
	s.dirty = true
	return r
}

// proxyRef is a proxy, and maybe one of its revisions, that a path names.
type proxyRef struct {
	org  string
	name string
	o    *orgState
	p    *proxyState
	rev  int
	r    *revisionState
}

func (s *Server) lookupProxy(q *request) (*proxyRef, error) {
	ref := &proxyRef{org: q.v("org"), name: q.v("api"), o: s.org(q.v("org"))}
	ref.p = ref.o.Proxies[ref.name]
	if ref.p == nil {
		return nil, notFound("API proxy %s does not exist in organization %s", ref.name, ref.org)
	}
	return ref, nil
}

func (s *Server) lookupRevision(q *request) (*proxyRef, error) {
	rev, err := strconv.Atoi(q.v("rev"))
	if err != nil || rev < 1 {
		return nil, invalidArgument("invalid revision %q: must be a positive integer", q.v("rev"))
	}
	ref, err := s.lookupProxy(q)
	if err != nil {
		return nil, err
	}
	ref.rev, ref.r = rev, ref.p.Revisions[rev]
	if ref.r == nil {
		return nil, notFound("revision %d of API proxy %s does not exist in organization %s", rev, ref.name, ref.org)
	}
	return ref, nil
}

func (s *Server) listProxies(q *request) (any, error) {
	o := s.org(q.v("org"))
	revs, meta := q.query.Get("includeRevisions") == "true", q.query.Get("includeMetaData") == "true"
	var out []proxyView
	for _, name := range sortedKeys(o.Proxies) {
		out = append(out, newProxyView(name, o.Proxies[name], revs, meta))
	}
	return listOf("proxies", out), nil
}

func (s *Server) getProxy(q *request) (any, error) {
	ref, err := s.lookupProxy(q)
	if err != nil {
		return nil, err
	}
	return newProxyView(ref.name, ref.p, true, true), nil
}

func (s *Server) listRevisions(q *request) (any, error) {
	ref, err := s.lookupProxy(q)
	if err != nil {
		return nil, err
	}
	return nonNil(newProxyView(ref.name, ref.p, true, false).Revision), nil
}

// getRevision answers the revision metadata, or with ?format=bundle the
// exact zip that was imported.
func (s *Server) getRevision(q *request) (any, error) {
	ref, err := s.lookupRevision(q)
	if err != nil {
		return nil, err
	}
	switch f := q.query.Get("format"); f {
	case "":
		return newRevisionView(ref.org, ref.name, ref.rev, ref.r), nil
	case "bundle":
		return rawBody{contentType: "application/octet-stream", data: s.blobs[ref.r.SHA256]}, nil
	default:
		return nil, invalidArgument("unsupported format %q: only \"bundle\"", f)
	}
}

// updateRevision replaces the bundle of a revision that was never deployed.
func (s *Server) updateRevision(q *request) (any, error) {
	ref, err := s.lookupRevision(q)
	if err != nil {
		return nil, err
	}
	if ref.r.EverDeployed {
		return nil, failedPrecondition("revision %d of API proxy %s has been deployed and is immutable; import a new revision instead", ref.rev, ref.name)
	}
	if q.bundleErr != nil {
		return nil, q.bundleErr
	}
	r := s.storeRevision(ref.p, ref.rev, q.bundle)
	return newRevisionView(ref.org, ref.name, ref.rev, r), nil
}

func (s *Server) deleteRevision(q *request) (any, error) {
	ref, err := s.lookupRevision(q)
	if err != nil {
		return nil, err
	}
	if envs := deployedIn(ref.o, ref.name, ref.rev); len(envs) > 0 {
		return nil, failedPrecondition("revision %d of API proxy %s is deployed in environment %s; undeploy it before deleting it", ref.rev, ref.name, strings.Join(envs, ", "))
	}
	v := newRevisionView(ref.org, ref.name, ref.rev, ref.r)
	delete(ref.p.Revisions, ref.rev)
	s.dropUnusedBlobs()
	s.dirty = true
	return v, nil
}

func (s *Server) deleteProxy(q *request) (any, error) {
	ref, err := s.lookupProxy(q)
	if err != nil {
		return nil, err
	}
	if envs := deployedIn(ref.o, ref.name, 0); len(envs) > 0 {
		return nil, failedPrecondition("API proxy %s is deployed in environment %s; undeploy it before deleting it", ref.name, strings.Join(envs, ", "))
	}
	v := newProxyView(ref.name, ref.p, true, true)
	delete(ref.o.Proxies, ref.name)
	s.dropUnusedBlobs()
	s.dirty = true
	return v, nil
}

// deployedIn lists the environments where the proxy (rev 0: any revision
// of it) is deployed.
func deployedIn(o *orgState, name string, rev int) []string {
	var envs []string
	for _, env := range sortedKeys(o.Environments) {
		d := o.Environments[env].Deployments[name]
		if d != nil && (rev == 0 || d.Revision == rev) {
			envs = append(envs, env)
		}
	}
	return envs
}

// listOf is a list response as proto3 JSON writes it: an empty list is
// left out.
func listOf[T any](key string, items []T) map[string]any {
	if len(items) == 0 {
		return map[string]any{}
	}
	return map[string]any{key: items}
}

// nonNil turns a nil slice into an empty one, so lists encode as [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
