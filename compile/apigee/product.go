package apigee

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/lingate/lingate/schema"
)

// ManagedAttribute names the API product attribute that marks a product
// as lingate's; ManagedValue is its value. lingate changes or deletes
// only products that carry it.
const (
	ManagedAttribute = "lingate-managed"
	ManagedValue     = "true"
)

// MaxAttributes is how many attributes Apigee keeps on an API product,
// lingate's own marker included.
const MaxAttributes = 18

// APIProduct is an API product as Apigee's management API reads and
// writes it (GoogleCloudApigeeV1ApiProduct, the fields lingate sets).
// Quota fields are strings, as the API has them.
type APIProduct struct {
	Name           string          `json:"name"`
	DisplayName    string          `json:"displayName"`
	Description    string          `json:"description,omitempty"`
	ApprovalType   string          `json:"approvalType"`
	Attributes     []Attribute     `json:"attributes"`
	Environments   []string        `json:"environments"`
	Proxies        []string        `json:"proxies"`
	Scopes         []string        `json:"scopes,omitempty"`
	Quota          string          `json:"quota,omitempty"`
	QuotaInterval  string          `json:"quotaInterval,omitempty"`
	QuotaTimeUnit  string          `json:"quotaTimeUnit,omitempty"`
	OperationGroup *OperationGroup `json:"operationGroup,omitempty"`
}

// Attribute is a name and value pair.
type Attribute struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// OperationGroup binds the product to operations of its proxy.
type OperationGroup struct {
	OperationConfigType string            `json:"operationConfigType"`
	OperationConfigs    []OperationConfig `json:"operationConfigs"`
}

// OperationConfig is one resource of a proxy and its methods.
type OperationConfig struct {
	APISource  string      `json:"apiSource"`
	Operations []Operation `json:"operations"`
}

// Operation is a resource path (relative to the base path) and methods.
type Operation struct {
	Resource string   `json:"resource"`
	Methods  []string `json:"methods"`
}

// apiProduct is the API product of p in env.
func apiProduct(cfg *schema.Config, env *schema.Environment, p *schema.Product) APIProduct {
	prod := APIProduct{
		Name:         p.Name,
		DisplayName:  p.DisplayName,
		Description:  p.Description,
		ApprovalType: cmp.Or(p.Approval, "auto"),
		Attributes:   attributes(p),
		Environments: []string{cmp.Or(env.Apigee.Environment, env.Name)},
		Proxies:      []string{p.Name},
		Scopes:       grantedScopes(members(cfg, p)),
	}
	if p.Quota != nil {
		count, unit := apigeeQuota(p.Quota)
		prod.Quota, prod.QuotaInterval, prod.QuotaTimeUnit = strconv.Itoa(count), "1", unit
	}
	prod.OperationGroup = operationGroup(p)
	return prod
}

// attributes are the product's own, sorted by name, and lingate's marker.
func attributes(p *schema.Product) []Attribute {
	attrs := []Attribute{{Name: ManagedAttribute, Value: ManagedValue}}
	for _, name := range schema.Names(p.Attributes) {
		attrs = append(attrs, Attribute{Name: name, Value: p.Attributes[name]})
	}
	slices.SortFunc(attrs, func(a, b Attribute) int { return cmp.Compare(a.Name, b.Name) })
	return attrs
}

// grantedScopes is the union of the scopes the roles grant, sorted.
func grantedScopes(ms []member) []string {
	var scopes []string
	for _, m := range ms {
		scopes = append(scopes, m.grant.Scopes...)
	}
	slices.Sort(scopes)
	return slices.Compact(scopes)
}

// operationGroup binds the product to its declared operations, one
// configuration per resource (Apigee takes a single resource/method pair
// per configuration), in the order the proxy matches them, as the proxy's
// flows read them (HEAD implied by GET; a path and, where the flows accept
// one, the same path with a trailing slash); nil when the product declares
// none.
func operationGroup(p *schema.Product) *OperationGroup {
	ops := operations(p)
	if len(ops) == 0 {
		return nil
	}
	g := &OperationGroup{OperationConfigType: "proxy"}
	for _, o := range ops {
		methods := withHead(o.op.Methods)
		resources := []string{o.pattern}
		if withSlash(o.pattern) {
			resources = append(resources, o.pattern+"/")
		}
		for _, r := range resources {
			g.OperationConfigs = append(g.OperationConfigs, OperationConfig{APISource: p.Name, Operations: []Operation{{Resource: r, Methods: methods}}})
		}
	}
	return g
}

// productJSON renders an API product as indented JSON, without HTML
// escaping, ending in a newline.
func productJSON(prod APIProduct) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(prod); err != nil {
		return nil, fmt.Errorf("api product %s: %w", prod.Name, err)
	}
	return buf.Bytes(), nil
}

// ProductJSON renders an API product as compile writes it to
// apigee/products/<name>.json, so a live reader can write what it read in
// the same form.
func ProductJSON(prod APIProduct) ([]byte, error) { return productJSON(prod) }

// ProductOperations is the operation group of the API product of product
// in env as resource → methods, nil when it declares none: what
// VerifyAPIKey and OAuthV2 check a request against (the simulator takes
// it as a value, as it takes Bundle).
func ProductOperations(cfg *schema.Config, env, product string) (map[string][]string, error) {
	prod, err := Product(cfg, env, product)
	if err != nil || prod.OperationGroup == nil {
		return nil, err
	}
	ops := map[string][]string{}
	for _, c := range prod.OperationGroup.OperationConfigs {
		for _, o := range c.Operations {
			ops[o.Resource] = append(ops[o.Resource], o.Methods...)
		}
	}
	return ops, nil
}
