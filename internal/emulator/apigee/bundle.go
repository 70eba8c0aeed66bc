package apigee

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"path"
	"slices"
	"sort"
	"strings"
)

// Apigee's bundle limit (15 MB zip), and a bound on what the entries may
// inflate to, against zip bombs.
const (
	maxBundleBytes   = 15 << 20
	maxUnzippedBytes = 100 << 20
)

// bundleMeta is what a revision's metadata shows, read from its bundle.
type bundleMeta struct {
	BaseFile      string   `json:"baseFile"`
	Name          string   `json:"name,omitempty"`
	DisplayName   string   `json:"displayName,omitempty"`
	Description   string   `json:"description,omitempty"`
	Basepaths     []string `json:"basepaths,omitempty"`
	Policies      []string `json:"policies,omitempty"`
	Proxies       []string `json:"proxies,omitempty"`
	Targets       []string `json:"targets,omitempty"`
	TargetServers []string `json:"targetServers,omitempty"`
	Resources     []string `json:"resources,omitempty"`
	// NeedsServiceAccount is set when a TargetEndpoint authenticates with
	// Google tokens: deploying it then requires a service account.
	NeedsServiceAccount bool `json:"needsServiceAccount,omitempty"`
}

// bundle is a proxy bundle that passed the import checks.
type bundle struct {
	data []byte
	sha  string
	meta bundleMeta
}

// readBundle takes the zip out of an import body and checks it.
func readBundle(contentType string, body []byte) (*bundle, error) {
	data, err := bundleBytes(contentType, body)
	if err != nil {
		return nil, err
	}
	return parseBundle(data)
}

func bundleBytes(contentType string, body []byte) ([]byte, error) {
	mt, params, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/octet-stream":
		return body, nil
	case "multipart/form-data":
		return multipartFile(body, params["boundary"])
	}
	return nil, invalidArgument("proxy must be encoded as 'application/octet-stream' or 'multipart/form-data'")
}

// multipartFile returns the "file" (or apigeecli's "proxy") part.
func multipartFile(body []byte, boundary string) ([]byte, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, invalidArgument("multipart body has no \"file\" part holding the bundle")
		}
		if err != nil {
			return nil, invalidArgument("multipart body: %v", err)
		}
		if name := part.FormName(); name == "file" || name == "proxy" {
			return io.ReadAll(part)
		}
	}
}

// parseBundle checks a bundle zip as Apigee does at import and reads its
// metadata; a failed check is a 400 with BadBundle violations.
func parseBundle(data []byte) (*bundle, error) {
	if len(data) > maxBundleBytes {
		return nil, invalidArgument("bundle size %d bytes exceeds the limit of %d bytes (15 MB)", len(data), maxBundleBytes)
	}
	files, vs := unzip(data)
	if len(vs) > 0 {
		return nil, badBundle(vs)
	}
	c := &checker{files: files, docs: map[string]*xnode{}}
	meta := c.check()
	if len(c.vs) > 0 {
		return nil, badBundle(c.vs)
	}
	sum := sha256.Sum256(data)
	return &bundle{data: data, sha: hex.EncodeToString(sum[:]), meta: meta}, nil
}

func unzip(data []byte) (map[string][]byte, []violation) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // such entries are reported one by one below
	}
	if err != nil {
		return nil, []violation{{Description: "bundle is not a valid zip archive: " + err.Error()}}
	}
	files := map[string][]byte{}
	var vs []violation
	budget := int64(maxUnzippedBytes)
	for _, f := range zr.File {
		switch {
		case !inRoot(f.Name):
			vs = append(vs, violation{f.Name, "zip entry in bundle is outside the bundle root"})
		case strings.HasSuffix(f.Name, "/"):
		case files[f.Name] != nil:
			vs = append(vs, violation{f.Name, "duplicate zip entry"})
		default:
			b, err := readEntry(f, &budget)
			if err != nil {
				vs = append(vs, violation{f.Name, "cannot read zip entry: " + err.Error()})
			}
			files[f.Name] = b
		}
	}
	return files, vs
}

// inRoot reports whether a zip entry is a clean relative path under apiproxy/.
func inRoot(name string) bool {
	n := strings.TrimSuffix(name, "/")
	if n == "apiproxy" {
		return true
	}
	return strings.HasPrefix(n, "apiproxy/") && !strings.Contains(n, `\`) && path.Clean(n) == n
}

func readEntry(f *zip.File, budget *int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, *budget+1))
	if err != nil {
		return nil, err
	}
	*budget -= int64(len(b))
	if *budget < 0 {
		return nil, fmt.Errorf("bundle inflates to more than %d bytes", maxUnzippedBytes)
	}
	return b, nil
}

// checker runs the checks Apigee makes on the files of a bundle.
type checker struct {
	files map[string][]byte
	docs  map[string]*xnode
	vs    []violation
}

// endpoint is a ProxyEndpoint or TargetEndpoint file.
type endpoint struct {
	file, name string
	doc        *xnode
}

func (c *checker) add(file, format string, args ...any) {
	c.vs = append(c.vs, violation{file, fmt.Sprintf(format, args...)})
}

func (c *checker) names() []string {
	names := make([]string, 0, len(c.files))
	for n := range c.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (c *checker) check() bundleMeta {
	c.parseXML()
	if len(c.vs) > 0 {
		return bundleMeta{}
	}
	meta := c.base()
	policies := c.policies()
	proxies := c.endpoints("proxies", "ProxyEndpoint")
	targets := c.endpoints("targets", "TargetEndpoint")
	if len(proxies) == 0 && len(c.folder("proxies")) == 0 {
		c.add("apiproxy/proxies", "The proxy must contain a ProxyEndpoint")
	}
	c.steps(append(slices.Clone(proxies), targets...), policies)
	c.routes(proxies, targets)
	meta.Policies = sortedKeys(policies)
	meta.Proxies = endpointNames(proxies)
	meta.Targets = endpointNames(targets)
	meta.Basepaths = basepaths(proxies)
	meta.TargetServers, meta.NeedsServiceAccount = targetConnections(targets)
	meta.Resources = c.resources()
	return meta
}

// parseXML checks that every XML file is well formed.
func (c *checker) parseXML() {
	for _, name := range c.names() {
		if !strings.EqualFold(path.Ext(name), ".xml") {
			continue
		}
		doc, err := parseXMLDoc(c.files[name])
		if err != nil {
			c.add(name, "XML is not well formed: %v", err)
			continue
		}
		c.docs[name] = doc
	}
}

// folder lists the XML files directly inside apiproxy/<dir>.
func (c *checker) folder(dir string) []string {
	var out []string
	for _, name := range c.names() {
		if path.Dir(name) == path.Join("apiproxy", dir) && c.docs[name] != nil {
			out = append(out, name)
		}
	}
	return out
}

// base reads the one APIProxy configuration at apiproxy/<name>.xml.
func (c *checker) base() bundleMeta {
	bases := c.folder("")
	if len(bases) != 1 {
		c.add("apiproxy", "bundle must hold exactly one APIProxy configuration apiproxy/<name>.xml, found %d", len(bases))
		return bundleMeta{}
	}
	doc := c.docs[bases[0]]
	if doc.XMLName.Local != "APIProxy" {
		c.add(bases[0], "root element must be APIProxy, found %s", doc.XMLName.Local)
	}
	meta := bundleMeta{BaseFile: bases[0], Name: doc.attr("name")}
	if d := doc.child("DisplayName"); d != nil {
		meta.DisplayName = strings.TrimSpace(d.Text)
	}
	if d := doc.child("Description"); d != nil {
		meta.Description = d.Text
	}
	return meta
}

// policies maps each policy name to its type; the name attribute must equal
// the file name, the type must be one Apigee X knows, and an AssignTo must
// use the http transport.
func (c *checker) policies() map[string]string {
	out := map[string]string{}
	for _, f := range c.folder("policies") {
		doc, want := c.docs[f], baseName(f)
		if got := doc.attr("name"); got != want {
			c.add(f, "policy name attribute %q does not match the file name %q", got, want)
		}
		if !slices.Contains(policyTypes, doc.XMLName.Local) {
			c.add(f, "Unknown policy type %s", doc.XMLName.Local)
		}
		for _, at := range doc.all("AssignTo") {
			if tr := at.attr("transport"); tr != "" && tr != "http" {
				c.add(f, "The AssignTo transport attribute must be \"http\".")
			}
		}
		out[want] = doc.XMLName.Local
	}
	return out
}

// policyTypes are the root elements of the policies Apigee X and hybrid
// accept (the policy reference, 2026); Edge-only policies such as
// ConcurrentRatelimit, LDAP and the OAuth v1 family are refused.
var policyTypes = []string{
	"AccessControl", "AccessEntity", "AssignMessage", "BasicAuthentication", "ConnectorCallout", "CORS",
	"DataCapture", "DecodeJWS", "DecodeJWT", "DeleteOAuthV2Info", "ExternalCallout", "ExtractVariables",
	"FlowCallout", "GenerateJWS", "GenerateJWT", "GetOAuthV2Info", "GraphQL", "HMAC", "IntegrationCallout",
	"InvalidateCache", "JSONThreatProtection", "JSONToXML", "JavaCallout", "Javascript", "KeyValueMapOperations",
	"LLMTokenQuota", "LookupCache", "MessageLogging", "MessageValidation", "MonetizationLimitsCheck",
	"OASValidation", "OAuthV2", "PopulateCache", "PromptTokenLimit", "PublishMessage", "Quota", "RaiseFault",
	"RegularExpressionProtection", "ResetQuota", "ResponseCache", "SanitizeModelResponse", "SanitizeUserPrompt",
	"Script", "SemanticCacheLookup", "SemanticCachePopulate", "ServiceCallout", "SetIntegrationRequest",
	"SetOAuthV2Info", "SpikeArrest", "StatisticsCollector", "TraceCapture", "VerifyAPIKey", "VerifyIAM",
	"VerifyJWS", "VerifyJWT", "XMLThreatProtection", "XMLToJSON", "XSL",
}

func (c *checker) endpoints(dir, root string) []endpoint {
	var eps []endpoint
	for _, f := range c.folder(dir) {
		doc := c.docs[f]
		if doc.XMLName.Local != root {
			c.add(f, "root element must be %s, found %s", root, doc.XMLName.Local)
			continue
		}
		if got, want := doc.attr("name"), baseName(f); got != want {
			c.add(f, "%s name attribute %q does not match the file name %q", root, got, want)
			continue
		}
		eps = append(eps, endpoint{file: f, name: doc.attr("name"), doc: doc})
	}
	return eps
}

// steps checks that every policy a Step names exists.
func (c *checker) steps(eps []endpoint, policies map[string]string) {
	for _, ep := range eps {
		for _, step := range ep.doc.all("Step") {
			name := strings.TrimSpace(step.childText("Name"))
			if name == "" {
				c.add(ep.file, "Step without a Name")
				continue
			}
			if _, ok := policies[name]; !ok {
				c.add(ep.file, "Step %s: policy %s does not exist (apiproxy/policies/%s.xml)", name, name, name)
			}
		}
	}
}

// routes checks that every TargetEndpoint a RouteRule names exists.
func (c *checker) routes(proxies, targets []endpoint) {
	have := map[string]bool{}
	for _, t := range targets {
		have[t.name] = true
	}
	for _, p := range proxies {
		for _, rr := range p.doc.children("RouteRule") {
			t := strings.TrimSpace(rr.childText("TargetEndpoint"))
			if t != "" && !have[t] {
				c.add(p.file, "RouteRule %s: TargetEndpoint %s does not exist (apiproxy/targets/%s.xml)", rr.attr("name"), t, t)
			}
		}
	}
}

// resources lists resource files as Apigee names them: type://file.
func (c *checker) resources() []string {
	var out []string
	for _, name := range c.names() {
		rest, ok := strings.CutPrefix(name, "apiproxy/resources/")
		if typ, file, found := strings.Cut(rest, "/"); ok && found {
			out = append(out, typ+"://"+file)
		}
	}
	return out
}

func basepaths(proxies []endpoint) []string {
	seen := map[string]bool{}
	for _, p := range proxies {
		if conn := p.doc.child("HTTPProxyConnection"); conn != nil {
			if bp := strings.TrimSpace(conn.childText("BasePath")); bp != "" {
				seen[bp] = true
			}
		}
	}
	return sortedKeys(seen)
}

// targetConnections lists the TargetServers the load balancers name and
// whether any target authenticates with Google tokens.
func targetConnections(targets []endpoint) ([]string, bool) {
	servers := map[string]bool{}
	auth := false
	for _, t := range targets {
		conn := t.doc.child("HTTPTargetConnection")
		if conn == nil {
			continue
		}
		auth = auth || conn.child("Authentication") != nil
		if lb := conn.child("LoadBalancer"); lb != nil {
			for _, srv := range lb.children("Server") {
				servers[srv.attr("name")] = true
			}
		}
	}
	delete(servers, "")
	return sortedKeys(servers), auth
}

func endpointNames(eps []endpoint) []string {
	out := make([]string, 0, len(eps))
	for _, ep := range eps {
		out = append(out, ep.name)
	}
	sort.Strings(out)
	return out
}

func baseName(file string) string {
	return strings.TrimSuffix(path.Base(file), path.Ext(file))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
