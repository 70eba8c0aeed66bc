package linstor

import (
	"context"
	"fmt"
	"strings"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	cl "github.com/lingate/lingate/compile/linstor"
)

// PendingPrefix names the controller properties that mark a create in
// progress: PendingPrefix+env+"/"+GROUP (the name upper-cased, as LINSTOR
// compares names) is set before a create's POST and removed once the group
// carries lingate's marker. LINSTOR ignores props on create, so between the
// POST and the modify that writes the marker the group is bare; an apply
// killed there would leave a group that the next plan takes for a foreign
// one. The property tells Read that it is lingate's unfinished create, so
// the next apply finishes it.
const PendingPrefix = cl.LingateNamespace + "pending/"

func (d *Driver) pendingKey(name string) string {
	return PendingPrefix + d.env + "/" + strings.ToUpper(name)
}

// pending returns the upper-cased names of the groups whose create is
// marked as in progress in this environment.
func (d *Driver) pending(ctx context.Context) (map[string]bool, error) {
	props, err := d.c.Controller.GetProps(ctx)
	if err != nil {
		return nil, fmt.Errorf("read controller properties: %w", err)
	}
	prefix := PendingPrefix + d.env + "/"
	out := map[string]bool{}
	for k := range props {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			out[name] = true
		}
	}
	return out, nil
}

// setPending marks the create of name as in progress.
func (d *Driver) setPending(ctx context.Context, name string) error {
	if err := d.modifyCtrlProps(ctx, client.GenericPropsModify{OverrideProps: client.OverrideProps{d.pendingKey(name): d.commit}}); err != nil {
		return fmt.Errorf("mark the create as in progress: %w", err)
	}
	return nil
}

// clearPending removes the in-progress mark of name, when there is one.
func (d *Driver) clearPending(ctx context.Context, name string) error {
	marks, err := d.pending(ctx)
	if err != nil || !marks[strings.ToUpper(name)] {
		return err
	}
	if err := d.modifyCtrlProps(ctx, client.GenericPropsModify{DeleteProps: client.DeleteProps{d.pendingKey(name)}}); err != nil {
		return fmt.Errorf("clear the in-progress mark: %w", err)
	}
	return nil
}

// modifyCtrlProps sets and deletes controller properties. Setting a
// property is idempotent although it is a POST, so a lost answer is simply
// tried again.
func (d *Driver) modifyCtrlProps(ctx context.Context, m client.GenericPropsModify) error {
	_, err := apply.Retry(ctx, d.retry, func() (struct{}, error) {
		if err := d.c.Controller.Modify(ctx, m); err != nil {
			return struct{}{}, d.lost(err)
		}
		return struct{}{}, nil
	})
	return err
}
