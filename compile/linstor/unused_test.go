package linstor

import (
	"testing"

	"github.com/lingate/lingate/schema"
)

func TestCheckUnusedReportsTiersNoEnvironmentUses(t *testing.T) {
	cfg := singleTier(newTier("fast"))
	cfg.Tiers["spare"] = newTier("spare", func(t *schema.Tier) { t.Properties = map[string]string{"Bogus/Key": "1"} })
	if _, err := Compile(cfg, "prod"); err != nil {
		t.Fatalf("the unused tier should not affect Compile: %v", err)
	}
	err := CheckUnused(cfg)
	errs, ok := err.(schema.Errors)
	if !ok {
		t.Fatalf("got %v, want schema.Errors", err)
	}
	if _, found := findError(errs, propPath("spare", "Bogus/Key")); !found {
		t.Errorf("no error for the unused tier's property in %v", errs)
	}
	delete(cfg.Tiers, "spare")
	if err := CheckUnused(cfg); err != nil {
		t.Errorf("no unused tiers, yet: %v", err)
	}
}
