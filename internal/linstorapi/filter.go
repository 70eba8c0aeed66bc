// Package linstorapi holds the LINSTOR REST JSON types lingate needs in a
// form golinstor's client types cannot give.
package linstorapi

// AutoSelectFilter is LINSTOR's AutoSelectFilter JSON object with the
// fields in the order of the controller's JsonGenTypes. Unlike golinstor's
// client.AutoSelectFilter, whose omitempty scalars cannot tell an absent
// place_count from 0 or an unset diskless_on_remaining from false, scalars
// are pointers: nil is "not given" and is not written. Lists and maps are
// written only when not empty.
//
// The LINSTOR emulator keeps every select filter in this form (request
// bodies, parsed changes, stored configurations, GET output); lingate's
// compiler writes compiled resource groups with it.
type AutoSelectFilter struct {
	PlaceCount              *int32         `json:"place_count,omitempty"`
	AdditionalPlaceCount    *int32         `json:"additional_place_count,omitempty"`
	NodeNameList            []string       `json:"node_name_list,omitempty"`
	StoragePool             *string        `json:"storage_pool,omitempty"`
	StoragePoolList         []string       `json:"storage_pool_list,omitempty"`
	StoragePoolDisklessList []string       `json:"storage_pool_diskless_list,omitempty"`
	NotPlaceWithRsc         []string       `json:"not_place_with_rsc,omitempty"`
	NotPlaceWithRscRegex    *string        `json:"not_place_with_rsc_regex,omitempty"`
	ReplicasOnSame          []string       `json:"replicas_on_same,omitempty"`
	ReplicasOnDifferent     []string       `json:"replicas_on_different,omitempty"`
	XReplicasOnDifferent    map[string]int `json:"x_replicas_on_different_map,omitempty"`
	LayerStack              []string       `json:"layer_stack,omitempty"`
	ProviderList            []string       `json:"provider_list,omitempty"`
	DisklessOnRemaining     *bool          `json:"diskless_on_remaining,omitempty"`
	DisklessType            *string        `json:"diskless_type,omitempty"`
	Overprovision           *float64       `json:"overprovision,omitempty"`
	PortCount               *int32         `json:"port_count,omitempty"`
}

// NonZero returns a pointer to v, or nil when v is its type's zero value:
// the conversion from golinstor's omitempty scalars.
func NonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// Value returns *p, or the zero value for nil.
func Value[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
