package apigee

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
)

// readConcurrency bounds the proxies read at the same time.
const readConcurrency = 8

// Read returns the environment's proxies and products in compile's form:
// lingate's in Objects, same-named ones without its marker in Foreign.
func (d *Driver) Read(ctx context.Context, desired []artifact.Object) (apply.Live, error) {
	want := map[string]map[string]artifact.Object{artifact.KindProxy: {}, artifact.KindProduct: {}}
	for _, o := range desired {
		if o.System == artifact.SystemApigee && want[o.Kind] != nil {
			want[o.Kind][o.Name] = o
		}
	}
	var live apply.Live
	if err := d.readProxies(ctx, want[artifact.KindProxy], &live); err != nil {
		return apply.Live{}, err
	}
	if err := d.readProducts(ctx, want[artifact.KindProduct], &live); err != nil {
		return apply.Live{}, err
	}
	live.Objects, live.Foreign = sorted(live.Objects), sorted(live.Foreign)
	slices.SortFunc(live.Unhealthy, func(a, b apply.Unhealthy) int { return cmp.Compare(a.Kind+"/"+a.Name, b.Kind+"/"+b.Name) })
	live.Digest = liveDigest(live)
	return live, nil
}

// proxyRead is what reading one proxy found.
type proxyRead struct {
	obj     artifact.Object
	present bool // the proxy counts as live in the environment
	owned   bool
	// unhealthy says why the deployment of a matching revision does not
	// serve, or is "".
	unhealthy string
	err       error
}

// readProxies reads the proxies deployed in the environment and those the
// policies name.
func (d *Driver) readProxies(ctx context.Context, want map[string]artifact.Object, live *apply.Live) error {
	list, err := d.svc.Organizations.Apis.List(d.org).IncludeRevisions(true).Context(ctx).Do()
	if err != nil {
		return fmt.Errorf("apigee proxies of organization %s: %w", d.cfg.Organization, apiError(err))
	}
	deployed, err := d.deploymentsHere(ctx)
	if err != nil {
		return err
	}
	results := make([]proxyRead, len(list.Proxies))
	sem := make(chan struct{}, readConcurrency)
	var wg sync.WaitGroup
	for i, p := range list.Proxies {
		desired, ok := want[p.Name]
		if !ok && deployed[p.Name] == 0 {
			continue
		}
		revs := d.revisions(p.Name)
		revs.list = revNumbers(p.Revision)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = d.readProxy(ctx, revs, deployed[p.Name], desired, ok)
		})
	}
	wg.Wait()
	for _, r := range results {
		switch {
		case r.err != nil:
			return r.err
		case !r.present:
		case r.owned:
			live.Objects = append(live.Objects, r.obj)
			if r.unhealthy != "" {
				live.Unhealthy = append(live.Unhealthy, apply.Unhealthy{System: r.obj.System, Kind: r.obj.Kind, Name: r.obj.Name, Why: r.unhealthy})
			}
		default:
			live.Foreign = append(live.Foreign, r.obj)
		}
	}
	return nil
}

// deploymentsHere maps each proxy deployed in the environment to its revision.
func (d *Driver) deploymentsHere(ctx context.Context) (map[string]int, error) {
	resp, err := d.svc.Organizations.Environments.Deployments.List(d.env).Context(ctx).Do()
	if err != nil {
		return nil, fmt.Errorf("apigee deployments of environment %s: %w", d.cfg.Environment, apiError(err))
	}
	return serving(resp.Deployments), nil
}

// readProxy reads one proxy (see the package doc for the rules).
func (d *Driver) readProxy(ctx context.Context, revs *revisions, deployed int, desired artifact.Object, isDesired bool) proxyRead {
	if deployed == 0 {
		return d.readUndeployed(ctx, revs, isDesired)
	}
	s, err := revs.lingates(ctx, deployed)
	if err != nil {
		return proxyRead{err: err}
	}
	// A proxy the policies no longer name is lingate's (to prune) only
	// while lingate's revision serves: one deployed by hand since is left
	// alone, and no other revision need be read.
	if !s.ok && !isDesired {
		return proxyRead{}
	}
	owned := s.ok
	if !owned {
		if owned, err = revs.owned(ctx); err != nil {
			return proxyRead{err: err}
		}
	}
	if s.ok && isDesired && s.Hash == ContentHash(desired) {
		why, err := d.deploymentProblem(ctx, desired.Name, deployed)
		return proxyRead{obj: desired, present: true, owned: true, unhealthy: why, err: err}
	}
	obj, err := revs.export(ctx, deployed)
	return proxyRead{obj: obj, present: err == nil, owned: owned, err: err}
}

// readUndeployed reads a proxy the policies name that is not deployed in
// the environment: absent when it is lingate's (an apply deploys it), else
// foreign, read from its latest revision.
func (d *Driver) readUndeployed(ctx context.Context, revs *revisions, isDesired bool) proxyRead {
	if !isDesired || len(revs.list) == 0 {
		return proxyRead{}
	}
	owned, err := revs.owned(ctx)
	if err != nil || owned {
		return proxyRead{err: err}
	}
	obj, err := revs.export(ctx, revs.list[len(revs.list)-1])
	return proxyRead{obj: obj, present: err == nil, err: err}
}

// revNumbers parses revision numbers, ascending as Apigee lists them.
func revNumbers(revs []string) []int {
	out := make([]int, 0, len(revs))
	for _, s := range revs {
		if n, err := strconv.Atoi(s); err == nil {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// readProducts reads lingate's products bound to the environment and the
// products the policies name.
func (d *Driver) readProducts(ctx context.Context, want map[string]artifact.Object, live *apply.Live) error {
	products, err := d.listProducts(ctx)
	if err != nil {
		return err
	}
	for _, p := range products {
		desired, isDesired := want[p.Name]
		owned := marked(p)
		if !isDesired && !(owned && boundTo(p, d.cfg.Environment)) {
			continue
		}
		if err := d.otherEnvironments(p); err != nil {
			return fmt.Errorf("%s: %w", subject(artifact.KindProduct, p.Name), err)
		}
		obj, err := productObject(p, desired)
		if err != nil {
			return err
		}
		if owned {
			live.Objects = append(live.Objects, obj)
		} else {
			live.Foreign = append(live.Foreign, obj)
		}
	}
	return nil
}

// sorted orders objects and their files as compile does.
func sorted(objs []artifact.Object) []artifact.Object {
	set := artifact.Set{Objects: objs}
	set.Sort()
	return set.Objects
}

// liveDigest identifies what was read: every object's identity, owner and
// content, without provenance.
func liveDigest(live apply.Live) string {
	h := sha256.New()
	for _, group := range []struct {
		tag  string
		objs []artifact.Object
	}{{"managed", live.Objects}, {"foreign", live.Foreign}} {
		for _, o := range group.objs {
			fmt.Fprintf(h, "%s %s %s %s %s\n", group.tag, o.System, o.Kind, strconv.Quote(o.Name), apply.ObjectDigest(o))
		}
	}
	for _, u := range live.Unhealthy {
		fmt.Fprintf(h, "unhealthy %s %s %s %s\n", u.System, u.Kind, strconv.Quote(u.Name), strconv.Quote(u.Why))
	}
	return hex.EncodeToString(h.Sum(nil))
}
