package apigee

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/access"
	simulator "github.com/lingate/lingate/internal/simulate"
	"github.com/lingate/lingate/schema"
)

// This file runs compiled proxies on lingate's request simulator
// (internal/simulate), which reads the bundle as Apigee would and
// evaluates the conditions and policies the compiler writes. It checks the
// role semantics end to end: the grant that authorises a request decides
// its quota and tier, 403, 404 and 405. The in-package model below (sim)
// evaluates conditions and AssignMessage policies where a test looks at
// one mechanism (OIDC discovery, fault rules) rather than at a whole
// request.

// outcome is what a simulated request came to.
type outcome struct {
	status  int               // 0 when the request reached a target
	target  string            // the TargetEndpoint the route rules chose
	headers map[string]string // headers set on the request, or on the error response
	quotas  []string          // quota policies run, as "name count/unit key"
}

// simulate runs a request to path (below the base path) through a
// compiled bundle. vars are the variables the auth policy would set (the
// caller's groups and identity).
func simulate(t *testing.T, files map[string][]byte, verb, path string, vars map[string]string) outcome {
	t.Helper()
	var list []artifact.File
	for _, name := range slices.Sorted(maps.Keys(files)) {
		list = append(list, artifact.File{Path: name, Data: files[name]})
	}
	proxy, err := simulator.Load("test", list)
	if err != nil {
		t.Fatal(err)
	}
	if vars == nil {
		vars = map[string]string{}
	}
	res := proxy.Run(simulator.Request{Method: verb, Path: strings.TrimSuffix(proxy.BasePath, "/") + path, Vars: vars})
	out := outcome{status: res.Status, target: res.TargetEndpoint, headers: res.Headers}
	if res.Reached {
		out.status = 0
	} else {
		out.headers = res.ResponseHeaders // a refusal's are the response's
	}
	for _, q := range res.Quotas {
		out.quotas = append(out.quotas, q.String())
	}
	return out
}

// sim holds the flow variables and the response of a test of one
// mechanism: conditions (eval) and AssignMessage policies (assign).
type sim struct {
	t     *testing.T
	files map[string][]byte
	vars  map[string]string
	out   outcome
}

func (s *sim) assign(am assignMessage) {
	if am.Set != nil {
		for _, h := range am.Set.Headers {
			s.out.headers[h.Name] = h.Value
		}
	}
	for _, v := range am.AssignVariables {
		switch {
		case v.Ref != "":
			if val, ok := s.vars[v.Ref]; ok {
				s.vars[v.Name] = val
			}
		case v.Template != "":
			s.vars[v.Name] = regexp.MustCompile(`\{([^{}]+)\}`).ReplaceAllStringFunc(v.Template, func(m string) string {
				return s.vars[m[1:len(m)-1]]
			})
		default:
			s.vars[v.Name] = v.Value
		}
	}
}

// eval evaluates a condition of the forms the compiler writes.
func (s *sim) eval(cond string) bool {
	p := &condParser{s: s, in: strings.TrimSpace(cond)}
	v := p.expr()
	if strings.TrimSpace(p.in) != "" {
		s.t.Fatalf("condition %q: cannot parse %q", cond, p.in)
	}
	return v
}

type condParser struct {
	s  *sim
	in string
}

func (p *condParser) expr() bool {
	v := p.term()
	for {
		p.in = strings.TrimSpace(p.in)
		switch {
		case strings.HasPrefix(p.in, "and "):
			p.in = p.in[4:]
			r := p.term()
			v = v && r
		case strings.HasPrefix(p.in, "or "):
			p.in = p.in[3:]
			r := p.term()
			v = v || r
		default:
			return v
		}
	}
}

func (p *condParser) term() bool {
	p.in = strings.TrimSpace(p.in)
	if strings.HasPrefix(p.in, "not ") {
		p.in = p.in[4:]
		return !p.term()
	}
	if strings.HasPrefix(p.in, "(") {
		p.in = p.in[1:]
		v := p.expr()
		p.in = strings.TrimPrefix(strings.TrimSpace(p.in), ")")
		return v
	}
	m := regexp.MustCompile(`^([A-Za-z0-9_.-]+) (=|!=|>=|~~|MatchesPath) ("[^"]*"|null|false|true|[0-9]+)`).FindStringSubmatch(p.in)
	if m == nil {
		p.s.t.Fatalf("cannot parse comparison at %q", p.in)
	}
	p.in = p.in[len(m[0]):]
	val, set := p.s.vars[m[1]]
	lit := strings.Trim(m[3], `"`)
	switch m[2] {
	case "=":
		if m[3] == "null" {
			return !set
		}
		return set && val == lit
	case "!=":
		if m[3] == "null" {
			return set
		}
		return !set || val != lit
	case ">=":
		a, errA := strconv.Atoi(val)
		b, errB := strconv.Atoi(lit)
		return set && errA == nil && errB == nil && a >= b
	case "~~":
		return set && regexp.MustCompile(lit).MatchString(val)
	}
	return set && access.MatchesPath(lit, val)
}

// TestRoleSemantics runs requests through the rich Config's payments
// proxy as callers in various roles.
func TestRoleSemantics(t *testing.T) {
	files, _ := mustBundle(t, richConfig(), "prod", "payments")
	caller := func(groups string) map[string]string {
		return map[string]string{
			"jwt.JWT-Verify.decoded.claim.groups": groups,
			"jwt.JWT-Verify.claim.subject":        "alice",
		}
	}
	product := "Q-Product 1000/minute alice"
	reader := "Q-Role 100/minute payments-reader:alice"
	writer := "Q-Role 600/minute payments-writer:alice"
	tests := []struct {
		name, groups, verb, path string
		status                   int
		tier, target             string
		quotas                   []string
	}{
		{"reader reads", `["support"]`, "GET", "/charges", 0, "standard", "default", []string{reader, product}},
		{"HEAD is implied by GET", `["support"]`, "HEAD", "/charges", 0, "standard", "default", []string{reader, product}},
		{"a trailing slash is the same path", `["support"]`, "GET", "/charges/", 0, "standard", "default", []string{reader, product}},
		{"reader may not write", `["support"]`, "POST", "/charges", 403, "", "", nil},
		{"no role", `["marketing"]`, "GET", "/charges", 403, "", "", nil},
		{"a group is matched whole", `["payments-eng-ro","support-x"]`, "GET", "/charges", 403, "", "", nil},
		{"reader and writer writing: the writer's grant, quota and tier", `["payments-eng","support"]`, "POST", "/charges", 0, "fast", "tier-fast",
			[]string{writer, product}},
		{"reader and writer reading: the larger quota's grant", `["support","payments-eng"]`, "GET", "/charges", 0, "fast", "tier-fast",
			[]string{writer, product}},
		{"equal quotas: first role by name; per second counted per minute", `["payments-eng","bulk-import"]`, "POST", "/refunds/1/items", 0, "archive", "tier-archive",
			[]string{"Q-Role 600/minute bulk:alice", product}},
		{"a grant without quota comes first", `["support","payments-admins"]`, "GET", "/charges/42", 0, "archive", "tier-archive",
			[]string{product}},
		{"only the admin may delete", `["support","payments-admins"]`, "DELETE", "/charges/42", 0, "archive", "tier-archive",
			[]string{product}},
		{"bulk lacks GET", `["bulk-import"]`, "GET", "/charges/42", 403, "", "", nil},
		{"reader lacks the scopes of /refunds", `["support"]`, "POST", "/refunds/1", 403, "", "", nil},
		{"no methods granted means all of the product's", `["payments-eng"]`, "DELETE", "/charges/42", 0, "fast", "tier-fast",
			[]string{writer, product}},
		{"undeclared operation", `["payments-eng"]`, "GET", "/other", 404, "", "", nil},
		{"undeclared method on a declared path", `["payments-eng"]`, "PUT", "/charges", 405, "", "", nil},
		{"undeclared method, the most specific path", `["payments-eng"]`, "POST", "/charges/export", 405, "", "", nil},
		{"unicode, escaped or not", `["finance.analysts", "\u00dcn\u00efcode\/Group"]`, "GET", "/charges/export", 0, "standard", "default",
			[]string{reader, product}},
		{"a JWT string claim is one group, commas and all", `finance.analysts, Ünïcode/Group`, "GET", "/charges/export", 403, "", "", nil},
		{"a distinguished name is one group", `["CN=payments,OU=eng,DC=acme"]`, "POST", "/charges", 0, "fast", "tier-fast",
			[]string{writer, product}},
		{"a distinguished name holding a role's group is another group", `["CN=x,support,DC=acme","CN=payments,OU=eng"]`, "GET", "/charges", 403, "", "", nil},
		{"quotes and brackets inside an item", `["a\",\"support\"]","[\"support\"]"]`, "GET", "/charges", 403, "", "", nil},
		{"malformed JSON grants nothing", `["support",]`, "GET", "/charges", 403, "", "", nil},
		{"a dot is no wildcard", `["financeXanalysts"]`, "GET", "/charges", 403, "", "", nil},
		{"group with a space, as one JSON string", `"checkout svc"`, "GET", "/charges", 0, "fast", "tier-fast",
			[]string{writer, product}},
		{"a group whose name holds a role's group after a comma is another group", `["Finance, support"]`, "GET", "/charges", 403, "", "", nil},
		{"nor before a comma", `["support, Finance","marketing"]`, "GET", "/charges", 403, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := simulate(t, files, tt.verb, tt.path, caller(tt.groups))
			if got.status != tt.status {
				t.Fatalf("status %d, want %d (%+v)", got.status, tt.status, got)
			}
			if tt.status != 0 {
				return
			}
			if got.headers[storageTierTitle] != tt.tier || got.headers[resourceGroupTitle] != "prod-"+tt.tier {
				t.Errorf("tier headers %v, want tier %s in prod-%s", got.headers, tt.tier, tt.tier)
			}
			if got.target != tt.target {
				t.Errorf("target %s, want %s", got.target, tt.target)
			}
			if strings.Join(got.quotas, "; ") != strings.Join(tt.quotas, "; ") {
				t.Errorf("quotas %q, want %q", got.quotas, tt.quotas)
			}
		})
	}
}

// TestMethodChecksWithoutOperations runs the reports proxy (no
// operations; its one role may only GET).
func TestMethodChecksWithoutOperations(t *testing.T) {
	files, _ := mustBundle(t, richConfig(), "prod", "reports")
	reader := map[string]string{"app.groups": "support", "client_id": "app-1"}
	for verb, want := range map[string]int{"GET": 0, "POST": 403, "DELETE": 403, "PROPFIND": 403} {
		if got := simulate(t, files, verb, "/anything", reader); got.status != want {
			t.Errorf("%s: status %d, want %d", verb, got.status, want)
		}
	}
	if got := simulate(t, files, "GET", "/x", reader); got.target != "tier-archive" || got.headers[storageTierTitle] != "standard" {
		t.Errorf("reader placed on %v via %s; want standard headers, and the only target, tier-archive", got.headers, got.target)
	}
}

// headersOf is the headers of a Set, none when it has none.
func headersOf(hs *headerSet) []header {
	if hs == nil {
		return nil
	}
	return hs.Headers
}

// TestMultiRoleProperty runs every combination of the payments roles
// through every declared path and every method, and checks the outcome
// against an independent statement of the rule: the request is admitted
// when one of the caller's grants allows its method and holds a scope of
// its operation; the admitting grant with the largest quota (none is
// unlimited), then the first by name, decides tier and quota; a declared
// path with another method is 405.
func TestMultiRoleProperty(t *testing.T) {
	cfg := richConfig()
	files, _ := mustBundle(t, cfg, "prod", "payments")
	p := cfg.Products["payments"]
	names := []string{"bulk", "payments-admin", "payments-reader", "payments-writer"}
	concrete := strings.NewReplacer("{id}", "42", "**", "1/items")
	for set := 0; set < 1<<len(names); set++ {
		var groups []string
		var roles []*schema.Role
		for i, n := range names {
			if set&(1<<i) != 0 {
				roles = append(roles, cfg.Roles[n])
				groups = append(groups, `"`+cfg.Roles[n].Members.Claims.Groups[0]+`"`)
			}
		}
		vars := map[string]string{"jwt.JWT-Verify.decoded.claim.groups": "[" + strings.Join(groups, ",") + "]", "jwt.JWT-Verify.claim.subject": "u"}
		for _, op := range p.Operations {
			path := concrete.Replace(op.Path)
			for _, verb := range allMethods {
				got := simulate(t, files, verb, path, vars)
				status, tier, role := expectedOutcome(p, path, verb, roles)
				if got.status != status {
					t.Fatalf("roles %v, %s %s: status %d, want %d", roleList(roles), verb, path, got.status, status)
				}
				if status != 0 {
					continue
				}
				if got.headers[storageTierTitle] != tier {
					t.Errorf("roles %v, %s %s: tier %s, want %s (grant of %s)", roleList(roles), verb, path, got.headers[storageTierTitle], tier, role)
				}
				if q := strings.Join(got.quotas, ";"); (cfg.Roles[role].Grants["payments"].Quota != nil) != strings.Contains(q, " "+role+":u") {
					t.Errorf("roles %v, %s %s: quotas %s, want %s's", roleList(roles), verb, path, q, role)
				}
			}
		}
	}
}

// expectedOutcome states the rule without the compiler's code: the status
// (0 when admitted), and the tier and role of the admitting grant. The
// operation is the one with the fewest wildcards among those whose path
// matches and that declare the method (/charges/export is also
// /charges/{id}).
func expectedOutcome(p *schema.Product, path, verb string, roles []*schema.Role) (int, string, string) {
	if len(roles) == 0 {
		return 403, "", ""
	}
	var op *schema.Operation
	for i, o := range p.Operations {
		if !access.MatchesPath(pathPattern(o.Path), path) {
			continue
		}
		declared := slices.Contains(o.Methods, verb) || verb == "HEAD" && slices.Contains(o.Methods, "GET")
		if declared && (op == nil || strings.Count(o.Path, "{")+strings.Count(o.Path, "*") < strings.Count(op.Path, "{")+strings.Count(op.Path, "*")) {
			op = &p.Operations[i]
		}
	}
	if op == nil {
		return 405, "", ""
	}
	var best *schema.Role
	for _, r := range roles {
		g := r.Grants["payments"]
		methods := g.Methods
		if len(methods) == 0 {
			methods = p.Methods()
		}
		allowed := slices.Contains(methods, verb) || verb == "HEAD" && slices.Contains(methods, "GET")
		scoped := len(op.Scopes) == 0 || slices.ContainsFunc(op.Scopes, func(s string) bool { return slices.Contains(g.Scopes, s) })
		if allowed && scoped && (best == nil || before(r, best)) {
			best = r
		}
	}
	if best == nil {
		return 403, "", ""
	}
	return 0, cmp.Or(best.Tier, p.Tier), best.Name
}

// before reports whether a's grant on payments takes precedence over b's.
func before(a, b *schema.Role) bool {
	qa, qb := a.Grants["payments"].Quota, b.Grants["payments"].Quota
	switch {
	case qa == nil || qb == nil:
		if (qa == nil) != (qb == nil) {
			return qa == nil
		}
	case qa.Rate() != qb.Rate():
		return qa.Rate() > qb.Rate()
	}
	return a.Name < b.Name
}

func roleList(roles []*schema.Role) []string {
	var out []string
	for _, r := range roles {
		out = append(out, r.Name)
	}
	return out
}
