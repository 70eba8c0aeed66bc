package linstor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/LINBIT/golinstor/client"
)

// Group is one LINSTOR resource group with its volume groups, as lingate
// compiles it or as a live controller reports it. It uses golinstor's types so
// apply can hand them to golinstor, and adds what their omitempty tags cannot
// say: DisklessOnRemaining keeps false apart from unset, and the JSON form
// (MarshalJSON, Encode, Decode) writes volume_number 0 and
// diskless_on_remaining false explicitly, in a fixed key order.
type Group struct {
	client.ResourceGroup
	// DisklessOnRemaining is select_filter.diskless_on_remaining: nil leaves it
	// to LINSTOR, false and true are written as such. It is the source of truth;
	// ResourceGroup.SelectFilter.DisklessOnRemaining mirrors it for golinstor
	// (which can only send true).
	DisklessOnRemaining *bool
	// VolumeGroups are numbered 0..n-1 in order; LINSTOR keeps them apart from
	// the resource group, the JSON form holds them under "volume_groups".
	VolumeGroups []client.VolumeGroup
}

// wireGroup is Group's JSON form: LINSTOR's ResourceGroup plus volume_groups.
type wireGroup struct {
	Name         string            `json:"name"`
	Description  string            `json:"description,omitempty"`
	Props        map[string]string `json:"props,omitempty"`
	SelectFilter wireFilter        `json:"select_filter"`
	UUID         string            `json:"uuid,omitempty"`
	VolumeGroups []wireVolumeGroup `json:"volume_groups"`
}

// wireFilter is LINSTOR's AutoSelectFilter with diskless_on_remaining as a pointer.
type wireFilter struct {
	PlaceCount              int32          `json:"place_count,omitempty"`
	AdditionalPlaceCount    int32          `json:"additional_place_count,omitempty"`
	NodeNameList            []string       `json:"node_name_list,omitempty"`
	StoragePool             string         `json:"storage_pool,omitempty"`
	StoragePoolList         []string       `json:"storage_pool_list,omitempty"`
	StoragePoolDisklessList []string       `json:"storage_pool_diskless_list,omitempty"`
	NotPlaceWithRsc         []string       `json:"not_place_with_rsc,omitempty"`
	NotPlaceWithRscRegex    string         `json:"not_place_with_rsc_regex,omitempty"`
	ReplicasOnSame          []string       `json:"replicas_on_same,omitempty"`
	ReplicasOnDifferent     []string       `json:"replicas_on_different,omitempty"`
	XReplicasOnDifferent    map[string]int `json:"x_replicas_on_different_map,omitempty"`
	LayerStack              []string       `json:"layer_stack,omitempty"`
	ProviderList            []string       `json:"provider_list,omitempty"`
	DisklessOnRemaining     *bool          `json:"diskless_on_remaining,omitempty"`
	DisklessType            string         `json:"diskless_type,omitempty"`
	Overprovision           *float64       `json:"overprovision,omitempty"`
}

// wireVolumeGroup is LINSTOR's VolumeGroup with volume_number always written.
type wireVolumeGroup struct {
	VolumeNumber int32             `json:"volume_number"`
	Props        map[string]string `json:"props,omitempty"`
	Flags        []string          `json:"flags,omitempty"`
	UUID         string            `json:"uuid,omitempty"`
}

// Encode renders g as indented JSON with a trailing newline: keys in a fixed
// order, map keys sorted, no HTML escaping. Equal groups give equal bytes.
func Encode(g Group) ([]byte, error) {
	data, err := encodeIndented(g.wire())
	if err != nil {
		return nil, fmt.Errorf("linstor resource group %s: encode: %w", g.Name, err)
	}
	return data, nil
}

// encodeIndented renders v as Encode renders a group: indented, no HTML
// escaping, a trailing newline.
func encodeIndented(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MarshalJSON renders g compactly in the same form as Encode.
func (g Group) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(g.wire()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads a compiled file or a live GET /v1/resource-groups/{rg}
// body (whose volume groups, read separately, may be absent).
func (g *Group) UnmarshalJSON(data []byte) error {
	var w wireGroup
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*g = w.group()
	return nil
}

// Decode reads a resource group from its JSON form (see UnmarshalJSON).
func Decode(data []byte) (Group, error) {
	var g Group
	if err := json.Unmarshal(data, &g); err != nil {
		return Group{}, fmt.Errorf("linstor resource group: decode: %w", err)
	}
	if g.Name == "" {
		return Group{}, errors.New("linstor resource group: decode: no name")
	}
	return g, nil
}

// wire converts g to its JSON form.
func (g Group) wire() wireGroup {
	vgs := make([]wireVolumeGroup, len(g.VolumeGroups))
	for i, v := range g.VolumeGroups {
		vgs[i] = wireVolumeGroup{VolumeNumber: v.VolumeNumber, Props: v.Props, Flags: v.Flags, UUID: v.Uuid}
	}
	return wireGroup{
		Name: g.Name, Description: g.Description, Props: g.Props, UUID: g.Uuid, VolumeGroups: vgs,
		SelectFilter: toWireFilter(g.SelectFilter, g.DisklessOnRemaining),
	}
}

// toWireFilter converts a select filter, taking diskless_on_remaining from dor.
func toWireFilter(f client.AutoSelectFilter, dor *bool) wireFilter {
	return wireFilter{
		PlaceCount: f.PlaceCount, AdditionalPlaceCount: f.AdditionalPlaceCount, NodeNameList: f.NodeNameList,
		StoragePool: f.StoragePool, StoragePoolList: f.StoragePoolList, StoragePoolDisklessList: f.StoragePoolDisklessList,
		NotPlaceWithRsc: f.NotPlaceWithRsc, NotPlaceWithRscRegex: f.NotPlaceWithRscRegex,
		ReplicasOnSame: f.ReplicasOnSame, ReplicasOnDifferent: f.ReplicasOnDifferent, XReplicasOnDifferent: f.XReplicasOnDifferent,
		LayerStack: f.LayerStack, ProviderList: f.ProviderList, DisklessOnRemaining: dor,
		DisklessType: f.DisklessType, Overprovision: f.Overprovision,
	}
}

// group converts the JSON form back to a Group.
func (w wireGroup) group() Group {
	g := Group{
		ResourceGroup: client.ResourceGroup{
			Name: w.Name, Description: w.Description, Props: w.Props, Uuid: w.UUID,
			SelectFilter: w.SelectFilter.filter(),
		},
		DisklessOnRemaining: w.SelectFilter.DisklessOnRemaining,
	}
	for _, v := range w.VolumeGroups {
		g.VolumeGroups = append(g.VolumeGroups, client.VolumeGroup{VolumeNumber: v.VolumeNumber, Props: v.Props, Flags: v.Flags, Uuid: v.UUID})
	}
	return g
}

// filter converts the JSON form of a select filter to golinstor's.
func (f wireFilter) filter() client.AutoSelectFilter {
	return client.AutoSelectFilter{
		PlaceCount: f.PlaceCount, AdditionalPlaceCount: f.AdditionalPlaceCount, NodeNameList: f.NodeNameList,
		StoragePool: f.StoragePool, StoragePoolList: f.StoragePoolList, StoragePoolDisklessList: f.StoragePoolDisklessList,
		NotPlaceWithRsc: f.NotPlaceWithRsc, NotPlaceWithRscRegex: f.NotPlaceWithRscRegex,
		ReplicasOnSame: f.ReplicasOnSame, ReplicasOnDifferent: f.ReplicasOnDifferent, XReplicasOnDifferent: f.XReplicasOnDifferent,
		LayerStack: f.LayerStack, ProviderList: f.ProviderList, DisklessOnRemaining: f.DisklessOnRemaining != nil && *f.DisklessOnRemaining,
		DisklessType: f.DisklessType, Overprovision: f.Overprovision,
	}
}
