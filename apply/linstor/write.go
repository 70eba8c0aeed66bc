package linstor

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"
	"github.com/cenkalti/backoff/v5"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	cl "github.com/lingate/lingate/compile/linstor"
)

// Apply carries out one change of a resource group. Each step re-reads
// what it changes, so Apply can be run again after any failure:
//   - create: POST the group (name, description, select filter: LINSTOR
//     ignores props on create) unless a re-read finds it, then set props
//     and filter, then create the volume groups;
//   - update: set the props that differ and delete those no longer wanted,
//     the select filter and description when they differ, then add, change
//     and remove volume groups; a foreign group (being adopted) gets the
//     marker;
//   - delete: only a group with lingate's marker, only when no resource
//     definition uses it;
//   - replace (the number of volume groups changes): refused while
//     resource definitions use the group, as LINSTOR refuses to add volume
//     groups then and would refuse the delete; otherwise carried out in
//     place (volume groups removed and created, props and filter set),
//     which ends where a delete and a create would, without a moment in
//     which the group does not exist.
//
// Every write also stamps Aux/lingate/commit.
func (d *Driver) Apply(ctx context.Context, c apply.Change, desired artifact.Object) error {
	err := d.apply(ctx, c, desired)
	if err != nil {
		return fmt.Errorf("linstor resource group %s: %s: %w", c.Name, c.Action, err)
	}
	return nil
}

func (d *Driver) apply(ctx context.Context, c apply.Change, desired artifact.Object) error {
	if c.Kind != artifact.KindResourceGroup {
		return fmt.Errorf("kind %q: the LINSTOR driver changes only resource groups", c.Kind)
	}
	if !nameRE.MatchString(c.Name) {
		return fmt.Errorf("name %q: expected a LINSTOR name (a letter or _, then letters, digits, _ and -)", c.Name)
	}
	if c.Action == apply.Delete {
		return d.delete(ctx, c.Name)
	}
	want, err := decodeDesired(desired)
	if err != nil {
		return err
	}
	switch c.Action {
	case apply.Create:
		return d.create(ctx, want)
	case apply.Update:
		return d.update(ctx, want)
	case apply.Replace:
		return d.replace(ctx, want)
	}
	return fmt.Errorf("unknown action %q", c.Action)
}

// nameRE is a LINSTOR name: safe as one segment of a request's path.
var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// decodeDesired reads the compiled resource group of an object.
func decodeDesired(o artifact.Object) (cl.Group, error) {
	for _, f := range o.Files {
		if f.Path == cl.FilePath(o.Name) {
			return cl.Decode(f.Data)
		}
	}
	return cl.Group{}, fmt.Errorf("desired object has no file %s", cl.FilePath(o.Name))
}

// create makes the group unless it exists, then brings it to want.
func (d *Driver) create(ctx context.Context, want cl.Group) error {
	g, found, err := d.getGroup(ctx, want.Name)
	if err != nil {
		return err
	}
	if found {
		if owned, err := d.owned(ctx, g); err != nil {
			return err
		} else if !owned {
			return d.foreignError(g)
		}
	}
	if !found {
		if err := d.setPending(ctx, want.Name); err != nil {
			return err
		}
		if err := d.post(ctx, want); err != nil {
			return d.failedCreate(ctx, want.Name, err)
		}
		if g, found, err = d.getGroup(ctx, want.Name); err != nil {
			return err
		}
		if !found {
			return errors.New("the controller accepted the create but does not list the group")
		}
	}
	if err := d.converge(ctx, g, want); err != nil {
		return err
	}
	return d.clearPending(ctx, want.Name)
}

// post creates the bare group (LINSTOR ignores props on create), re-reading
// before each later try so a create whose answer was lost is not sent
// again. The first try follows the read that found no group: a group there
// then was made by someone else meanwhile, and is refused as foreign.
func (d *Driver) post(ctx context.Context, want cl.Group) error {
	rg := client.ResourceGroup{Name: want.Name, Description: want.Description, SelectFilter: want.SelectFilter}
	first := true
	_, err := apply.Retry(ctx, d.retry, func() (struct{}, error) {
		if !first {
			err := d.do(ctx, "GET", "/v1/resource-groups/"+want.Name, nil, nil)
			if err == nil {
				return struct{}{}, nil // made by a try whose answer was lost
			}
			if !notFound(err) {
				return struct{}{}, err
			}
		}
		first = false
		err := d.c.ResourceGroups.Create(ctx, rg)
		switch {
		case err == nil:
			return struct{}{}, nil
		case client.IsApiCallError(err, linstor.FailExistsRscGrp):
			return struct{}{}, errMadeMeanwhile
		}
		return struct{}{}, d.lost(err)
	})
	return err
}

// errMadeMeanwhile is a create refused because a group of that name
// appeared between the read and the POST.
var errMadeMeanwhile = errors.New("made by someone else while lingate was creating it")

// failedCreate is the error of a create whose POST failed. When LINSTOR
// refused it, no group was made by lingate: the in-progress mark goes, so
// that a group made by hand under that name later (or meanwhile) is not
// taken for lingate's. After lost answers the mark stays, for the next
// apply to finish what may have been made.
func (d *Driver) failedCreate(ctx context.Context, name string, err error) error {
	if apply.Retryable(err) {
		return err
	}
	if cerr := d.clearPending(ctx, name); cerr != nil {
		return fmt.Errorf("%w (and %w)", err, cerr)
	}
	if errors.Is(err, errMadeMeanwhile) {
		return fmt.Errorf("a resource group %s was %w, without lingate's marker; adopt it with `lingate apply --adopt %s`, or rename the tier",
			name, err, name)
	}
	return err
}

// lost marks err as one after which a POST may or may not have taken
// effect (a dropped connection, a server failure that is not one of
// LINSTOR's refusals), so Retry re-reads and tries again.
func (d *Driver) lost(err error) error {
	var rcs client.ApiCallError
	if errors.As(err, &rcs) && !client.IsApiCallError(err, linstor.FailUnknownError) {
		return err // LINSTOR refused: trying again changes nothing
	}
	return &lostResponse{err: err, wait: cmp.Or(d.retry.Initial, 200*time.Millisecond)}
}

// lostResponse is a failed POST that Retry may try again after wait.
type lostResponse struct {
	err  error
	wait time.Duration
}

func (e *lostResponse) Error() string { return e.err.Error() }
func (e *lostResponse) Unwrap() []error {
	return []error{e.err, &backoff.RetryAfterError{Duration: e.wait}}
}

// replace brings a group whose volume groups change in number to want,
// when no resource definition uses it.
func (d *Driver) replace(ctx context.Context, want cl.Group) error {
	g, found, err := d.getGroup(ctx, want.Name)
	if err != nil {
		return err
	}
	if !found {
		return d.create(ctx, want)
	}
	if err := d.notAnotherEnvironments(g); err != nil {
		return err
	}
	n, names, err := d.usage(ctx, want.Name)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the number of volume groups changes, which LINSTOR allows only for a group no resource definition uses: %w", inUse(n, names))
	}
	if err := d.converge(ctx, g, want); err != nil {
		return err
	}
	return d.clearPending(ctx, want.Name)
}

// update brings an existing group (lingate's, or a foreign one being
// adopted) to want.
func (d *Driver) update(ctx context.Context, want cl.Group) error {
	g, found, err := d.getGroup(ctx, want.Name)
	if err != nil {
		return err
	}
	if !found {
		return errors.New("the group no longer exists on the controller: plan again")
	}
	if err := d.notAnotherEnvironments(g); err != nil {
		return err
	}
	if err := d.converge(ctx, g, want); err != nil {
		return err
	}
	return d.clearPending(ctx, want.Name)
}

// converge changes live into want: props, description and select filter in
// one modify, then volume groups. Adding volume groups to a group that
// resource definitions use is refused before anything is written.
func (d *Driver) converge(ctx context.Context, live liveGroup, want cl.Group) error {
	add, change, remove := volumeGroupChanges(live.VolumeGroups, want.VolumeGroups)
	if len(add) > 0 {
		if n, _, err := d.usage(ctx, want.Name); err != nil {
			return err
		} else if n > 0 {
			return fmt.Errorf("cannot add volume group %d: the group is used by %s, and LINSTOR refuses new volume groups then; delete them or give the tier a new name",
				add[0].VolumeNumber, count(n, "resource definition"))
		}
	}
	if m, ok := d.modification(live.Group, want); ok {
		if err := d.do(ctx, "PUT", "/v1/resource-groups/"+want.Name, m, nil); err != nil {
			return fmt.Errorf("modify: %w", err)
		}
	}
	for _, vg := range remove {
		err := d.c.ResourceGroups.DeleteVolumeGroup(ctx, want.Name, int(vg.VolumeNumber))
		if err != nil && !notFound(err) {
			return fmt.Errorf("delete volume group %d: %w", vg.VolumeNumber, err)
		}
	}
	for _, vg := range change {
		if err := d.c.ResourceGroups.ModifyVolumeGroup(ctx, want.Name, int(vg.number), vg.modify); err != nil {
			return fmt.Errorf("modify volume group %d: %w", vg.number, err)
		}
	}
	for _, vg := range add {
		if err := d.createVolumeGroup(ctx, want.Name, vg); err != nil {
			return fmt.Errorf("create volume group %d: %w", vg.VolumeNumber, err)
		}
	}
	return nil
}

// rgModify is ResourceGroupModify with what golinstor cannot send: an
// empty description, and a select filter whose empty lists clear.
type rgModify struct {
	Description   *string           `json:"description,omitempty"`
	OverrideProps map[string]string `json:"override_props,omitempty"`
	DeleteProps   []string          `json:"delete_props,omitempty"`
	SelectFilter  *filterModify     `json:"select_filter,omitempty"`
}

// filterModify is a complete select filter: LINSTOR merges the fields that
// are present, so every list is sent, empty to clear it. node_name_list is
// always sent because LINSTOR clears it whenever it is missing.
type filterModify struct {
	PlaceCount              int32          `json:"place_count,omitempty"`
	AdditionalPlaceCount    int32          `json:"additional_place_count,omitempty"`
	NodeNameList            []string       `json:"node_name_list"`
	StoragePoolList         []string       `json:"storage_pool_list"`
	StoragePoolDisklessList []string       `json:"storage_pool_diskless_list"`
	NotPlaceWithRsc         []string       `json:"not_place_with_rsc"`
	NotPlaceWithRscRegex    *string        `json:"not_place_with_rsc_regex,omitempty"`
	ReplicasOnSame          []string       `json:"replicas_on_same"`
	ReplicasOnDifferent     []string       `json:"replicas_on_different"`
	XReplicasOnDifferent    map[string]int `json:"x_replicas_on_different_map"`
	LayerStack              []string       `json:"layer_stack"`
	ProviderList            []string       `json:"provider_list"`
	DisklessOnRemaining     *bool          `json:"diskless_on_remaining,omitempty"`
	DisklessType            string         `json:"diskless_type,omitempty"`
	Overprovision           *float64       `json:"overprovision,omitempty"`
}

// modification is the modify that turns live into want, and whether
// anything needs changing.
func (d *Driver) modification(live, want cl.Group) (rgModify, bool) {
	var m rgModify
	have := compiledForm(live)
	if have.Description != want.Description {
		m.Description = &want.Description
	}
	m.OverrideProps, m.DeleteProps = propChanges(have.Props, want.Props)
	stamps := map[string]string{PropUnreported: unreportedOf(want.SelectFilter).stamp()}
	if d.commit != "" {
		stamps[cl.PropCommit] = d.commit
	}
	for _, k := range slices.Sorted(maps.Keys(stamps)) {
		v, now := stamps[k], live.Props[k]
		switch {
		case v == now:
		case v == "":
			m.DeleteProps = append(m.DeleteProps, k)
		default:
			if m.OverrideProps == nil {
				m.OverrideProps = map[string]string{}
			}
			m.OverrideProps[k] = v
		}
	}
	if filterKey(have) != filterKey(want) {
		m.SelectFilter = fullFilter(have, want)
	}
	ok := m.Description != nil || len(m.OverrideProps) > 0 || len(m.DeleteProps) > 0 || m.SelectFilter != nil
	return m, ok
}

// propChanges returns the props to set and the keys to delete to turn have
// into want (both without Internal/ props and stamps).
func propChanges(have, want map[string]string) (map[string]string, []string) {
	var set map[string]string
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			if set == nil {
				set = map[string]string{}
			}
			set[k] = v
		}
	}
	var del []string
	for k := range have {
		if _, ok := want[k]; !ok {
			del = append(del, k)
		}
	}
	slices.Sort(del)
	return set, del
}

// filterKey is the select filter of g (with diskless_on_remaining) as JSON.
func filterKey(g cl.Group) string {
	data, _ := json.Marshal(cl.Group{ResourceGroup: client.ResourceGroup{SelectFilter: g.SelectFilter}, DisklessOnRemaining: g.DisklessOnRemaining})
	return string(data)
}

// fullFilter is want's select filter with every list present. The regex
// is sent only when wanted or when one is set to be cleared: an empty
// pattern is not something to hand the autoplacer without need.
func fullFilter(have, want cl.Group) *filterModify {
	f := want.SelectFilter
	pools := f.StoragePoolList
	if len(pools) == 0 && f.StoragePool != "" {
		pools = []string{f.StoragePool}
	}
	x := f.XReplicasOnDifferent
	if x == nil {
		x = map[string]int{}
	}
	var regex *string
	if f.NotPlaceWithRscRegex != "" || have.SelectFilter.NotPlaceWithRscRegex != "" {
		regex = &f.NotPlaceWithRscRegex
	}
	return &filterModify{
		NotPlaceWithRscRegex: regex,
		PlaceCount:           f.PlaceCount, AdditionalPlaceCount: f.AdditionalPlaceCount,
		NodeNameList: nonNil(f.NodeNameList), StoragePoolList: nonNil(pools),
		StoragePoolDisklessList: nonNil(f.StoragePoolDisklessList), NotPlaceWithRsc: nonNil(f.NotPlaceWithRsc),
		ReplicasOnSame:      nonNil(f.ReplicasOnSame),
		ReplicasOnDifferent: nonNil(f.ReplicasOnDifferent), XReplicasOnDifferent: x,
		LayerStack: nonNil(f.LayerStack), ProviderList: nonNil(f.ProviderList),
		DisklessOnRemaining: want.DisklessOnRemaining, DisklessType: f.DisklessType, Overprovision: f.Overprovision,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// vgChange is a modify of one existing volume group.
type vgChange struct {
	number int32
	modify client.VolumeGroupModify
}

// volumeGroupChanges compares volume groups by number.
func volumeGroupChanges(live, want []client.VolumeGroup) (add []client.VolumeGroup, change []vgChange, remove []client.VolumeGroup) {
	have := map[int32]client.VolumeGroup{}
	for _, vg := range cl.Normalize(cl.Group{VolumeGroups: live}).VolumeGroups {
		have[vg.VolumeNumber] = vg
	}
	for _, w := range want {
		h, ok := have[w.VolumeNumber]
		delete(have, w.VolumeNumber)
		if !ok {
			add = append(add, w)
			continue
		}
		set, del := propChanges(h.Props, w.Props)
		flags := flagChanges(h.Flags, w.Flags)
		if len(set) > 0 || len(del) > 0 || len(flags) > 0 {
			change = append(change, vgChange{w.VolumeNumber, client.VolumeGroupModify{OverrideProps: set, DeleteProps: del, Flags: flags}})
		}
	}
	for _, n := range slices.Sorted(maps.Keys(have)) {
		remove = append(remove, have[n])
	}
	return add, change, remove
}

// flagChanges lists the flags to set and, with a leading "-", to clear.
func flagChanges(have, want []string) []string {
	var out []string
	for _, f := range want {
		if !slices.Contains(have, f) {
			out = append(out, f)
		}
	}
	for _, f := range have {
		if !slices.Contains(want, f) {
			out = append(out, "-"+f)
		}
	}
	return out
}

// vgCreate is a VolumeGroup with volume_number always sent (golinstor
// omits 0, leaving the number to the controller).
type vgCreate struct {
	VolumeNumber int32             `json:"volume_number"`
	Props        map[string]string `json:"props,omitempty"`
	Flags        []string          `json:"flags,omitempty"`
}

// createVolumeGroup creates one volume group with its props unless a
// re-read finds it (a create whose answer was lost).
func (d *Driver) createVolumeGroup(ctx context.Context, rg string, vg client.VolumeGroup) error {
	path := "/v1/resource-groups/" + rg + "/volume-groups"
	_, err := apply.Retry(ctx, d.retry, func() (struct{}, error) {
		err := d.do(ctx, "GET", path+"/"+strconv.Itoa(int(vg.VolumeNumber)), nil, nil)
		if err == nil {
			return struct{}{}, nil
		}
		if !notFound(err) {
			return struct{}{}, err
		}
		err = d.do(ctx, "POST", path, vgCreate{VolumeNumber: vg.VolumeNumber, Props: vg.Props, Flags: vg.Flags}, nil)
		if err == nil || client.IsApiCallError(err, linstor.FailExistsVlmGrp) {
			return struct{}{}, nil
		}
		return struct{}{}, d.lost(err)
	})
	return err
}

// delete removes a group lingate manages, when no resource definition uses it.
func (d *Driver) delete(ctx context.Context, name string) error {
	g, found, err := d.getGroup(ctx, name)
	if err != nil || !found {
		return err
	}
	if owned, err := d.owned(ctx, g); err != nil {
		return err
	} else if !owned {
		return fmt.Errorf("the group carries no %s=%s marker for environment %s: lingate deletes only groups it manages",
			cl.PropManagedBy, cl.ManagedBy, d.env)
	}
	n, names, err := d.usage(ctx, name)
	if err != nil {
		return err
	}
	if n > 0 {
		return inUse(n, names)
	}
	if err := d.deleteOnce(ctx, name); err != nil {
		return err
	}
	return d.clearPending(ctx, name)
}

// deleteOnce deletes the group, sending the DELETE once per try; a try
// after the first reads the group again: after a delete whose answer was
// lost, a group found is one made by hand since, and stays.
func (d *Driver) deleteOnce(ctx context.Context, name string) error {
	first := true
	_, err := apply.Retry(ctx, d.retry, func() (struct{}, error) {
		if !first {
			g, found, err := d.getGroup(ctx, name)
			if err != nil || !found {
				return struct{}{}, err
			}
			if owned, err := d.owned(ctx, g); err != nil || !owned {
				return struct{}{}, err
			}
		}
		first = false
		err := d.c.ResourceGroups.Delete(apply.SendOnce(ctx), name)
		switch {
		case client.IsApiCallError(err, linstor.FailExistsRscDfn):
			return struct{}{}, errors.New("LINSTOR refuses to delete it: resource definitions were spawned from it meanwhile")
		case err != nil && !notFound(err):
			return struct{}{}, d.lost(err)
		}
		return struct{}{}, nil
	})
	return err
}

// owned reports whether g is lingate's in this environment: it carries the
// marker, or an interrupted create of lingate's left it bare.
func (d *Driver) owned(ctx context.Context, g liveGroup) (bool, error) {
	if g.managed(d.env) {
		return true, nil
	}
	marks, err := d.pending(ctx)
	return marks[strings.ToUpper(g.Name)], err
}

// inUse is the error of a delete refused because resource definitions use the group.
func inUse(n int, names []string) error {
	shown := names[:min(len(names), 5)]
	more := ""
	if len(names) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(names)-len(shown))
	}
	verb := "use"
	if n == 1 {
		verb = "uses"
	}
	return fmt.Errorf("%s still %s it (%s%s); LINSTOR refuses to delete a resource group in use: move them to another group or delete them first",
		count(n, "resource definition"), verb, strings.Join(shown, ", "), more)
}

// foreignError is the refusal to create over a group lingate does not manage.
func (d *Driver) foreignError(g liveGroup) error {
	if err := d.notAnotherEnvironments(g); err != nil {
		return err
	}
	return fmt.Errorf("a resource group %s exists without lingate's marker for environment %s; adopt it with `lingate apply --adopt %s`",
		g.Name, d.env, g.Name)
}

// count writes n things, in the plural unless n is 1.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// notAnotherEnvironments refuses a group lingate manages for another
// environment on the same controller: adopting it would take it from that
// environment, whose next apply would take it back.
func (d *Driver) notAnotherEnvironments(g liveGroup) error {
	env := g.Props[cl.PropEnvironment]
	if g.Props[cl.PropManagedBy] != cl.ManagedBy || env == "" || env == d.env {
		return nil
	}
	return fmt.Errorf("lingate manages it for environment %s on this controller; environments sharing a controller need distinct group names: "+
		"give environment %s a linstor resourceGroupPrefix, or remove the tier from %s first", env, d.env, env)
}
