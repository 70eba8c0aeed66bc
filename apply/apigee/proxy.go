package apigee

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/api/apigee/v1"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
)

// Deployment states as Apigee reports them.
const (
	stateReady       = "READY"
	stateError       = "ERROR"
	stateProgressing = "PROGRESSING"
)

// applyProxy makes o the proxy deployed in the environment: it reuses or
// imports the revision with o's content hash, deploys it, waits until it
// is ready (rolling back on failure) and prunes old revisions.
func (d *Driver) applyProxy(ctx context.Context, c apply.Change, o artifact.Object) error {
	revs := d.revisions(o.Name)
	if c.Action == apply.Create {
		if err := d.refuseForeign(ctx, revs); err != nil {
			return err
		}
	}
	rev, err := d.revisionFor(ctx, revs, o)
	if err != nil {
		return err
	}
	prev, err := d.deployedHere(ctx, o.Name)
	if err != nil {
		return err
	}
	if prev != rev {
		if err := d.deploy(ctx, o.Name, rev); err != nil {
			return err
		}
	} else if err := d.redeployFailed(ctx, o.Name, rev); err != nil {
		return err
	}
	if err := d.wait(ctx, o.Name, rev); err != nil {
		if prev == rev {
			return fmt.Errorf("%s: revision %d in environment %s: %w", subject(o.Kind, o.Name), rev, d.cfg.Environment, err)
		}
		// Interrupted (Ctrl-C, a job's timeout) or not, the revision that
		// served before is put back: an unverified revision must not go on
		// rolling out behind a failed apply.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.DeployTimeout)
		defer cancel()
		return d.rollback(rctx, o.Name, rev, prev, err)
	}
	return d.pruneRevisions(ctx, revs, rev)
}

// refuseForeign fails when the proxy exists and none of its revisions is
// lingate's: only an update (apply --adopt) may take such a proxy over.
func (d *Driver) refuseForeign(ctx context.Context, revs *revisions) error {
	all, err := revs.all(ctx)
	if err != nil || len(all) == 0 {
		return err
	}
	owned, err := revs.owned(ctx)
	if err != nil || owned {
		return err
	}
	return fmt.Errorf("%s: exists without lingate's marker in any revision (adopt it with `apply --adopt %s`)", subject(artifact.KindProxy, revs.name), revs.name)
}

// revisionFor finds the revision stamped with o's content hash, or imports
// it. Every try lists the revisions first, so an import whose answer was
// lost is found instead of imported twice.
func (d *Driver) revisionFor(ctx context.Context, revs *revisions, o artifact.Object) (int, error) {
	s := stamp{Hash: ContentHash(o), Commit: d.cfg.Commit}
	zip, err := stampedZip(o, s)
	if err != nil {
		return 0, err
	}
	return apply.Retry(ctx, d.cfg.Retry, func() (int, error) {
		if rev, err := revs.find(ctx, s.Hash); err != nil || rev > 0 {
			return rev, err
		}
		if len(revs.list) >= MaxRevisions {
			// Apigee refuses imports at the limit: make room first.
			if err := d.pruneRevisions(ctx, revs, 0); err != nil {
				return 0, err
			}
		}
		return revs.importBundle(ctx, zip)
	})
}

// MaxRevisions is how many revisions Apigee keeps per proxy; an import
// beyond it fails.
const MaxRevisions = 250

// deploymentPath names the deployment of a revision as the client wants
// it (the client appends /deployments).
func (d *Driver) deploymentPath(name string, rev int) string {
	return d.env + "/apis/" + name + "/revisions/" + strconv.Itoa(rev)
}

// deployedHere is the revision of proxy name deployed in the environment,
// or 0.
func (d *Driver) deployedHere(ctx context.Context, name string) (int, error) {
	resp, err := d.svc.Organizations.Environments.Apis.Deployments.List(d.env + "/apis/" + name).Context(ctx).Do()
	if isStatus(err, http.StatusNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("%s: deployments in environment %s: %w", subject(artifact.KindProxy, name), d.cfg.Environment, apiError(err))
	}
	for _, dep := range resp.Deployments {
		dep.ApiProxy = name // the list is of this proxy's deployments
	}
	return serving(resp.Deployments)[name], nil
}

// serving maps each proxy of deps to the revision that serves it: of
// several revisions of a proxy listed in one environment (a rollover with
// override not yet finished), the one marked deployed last, the highest
// number on a tie. Read and apply agree on it, so a plan and the rollback
// target are the same revision.
func serving(deps []*apigee.GoogleCloudApigeeV1Deployment) map[string]int {
	out := map[string]int{}
	at := map[string]int64{}
	for _, dep := range deps {
		n, err := strconv.Atoi(dep.Revision)
		if err != nil {
			continue
		}
		cur, seen := out[dep.ApiProxy]
		if !seen || dep.DeployStartTime > at[dep.ApiProxy] || (dep.DeployStartTime == at[dep.ApiProxy] && n > cur) {
			out[dep.ApiProxy], at[dep.ApiProxy] = n, dep.DeployStartTime
		}
	}
	return out
}

// deployedAnywhere maps each revision of proxy name deployed in some
// environment of the organization to those environments.
func (d *Driver) deployedAnywhere(ctx context.Context, name string) (map[int][]string, error) {
	resp, err := d.svc.Organizations.Apis.Deployments.List(d.org + "/apis/" + name).Context(ctx).Do()
	if isStatus(err, http.StatusNotFound) {
		return map[int][]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: deployments: %w", subject(artifact.KindProxy, name), apiError(err))
	}
	out := map[int][]string{}
	for _, dep := range resp.Deployments {
		if n, err := strconv.Atoi(dep.Revision); err == nil {
			out[n] = append(out[n], dep.Environment)
		}
	}
	return out, nil
}

// deploy deploys revision rev with override. A try whose answer was lost
// is not repeated when the revision is found deployed.
func (d *Driver) deploy(ctx context.Context, name string, rev int) error {
	return d.deployWhile(ctx, name, rev, "deploy", func() (bool, error) {
		cur, err := d.deployedHere(ctx, name)
		return cur != rev, err
	})
}

// redeployFailed deploys revision rev again when its deployment is in
// ERROR (an apply stopped between a deploy and its rollback leaves it so):
// deploying it again is the only way back to READY. A try whose answer was
// lost is not repeated when the deployment is no longer in ERROR.
func (d *Driver) redeployFailed(ctx context.Context, name string, rev int) error {
	return d.deployWhile(ctx, name, rev, "deploy again (it is in ERROR)", func() (bool, error) {
		dep, err := d.deploymentStatus(ctx, name, rev)
		return err == nil && dep.State == stateError, err
	})
}

// deployWhile deploys revision rev with override, retrying, as long as
// needed, asked before every try, says the deploy has not taken effect.
func (d *Driver) deployWhile(ctx context.Context, name string, rev int, what string, needed func() (bool, error)) error {
	_, err := apply.Retry(ctx, d.cfg.Retry, func() (struct{}, error) {
		if ok, err := needed(); err != nil || !ok {
			return struct{}{}, err
		}
		_, err := d.svc.Organizations.Environments.Apis.Revisions.Deploy(d.deploymentPath(name, rev)).
			Override(true).Context(ctx).Do()
		return struct{}{}, apiError(err)
	})
	if err != nil {
		return fmt.Errorf("%s: %s revision %d to environment %s: %w", subject(artifact.KindProxy, name), what, rev, d.cfg.Environment, err)
	}
	return nil
}

// errDeployTimeout is a deployment still not READY after DeployTimeout.
var errDeployTimeout = errors.New("not ready")

// wait polls the deployment of revision rev until it is READY, and fails
// when it is in ERROR, when it is READY but a route conflict leaves a base
// path of it serving no traffic, or when DeployTimeout passes.
func (d *Driver) wait(ctx context.Context, name string, rev int) error {
	deadline := time.Now().Add(d.cfg.DeployTimeout)
	for {
		dep, err := d.deploymentStatus(ctx, name, rev)
		if err != nil {
			return err
		}
		if dep.State == stateReady || dep.State == stateError {
			if why := problem(dep); why != "" {
				return errors.New(why)
			}
			return nil
		}
		if time.Now().Add(d.cfg.PollInterval).After(deadline) {
			return fmt.Errorf("deployment %w after %s (state %s)", errDeployTimeout, d.cfg.DeployTimeout, dep.State)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d.cfg.PollInterval):
		}
	}
}

// deploymentStatus reads the deployment of revision rev in the
// environment; one not listed yet (deployments are eventually consistent)
// has the state "not yet listed". Errors are the API's: callers name the
// proxy.
func (d *Driver) deploymentStatus(ctx context.Context, name string, rev int) (*apigee.GoogleCloudApigeeV1Deployment, error) {
	dep, err := d.svc.Organizations.Environments.Apis.Revisions.GetDeployments(d.deploymentPath(name, rev)).Context(ctx).Do()
	switch {
	case isStatus(err, http.StatusNotFound):
		return &apigee.GoogleCloudApigeeV1Deployment{State: "not yet listed"}, nil
	case err != nil:
		return nil, apiError(err)
	}
	return dep, nil
}

// problem says why a deployment does not serve: its errors when it is in
// ERROR, the base paths an environment group routes to another deployment
// when it is READY with route conflicts; "" when it serves (or is still
// progressing).
func problem(dep *apigee.GoogleCloudApigeeV1Deployment) string {
	switch dep.State {
	case stateError:
		var msgs []string
		for _, e := range dep.Errors {
			msgs = append(msgs, e.Message)
		}
		return "deployment is in ERROR: " + strings.Join(msgs, "; ")
	case stateReady:
		var msgs []string
		for _, c := range dep.RouteConflicts {
			o := c.ConflictingDeployment
			if o == nil {
				msgs = append(msgs, c.Description)
				continue
			}
			msgs = append(msgs, fmt.Sprintf("base path %s is routed to proxy %s revision %s in environment %s (environment group %s)",
				o.Basepath, o.ApiProxy, o.Revision, o.Environment, c.EnvironmentGroup))
		}
		if len(msgs) > 0 {
			return "deployment is READY but serves no traffic on a route conflict: " + strings.Join(msgs, "; ")
		}
	}
	return ""
}

// deploymentProblem says why the deployment of revision rev does not
// serve, for a plan: see problem; a deployment still PROGRESSING (an apply
// stopped while it waited) does not serve yet either.
func (d *Driver) deploymentProblem(ctx context.Context, name string, rev int) (string, error) {
	dep, err := d.deploymentStatus(ctx, name, rev)
	if err != nil {
		return "", fmt.Errorf("%s: deployment of revision %d in environment %s: %w", subject(artifact.KindProxy, name), rev, d.cfg.Environment, err)
	}
	why := problem(dep)
	switch {
	case why == "" && dep.State == stateProgressing:
		return fmt.Sprintf("revision %d in environment %s: deployment is %s, not serving yet (apply waits until it is READY)", rev, d.cfg.Environment, dep.State), nil
	case why == "":
		return "", nil
	case dep.State == stateError:
		return fmt.Sprintf("revision %d in environment %s: %s (apply deploys it again)", rev, d.cfg.Environment, why), nil
	}
	return fmt.Sprintf("revision %d in environment %s: %s (apply fails until the conflict is resolved)", rev, d.cfg.Environment, why), nil
}

// rollback redeploys prev, the revision that served before failed did not
// become ready, or undeploys failed when none did, and returns an error
// that says what happened.
func (d *Driver) rollback(ctx context.Context, name string, failed, prev int, cause error) error {
	what := fmt.Sprintf("%s: revision %d in environment %s: %v", subject(artifact.KindProxy, name), failed, d.cfg.Environment, cause)
	if prev == 0 {
		if err := d.undeploy(ctx, name, failed); err != nil {
			return fmt.Errorf("%s; undeploying it failed too: %w", what, err)
		}
		return fmt.Errorf("%s; undeployed it (no revision was deployed before)", what)
	}
	err := d.deploy(ctx, name, prev)
	if err == nil {
		err = d.wait(ctx, name, prev)
	}
	if err != nil {
		return fmt.Errorf("%s; rolling back to revision %d failed too: %w", what, prev, err)
	}
	return fmt.Errorf("%s; rolled back to revision %d, which was serving before", what, prev)
}

// undeploy removes revision rev from the environment; already gone is fine.
func (d *Driver) undeploy(ctx context.Context, name string, rev int) error {
	_, err := d.svc.Organizations.Environments.Apis.Revisions.Undeploy(d.deploymentPath(name, rev)).Context(ctx).Do()
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return fmt.Errorf("%s: undeploy revision %d from environment %s: %w", subject(artifact.KindProxy, name), rev, d.cfg.Environment, apiError(err))
	}
	return nil
}

// pruneRevisions deletes lingate's revisions of the proxy but the deployed
// one and the newest KeepRevisions others. Hand-made revisions and
// revisions deployed in any environment are kept.
func (d *Driver) pruneRevisions(ctx context.Context, revs *revisions, deployed int) error {
	all, err := revs.all(ctx)
	if err != nil {
		return err
	}
	inUse, err := d.deployedAnywhere(ctx, revs.name)
	if err != nil {
		return err
	}
	kept := 0
	for _, rev := range slices.Backward(all) {
		if rev == deployed || inUse[rev] != nil {
			continue
		}
		s, err := revs.stampOf(ctx, rev)
		if err != nil {
			return err
		}
		if !s.ok {
			continue
		}
		if kept < d.cfg.KeepRevisions {
			// Kept on the stamp alone (a hand-made revision carrying a
			// copied stamp takes one of the places): checking the bundle
			// costs an export, needed only before a delete.
			kept++
			continue
		}
		if s, err = revs.lingates(ctx, rev); err != nil {
			return err
		}
		if !s.ok {
			continue
		}
		if err := d.deleteRevision(ctx, revs.name, rev); err != nil {
			return err
		}
	}
	return nil
}

func (d *Driver) deleteRevision(ctx context.Context, name string, rev int) error {
	_, err := d.svc.Organizations.Apis.Revisions.Delete(d.org + "/apis/" + name + "/revisions/" + strconv.Itoa(rev)).Context(ctx).Do()
	if err != nil && !isStatus(err, http.StatusNotFound) {
		return fmt.Errorf("%s: delete old revision %d: %w", subject(artifact.KindProxy, name), rev, apiError(err))
	}
	return nil
}

// deleteProxy undeploys lingate's proxy from the environment and deletes
// it when no other environment deploys it.
func (d *Driver) deleteProxy(ctx context.Context, name string) error {
	revs := d.revisions(name)
	all, err := revs.all(ctx)
	if err != nil || len(all) == 0 {
		return err
	}
	owned, err := revs.owned(ctx)
	if err != nil {
		return err
	}
	if !owned {
		return fmt.Errorf("%s: no revision carries lingate's marker; lingate deletes only its own proxies", subject(artifact.KindProxy, name))
	}
	if rev, err := d.deployedHere(ctx, name); err != nil {
		return err
	} else if rev > 0 {
		// As in a read: the proxy is lingate's to prune only while its
		// revision serves; one deployed by hand since makes it theirs.
		if s, err := revs.lingates(ctx, rev); err != nil {
			return err
		} else if !s.ok {
			return fmt.Errorf("%s: revision %d deployed in environment %s is not lingate's (deployed by hand since the plan); left alone: plan again",
				subject(artifact.KindProxy, name), rev, d.cfg.Environment)
		}
		if err := d.undeploy(ctx, name, rev); err != nil {
			return err
		}
	}
	inUse, err := d.deployedAnywhere(ctx, name)
	if err != nil || len(inUse) > 0 {
		return err
	}
	return d.deleteWhole(ctx, revs)
}

// deleteWhole deletes lingate's proxy. The DELETE is sent once per try,
// and a try after the first reads the proxy again: after a delete whose
// answer was lost, a proxy found is one made by hand since, and stays.
func (d *Driver) deleteWhole(ctx context.Context, revs *revisions) error {
	first := true
	_, err := apply.Retry(ctx, d.cfg.Retry, func() (struct{}, error) {
		if !first {
			again := d.revisions(revs.name)
			all, err := again.all(ctx)
			if err != nil || len(all) == 0 {
				return struct{}{}, err
			}
			if owned, err := again.owned(ctx); err != nil || !owned {
				return struct{}{}, err
			}
		}
		first = false
		_, err := d.svc.Organizations.Apis.Delete(revs.path()).Context(apply.SendOnce(ctx)).Do()
		if err != nil && !isStatus(err, http.StatusNotFound) {
			return struct{}{}, fmt.Errorf("delete: %w", apiError(err))
		}
		return struct{}{}, nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", subject(artifact.KindProxy, revs.name), err)
	}
	return nil
}
