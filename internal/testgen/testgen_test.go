package testgen

import (
	"testing"

	"github.com/lingate/lingate/schema"
)

func TestFilesValidate(t *testing.T) {
	files := Files(Size{Products: 30, Roles: 90})
	cfg, err := schema.Load(MapFS(files), "policies")
	if err != nil {
		t.Fatalf("generated policies do not validate: %v", err)
	}
	if len(cfg.Products) != 30 || len(cfg.Roles) != 90 {
		t.Errorf("got %d products and %d roles, want 30 and 90", len(cfg.Products), len(cfg.Roles))
	}
}

func TestFilesValidateWithManyTiers(t *testing.T) {
	cfg, err := schema.Load(MapFS(Files(Size{Products: 60, Roles: 180, Tiers: 52})), "policies")
	if err != nil {
		t.Fatalf("generated policies do not validate: %v", err)
	}
	if len(cfg.Tiers) != 52 || len(cfg.TiersIn("prod")) != 52 {
		t.Errorf("got %d tiers, %d used in prod, want 52 and 52", len(cfg.Tiers), len(cfg.TiersIn("prod")))
	}
	p := cfg.Products[ProductName(7)]
	if p.CORS == nil || len(p.Targets) != 2 || len(p.Operations) != 3 {
		t.Errorf("product %s lacks CORS, two targets or three operations: %+v", p.Name, p)
	}
}
