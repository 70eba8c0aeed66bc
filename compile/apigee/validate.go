package apigee

import (
	"strings"
	"unicode/utf8"

	"github.com/lingate/lingate/schema"
)

// validate reports what the schema lets through but a bundle cannot hold:
// values Apigee would misread, and clashes that only show once paths are
// patterns. Every problem is reported, at the user's own line.
func validate(cfg *schema.Config, env *schema.Environment, p *schema.Product) schema.Errors {
	v := validator{cfg: cfg}
	prod := func(elems ...any) string { return schema.Path(append([]any{"products", p.Name}, elems...)...) }
	v.text(prod("displayName"), p.DisplayName)
	v.text(prod("description"), p.Description)
	if o := p.Auth.OIDC; o != nil {
		v.text(prod("auth", "oidc", "audience"), o.Audience)
		v.issuer(prod("auth", "oidc", "issuer"), o)
		v.text(prod("auth", "oidc", "jwksUri"), o.JWKSURI)
	}
	v.urls(p)
	v.headers(prod("headers", "request", "set"), p.Headers.Request.Set)
	v.headers(prod("headers", "response", "set"), p.Headers.Response.Set)
	v.operations(p)
	v.origins(p)
	v.attributes(prod("attributes"), p.Attributes)
	v.template(schema.Path("environments", env.Name, "linstor", "resourceGroupPrefix"), env.Linstor.ResourceGroupPrefix)
	for _, m := range members(cfg, p) {
		for i, g := range m.role.Members.Claims.Groups {
			v.group(schema.Path("roles", m.role.Name, "members", "claims", "groups", i), g)
		}
	}
	return v.errs
}

// validator collects problems.
type validator struct {
	cfg  *schema.Config
	errs schema.Errors
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, v.cfg.Errorf(path, format, args...))
}

// text requires s to be text an XML file can hold.
func (v *validator) text(path, s string) bool {
	if !utf8.ValidString(s) {
		v.add(path, "value is not valid UTF-8 (expected text)")
		return false
	}
	for _, r := range s {
		if !xmlChar(r) {
			v.add(path, "value holds the control character %U (expected text an XML file can hold)", r)
			return false
		}
	}
	return true
}

// xmlChar reports whether XML 1.0 allows r in a document.
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// headers requires header values on one line.
func (v *validator) headers(path string, set map[string]string) {
	for _, name := range schema.Names(set) {
		at := path + "." + schema.Path(name)
		if v.text(at, set[name]) && strings.ContainsAny(set[name], "\r\n") {
			v.add(at, "header value spans lines (expected one line)")
		}
	}
}

// template requires a value lingate places in a message template to hold
// no braces, which Apigee would read as a variable reference.
func (v *validator) template(path, s string) {
	if v.text(path, s) && strings.ContainsAny(s, "{}\r\n") {
		v.add(path, "value %q holds a brace or a line break (expected a plain name)", schema.Shorten(s))
	}
}

// issuer requires, without jwksUri, an issuer a condition can quote: OIDC
// discovery compares the discovery document's issuer with it in a
// condition literal, which cannot hold a double quote (conditions.go).
// Apigee's linter refuses such a bundle (CC005); a backslash is left to
// the runtime probe of condition literals (docs/runtime.md, "Not
// confirmed offline"). With jwksUri the issuer is only XML text.
func (v *validator) issuer(path string, o *schema.OIDC) {
	if v.text(path, o.Issuer) && o.JWKSURI == "" && strings.Contains(o.Issuer, `"`) {
		v.add(path, "issuer %s holds a double quote, which OIDC discovery cannot compare (expected a URL, or jwksUri set)", schema.Shorten(o.Issuer))
	}
}

// operations requires paths a condition can quote, and each path pattern
// and method once: /a/{x} and /a/{y} are the same pattern, /a/*.
func (v *validator) operations(p *schema.Product) {
	seen := map[string]int{}
	for i, op := range p.Operations {
		at := schema.Path("products", p.Name, "operations", i, "path")
		if strings.ContainsAny(op.Path, `"\`) || !v.text(at, op.Path) {
			v.add(at, "path %s holds a quote or backslash (expected a URL path)", schema.Shorten(op.Path))
			continue
		}
		for _, m := range op.Methods {
			key := m + " " + pathPattern(op.Path)
			if first, dup := seen[key]; dup && first != i {
				v.add(at, "operation %s matches the same requests as operations[%d] (expected each path pattern and method once)", key, first)
			}
			seen[key] = i
		}
	}
}

// urls requires the backend URLs and CORS origins to be text an XML file
// can hold (the schema's URL patterns let control characters through).
func (v *validator) urls(p *schema.Product) {
	if p.Target != nil {
		v.text(schema.Path("products", p.Name, "target", "url"), p.Target.URL)
	}
	for _, tier := range schema.Names(p.Targets) {
		v.text(schema.Path("products", p.Name, "targets", tier, "url"), p.Targets[tier].URL)
	}
	if p.CORS != nil {
		for i, o := range p.CORS.Origins {
			v.text(schema.Path("products", p.Name, "cors", "origins", i), o)
		}
	}
}

// origins refuses "*" among other origins (apigeelint PO032, and browsers
// would never see the others).
func (v *validator) origins(p *schema.Product) {
	if p.CORS == nil || len(p.CORS.Origins) < 2 {
		return
	}
	for i, o := range p.CORS.Origins {
		if o == "*" {
			v.add(schema.Path("products", p.Name, "cors", "origins", i),
				`origin "*" is listed with other origins (expected "*" alone, or only named origins)`)
		}
	}
}

// attributes leaves room for lingate's marker and refuses its name.
func (v *validator) attributes(path string, attrs map[string]string) {
	if _, ok := attrs[ManagedAttribute]; ok {
		v.add(path+"."+schema.Path(ManagedAttribute), "attribute %s is lingate's ownership marker (expected another name)", ManagedAttribute)
	}
	if len(attrs) > MaxAttributes-1 {
		v.add(path, "%d attributes (expected at most %d: Apigee keeps %d, one is lingate's marker)", len(attrs), MaxAttributes-1, MaxAttributes)
	}
}

// group requires a group name an XML file can hold. Any other character
// is allowed (the schema's text rule refuses control characters): JS-Groups
// compares whole items (see groups.go).
func (v *validator) group(path, g string) { v.text(path, g) }
