package apigee

import (
	"context"
	"fmt"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
)

// Apply carries out one change of a proxy or product. A replace deletes,
// then creates.
func (d *Driver) Apply(ctx context.Context, c apply.Change, desired artifact.Object) error {
	if c.Kind != artifact.KindProxy && c.Kind != artifact.KindProduct {
		return fmt.Errorf("%s: apigee has no objects of kind %s", subject(c.Kind, c.Name), c.Kind)
	}
	if err := checkName("apigee "+c.Kind+" name", c.Name); err != nil {
		return err
	}
	switch c.Action {
	case apply.Create, apply.Update:
		return d.put(ctx, c, desired)
	case apply.Delete:
		return d.remove(ctx, c)
	case apply.Replace:
		if err := d.remove(ctx, c); err != nil {
			return err
		}
		return d.put(ctx, apply.Change{Ref: c.Ref, Action: apply.Create}, desired)
	}
	return fmt.Errorf("%s: unknown action %q", subject(c.Kind, c.Name), c.Action)
}

func (d *Driver) put(ctx context.Context, c apply.Change, desired artifact.Object) error {
	if desired.Name != c.Name || desired.Kind != c.Kind {
		return fmt.Errorf("%s: desired object is %s", subject(c.Kind, c.Name), subject(desired.Kind, desired.Name))
	}
	if c.Kind == artifact.KindProxy {
		return d.applyProxy(ctx, c, desired)
	}
	return d.applyProduct(ctx, c, desired)
}

func (d *Driver) remove(ctx context.Context, c apply.Change) error {
	if c.Kind == artifact.KindProxy {
		return d.deleteProxy(ctx, c.Name)
	}
	return d.deleteProduct(ctx, c.Name)
}
