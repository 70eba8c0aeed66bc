package linstor

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// specFile is LINSTOR's REST API description, as the repository keeps it.
const specFile = "../../testdata/linstor/linstor-rest_v1_openapi.yaml"

// spec loads LINSTOR's OpenAPI document once per test binary.
var spec = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(specFile)
	if err != nil {
		return nil, err
	}
	// The spec's own examples break its enums (reference §1.8), so they are not validated.
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("%s: %w", specFile, err)
	}
	return doc, nil
})

// specSchema returns one component schema of LINSTOR's spec.
func specSchema(t *testing.T, name string) *openapi3.Schema {
	t.Helper()
	doc, err := spec()
	if err != nil {
		t.Fatalf("load LINSTOR's OpenAPI spec: %v", err)
	}
	ref, ok := doc.Components.Schemas[name]
	if !ok || ref.Value == nil {
		t.Fatalf("LINSTOR's OpenAPI spec has no schema %s", name)
	}
	return ref.Value
}

// validateJSON checks data against the spec's ResourceGroup schema, and each
// entry of volume_groups against its VolumeGroup schema.
func validateJSON(data []byte) func(t *testing.T) error {
	return func(t *testing.T) error {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			return err
		}
		if err := specSchema(t, "ResourceGroup").VisitJSON(doc, openapi3.MultiErrors()); err != nil {
			return fmt.Errorf("ResourceGroup: %w", err)
		}
		vgs, _ := doc["volume_groups"].([]any)
		for i, vg := range vgs {
			if err := specSchema(t, "VolumeGroup").VisitJSON(vg, openapi3.MultiErrors()); err != nil {
				return fmt.Errorf("volume_groups[%d]: VolumeGroup: %w", i, err)
			}
		}
		return nil
	}
}

// checkSpec fails the test when data is not a valid LINSTOR ResourceGroup.
func checkSpec(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := validateJSON(data)(t); err != nil {
		t.Errorf("%s does not validate against LINSTOR's OpenAPI spec: %v\n%s", name, err, data)
	}
}

// TestSpecCatchesBadGroups shows the validation can fail: values of the wrong
// type are refused.
func TestSpecCatchesBadGroups(t *testing.T) {
	for _, bad := range []string{
		`{"name": 5}`,
		`{"name": "fast", "select_filter": {"place_count": "three"}}`,
		`{"name": "fast", "props": {"Aux/x": 1}}`,
		`{"name": "fast", "select_filter": {"layer_stack": "DRBD"}}`,
		`{"name": "fast", "select_filter": {"diskless_on_remaining": "no"}}`,
		`{"name": "fast", "volume_groups": [{"volume_number": "0"}]}`,
	} {
		if err := validateJSON([]byte(bad))(t); err == nil {
			t.Errorf("%s validates, want an error", bad)
		}
	}
}
