package linstor

import (
	"fmt"
	"strings"

	"github.com/lingate/lingate/internal/linstorapi"
)

// autoSelectFilter is the one form the emulator keeps a select filter in
// (linstorapi.AutoSelectFilter): the body clients send, the parsed change
// (parseFilter; nil fields are "not given"), the configuration a group
// stores (AutoSelectorConfig; every field given, place_count set) and what
// GET returns (out).
type autoSelectFilter linstorapi.AutoSelectFilter

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
	if c.NodeNameList == nil {
		c.NodeNameList = []string{}
	}
	if len(c.StoragePoolList) == 0 && w.StoragePool != nil {
		c.StoragePoolList = []string{*w.StoragePool}
	}
	var err error
	if c.LayerStack, err = canonicalList(w.LayerStack, layerKind); err != nil {
		return nil, err
	}
	if c.ProviderList, err = canonicalList(w.ProviderList, providerKind); err != nil {
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
	if err := storPoolNames(c.StoragePoolList); err != nil {
		return err
	}
	return storPoolNames(c.StoragePoolDisklessList)
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
	setList(&sf.NodeNameList, c.NodeNameList)
	setList(&sf.StoragePoolList, c.StoragePoolList)
	setList(&sf.StoragePoolDisklessList, c.StoragePoolDisklessList)
	setList(&sf.NotPlaceWithRsc, c.NotPlaceWithRsc)
	setList(&sf.ReplicasOnSame, c.ReplicasOnSame)
	setList(&sf.ReplicasOnDifferent, c.ReplicasOnDifferent)
	setList(&sf.LayerStack, c.LayerStack)
	setList(&sf.ProviderList, c.ProviderList)
	if c.NotPlaceWithRscRegex != nil {
		sf.NotPlaceWithRscRegex = c.NotPlaceWithRscRegex
	}
	if c.XReplicasOnDifferent != nil {
		sf.XReplicasOnDifferent = copyCounts(c.XReplicasOnDifferent)
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
		PlaceCount: &pc, NodeNameList: nonNil(sf.NodeNameList), StoragePoolList: nonNil(sf.StoragePoolList),
		StoragePoolDisklessList: nonNil(sf.StoragePoolDisklessList), NotPlaceWithRsc: nonNil(sf.NotPlaceWithRsc),
		NotPlaceWithRscRegex: sf.NotPlaceWithRscRegex, ReplicasOnSame: nonNil(sf.ReplicasOnSame),
		ReplicasOnDifferent: nonNil(sf.ReplicasOnDifferent), XReplicasOnDifferent: sf.XReplicasOnDifferent,
		LayerStack: nonNil(sf.LayerStack), ProviderList: nonNil(sf.ProviderList),
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
	pickList(&m.NodeNameList, second.NodeNameList)
	pickList(&m.StoragePoolList, second.StoragePoolList)
	pickList(&m.StoragePoolDisklessList, second.StoragePoolDisklessList)
	pickList(&m.NotPlaceWithRsc, second.NotPlaceWithRsc)
	pickList(&m.ReplicasOnSame, second.ReplicasOnSame)
	pickList(&m.ReplicasOnDifferent, second.ReplicasOnDifferent)
	pickList(&m.LayerStack, second.LayerStack)
	pickList(&m.ProviderList, second.ProviderList)
	if m.NotPlaceWithRscRegex == nil {
		m.NotPlaceWithRscRegex = second.NotPlaceWithRscRegex
	}
	if m.XReplicasOnDifferent == nil {
		m.XReplicasOnDifferent = second.XReplicasOnDifferent
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
		PlaceCount: sf.PlaceCount, StoragePoolList: sf.StoragePoolList, NotPlaceWithRsc: sf.NotPlaceWithRsc,
		ReplicasOnSame: sf.ReplicasOnSame, ReplicasOnDifferent: sf.ReplicasOnDifferent,
		XReplicasOnDifferent: sf.XReplicasOnDifferent, LayerStack: sf.LayerStack, ProviderList: sf.ProviderList,
		DisklessOnRemaining: sf.DisklessOnRemaining,
	}
	if o.PlaceCount == nil {
		pc := int32(defaultPlaceCount)
		o.PlaceCount = &pc
	}
	if len(sf.StoragePoolList) == 1 {
		o.StoragePool = &sf.StoragePoolList[0]
	}
	if sf.NotPlaceWithRscRegex != nil && *sf.NotPlaceWithRscRegex != "" {
		o.NotPlaceWithRscRegex = sf.NotPlaceWithRscRegex
	}
	return o
}
