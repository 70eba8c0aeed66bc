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
	KindResourceGroup = "resource-group"
	KindProxy         = "proxy"
	KindProduct       = "product"
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
	for i := range s.Objects {
		slices.SortFunc(s.Objects[i].Files, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
	}
	slices.SortFunc(s.Objects, Compare)
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
	kindOrder   = []string{KindResourceGroup, KindProxy, KindProduct}
)

func rank(order []string, s string) int {
	if i := slices.Index(order, s); i >= 0 {
		return i
	}
	return len(order)
}
