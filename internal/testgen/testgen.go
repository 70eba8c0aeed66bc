// Package testgen generates large, valid policy repositories for
// benchmarks and scale tests: environments, tiers, products and roles spread
// over many files the way a real repository spreads them.
package testgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"
)

// Size says how much to generate.
type Size struct {
	Products int
	Roles    int
	// Tiers is how many storage tiers to declare (default and at least 3:
	// fast, standard, archive, then t-0003 ...); products and roles spread
	// over them.
	Tiers int
	// PerFile is how many products or roles share one file (default 10).
	PerFile int
}

// Files returns the repository's policy files, keyed by slash path under
// policies/. The same Size always gives the same files.
func Files(s Size) map[string][]byte {
	if s.PerFile <= 0 {
		s.PerFile = 10
	}
	s.Tiers = max(s.Tiers, 3)
	files := map[string][]byte{
		"policies/environments.cue": []byte(environments),
		"policies/tiers.cue":        []byte(tiersCUE(s.Tiers)),
	}
	chunk(files, "products", s.Products, s.PerFile, func(i int) string { return product(i, s.Tiers) })
	chunk(files, "roles", s.Roles, s.PerFile, func(i int) string { return role(i, s.Products, s.Tiers) })
	return files
}

// TierName is the name of the i-th generated tier.
func TierName(i int) string {
	if i < 3 {
		return []string{"fast", "standard", "archive"}[i]
	}
	return fmt.Sprintf("t-%04d", i)
}

// tiersCUE declares n tiers: the three hand-written ones, then generated
// ones alike in shape.
func tiersCUE(n int) string {
	var b strings.Builder
	b.WriteString(tiers)
	for i := 3; i < n; i++ {
		fmt.Fprintf(&b, `tiers: %q: {
	description:  "Generated tier %d"
	replicas:     %d
	storagePools: ["pool-%d"]
	replicasOnDifferent: ["Aux/zone"]
	volumes: [{size: "%dGiB"}, {size: "1GiB"}]
}
`, TierName(i), i, 2+i%2, i%5, 10+i)
	}
	return b.String()
}

// chunk writes n entries made by gen into files of perFile entries each.
func chunk(files map[string][]byte, kind string, n, perFile int, gen func(int) string) {
	for start := 0; start < n; start += perFile {
		var b strings.Builder
		b.WriteString("package policies\n\n")
		for i := start; i < min(start+perFile, n); i++ {
			b.WriteString(gen(i))
		}
		files[fmt.Sprintf("policies/%s/%s-%05d.cue", kind, kind, start/perFile)] = []byte(b.String())
	}
}

// ProductName is the name of the i-th generated product.
func ProductName(i int) string { return fmt.Sprintf("svc-%05d", i) }

// Product is the CUE of the i-th product of a repository of three tiers.
func Product(i int) string { return product(i, 3) }

// product is the CUE of the i-th product: two backends by tier, an OIDC
// issuer, quota and spike arrest, CORS, three operations with scopes, and
// request and response headers.
func product(i, tiers int) string {
	tier, other := TierName(i%tiers), TierName((i+1)%tiers)
	return fmt.Sprintf(`products: %q: {
	displayName:  "Service %05d"
	description:  "Generated service number %d"
	basePath:     "/svc/%05d/v1"
	environments: ["sandbox", "staging", "prod"]
	targets: {
		%q: url: "https://svc-%05d.internal.example"
		%q: url: "https://svc-%05d-%s.internal.example"
	}
	auth: oidc: {
		issuer:   "https://idp.example/oauth2/default"
		audience: "api://svc-%05d"
	}
	quota: {limit: 1000, per: "minute"}
	spikeArrest: "100ps"
	cors: {
		origins: ["https://app-%d.example"]
		methods: ["GET", "POST"]
		headers: ["Authorization", "Content-Type"]
	}
	operations: [
		{path: "/items", methods: ["GET", "POST"], scopes: ["svc.read", "svc.write"]},
		{path: "/items/*", methods: ["GET", "PUT", "DELETE"], scopes: ["svc.read", "svc.write"]},
		{path: "/reports/{id}", methods: ["GET"], scopes: ["svc.read"]},
	]
	headers: {
		request: set: "X-Service": "svc-%05d"
		response: remove: ["Server"]
	}
	tier: %q
}
`, ProductName(i), i, i, i, tier, i, other, i, other, i, i%7, i, tier)
}

// Role is the CUE of the i-th role, granted on one of products products,
// in a repository of three tiers.
func Role(i, products int) string { return role(i, products, 3) }

// role is the CUE of the i-th role: its own group and a shared one, and a
// grant with scopes, methods and a quota of its own.
func role(i, products, tiers int) string {
	p := 0
	if products > 0 {
		p = i % products
	}
	return fmt.Sprintf(`roles: "role-%05d": {
	description: "Generated role number %d"
	members: claims: groups: ["group-%05d", "admins"]
	grants: %q: {
		scopes: ["svc.read", "svc.write"]
		methods: ["GET", "POST"]
		quota: {limit: %d, per: "minute"}
	}
	tier: %q
}
`, i, i, i, ProductName(p), 50+i%50, TierName(i%tiers))
}

// MapFS returns files as an in-memory file system.
func MapFS(files map[string][]byte) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return fsys
}

// WriteDir writes files under dir.
func WriteDir(dir string, files map[string][]byte) error {
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

const environments = `package policies

environments: {
	sandbox: sandbox: true
	staging: {
		apigee: {organization: "acme-nonprod", environment: "staging"}
		linstor: {controllers: ["https://linstor.staging:3371"], resourceGroupPrefix: "stg-"}
	}
	prod: {
		apigee: {organization: "acme-prod", environment: "prod"}
		linstor: controllers: ["https://linstor.prod:3371"]
	}
}
`

const tiers = `package policies

tiers: {
	fast: {
		description:  "NVMe, three replicas in three zones"
		replicas:     3
		storagePools: ["nvme-thin"]
		replicasOnDifferent: ["Aux/zone"]
		drbd: onNoQuorum: "io-error"
	}
	standard: {
		description:  "SSD, two replicas"
		replicas:     2
		storagePools: ["ssd"]
	}
	archive: {
		description:  "HDD, encrypted"
		replicas:     2
		storagePools: ["hdd"]
		encrypted:    true
		drbd: protocol: "A"
	}
}
`
