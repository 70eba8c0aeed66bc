package linstor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	cl "github.com/lingate/lingate/compile/linstor"
)

// LockPrefix is where the apply locks live among the controller's
// properties: one key per environment, LockPrefix+env, holding the JSON
// of an apply.Lock.
const LockPrefix = cl.LingateNamespace + "lock/"

// Lock takes the environment's apply lock, a controller property.
//
// The race window: LINSTOR has no compare-and-set on properties, so Lock
// reads the property, writes its own lock when the key is free (or held by
// this same ID, or expired and takeOver), and reads it back. Two applies
// that both read a free key before either writes both write; the read-back
// makes the one whose write was overwritten fail with *apply.LockedError,
// but if both read back before the second write lands, both proceed. The
// window is one controller round trip wide; the lock keeps applies by
// people and pipelines from interleaving, not adversaries racing on
// purpose.
func (d *Driver) Lock(ctx context.Context, l apply.Lock, takeOver bool) error {
	key := LockPrefix + l.Env
	held, found, err := d.readLock(ctx, key)
	if err != nil {
		return fmt.Errorf("linstor lock %s: %w", l.Env, err)
	}
	if found && held.ID != l.ID {
		expired := !d.now().Before(held.Expires)
		if !expired || !takeOver {
			return &apply.LockedError{Held: held, Expired: expired}
		}
	}
	data, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("linstor lock %s: %w", l.Env, err)
	}
	if err := d.modifyCtrlProps(ctx, client.GenericPropsModify{OverrideProps: client.OverrideProps{key: string(data)}}); err != nil {
		return fmt.Errorf("linstor lock %s: write %s: %w", l.Env, key, err)
	}
	back, found, err := d.readLock(ctx, key)
	if err != nil {
		return fmt.Errorf("linstor lock %s: read back: %w", l.Env, err)
	}
	if !found {
		return fmt.Errorf("linstor lock %s: %s was removed while this apply was taking it (another apply released or broke it); try again", l.Env, key)
	}
	if back.ID != l.ID {
		return &apply.LockedError{Held: back, Expired: !d.now().Before(back.Expires)}
	}
	return nil
}

// Unlock releases the lock when it is still l's: it re-reads the property
// and deletes it only when it holds l's ID. A delete whose answer was lost
// is not sent again blindly: the next try re-reads first, and a lock found
// then is another apply's, taken since.
func (d *Driver) Unlock(ctx context.Context, l apply.Lock) error {
	key := LockPrefix + l.Env
	first := true
	_, err := apply.Retry(ctx, d.retry, func() (struct{}, error) {
		held, found, err := d.readLock(ctx, key)
		if err != nil {
			return struct{}{}, fmt.Errorf("linstor unlock %s: %w", l.Env, err)
		}
		if !found || (held.ID != l.ID && !first) {
			return struct{}{}, nil // free, or released by a try whose answer was lost
		}
		if held.ID != l.ID {
			return struct{}{}, fmt.Errorf("linstor unlock %s: the lock is now held by %s (taken over); left in place", l.Env, held.Holder)
		}
		first = false
		if err := d.c.Controller.Modify(ctx, client.GenericPropsModify{DeleteProps: client.DeleteProps{key}}); err != nil {
			return struct{}{}, fmt.Errorf("linstor unlock %s: delete %s: %w", l.Env, key, d.lost(err))
		}
		return struct{}{}, nil
	})
	return err
}

// readLock reads the lock property; a value that is not a lock is an error
// naming the key.
func (d *Driver) readLock(ctx context.Context, key string) (apply.Lock, bool, error) {
	props, err := d.c.Controller.GetProps(ctx)
	if err != nil {
		return apply.Lock{}, false, fmt.Errorf("read controller properties: %w", err)
	}
	v, ok := props[key]
	if !ok {
		return apply.Lock{}, false, nil
	}
	var l apply.Lock
	if err := json.Unmarshal([]byte(v), &l); err != nil || l.ID == "" {
		return apply.Lock{}, false, errors.New("controller property " + key + " is not a lingate lock; remove it by hand if no apply is running")
	}
	return l, true, nil
}
