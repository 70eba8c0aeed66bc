package linstor

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/lingate/lingate/internal/golden"
	"github.com/lingate/lingate/schema"
)

// TestExampleRepository compiles the repository's own policies/ for every
// environment and compares the output with its golden files.
func TestExampleRepository(t *testing.T) {
	cfg, err := schema.Load(os.DirFS(filepath.Join("..", "..")), "policies")
	if err != nil {
		t.Fatalf("load the example repository: %v", err)
	}
	golden.Tree(t, filepath.Join("testdata", "example"), compileAll(t, cfg))
}

// positionsSrc is a policy file whose problems lingate must report at the user's lines.
const positionsSrc = `package policies

environments: prod: {
	apigee: {organization: "acme", environment: "prod"}
	linstor: {
		controllers: ["https://linstor:3371"]
		resourceGroupPrefix: "9-"
	}
}
tiers: fast: {
	description:  "NVMe"
	replicas:     3
	storagePools: ["nvme"]
	drbd: protocol: "A"
	properties: {
		"DrbdOptions/Net/protocol": "B"
		"Foo/bar":                  "x"
	}
}
products: orders: {
	displayName:  "Orders"
	basePath:     "/orders"
	environments: ["prod"]
	target: url: "https://orders.internal"
	auth: apiKey: {}
	tier: "fast"
}
`

// TestPositions checks errors point at the user's own lines, and that a
// conflict names the line of its other half in Related.
func TestPositions(t *testing.T) {
	cfg, err := schema.Load(fstest.MapFS{"policies/p.cue": {Data: []byte(positionsSrc)}}, "policies")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	errs := compileErrors(t, cfg, "prod")
	// Lines only: which column of a field the loader points at is its own choice.
	at := func(line int) schema.Position { return schema.Position{File: "policies/p.cue", Line: line} }
	line := func(p schema.Position) schema.Position { return schema.Position{File: p.File, Line: p.Line} }
	tests := []struct {
		path    string
		pos     schema.Position
		related []schema.Position
	}{
		{prefixPath("prod"), at(7), nil},
		{propPath("fast", propProtocol), at(16), []schema.Position{at(14)}},
		{propPath("fast", "Foo/bar"), at(17), nil},
	}
	for _, tt := range tests {
		e, ok := findError(errs, tt.path)
		if !ok {
			t.Errorf("no error at %s in:\n%v", tt.path, errs)
			continue
		}
		if line(e.Pos) != tt.pos || len(e.Related) != len(tt.related) || len(tt.related) > 0 && line(e.Related[0]) != tt.related[0] {
			t.Errorf("%s: at %v related %v, want %v related %v", tt.path, e.Pos, e.Related, tt.pos, tt.related)
		}
	}
}

// TestExplicitDefaultConflicts checks that a drbd field the user wrote, even
// with the default value, conflicts with a different value in properties,
// while a field left to its default gives way to properties.
func TestExplicitDefaultConflicts(t *testing.T) {
	src := func(drbd string) string {
		return `package policies

environments: prod: {apigee: {organization: "o", environment: "prod"}, linstor: controllers: ["https://l:3371"]}
tiers: fast: {
	description:  "NVMe"
	replicas:     2
	storagePools: ["nvme"]
	` + drbd + `
	properties: "DrbdOptions/Net/protocol": "A"
}
products: orders: {displayName: "O", basePath: "/o", environments: ["prod"], target: url: "https://o.internal", auth: apiKey: {}, tier: "fast"}
`
	}
	cfg, err := schema.Load(fstest.MapFS{"policies/p.cue": {Data: []byte(src(`drbd: protocol: "C"`))}}, "policies")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if _, ok := findError(compileErrors(t, cfg, "prod"), propPath("fast", propProtocol)); !ok {
		t.Error("an explicit drbd.protocol \"C\" next to properties protocol \"A\" gave no conflict")
	}
	cfg, err = schema.Load(fstest.MapFS{"policies/p.cue": {Data: []byte(src(""))}}, "policies")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if _, err := Compile(cfg, "prod"); err != nil {
		t.Errorf("properties should override a defaulted drbd.protocol: %v", err)
	}
}
