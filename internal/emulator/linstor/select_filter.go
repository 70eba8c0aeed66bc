package linstor

import (
	"fmt"
	"strings"
)

// autoSelectFilter is LINSTOR's AutoSelectFilter JSON object, in the
// field order of the controller's JsonGenTypes, and the one form the
// emulator keeps a select filter in: the body clients send, the parsed
// change (parseFilter; nil fields are "not given"), the configuration a
// group stores (AutoSelectorConfig; every field given, place_count set) and
// what GET returns (out). golinstor's client.AutoSelectFilter does not fit:
// its omitempty scalars cannot tell an absent place_count from 0 or an
// unset diskless_on_remaining from false, which the controller does.
type autoSelectFilter struct {
	PlaceCount           *int32         `json:"place_count,omitempty"`
	AdditionalPlaceCount *int32         `json:"additional_place_count,omitempty"`
	NodeNames            []string       `json:"node_name_list,omitempty"`
	StoragePool          *string        `json:"storage_pool,omitempty"`
	StoragePools         []string       `json:"storage_pool_list,omitempty"`
	DisklessPools        []string       `json:"storage_pool_diskless_list,omitempty"`
	NotPlaceWith         []string       `json:"not_place_with_rsc,omitempty"`
	NotPlaceWithRegex    *string        `json:"not_place_with_rsc_regex,omitempty"`
	ReplicasOnSame       []string       `json:"replicas_on_same,omitempty"`
	ReplicasOnDifferent  []string       `json:"replicas_on_different,omitempty"`
	XReplicasOnDiff      map[string]int `json:"x_replicas_on_different_map,omitempty"`
	LayerStack           []string       `json:"layer_stack,omitempty"`
	Providers            []string       `json:"provider_list,omitempty"`
	DisklessOnRemaining  *bool          `json:"diskless_on_remaining,omitempty"`
	DisklessType         *string        `json:"diskless_type,omitempty"`
	Overprovision        *float64       `json:"overprovision,omitempty"`
	PortCount            *int32         `json:"port_count,omitempty"`
}

// parseFilter converts a sent filter as ResourceGroups.selectFilterToApi
// does: storage_pool becomes a one-entry list when the list is empty, layer
// and provider names are canonicalised, node_name_list, which the server's
// JSON class defaults to [], is never "not given", and the fields the
// controller drops (additional_place_count, diskless_type, overprovision,
// port_count: not stored for groups) are cleared.
func parseFilter(w *autoSelectFilter) (*autoSelectFilter, error) {
	if w == nil {
		return nil, nil
	}
	c := *w
	c.StoragePool, c.AdditionalPlaceCount, c.DisklessType, c.Overprovision, c.PortCount = nil, nil, nil, nil, nil
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
	if c.Providers, err = canonicalList(w.Providers, providerKind); err != nil {
		return nil, err
	}
	return &c, nil
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
func (c *autoSelectFilter) validate(rgName string) error {
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
func newSelectFilter(c *autoSelectFilter) autoSelectFilter {
	pc := int32(defaultPlaceCount)
	sf := autoSelectFilter{PlaceCount: &pc}
	sf.apply(c)
	return sf
}

// apply merges a change as AutoSelectorConfig.applyChanges does: every given
// field replaces the stored value, lists and maps wholesale.
func (sf *autoSelectFilter) apply(c *autoSelectFilter) {
	if c == nil {
		return
	}
	if c.PlaceCount != nil {
		pc := *c.PlaceCount
		sf.PlaceCount = &pc
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
func (sf autoSelectFilter) change() *autoSelectFilter {
	pc := int32(defaultPlaceCount)
	if sf.PlaceCount != nil {
		pc = *sf.PlaceCount
	}
	return &autoSelectFilter{
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
func mergeFilters(first, second *autoSelectFilter) *autoSelectFilter {
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

// out renders the stored configuration as GET returns it:
// Json.apiToResourceGroup never emits node_name_list or the diskless pool
// list, and storage_pool only for a single-pool list.
func (sf autoSelectFilter) out() autoSelectFilter {
	o := autoSelectFilter{
		PlaceCount: sf.PlaceCount, StoragePools: sf.StoragePools, NotPlaceWith: sf.NotPlaceWith,
		ReplicasOnSame: sf.ReplicasOnSame, ReplicasOnDifferent: sf.ReplicasOnDifferent,
		XReplicasOnDiff: sf.XReplicasOnDiff, LayerStack: sf.LayerStack, Providers: sf.Providers,
		DisklessOnRemaining: sf.DisklessOnRemaining,
	}
	if o.PlaceCount == nil {
		pc := int32(defaultPlaceCount)
		o.PlaceCount = &pc
	}
	if len(sf.StoragePools) == 1 {
		o.StoragePool = &sf.StoragePools[0]
	}
	if sf.NotPlaceWithRegex != nil && *sf.NotPlaceWithRegex != "" {
		o.NotPlaceWithRegex = sf.NotPlaceWithRegex
	}
	return o
}
