package linstor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/LINBIT/golinstor/client"
)

// Health is the replication health of a LINSTOR cluster as its controller
// reports it: read-only, for `lingate serve`.
type Health struct {
	// Nodes are the satellites, by name.
	Nodes []NodeHealth
	// Pools are the storage pools of every node that hold data (not DISKLESS).
	Pools []PoolHealth
	// Groups are the resource groups asked for, in the order asked.
	Groups []GroupHealth
}

// NodeHealth is one satellite's connection.
type NodeHealth struct {
	Name   string
	Online bool
}

// PoolHealth is one storage pool of one node; capacities in bytes.
type PoolHealth struct {
	Node, Pool            string
	FreeBytes, TotalBytes int64
}

// GroupHealth counts the resources spawned from one resource group by
// health. A resource is failed without an UpToDate diskful replica,
// degraded with fewer UpToDate diskful replicas than the group's place
// count or with a replica on an offline node, healthy otherwise.
type GroupHealth struct {
	Group string
	// Found is false when the controller has no group of that name.
	Found                                bool
	PlaceCount                           int
	Resources, Healthy, Degraded, Failed int
}

// diskStateUpToDate is the DRBD disk state of a replica holding current data.
const diskStateUpToDate = "UpToDate"

// ReadHealth reads nodes, storage pools, the resource groups named and the
// resources spawned from them: five list calls whatever the cluster's size.
func (d *Driver) ReadHealth(ctx context.Context, groups []string) (Health, error) {
	subject := "linstor environment " + d.env + ": health"
	nodes, err := d.c.Nodes.GetAll(ctx)
	if err != nil {
		return Health{}, fmt.Errorf("%s: list nodes: %w", subject, err)
	}
	pools, err := d.c.Nodes.GetStoragePoolView(ctx)
	if err != nil {
		return Health{}, fmt.Errorf("%s: list storage pools: %w", subject, err)
	}
	live, err := d.listGroups(ctx)
	if err != nil {
		return Health{}, fmt.Errorf("%s: list resource groups: %w", subject, err)
	}
	rds, err := d.c.ResourceDefinitions.GetAll(ctx, client.RDGetAllRequest{})
	if err != nil {
		return Health{}, fmt.Errorf("%s: list resource definitions: %w", subject, err)
	}
	rscs, err := d.c.Resources.GetResourceView(ctx)
	if err != nil {
		return Health{}, fmt.Errorf("%s: list resources: %w", subject, err)
	}
	h := Health{}
	online := map[string]bool{}
	for _, n := range nodes {
		online[strings.ToUpper(n.Name)] = n.ConnectionStatus == "ONLINE"
		h.Nodes = append(h.Nodes, NodeHealth{Name: n.Name, Online: n.ConnectionStatus == "ONLINE"})
	}
	for _, p := range pools {
		if p.ProviderKind == client.DISKLESS {
			continue // holds no data: LINSTOR reports no meaningful capacity
		}
		h.Pools = append(h.Pools, PoolHealth{Node: p.NodeName, Pool: p.StoragePoolName,
			FreeBytes: p.FreeCapacity * 1024, TotalBytes: p.TotalCapacity * 1024})
	}
	h.Groups = groupHealth(groups, live, rds, rscs, online)
	slices.SortFunc(h.Nodes, func(a, b NodeHealth) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(h.Pools, func(a, b PoolHealth) int {
		return strings.Compare(a.Node+"\x00"+a.Pool, b.Node+"\x00"+b.Pool)
	})
	return h, nil
}

// replicaCount is what the replicas of one resource say.
type replicaCount struct {
	group             string
	upToDate, offline int
}

func groupHealth(names []string, live []liveGroup, rds []client.ResourceDefinitionWithVolumeDefinition,
	rscs []client.ResourceWithVolumes, online map[string]bool,
) []GroupHealth {
	out := make([]GroupHealth, len(names))
	index := map[string]int{}
	for i, n := range names {
		out[i].Group = n
		index[strings.ToUpper(n)] = i
	}
	for _, g := range live {
		if i, ok := index[strings.ToUpper(g.Name)]; ok {
			out[i].Found, out[i].PlaceCount = true, placeCount(g.Group)
		}
	}
	counts := map[string]*replicaCount{}
	for _, rd := range rds {
		if _, ok := index[strings.ToUpper(rd.ResourceGroupName)]; ok {
			counts[strings.ToUpper(rd.Name)] = &replicaCount{group: strings.ToUpper(rd.ResourceGroupName)}
		}
	}
	for _, r := range rscs {
		c := counts[strings.ToUpper(r.Name)]
		if c == nil || slices.Contains(r.Flags, "TIE_BREAKER") {
			continue
		}
		up := online[strings.ToUpper(r.NodeName)]
		if !up {
			c.offline++
		}
		if up && diskful(r.Flags) && upToDate(r.Volumes) {
			c.upToDate++
		}
	}
	for _, c := range counts {
		g := &out[index[c.group]]
		g.Resources++
		switch {
		case c.upToDate == 0:
			g.Failed++
		case c.upToDate < g.PlaceCount || c.offline > 0:
			g.Degraded++
		default:
			g.Healthy++
		}
	}
	return out
}

// upToDate reports whether every volume of a replica is UpToDate.
func upToDate(vols []client.Volume) bool {
	if len(vols) == 0 {
		return false
	}
	for _, v := range vols {
		if v.State.DiskState != diskStateUpToDate {
			return false
		}
	}
	return true
}
