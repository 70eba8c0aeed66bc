package apigee

import (
	"testing"

	"github.com/lingate/lingate/apply"
	emulator "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestEveryEnvironmentReadsBackAsCompiled applies the Apigee objects the
// example policies compile for each environment, with the organization and
// environment that environment names, to an emulator where they exist;
// the plan right after is empty and the products are read.
func TestEveryEnvironmentReadsBackAsCompiled(t *testing.T) {
	cfg := examplePolicies(t)
	for name, env := range cfg.Environments {
		t.Run(name, func(t *testing.T) {
			org, apigeeEnv := env.Apigee.Organization, env.Apigee.Environment
			if org == "" {
				org, apigeeEnv = testOrg, testEnv
			}
			desired := exampleFor(t, cfg, name)
			hs := emulated(t, emulator.Config{Organizations: []emulator.Organization{{Name: org, Environments: []string{apigeeEnv},
				TargetServers: map[string][]string{apigeeEnv: targetServers(desired...)}}}})
			d := driver(t, hs, func(c *Config) { c.Env, c.Organization, c.Environment = name, org, apigeeEnv })
			for _, o := range desired {
				c := apply.Change{Ref: apply.Ref{Env: name, System: o.System, Kind: o.Kind, Name: o.Name}, Action: apply.Create}
				if err := d.Apply(t.Context(), c, o); err != nil {
					t.Fatalf("create %s %s: %v", o.Kind, o.Name, err)
				}
			}
			live, err := d.Read(t.Context(), desired)
			if err != nil {
				t.Fatal(err)
			}
			cs := apply.Compare([]apply.Pair{{Env: name, Base: live.Objects, Head: desired, Prune: true}})
			if !cs.Empty() || len(live.Foreign) != 0 || len(live.Objects) != len(desired) {
				t.Fatalf("plan after apply: %+v (read %d of %d, foreign %d)", cs.Changes, len(live.Objects), len(desired), len(live.Foreign))
			}
		})
	}
}
