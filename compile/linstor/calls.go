package linstor

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
)

// RequestsDir is the folder of an environment's output holding the body of
// every LINSTOR call, one flat folder (creating a folder costs more than
// writing a file).
const RequestsDir = "linstor/requests"

// CallFiles derives, from a resource group's combined file (FilePath: the
// group with its volume groups under "volume_groups", for people to read),
// the body of each LINSTOR call that creates it:
//
//	linstor/requests/<rg>.resource-group.json     POST /v1/resource-groups
//	linstor/requests/<rg>.volume-group-<n>.json   POST /v1/resource-groups/<rg>/volume-groups
//
// (resource group names hold no dot). Each is exactly what the call takes
// (LINSTOR's ResourceGroup and VolumeGroup), in the fixed key order of
// Encode. The combined file stays what plans and apply read; these are
// written by compile --out.
func CallFiles(f artifact.File) ([]artifact.File, error) {
	if !strings.HasSuffix(f.Path, ".json") {
		return nil, fmt.Errorf("linstor resource group file %s: expected a .json file", f.Path)
	}
	g, err := Decode(f.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	if strings.ContainsAny(g.Name, `/\.`) {
		return nil, fmt.Errorf("%s: resource group name %q: expected no slash or dot", f.Path, g.Name)
	}
	w := g.wire()
	body, err := EncodeJSON(resourceGroupBody{w.Name, w.Description, w.Props, w.SelectFilter, w.UUID})
	if err != nil {
		return nil, fmt.Errorf("%s: resource group: %w", f.Path, err)
	}
	files := []artifact.File{{Path: path.Join(RequestsDir, g.Name+".resource-group.json"), Data: body}}
	for _, vg := range w.VolumeGroups {
		body, err := EncodeJSON(vg)
		if err != nil {
			return nil, fmt.Errorf("%s: volume group %d: %w", f.Path, vg.VolumeNumber, err)
		}
		name := g.Name + ".volume-group-" + strconv.Itoa(int(vg.VolumeNumber)) + ".json"
		files = append(files, artifact.File{Path: path.Join(RequestsDir, name), Data: body})
	}
	return files, nil
}

// resourceGroupBody is LINSTOR's ResourceGroup as lingate writes it: the
// combined form without volume_groups, in the same key order.
type resourceGroupBody struct {
	Name         string            `json:"name"`
	Description  string            `json:"description,omitempty"`
	Props        map[string]string `json:"props,omitempty"`
	SelectFilter any               `json:"select_filter"`
	UUID         string            `json:"uuid,omitempty"`
}
