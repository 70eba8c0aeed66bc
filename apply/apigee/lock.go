package apigee

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	m, err := d.svc.Organizations.Environments.Keyvaluemaps.Get(d.lockMapPath()).Context(ctx).Do()
	if err == nil && m.MaskedValues {
		return fmt.Errorf("apigee lock of environment %s: key value map %s in %s masks its values (maskedValues), so the lock cannot be read: "+
			"set maskedValues to false on it (it holds only lingate's apply lock)", d.cfg.Env, LockMap, d.cfg.Environment)
	}
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
// tryLock is one try of Lock.
func (d *Driver) tryLock(ctx context.Context, l apply.Lock, takeOver bool) error {
	held, found, err := d.readLock(ctx)
	if err != nil {
		return err
	}
	claim := ""
	if found {
		if held.ID == l.ID {
			return d.renewLock(ctx, held, l)
		}
		expired := !held.Expires.After(time.Now())
		if !expired || !takeOver {
			return &apply.LockedError{Held: held, Expired: expired}
		}
		if claim, err = d.takeOver(ctx, held, l); err != nil {
			return err
		}
	}
	value, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("apigee lock of environment %s: %w", d.cfg.Env, err)
	}
	err = d.createEntry(ctx, LockEntry, string(value))
	if err != nil && !isStatus(err, http.StatusConflict) {
		return d.lockErr("create entry "+LockEntry, err)
	}
	// Whether the create won, or another holder's did (409): the entry
	// now says who holds the lock.
	if err := d.confirmLock(ctx, l); err != nil {
		return err
	}
	if claim != "" {
		// The claim has served; one left behind blocks nothing, as no
		// lock takes the expired one's ID again.
		_ = d.deleteEntry(ctx, claim)
	}
	return nil
}

// takeOver removes the expired lock held so that l can be created, and
// returns the claim entry it made. The key value map API has no
// conditional delete, so of the applies taking over the same expired lock
// only the one that creates the claim entry (an atomic create: 409 for the
// others) deletes the lock: without the claim, one could delete the lock
// another had just taken over.
func (d *Driver) takeOver(ctx context.Context, held, l apply.Lock) (string, error) {
	claim := takeoverEntry(held.ID)
	value, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("apigee lock of environment %s: %w", d.cfg.Env, err)
	}
	err = d.createEntry(ctx, claim, string(value))
	if err != nil && !isStatus(err, http.StatusConflict) {
		return "", d.lockErr("create entry "+claim, err)
	}
	if err != nil {
		// Ours, from a try whose answer was lost, or another's.
		by, err := d.readEntry(ctx, claim)
		if isStatus(err, http.StatusNotFound) {
			// The other taker has finished and removed its claim: the
			// lock entry says who holds the lock now.
			return "", d.confirmLock(ctx, l)
		}
		if err != nil {
			return "", d.lockErr("read entry "+claim, err)
		}
		var other apply.Lock
		if json.Unmarshal([]byte(by), &other) != nil || other.ID != l.ID {
			return "", &apply.LockedError{Held: other, Expired: !other.Expires.After(time.Now())}
		}
	}
	cur, found, err := d.readLock(ctx)
	if err != nil || !found || cur.ID != held.ID {
		// Gone already: deleted by a try whose answer was lost, or
		// released by its holder.
		return claim, err
	}
	if err := d.deleteEntry(ctx, LockEntry); err != nil {
		return "", d.lockErr("delete entry "+LockEntry, err)
	}
	return claim, nil
}

// takeoverEntry names the entry claiming the takeover of the lock with the
// given ID (hashed: entry names go into URLs).
func takeoverEntry(id string) string {
	sum := sha256.Sum256([]byte(id))
	return LockEntry + "-takeover-" + hex.EncodeToString(sum[:8])
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
	v, err := d.readEntry(ctx, LockEntry)
	if isStatus(err, http.StatusNotFound) {
		return apply.Lock{}, false, nil
	}
	if err != nil {
		return apply.Lock{}, false, d.lockErr("read entry "+LockEntry, err)
	}
	var l apply.Lock
	if err := json.Unmarshal([]byte(v), &l); err != nil {
		return apply.Lock{}, false, d.lockErr("read entry "+LockEntry, fmt.Errorf("not a lingate lock (%v); delete the entry if nothing else uses it", err))
	}
	return l, true, nil
}

// readEntry reads the value of an entry of the lock's key value map.
func (d *Driver) readEntry(ctx context.Context, name string) (string, error) {
	e, err := d.svc.Organizations.Environments.Keyvaluemaps.Entries.Get(d.lockMapPath() + "/entries/" + name).Context(ctx).Do()
	if err != nil {
		return "", err
	}
	return e.Value, nil
}

// createEntry creates an entry of the lock's key value map: 409 when it exists.
func (d *Driver) createEntry(ctx context.Context, name, value string) error {
	_, err := d.svc.Organizations.Environments.Keyvaluemaps.Entries.Create(d.lockMapPath(),
		&apigee.GoogleCloudApigeeV1KeyValueEntry{Name: name, Value: value}).Context(ctx).Do()
	return err
}

// deleteEntry deletes an entry of the lock's key value map, sent once:
// retrying the DELETE blindly after a lost answer could delete an entry
// another apply created meanwhile. Already gone is fine.
func (d *Driver) deleteEntry(ctx context.Context, name string) error {
	_, err := d.svc.Organizations.Environments.Keyvaluemaps.Entries.Delete(d.lockMapPath() + "/entries/" + name).Context(apply.SendOnce(ctx)).Do()
	if isStatus(err, http.StatusNotFound) {
		return nil
	}
	return err
}

// Unlock releases l if it is still the lock held; a lock already gone is
// fine, another holder's lock is an error and stays. Each try reads the
// entry before deleting it: after a delete whose answer was lost, a lock
// found is another apply's, taken since.
func (d *Driver) Unlock(ctx context.Context, l apply.Lock) error {
	first := true
	_, err := apply.Retry(ctx, d.cfg.Retry, func() (struct{}, error) {
		held, found, err := d.readLock(ctx)
		if err != nil || !found {
			return struct{}{}, err
		}
		if held.ID != l.ID {
			if !first {
				return struct{}{}, nil // released by a try whose answer was lost
			}
			return struct{}{}, fmt.Errorf("apigee lock of environment %s: held by %s (%s), not by this apply; left in place", d.cfg.Env, held.Holder, held.ID)
		}
		first = false
		return struct{}{}, d.lockErr("delete entry "+LockEntry, d.deleteEntry(ctx, LockEntry))
	})
	return err
}

// lockErr names the lock in an error; nil stays nil.
func (d *Driver) lockErr(step string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("apigee lock of environment %s: %s in %s: %w", d.cfg.Env, step, d.cfg.Environment, apiError(err))
}
