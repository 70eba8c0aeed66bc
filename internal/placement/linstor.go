package placement

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/LINBIT/golinstor/client"
)

// diskless are the resource flags of a replica that holds no data.
var diskless = []string{"DISKLESS", "DRBD_DISKLESS", "TIE_BREAKER", "NVME_INITIATOR"}

// Reader reads the resources of tiers from one LINSTOR controller with a
// golinstor client that needs only read access: three list calls per
// refresh whatever the number of tiers and resources.
type Reader struct {
	Client *client.Client
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Refresh reads env's tiers of v from the controller and replaces them.
func (r Reader) Refresh(ctx context.Context, v *View, env string) error {
	if !slices.ContainsFunc(v.Tiers(), func(t Tier) bool { return t.Env == env }) {
		return nil // no placement in env: no calls
	}
	subject := "placement " + env + ": read linstor"
	nodes, err := r.Client.Nodes.GetAll(ctx)
	if err != nil {
		return fmt.Errorf("%s: list nodes: %w", subject, err)
	}
	rds, err := r.Client.ResourceDefinitions.GetAll(ctx, client.RDGetAllRequest{})
	if err != nil {
		return fmt.Errorf("%s: list resource definitions: %w", subject, err)
	}
	rscs, err := r.Client.Resources.GetResourceView(ctx)
	if err != nil {
		return fmt.Errorf("%s: list resources: %w", subject, err)
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	at := now()
	byGroup := resourcesByGroup(nodes, rds, rscs)
	for _, t := range v.Tiers() {
		if t.Env != env {
			continue
		}
		if err := v.Set(t, byGroup[strings.ToUpper(t.Group)], at); err != nil {
			return err
		}
	}
	return nil
}

// resourcesByGroup groups the resources by the resource group (upper case)
// that spawned them, with their healthy replicas.
func resourcesByGroup(nodes []client.Node, rds []client.ResourceDefinitionWithVolumeDefinition,
	rscs []client.ResourceWithVolumes,
) map[string][]Resource {
	online := map[string]bool{}
	for _, n := range nodes {
		online[strings.ToUpper(n.Name)] = n.ConnectionStatus == "ONLINE"
	}
	group := map[string]string{}
	res := map[string]*Resource{}
	for _, rd := range rds {
		group[strings.ToUpper(rd.Name)] = strings.ToUpper(rd.ResourceGroupName)
		res[strings.ToUpper(rd.Name)] = &Resource{Name: rd.Name}
	}
	for _, rsc := range rscs {
		r := res[strings.ToUpper(rsc.Name)]
		if r == nil || !online[strings.ToUpper(rsc.NodeName)] || !upToDate(rsc) {
			continue
		}
		r.Nodes = append(r.Nodes, rsc.NodeName)
		if rsc.State.InUse != nil && *rsc.State.InUse {
			r.Primary = rsc.NodeName
		}
	}
	out := map[string][]Resource{}
	for name, r := range res {
		out[group[name]] = append(out[group[name]], *r)
	}
	return out
}

// upToDate says whether a replica is diskful and every volume of it is
// UpToDate.
func upToDate(rsc client.ResourceWithVolumes) bool {
	if len(rsc.Volumes) == 0 || slices.ContainsFunc(rsc.Flags, func(f string) bool { return slices.Contains(diskless, f) }) {
		return false
	}
	for _, vol := range rsc.Volumes {
		if vol.State.DiskState != "UpToDate" {
			return false
		}
	}
	return true
}
