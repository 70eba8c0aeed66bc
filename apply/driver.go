package apply

import (
	"context"
	"time"

	"github.com/lingate/lingate/compile/artifact"
)

// Driver reads and changes one live system (Apigee or LINSTOR) of one
// environment. apply/apigee and apply/linstor implement it; the executor
// in this package orders the changes, runs independent ones concurrently
// and records what happened.
//
// Every method must be safe to call again after a failure or a lost
// response: a Driver never repeats a non-idempotent request blindly but
// re-reads first (a revision with the same content hash, an object that a
// lost create did make).
type Driver interface {
	// System is artifact.SystemApigee or artifact.SystemLinstor.
	System() string

	// Read returns the live state of the objects this system holds for
	// the environment, in the normal form compile produces, so that
	// comparing live with desired right after an apply finds no change.
	// desired is what the policies want in this system; a reader uses it
	// to find same-named objects that lingate does not own.
	Read(ctx context.Context, desired []artifact.Object) (Live, error)

	// Impact says, for a change about to be planned, what it does to
	// what already exists beyond the object itself (resources spawned
	// from a resource group gaining replicas, data that a pool change
	// does not move), or "" when nothing beyond the object is affected.
	// live is the zero Object for a create, desired for a delete.
	Impact(ctx context.Context, c Change, live, desired artifact.Object) (string, error)

	// Apply carries out one change and, for proxies, waits until the
	// deployment is ready (rolling back to the revision that served
	// before on failure). desired is the zero Object for a delete.
	Apply(ctx context.Context, c Change, desired artifact.Object) error

	// Lock takes the environment's apply lock, held in the system itself.
	// It fails with *LockedError when another holder's lock has not
	// expired, or has expired and takeOver is false.
	Lock(ctx context.Context, l Lock, takeOver bool) error
	// Unlock releases a lock taken with Lock by the same holder.
	Unlock(ctx context.Context, l Lock) error
}

// Resolver is implemented by drivers whose desired objects need what only
// the machine that applies has: the LINSTOR driver adds to each backup
// remote the keyed hashes of the secrets its variables hold, so a plan
// shows a rotated secret without showing it. Plans call Resolve on the
// compiled objects of the driver's system before comparing them with live.
type Resolver interface {
	Resolve(ctx context.Context, desired []artifact.Object) ([]artifact.Object, error)
}

// Live is what a Driver read from its system.
type Live struct {
	// Objects are the objects carrying lingate's marker, as compile would
	// write them.
	Objects []artifact.Object
	// Foreign are objects that the policies name but that exist without
	// lingate's marker: planning them is an error until adopted
	// (`apply --adopt NAME`). Their Objects are read like managed ones so
	// that an adopt can be planned as an update.
	Foreign []artifact.Object
	// Unhealthy are managed objects that match the policies but do not
	// serve as they should (a deployment in ERROR, a base path routed to
	// another proxy): a plan updates them, saying why.
	Unhealthy []Unhealthy
	// Digest identifies the state read, so that `apply --plan` can refuse
	// a plan made against a state that has changed since.
	Digest string
}

// Unhealthy is a live object that matches what the policies want but does
// not work: Why says what is wrong, for the plan.
type Unhealthy struct {
	System, Kind, Name string
	Why                string
}

// Lock is one holder's claim on an environment.
type Lock struct {
	Env string `json:"env"`
	// Holder names who holds it: user@host and the process, or the CI run.
	Holder string `json:"holder"`
	// ID is unique per apply, so a holder never releases another's lock.
	ID       string    `json:"id"`
	Acquired time.Time `json:"acquired"`
	Expires  time.Time `json:"expires"`
}

// LockedError is returned by Lock when another holder has the lock.
type LockedError struct {
	Held Lock
	// Expired reports that the lock is past its expiry and may be taken
	// over with --break-lock.
	Expired bool
}

func (e *LockedError) Error() string {
	msg := "environment " + e.Held.Env + " is locked by " + e.Held.Holder +
		" since " + e.Held.Acquired.UTC().Format(time.RFC3339)
	if e.Expired {
		return msg + " (expired at " + e.Held.Expires.UTC().Format(time.RFC3339) + "; --break-lock takes it over)"
	}
	return msg + " until " + e.Held.Expires.UTC().Format(time.RFC3339)
}
