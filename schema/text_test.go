package schema

import (
	"strings"
	"testing"
)

// slow is a tier of its own with fields added.
func slow(fields string) string {
	return `tiers: slow: {replicas: 1, storagePools: ["hdd"]}
tiers: slow: {` + fields + "}\n"
}

func TestTextRule(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"control characters in every kind of field", slow(`description: "NVMe\u001b[31m", properties: "Aux/x": "a\u0000b"`) + `
products: orders: attributes: team: "pay\u0085ments"
products: orders: headers: request: set: "X-A": "v\tw"
roles: auditor: {members: claims: groups: ["bad\u007f"], grants: {}, tier: "fast"}
`, []string{
			`tiers.slow.description: value "NVMe\x1b[31m" holds the control character U+001B (expected text without control characters; line breaks and tabs are allowed in descriptions)`,
			`tiers.slow.properties."Aux/x": value "a\x00b" holds the control character U+0000`,
			`products.orders.attributes.team: value "pay\u0085ments" holds the control character U+0085`,
			`products.orders.headers.request.set."X-A": value "v\tw" holds the control character U+0009`,
			`roles.auditor.members.claims.groups[0]: value "bad\x7f" holds the control character U+007F`,
		}},
		{"bidi overrides", slow(`description: "ok \u202egnp.exe"`), []string{
			`tiers.slow.description: value "ok \u202egnp.exe" holds the bidirectional formatting character U+202E`,
		}},
		{"line breaks in a description", slow(`description: "NVMe\n\tthree replicas"`), nil},
		{"long values are shortened", slow(`description: "` + strings.Repeat("x", 5000) + `", properties: "Aux/` + strings.Repeat("k", 300) + `": "v"`), []string{
			`tiers.slow.description: value "` + strings.Repeat("x", 48) + `... (5000 characters)" has 5000 characters (expected at most 4096)`,
			`tiers.slow.properties."Aux/` + strings.Repeat("k", 300) + `": name "Aux/` + strings.Repeat("k", 44) + `... (304 characters)" has 304 characters (expected at most 256)`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkLoad(t, c.src, c.want) })
	}
}

// TestHugeValuesAreNeverEchoed loads 300 KB values where the schema, a
// conflict and lingate's own rules reject them: no message may hold them.
func TestHugeValuesAreNeverEchoed(t *testing.T) {
	huge := strings.Repeat("v", 300_000)
	for name, src := range map[string]string{
		"pattern":  `products: orders: basePath: "/` + huge + `"`,
		"conflict": `tiers: fast: description: "` + huge + `"` + "\ntiers: fast: description: \"" + huge + "w\"",
		"length":   `products: orders: attributes: x: "` + huge + `"`,
		"type":     `tiers: fast: replicas: "` + huge + `"`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadExtra(t, map[string]string{"case.cue": policy(src)})
			if err == nil {
				t.Fatal("want an error")
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if len(line) > 400 {
					t.Errorf("a message of %d bytes: %.200s...", len(line), line)
				}
			}
		})
	}
}
