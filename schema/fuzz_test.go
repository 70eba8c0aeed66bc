package schema

import (
	"errors"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds arbitrary bytes as one more policy file next to a valid
// base. Load must never panic; what it accepts, the per-entry checks accept
// too, with the same result; and every problem it reports must name a file
// and say something.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"package policies\n",
		"package policies\ntiers: fast: replicas: 0\n",
		"package policies\nproducts: x: {basePath: \"/orders\", environments: [\"prod\"]}\n",
		"package policies\nroles: clerk: grants: orders: methods: [\"DELETE\"]\n",
		"package other\n",
		"tiers: {",
		"package policies\nenvironments: prod: sandbox: true\nrelease: approvers: {}\n",
		"package policies\n#Tier: replicas: 2\n_hidden: 1\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		fsys := fstest.MapFS{
			"policies/base.cue": {Data: []byte(base)},
			"policies/fuzz.cue": {Data: src},
		}
		cfg, err := Load(fsys, "policies")
		if err == nil {
			files, _ := readFiles(fsys, "policies")
			checked, errs := loadChecked("policies", files)
			if len(errs) > 0 {
				t.Fatalf("the fast path accepted what the checked path refuses: %v", errs)
			}
			if jsonOf(t, cfg) != jsonOf(t, checked) {
				t.Fatal("the fast and checked paths decoded different configs")
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error is not Errors: %v", err)
		}
		for _, e := range errs {
			if e.Msg == "" || !e.Pos.IsValid() {
				t.Errorf("problem without a message or a file: %+v", e)
			}
		}
	})
}
