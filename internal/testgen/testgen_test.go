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
