package access_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lingate/lingate/internal/access"
	"github.com/lingate/lingate/schema"
)

const base = `package policies

environments: prod: {
	apigee: {organization: "acme", environment: "prod"}
	linstor: {controllers: ["https://linstor.prod:3371"], resourceGroupPrefix: "p-"}
}
tiers: {
	hot: {description: "NVMe", replicas: 3, storagePools: ["nvme"], replicasOnDifferent: ["Aux/zone"]}
	cold: {description: "HDD", replicas: 2, storagePools: ["hdd"], encrypted: true}
}
products: pay: {
	displayName: "Pay", basePath: "/pay/v1", environments: ["prod"]
	target: url: "https://pay.example"
	targets: cold: server: "pay-cold"
	auth: oidc: {issuer: "https://idp.example", audience: "api://pay", claim: "roles"}
	quota: {limit: 100, per: "minute"}
	operations: [
		{path: "/charges", methods: ["GET", "POST"], scopes: ["read", "write"]},
		{path: "/charges/{id}", methods: ["GET", "DELETE"], scopes: ["admin"]},
	]
	tier: "hot"
}
`

func loadCUE(t *testing.T, files ...string) *schema.Config {
	t.Helper()
	fsys := fstest.MapFS{}
	for i, f := range files {
		fsys["policies/f"+string(rune('a'+i))+".cue"] = &fstest.MapFile{Data: []byte(f)}
	}
	cfg, err := schema.Load(fsys, "policies")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestMatrixRows checks which operations a role reaches (methods granted,
// scopes held), its effective quota, tier, resource group and target.
func TestMatrixRows(t *testing.T) {
	cfg := loadCUE(t, base, `package policies
roles: reader: {
	members: claims: groups: ["support", "ops"]
	grants: pay: {scopes: ["read"], methods: ["GET"], quota: {limit: 10, per: "minute"}}
	tier: "cold"
}
roles: admin: {
	members: claims: groups: ["admins"]
	grants: pay: scopes: ["admin"]
	tier: "hot"
}
`)
	var got []string
	for _, r := range access.Compute(cfg, nil).Rows {
		got = append(got, strings.Join([]string{r.Claim, r.Group, r.Role, r.Method, r.Path, r.Quota.String(), r.Tier, r.ResourceGroup, r.Target}, " "))
	}
	want := []string{
		"roles ops reader GET /pay/v1/charges 10/minute (role) cold p-cold server pay-cold",
		"roles support reader GET /pay/v1/charges 10/minute (role) cold p-cold server pay-cold",
		"roles admins admin GET /pay/v1/charges/{id} 100/minute (product) hot p-hot url https://pay.example",
		"roles admins admin DELETE /pay/v1/charges/{id} 100/minute (product) hot p-hot url https://pay.example",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(access.Compute(cfg, nil).Filter("ops", "").Rows); n != 1 {
		t.Errorf("--group ops: %d rows, want 1", n)
	}
}

// TestDiff reads gains, losses and changes between two matrices.
func TestDiff(t *testing.T) {
	role := func(groups, tier string) string {
		return `package policies
roles: reader: {
	members: claims: groups: [` + groups + `]
	grants: pay: {scopes: ["read"], methods: ["GET"]}
	tier: "` + tier + `"
}
`
	}
	before := access.Compute(loadCUE(t, base, role(`"support"`, "hot")), nil)
	after := access.Compute(loadCUE(t, base, role(`"auditors"`, "hot")), nil)
	moved := access.Compute(loadCUE(t, base, role(`"support"`, "cold")), nil)
	check := func(name string, got []access.Change, want ...string) {
		t.Helper()
		var lines []string
		for _, c := range got {
			lines = append(lines, c.Env+" "+c.Kind+": "+c.Text)
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n%s\nwant:\n%s", name, strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
	}
	check("same", access.Diff(before, before))
	check("group swapped", access.Diff(before, after),
		"prod lost: group support (role reader) loses GET /pay/v1/charges on pay",
		"prod gained: group auditors (role reader) gains GET /pay/v1/charges on pay")
	check("tier moved", access.Diff(before, moved),
		"prod changed: role reader on pay: tier hot -> cold, resource group p-hot -> p-cold, replicas 3 -> 2, pools nvme -> hdd, replicas on different Aux/zone -> none, encrypted false -> true, target url https://pay.example -> server pay-cold (GET /pay/v1/charges)")
}

// TestGuardrailShape refuses malformed guardrails at their fields.
func TestGuardrailShape(t *testing.T) {
	role := `package policies
roles: reader: {members: claims: groups: ["support"], grants: pay: {scopes: ["read"], methods: ["GET"]}, tier: "cold"}
`
	for _, tt := range []struct{ guardrail, want string }{
		{`guardrails: g: match: group: "support"`, `policies/fc.cue:2:13: guardrails.g: require: missing`},
		{`guardrails: g: {require: replicas: 3, limit: 1}`, `policies/fc.cue:2:39: guardrails.g.limit: unknown field "limit"`},
		{`guardrails: g: {over: "tiers", require: replicas: 3}`, `policies/fc.cue:2:17: guardrails.g.over: invalid value`},
		{`guardrails: g: {over: "products", require: method: "GET"}`, `guardrails.g.require.method: unknown field "method" of products rows`},
		{`guardrails: g: require: replicas: >=3`, `policies/fc.cue:2:25: guardrails.g.require.replicas: tier cold, where role reader places callers (policies/fa.cue:9:39) breaks it: GET /pay/v1/charges in prod gives replicas 2 (expected >=3)`},
		{`guardrails: g: {match: group: "nobody", require: replicas: >=3}`, ``},
		{`guardrails: g: require: method: "POST"`, `guardrails.g.require.method: the grant of role reader on pay (policies/fb.cue:2`},
	} {
		errs := access.CheckGuardrails(loadCUE(t, base, role, "package policies\n"+tt.guardrail+"\n"))
		got := errs.Error()
		if tt.want == "" && len(errs) > 0 || !strings.Contains(got, tt.want) {
			t.Errorf("%s:\n got %s\nwant %s", tt.guardrail, got, tt.want)
		}
	}
}
