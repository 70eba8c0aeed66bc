package apigee

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
)

// serverRE finds the TargetServers a bundle's targets load-balance over.
var serverRE = regexp.MustCompile(`<Server name="([^"]+)"`)

// targetServers are the TargetServers the text files of objs name, sorted.
func targetServers(objs ...artifact.Object) []string {
	names := map[string]bool{}
	for _, o := range objs {
		for _, f := range o.Files {
			if f.Binary {
				continue
			}
			for _, m := range serverRE.FindAllSubmatch(f.Data, -1) {
				names[string(m[1])] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(names))
}

// missingTargetServers says which TargetServers proxy o names that do not
// exist in the environment: lingate does not create them, and Apigee
// refuses to deploy a revision that names a missing one. "" when all exist.
func (d *Driver) missingTargetServers(ctx context.Context, o artifact.Object) (string, error) {
	var missing []string
	for _, name := range targetServers(o) {
		if err := checkName("target server", name); err != nil {
			return "", err
		}
		_, err := d.svc.Organizations.Environments.Targetservers.Get(d.env + "/targetservers/" + name).Context(ctx).Do()
		switch {
		case isStatus(err, http.StatusNotFound):
			missing = append(missing, name)
		case err != nil:
			return "", fmt.Errorf("%s: target server %s: %w", subject(o.Kind, o.Name), name, apiError(err))
		}
	}
	if len(missing) == 0 {
		return "", nil
	}
	return fmt.Sprintf("target server %s does not exist in Apigee environment %s: the deploy fails until it is created (lingate does not manage target servers)",
		strings.Join(missing, ", "), d.cfg.Environment), nil
}
