package linstor

import (
	"fmt"
	"strings"
)

// selectFilter is a resource group's stored auto-place configuration
// (the controller's AutoSelectorConfig).
type selectFilter struct {
	PlaceCount          int32          `json:"place_count"`
	NodeNames           []string       `json:"node_name_list,omitempty"`
	StoragePools        []string       `json:"storage_pool_list,omitempty"`
	DisklessPools       []string       `json:"storage_pool_diskless_list,omitempty"`
	NotPlaceWith        []string       `json:"not_place_with_rsc,omitempty"`
	NotPlaceWithRegex   *string        `json:"not_place_with_rsc_regex,omitempty"`
	ReplicasOnSame      []string       `json:"replicas_on_same,omitempty"`
	ReplicasOnDifferent []string       `json:"replicas_on_different,omitempty"`
	XReplicasOnDiff     map[string]int `json:"x_replicas_on_different_map,omitempty"`
	LayerStack          []string       `json:"layer_stack,omitempty"`
	Providers           []string       `json:"provider_list,omitempty"`
	DisklessOnRemaining *bool          `json:"diskless_on_remaining,omitempty"`
}

// wireFilter is the AutoSelectFilter JSON object clients send.
type wireFilter struct {
	PlaceCount              *int32         `json:"place_count"`
	AdditionalPlaceCount    *int32         `json:"additional_place_count"`
	NodeNameList            []string       `json:"node_name_list"`
	StoragePool             *string        `json:"storage_pool"`
	StoragePoolList         []string       `json:"storage_pool_list"`
	StoragePoolDisklessList []string       `json:"storage_pool_diskless_list"`
	NotPlaceWithRsc         []string       `json:"not_place_with_rsc"`
	NotPlaceWithRscRegex    *string        `json:"not_place_with_rsc_regex"`
	ReplicasOnSame          []string       `json:"replicas_on_same"`
	ReplicasOnDifferent     []string       `json:"replicas_on_different"`
	XReplicasOnDifferentMap map[string]int `json:"x_replicas_on_different_map"`
	LayerStack              []string       `json:"layer_stack"`
	ProviderList            []string       `json:"provider_list"`
	DisklessOnRemaining     *bool          `json:"diskless_on_remaining"`
	DisklessType            *string        `json:"diskless_type"`
	Overprovision           *float64       `json:"overprovision"`
	PortCount               *int32         `json:"port_count"`
}

// filterOut is the AutoSelectFilter a GET returns: Json.apiToResourceGroup
// never emits node_name_list, the diskless pool list or the dropped fields,
// and storage_pool only for a single-pool list.
type filterOut struct {
	PlaceCount           int32          `json:"place_count"`
	StoragePool          string         `json:"storage_pool,omitempty"`
	StoragePoolList      []string       `json:"storage_pool_list,omitempty"`
	NotPlaceWithRsc      []string       `json:"not_place_with_rsc,omitempty"`
	NotPlaceWithRscRegex string         `json:"not_place_with_rsc_regex,omitempty"`
	ReplicasOnSame       []string       `json:"replicas_on_same,omitempty"`
	ReplicasOnDifferent  []string       `json:"replicas_on_different,omitempty"`
	XReplicasOnDifferent map[string]int `json:"x_replicas_on_different_map,omitempty"`
	LayerStack           []string       `json:"layer_stack,omitempty"`
	ProviderList         []string       `json:"provider_list,omitempty"`
	DisklessOnRemaining  *bool          `json:"diskless_on_remaining,omitempty"`
}

// filterChange is a parsed select filter (the controller's
// AutoSelectFilterApi): nil fields are "not given".
type filterChange struct {
	PlaceCount          *int32
	NodeNames           []string
	StoragePools        []string
	DisklessPools       []string
	NotPlaceWith        []string
	NotPlaceWithRegex   *string
	ReplicasOnSame      []string
	ReplicasOnDifferent []string
	XReplicasOnDiff     map[string]int
	LayerStack          []string
	Providers           []string
	DisklessOnRemaining *bool
}

// parseFilter converts a sent filter as ResourceGroups.selectFilterToApi
// does: storage_pool becomes a one-entry list when the list is empty, layer
// and provider names are canonicalised, and node_name_list, which the
// server's JSON class defaults to [], is never "not given".
func parseFilter(w *wireFilter) (*filterChange, error) {
	if w == nil {
		return nil, nil
	}
	c := &filterChange{
		PlaceCount: w.PlaceCount, NodeNames: w.NodeNameList, StoragePools: w.StoragePoolList,
		DisklessPools: w.StoragePoolDisklessList, NotPlaceWith: w.NotPlaceWithRsc,
		NotPlaceWithRegex: w.NotPlaceWithRscRegex, ReplicasOnSame: w.ReplicasOnSame,
		ReplicasOnDifferent: w.ReplicasOnDifferent, XReplicasOnDiff: w.XReplicasOnDifferentMap,
		DisklessOnRemaining: w.DisklessOnRemaining,
	}
	if c.NodeNames == nil {
		c.NodeNames = []string{}
	}
	if len(c.StoragePools) == 0 && w.StoragePool != nil {
		c.StoragePools = []string{*w.StoragePool}
	}
	var err error
	if c.LayerStack, err = canonicalList(w.LayerStack, layerKind); err != nil {
		return nil, err
	}
	if c.Providers, err = canonicalList(w.ProviderList, providerKind); err != nil {
		return nil, err
	}
	return c, nil
}

func canonicalList(in []string, canon func(string) (string, error)) ([]string, error) {
	if in == nil {
		return nil, nil
	}
	out := make([]string, len(in))
	for i, v := range in {
		c, err := canon(v)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// layerKind parses a layer name with the controller's aliases.
func layerKind(s string) (string, error) {
	switch u := strings.ToUpper(s); u {
	case "DRBD", "NVME", "WRITECACHE", "CACHE", "BCACHE", "STORAGE":
		return u, nil
	case "CRYPT", "CRYPT_SETUP", "LUKS":
		return "LUKS", nil
	case "LVM", "SPDK", "ZFS":
		return "STORAGE", nil
	}
	return "", fail(failInvldLayerKind, fmt.Sprintf("Given layer kind '%s' is invalid", s))
}

// providerKind parses a provider name with the controller's aliases.
func providerKind(s string) (string, error) {
	switch u := strings.ToUpper(s); u {
	case "DRBD_DISKLESS", "DRBDDISKLESS", "DISKLESS":
		return providerDiskless, nil
	case "LVMTHIN", "LVM_THIN":
		return "LVM_THIN", nil
	case "ZFSTHIN", "ZFS_THIN":
		return "ZFS_THIN", nil
	case "STORAGE_SPACES", "STORAGE_SPACES_TARGET":
		return "STORAGE_SPACES", nil
	case "STORAGE_SPACES_THIN", "STORAGE_SPACES_THIN_TARGET":
		return "STORAGE_SPACES_THIN", nil
	case "LVM", "ZFS", "FILE", "FILE_THIN", "SPDK", "REMOTE_SPDK", "EBS_TARGET", "EBS_INIT":
		return u, nil
	}
	return "", fail(failInvldLayerKind, fmt.Sprintf("Given provider kind '%s' is invalid", s))
}

// knownProvider reports whether s is a canonical provider kind name.
func knownProvider(s string) bool {
	c, err := providerKind(s)
	return err == nil && c == s
}

// validate applies the checks the controller makes before storing a filter.
func (c *filterChange) validate(rgName string) error {
	if c == nil {
		return nil
	}
	if c.PlaceCount != nil && *c.PlaceCount < 1 {
		return fail(failInvldPlaceCount, fmt.Sprintf("Resource group: %s, place-count must be positive.", rgName))
	}
	if err := storPoolNames(c.StoragePools); err != nil {
		return err
	}
	return storPoolNames(c.DisklessPools)
}

// newSelectFilter is the configuration of a new group (place_count defaults to 2).
func newSelectFilter(c *filterChange) selectFilter {
	sf := selectFilter{PlaceCount: defaultPlaceCount}
	sf.apply(c)
	return sf
}

// apply merges a change as AutoSelectorConfig.applyChanges does: every given
// field replaces the stored value, lists and maps wholesale.
func (sf *selectFilter) apply(c *filterChange) {
	if c == nil {
		return
	}
	if c.PlaceCount != nil {
		sf.PlaceCount = *c.PlaceCount
	}
	setList(&sf.NodeNames, c.NodeNames)
	setList(&sf.StoragePools, c.StoragePools)
	setList(&sf.DisklessPools, c.DisklessPools)
	setList(&sf.NotPlaceWith, c.NotPlaceWith)
	setList(&sf.ReplicasOnSame, c.ReplicasOnSame)
	setList(&sf.ReplicasOnDifferent, c.ReplicasOnDifferent)
	setList(&sf.LayerStack, c.LayerStack)
	setList(&sf.Providers, c.Providers)
	if c.NotPlaceWithRegex != nil {
		sf.NotPlaceWithRegex = c.NotPlaceWithRegex
	}
	if c.XReplicasOnDiff != nil {
		sf.XReplicasOnDiff = copyCounts(c.XReplicasOnDiff)
	}
	if c.DisklessOnRemaining != nil {
		sf.DisklessOnRemaining = c.DisklessOnRemaining
	}
}

func setList(dst *[]string, src []string) {
	if src == nil {
		return
	}
	*dst = append([]string(nil), src...)
}

func copyCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// change returns the stored configuration as a fully given change, the form
// spawn merges the request's filter onto.
func (sf selectFilter) change() *filterChange {
	pc := sf.PlaceCount
	return &filterChange{
		PlaceCount: &pc, NodeNames: nonNil(sf.NodeNames), StoragePools: nonNil(sf.StoragePools),
		DisklessPools: nonNil(sf.DisklessPools), NotPlaceWith: nonNil(sf.NotPlaceWith),
		NotPlaceWithRegex: sf.NotPlaceWithRegex, ReplicasOnSame: nonNil(sf.ReplicasOnSame),
		ReplicasOnDifferent: nonNil(sf.ReplicasOnDifferent), XReplicasOnDiff: sf.XReplicasOnDiff,
		LayerStack: nonNil(sf.LayerStack), Providers: nonNil(sf.Providers),
		DisklessOnRemaining: sf.DisklessOnRemaining,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// mergeFilters is AutoSelectFilterPojo.merge: per field, the first change
// that gives it wins.
func mergeFilters(first, second *filterChange) *filterChange {
	if first == nil {
		return second
	}
	m := *first
	if m.PlaceCount == nil {
		m.PlaceCount = second.PlaceCount
	}
	pickList(&m.NodeNames, second.NodeNames)
	pickList(&m.StoragePools, second.StoragePools)
	pickList(&m.DisklessPools, second.DisklessPools)
	pickList(&m.NotPlaceWith, second.NotPlaceWith)
	pickList(&m.ReplicasOnSame, second.ReplicasOnSame)
	pickList(&m.ReplicasOnDifferent, second.ReplicasOnDifferent)
	pickList(&m.LayerStack, second.LayerStack)
	pickList(&m.Providers, second.Providers)
	if m.NotPlaceWithRegex == nil {
		m.NotPlaceWithRegex = second.NotPlaceWithRegex
	}
	if m.XReplicasOnDiff == nil {
		m.XReplicasOnDiff = second.XReplicasOnDiff
	}
	if m.DisklessOnRemaining == nil {
		m.DisklessOnRemaining = second.DisklessOnRemaining
	}
	return &m
}

func pickList(dst *[]string, fallback []string) {
	if *dst == nil {
		*dst = fallback
	}
}

// out renders the stored configuration as GET returns it.
func (sf selectFilter) out() filterOut {
	o := filterOut{
		PlaceCount: sf.PlaceCount, StoragePoolList: sf.StoragePools, NotPlaceWithRsc: sf.NotPlaceWith,
		ReplicasOnSame: sf.ReplicasOnSame, ReplicasOnDifferent: sf.ReplicasOnDifferent,
		XReplicasOnDifferent: sf.XReplicasOnDiff, LayerStack: sf.LayerStack, ProviderList: sf.Providers,
		DisklessOnRemaining: sf.DisklessOnRemaining,
	}
	if len(sf.StoragePools) == 1 {
		o.StoragePool = sf.StoragePools[0]
	}
	if sf.NotPlaceWithRegex != nil {
		o.NotPlaceWithRscRegex = *sf.NotPlaceWithRegex
	}
	return o
}
