package apigee

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/lingate/lingate/compile/artifact"
)

// NotDeployed is the State of a proxy with no revision deployed in the
// environment.
const NotDeployed = "NOT_DEPLOYED"

// ProxyStatus is what serves one proxy the policies name.
type ProxyStatus struct {
	Proxy string
	// Revision is the revision deployed in the environment, 0 for none.
	Revision int
	// Desired reports that the deployed revision carries lingate's stamp
	// with the content hash of the policies' bundle.
	Desired bool
	// State is the deployment's state as Apigee reports it (READY,
	// PROGRESSING, ERROR) or NotDeployed.
	State string
}

// Status reads, for each proxy among desired, the revision deployed in the
// environment, whether it is the desired one and its deployment state:
// one list of deployments, then a revision and a deployment read per
// deployed proxy. Read-only, for `lingate serve`.
func (d *Driver) Status(ctx context.Context, desired []artifact.Object) ([]ProxyStatus, error) {
	deployed, err := d.deploymentsHere(ctx)
	if err != nil {
		return nil, err
	}
	var out []ProxyStatus
	var objs []artifact.Object
	for _, o := range desired {
		if o.System == artifact.SystemApigee && o.Kind == artifact.KindProxy {
			out = append(out, ProxyStatus{Proxy: o.Name, Revision: deployed[o.Name], State: NotDeployed})
			objs = append(objs, o)
		}
	}
	errs := make([]error, len(out))
	sem := make(chan struct{}, readConcurrency)
	var wg sync.WaitGroup
	for i := range out {
		if out[i].Revision == 0 {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = d.status(ctx, &out[i], objs[i])
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// status fills the desired flag and state of one deployed proxy.
func (d *Driver) status(ctx context.Context, ps *ProxyStatus, o artifact.Object) error {
	s, err := d.revisions(o.Name).stampOf(ctx, ps.Revision)
	if err != nil {
		return err
	}
	ps.Desired = s.ok && s.Hash == ContentHash(o)
	dep, err := d.svc.Organizations.Environments.Apis.Revisions.GetDeployments(d.deploymentPath(o.Name, ps.Revision)).Context(ctx).Do()
	if isStatus(err, http.StatusNotFound) { // undeployed since the list
		ps.Revision, ps.State, ps.Desired = 0, NotDeployed, false
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: revision %d: deployment: %w", subject(artifact.KindProxy, o.Name), ps.Revision, apiError(err))
	}
	ps.State = dep.State
	return nil
}
