package linstor

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
)

// CallFiles derives, from a resource group's combined file (FilePath: the
// group with its volume groups under "volume_groups", for people to read),
// the body of each LINSTOR call that creates it, as files beside it:
//
//	linstor/resource-groups/<rg>/resource-group.json       POST /v1/resource-groups
//	linstor/resource-groups/<rg>/volume-groups/<n>.json    POST /v1/resource-groups/<rg>/volume-groups
//
// Each is exactly what the call takes (LINSTOR's ResourceGroup and
// VolumeGroup), in the fixed key order of Encode. The combined file stays
// what plans and apply read; these are written by compile --out.
func CallFiles(f artifact.File) ([]artifact.File, error) {
	dir, ok := strings.CutSuffix(f.Path, ".json")
	if !ok {
		return nil, fmt.Errorf("linstor resource group file %s: expected a .json file", f.Path)
	}
	g, err := Decode(f.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	w := g.wire()
	body, err := encodeIndented(w.wireResourceGroup)
	if err != nil {
		return nil, fmt.Errorf("%s: resource group: %w", f.Path, err)
	}
	files := []artifact.File{{Path: path.Join(dir, "resource-group.json"), Data: body}}
	for _, vg := range w.VolumeGroups {
		body, err := encodeIndented(vg)
		if err != nil {
			return nil, fmt.Errorf("%s: volume group %d: %w", f.Path, vg.VolumeNumber, err)
		}
		name := strconv.Itoa(int(vg.VolumeNumber)) + ".json"
		files = append(files, artifact.File{Path: path.Join(dir, "volume-groups", name), Data: body})
	}
	return files, nil
}
