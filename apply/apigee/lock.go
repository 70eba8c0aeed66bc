package apigee

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/api/apigee/v1"

	"github.com/lingate/lingate/apply"
)

// The key value map holding the lock, and its entry.
const (
	LockMap   = "lingate"
	LockEntry = "apply-lock"
)

func (d *Driver) lockMapPath() string { return d.env + "/keyvaluemaps/" + LockMap }

// Lock takes the environment's lock: it creates the lock entry, which
// fails when the entry exists. An existing lock of the same ID (a create
// whose answer was lost, or a renewal) is ours, and its entry is updated
// when l moves its expiry; an expired one is taken over only with
// takeOver.
func (d *Driver) Lock(ctx context.Context, l apply.Lock, takeOver bool) error {
	if err := d.ensureLockMap(ctx); err != nil {
		return err
	}
	_, err := apply.Retry(ctx, d.cfg.Retry, func() (struct{}, error) {
		return struct{}{}, d.tryLock(ctx, l, takeOver)
	})
	return err
}

// ensureLockMap creates the key value map unless it exists.
func (d *Driver) ensureLockMap(ctx context.Context) error {
	_, err := d.svc.Organizations.Environments.Keyvaluemaps.Get(d.lockMapPath()).Context(ctx).Do()
	if !isStatus(err, http.StatusNotFound) {
		return d.lockErr("read key value map "+LockMap, err)
	}
	_, err = apply.Retry(ctx, d.cfg.Retry, func() (*apigee.GoogleCloudApigeeV1KeyValueMap, error) {
		m, err := d.svc.Organizations.Environments.Keyvaluemaps.Create(d.env,
			&apigee.GoogleCloudApigeeV1KeyValueMap{Name: LockMap, Encrypted: true}).Context(ctx).Do()
		if isStatus(err, http.StatusConflict) {
			return m, nil
		}
		return m, apiError(err)
	})
	return d.lockErr("create key value map "+LockMap, err)
}

// tryLock is one try of Lock.
func (d *Driver) tryLock(ctx context.Context, l apply.Lock, takeOver bool) error {
	held, found, err := d.readLock(ctx)
	if err != nil {
		return err
	}
	if found {
		if held.ID == l.ID {
			return d.renewLock(ctx, held, l)
		}
		expired := !held.Expires.After(time.Now())
		if !expired || !takeOver {
			return &apply.LockedError{Held: held, Expired: expired}
		}
		if err := d.deleteLock(ctx); err != nil {
			return err
		}
	}
	value, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("apigee lock of environment %s: %w", d.cfg.Env, err)
	}
	_, err = d.svc.Organizations.Environments.Keyvaluemaps.Entries.Create(d.lockMapPath(),
		&apigee.GoogleCloudApigeeV1KeyValueEntry{Name: LockEntry, Value: string(value)}).Context(ctx).Do()
	if err != nil && !isStatus(err, http.StatusConflict) {
		return d.lockErr("create entry "+LockEntry, err)
	}
	// Whether the create won (or another holder's did, 409), or another
	// holder taking the same expired lock over deleted ours right after:
	// the entry now says who holds the lock.
	return d.confirmLock(ctx, l)
}

// renewLock writes l over held, the same apply's lock, when l moves its
// expiry, and reads it back.
func (d *Driver) renewLock(ctx context.Context, held, l apply.Lock) error {
	if held.Expires.Equal(l.Expires) {
		return nil
	}
	value, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("apigee lock of environment %s: %w", d.cfg.Env, err)
	}
	_, err = d.svc.Organizations.Environments.Keyvaluemaps.Entries.Update(d.lockMapPath()+"/entries/"+LockEntry,
		&apigee.GoogleCloudApigeeV1KeyValueEntry{Name: LockEntry, Value: string(value)}).Context(ctx).Do()
	if err != nil {
		return d.lockErr("update entry "+LockEntry, err)
	}
	return d.confirmLock(ctx, l)
}

// confirmLock reads the lock entry back: nil when it is l.
func (d *Driver) confirmLock(ctx context.Context, l apply.Lock) error {
	held, found, err := d.readLock(ctx)
	switch {
	case err != nil:
		return err
	case !found:
		return d.lockErr("create entry "+LockEntry, fmt.Errorf("another apply removed it while it was being taken; try again"))
	case held.ID != l.ID:
		return &apply.LockedError{Held: held, Expired: !held.Expires.After(time.Now())}
	}
	return nil
}

// readLock reads the lock entry.
func (d *Driver) readLock(ctx context.Context) (apply.Lock, bool, error) {
	e, err := d.svc.Organizations.Environments.Keyvaluemaps.Entries.Get(d.lockMapPath() + "/entries/" + LockEntry).Context(ctx).Do()
	if isStatus(err, http.StatusNotFound) {
		return apply.Lock{}, false, nil
	}
	if err != nil {
		return apply.Lock{}, false, d.lockErr("read entry "+LockEntry, err)
	}
	var l apply.Lock
	if err := json.Unmarshal([]byte(e.Value), &l); err != nil {
		return apply.Lock{}, false, d.lockErr("read entry "+LockEntry, fmt.Errorf("not a lingate lock (%v); delete the entry if nothing else uses it", err))
	}
	return l, true, nil
}

func (d *Driver) deleteLock(ctx context.Context) error {
	_, err := d.svc.Organizations.Environments.Keyvaluemaps.Entries.Delete(d.lockMapPath() + "/entries/" + LockEntry).Context(ctx).Do()
	if isStatus(err, http.StatusNotFound) {
		return nil
	}
	return d.lockErr("delete entry "+LockEntry, err)
}

// Unlock releases l if it is still the lock held; a lock already gone is
// fine, another holder's lock is an error and stays.
func (d *Driver) Unlock(ctx context.Context, l apply.Lock) error {
	held, found, err := d.readLock(ctx)
	if err != nil || !found {
		return err
	}
	if held.ID != l.ID {
		return fmt.Errorf("apigee lock of environment %s: held by %s (%s), not by this apply; left in place", d.cfg.Env, held.Holder, held.ID)
	}
	return d.deleteLock(ctx)
}

// lockErr names the lock in an error; nil stays nil.
func (d *Driver) lockErr(step string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("apigee lock of environment %s: %s in %s: %w", d.cfg.Env, step, d.cfg.Environment, apiError(err))
}
