// Package artifact holds what compiling produces for one environment: the
// objects to create in Apigee and LINSTOR, each with the files that describe it.
// Plans compare objects by their identity and files; compile writes the files.
package artifact

import (
	"cmp"
	"slices"
)

// Systems, in apply order.
const (
	SystemLinstor = "linstor"
	SystemApigee  = "apigee"
)

// Kinds of objects.
const (
	// KindRemote is a LINSTOR backup remote (S3 bucket or LINSTOR cluster).
	KindRemote = "remote"
	// KindSchedule is a LINSTOR backup schedule.
	KindSchedule      = "schedule"
	KindResourceGroup = "resource-group"
	// KindBackupSchedule is a schedule enabled for a resource group towards a remote.
	KindBackupSchedule = "backup-schedule"
	KindProxy          = "proxy"
	KindProduct        = "product"
)

// File is one output file. Path is slash-separated and relative to the
// environment's output folder, e.g. "apigee/products/orders.json".
type File struct {
	Path string
	Data []byte
	// Binary marks files that plans do not diff line by line (bundle zips);
	// their content is also present as text files of the same object.
	Binary bool
}

// Object is one thing lingate manages in a live system.
type Object struct {
	System string
	Kind   string
	Name   string
	Files  []File
}

// Set is every object compiled for one environment, in a fixed order.
type Set struct {
	Env     string
	Objects []Object
	// Monitoring are files written beside the objects that no live system
	// holds (Prometheus rules, a Grafana dashboard): compile writes them,
	// plan and apply ignore them.
	Monitoring []File
}

// Sort orders objects by system (apply order), kind, then name, and each
// object's files by path.
func (s *Set) Sort() {
	for _, o := range s.Objects {
		o.SortFiles()
	}
	slices.SortFunc(s.Objects, Compare)
}

// SortFiles orders the object's files by path, in place.
func (o Object) SortFiles() {
	slices.SortFunc(o.Files, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
}

// Compare orders two objects by system in apply order, kind in apply order, then name.
func Compare(a, b Object) int {
	return cmp.Or(
		cmp.Compare(rank(systemOrder, a.System), rank(systemOrder, b.System)),
		cmp.Compare(rank(kindOrder, a.Kind), rank(kindOrder, b.Kind)),
		cmp.Compare(a.Name, b.Name),
	)
}

var (
	systemOrder = []string{SystemLinstor, SystemApigee}
	// A backup schedule needs its remote, its schedule and its group.
	kindOrder = []string{KindRemote, KindSchedule, KindResourceGroup, KindBackupSchedule, KindProxy, KindProduct}
)

// KindRank is the position of kind in apply order (unknown kinds last).
func KindRank(kind string) int { return rank(kindOrder, kind) }

func rank(order []string, s string) int {
	if i := slices.Index(order, s); i >= 0 {
		return i
	}
	return len(order)
}
