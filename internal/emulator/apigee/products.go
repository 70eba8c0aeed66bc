package apigee

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Limits and rules Apigee applies to API products.
const (
	maxProductAttributes = 18
	maxProductList       = 1000
)

var productNameRE = regexp.MustCompile(`^[A-Za-z0-9._\-$ %]+$`)

func productNotFound(name string) *apiError {
	msg := "ApiProduct with name " + name + " does not exist"
	return notFound("%s", msg).withPrecondition(precondition{
		Type: "keymanagement.service.apiproduct_doesnot_exist", Subject: name, Description: msg,
	})
}

// productView is a product as Apigee answers it: the stored body with the
// name and the server's timestamps.
func productView(name string, p *productState) map[string]any {
	v := make(map[string]any, len(p.Body)+3)
	for k, val := range p.Body {
		v[k] = val
	}
	v["name"] = name
	v["createdAt"] = ms(p.CreatedAt)
	v["lastModifiedAt"] = ms(p.LastModifiedAt)
	return v
}

// checkProduct applies the rules Apigee checks on create and update; the
// display name is required on both.
func checkProduct(o *orgState, org, name string, body map[string]any) error {
	if name == "" {
		return invalidArgument("API product name is required")
	}
	if !productNameRE.MatchString(name) {
		return invalidArgument("invalid API product name %q: allowed characters are A-Za-z0-9._-$ %%", name)
	}
	if at, ok := body["approvalType"].(string); ok && at != "auto" && at != "manual" {
		return invalidArgument("invalid approvalType %q for API product %s: must be auto or manual", at, name)
	}
	if body["apiResources"] != nil && body["operationGroup"] != nil {
		return invalidArgument("API product %s: apiResources and operationGroup cannot both be set", name)
	}
	if attrs, _ := body["attributes"].([]any); len(attrs) > maxProductAttributes {
		return invalidArgument("API product %s has %d attributes, more than the %d allowed", name, len(attrs), maxProductAttributes)
	}
	for _, proxy := range productProxies(body) {
		if o.Proxies[proxy] == nil {
			return invalidArgument("API proxy %s named by API product %s does not exist in organization %s", proxy, name, org)
		}
	}
	if body["displayName"] == nil {
		const msg = "Invalid ApiProduct Name"
		return invalidArgument(msg).withPrecondition(precondition{
			Type: "keymanagement.service.apiproduct_invalid_displayname", Subject: name, Description: msg,
		})
	}
	for i, c := range operationConfigs(body) {
		if ops, _ := c["operations"].([]any); len(ops) > 1 {
			return invalidArgument("API product %s: operationConfigs[%d] has %d resource/method pairs; only a single resource/method pair is supported", name, i, len(ops))
		}
	}
	return nil
}

// operationConfigs are the configs of the product's operationGroup.
func operationConfigs(body map[string]any) []map[string]any {
	group, _ := body["operationGroup"].(map[string]any)
	configs, _ := group["operationConfigs"].([]any)
	out := make([]map[string]any, 0, len(configs))
	for _, c := range configs {
		if m, ok := c.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// productSets are the fields the API keeps as sets: it does not answer
// them in the order they were sent.
var productSets = []string{"environments", "proxies", "scopes", "apiResources"}

// stored is the product as the real API stores and answers it: the
// operation group's type defaults to "proxy", an operation quota with a
// limit and an interval but no time unit gets "hour", and sets come back
// reordered. The emulator's order is descending, deterministic and unlike
// the ascending order lingate sends, so a comparison that depends on order
// fails in tests instead of against the real API.
func stored(body map[string]any) map[string]any {
	for _, f := range productSets {
		reorderSet(body, f)
	}
	group, ok := body["operationGroup"].(map[string]any)
	if !ok {
		return body
	}
	if group["operationConfigType"] == nil {
		group["operationConfigType"] = "proxy"
	}
	for _, c := range operationConfigs(body) {
		ops, _ := c["operations"].([]any)
		for _, op := range ops {
			if m, ok := op.(map[string]any); ok {
				reorderSet(m, "methods")
			}
		}
		if q, ok := c["quota"].(map[string]any); ok && q["limit"] != nil && q["interval"] != nil && q["timeUnit"] == nil {
			q["timeUnit"] = "hour"
		}
	}
	return body
}

// reorderSet sorts the strings of a set-valued field in descending order.
func reorderSet(m map[string]any, field string) {
	vs, ok := m[field].([]any)
	if !ok {
		return
	}
	sort.SliceStable(vs, func(i, j int) bool {
		a, _ := vs[i].(string)
		b, _ := vs[j].(string)
		return strings.Compare(a, b) > 0
	})
	m[field] = slices.Clip(vs)
}

// productProxies lists the proxies a product names: in proxies and as the
// apiSource of proxy operation configs.
func productProxies(body map[string]any) []string {
	var out []string
	proxies, _ := body["proxies"].([]any)
	for _, p := range proxies {
		if name, ok := p.(string); ok {
			out = append(out, name)
		}
	}
	group, _ := body["operationGroup"].(map[string]any)
	if t, _ := group["operationConfigType"].(string); t != "" && t != "proxy" {
		return out
	}
	configs, _ := group["operationConfigs"].([]any)
	for _, c := range configs {
		if src, _ := c.(map[string]any)["apiSource"].(string); src != "" {
			out = append(out, src)
		}
	}
	return out
}

func (s *Server) createProduct(q *request) (any, error) {
	body, err := decodeBody(productSchema(), "api_product", q.body)
	if err != nil {
		return nil, err
	}
	o := s.org(q.v("org"))
	name, _ := body["name"].(string)
	if err := checkProduct(o, q.v("org"), name, body); err != nil {
		return nil, err
	}
	if o.Products[name] != nil {
		return nil, alreadyExists("ApiProduct with name %s already exists", name)
	}
	now := s.now()
	p := &productState{CreatedAt: now, LastModifiedAt: now, Body: stored(body)}
	o.Products[name] = p
	s.dirty = true
	return productView(name, p), nil
}

func (s *Server) getProduct(q *request) (any, error) {
	name := q.v("product")
	p := s.org(q.v("org")).Products[name]
	if p == nil {
		return nil, productNotFound(name)
	}
	return productView(name, p), nil
}

// updateProduct replaces the whole product: fields left out of the body
// are gone afterwards. The name cannot change.
func (s *Server) updateProduct(q *request) (any, error) {
	body, err := decodeBody(productSchema(), "api_product", q.body)
	if err != nil {
		return nil, err
	}
	o, name := s.org(q.v("org")), q.v("product")
	p := o.Products[name]
	if p == nil {
		return nil, productNotFound(name)
	}
	body["name"] = name
	if err := checkProduct(o, q.v("org"), name, body); err != nil {
		return nil, err
	}
	p.Body, p.LastModifiedAt = stored(body), s.now()
	s.dirty = true
	return productView(name, p), nil
}

func (s *Server) deleteProduct(q *request) (any, error) {
	o, name := s.org(q.v("org")), q.v("product")
	p := o.Products[name]
	if p == nil {
		return nil, productNotFound(name)
	}
	delete(o.Products, name)
	s.dirty = true
	return productView(name, p), nil
}

// listProducts answers names, or whole products with expand=true, sorted by
// name from startKey on, at most count of them, optionally only those with
// an attribute (attributename, and attributevalue when given).
func (s *Server) listProducts(q *request) (any, error) {
	o := s.org(q.v("org"))
	expand, err := boolParam(q, "expand")
	if err != nil {
		return nil, err
	}
	count, err := countParam(q)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, name := range sortedKeys(o.Products) {
		p := o.Products[name]
		if name < q.query.Get("startKey") || !hasAttribute(p, q.query.Get("attributename"), q.query.Get("attributevalue")) {
			continue
		}
		if len(out) == count {
			break
		}
		if expand {
			out = append(out, productView(name, p))
		} else {
			out = append(out, map[string]any{"name": name})
		}
	}
	return listOf("apiProduct", out), nil
}

func countParam(q *request) (int, error) {
	c := q.query.Get("count")
	if c == "" {
		return maxProductList, nil
	}
	n, err := strconv.Atoi(c)
	if err != nil || n < 0 {
		return 0, invalidArgument("Invalid value for parameter count: %q", c)
	}
	return min(n, maxProductList), nil
}

func hasAttribute(p *productState, name, value string) bool {
	if name == "" {
		return true
	}
	attrs, _ := p.Body["attributes"].([]any)
	for _, a := range attrs {
		m, _ := a.(map[string]any)
		if m["name"] == name && (value == "" || m["value"] == value) {
			return true
		}
	}
	return false
}
