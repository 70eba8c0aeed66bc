package apigee

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Deployment states as Apigee reports them.
const (
	stateProgressing = "PROGRESSING"
	stateReady       = "READY"
	stateError       = "ERROR"
)

// grpcFailedPrecondition is the google.rpc.Code in a deployment's errors.
const grpcFailedPrecondition = 9

// deploymentView is the Deployment JSON. List entries carry no state.
type deploymentView struct {
	Environment     string           `json:"environment"`
	APIProxy        string           `json:"apiProxy"`
	Revision        string           `json:"revision"`
	DeployStartTime string           `json:"deployStartTime"`
	State           string           `json:"state,omitempty"`
	Errors          []rpcStatus      `json:"errors,omitempty"`
	Instances       []instanceStatus `json:"instances,omitempty"`
	RouteConflicts  []routeConflict  `json:"routeConflicts,omitempty"`
	ServiceAccount  string           `json:"serviceAccount,omitempty"`
}

// routeConflict is a base path of the deployment that another deployment in
// an environment of the same environment group already serves.
type routeConflict struct {
	ConflictingDeployment routingDeployment `json:"conflictingDeployment"`
	Description           string            `json:"description"`
	EnvironmentGroup      string            `json:"environmentGroup"`
}

type routingDeployment struct {
	APIProxy    string `json:"apiProxy"`
	Basepath    string `json:"basepath"`
	Environment string `json:"environment"`
	Revision    string `json:"revision"`
}

type rpcStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type instanceStatus struct {
	Instance          string            `json:"instance"`
	DeployedRevisions []revisionPercent `json:"deployedRevisions"`
	DeployedRoutes    []deployedRoute   `json:"deployedRoutes,omitempty"`
}

type revisionPercent struct {
	Revision   string `json:"revision"`
	Percentage int    `json:"percentage"`
}

type deployedRoute struct {
	Basepath    string `json:"basepath"`
	Environment string `json:"environment"`
	Percentage  int    `json:"percentage"`
}

func briefView(env, api string, d *deployment) deploymentView {
	return deploymentView{
		Environment: env, APIProxy: api, Revision: strconv.Itoa(d.Revision),
		DeployStartTime: ms(d.DeployStartTime), ServiceAccount: serviceAccountName(d.ServiceAccount),
	}
}

// serviceAccountName is the full resource name the API answers for the
// service account a deploy named by email.
func serviceAccountName(sa string) string {
	if sa == "" || strings.HasPrefix(sa, "projects/") {
		return sa
	}
	return "projects/-/serviceAccounts/" + sa
}

func boolParam(q *request, name string) (bool, error) {
	v := q.query.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalidArgument("Invalid value for parameter %s: %q is not a boolean", name, v)
	}
	return b, nil
}

// deploy answers POST environments/{env}/apis/{api}/revisions/{rev}/deployments.
// A deployment that fails validation changes nothing.
func (s *Server) deploy(q *request) (any, error) {
	ref, err := s.lookupRevision(q)
	if err != nil {
		return nil, err
	}
	override, err := boolParam(q, "override")
	if err != nil {
		return nil, err
	}
	env := q.v("env")
	e := s.env(ref.o, env)
	if cur := e.Deployments[ref.name]; cur != nil && cur.Revision != ref.rev && !override {
		return nil, conflictingDeployment(ref, cur)
	}
	sa := q.query.Get("serviceAccount")
	if ref.r.Meta.NeedsServiceAccount && sa == "" {
		return nil, invalidArgument("Deployment of %q requires a service account identity, but one was not provided with the request.", revisionPath(ref.org, ref.name, ref.rev))
	}
	if vs := append(missingTargetServers(ref, env, e), basepathConflicts(ref, e)...); len(vs) > 0 {
		return nil, validationsFailed(vs)
	}
	d := &deployment{Revision: ref.rev, DeployStartTime: s.now(), ServiceAccount: sa}
	if s.cfg.DeployError != nil {
		d.Error = s.cfg.DeployError(ref.org, env, ref.name, ref.rev)
	}
	e.Deployments[ref.name] = d
	ref.r.EverDeployed = true
	s.dirty = true
	return briefView(env, ref.name, d), nil
}

func revisionPath(org, api string, rev int) string {
	return fmt.Sprintf("organizations/%s/apis/%s/revisions/%d", org, api, rev)
}

// validationsFailed is Apigee's answer to a deployment that fails
// validation: the reasons are the PreconditionFailure violations.
func validationsFailed(vs []precondition) *apiError {
	e := failedPrecondition("deployment validations failed")
	e.Details = append(e.Details, map[string]any{"@type": typePreconditionFailure, "violations": vs})
	return e
}

func conflictingDeployment(ref *proxyRef, cur *deployment) *apiError {
	return validationsFailed([]precondition{{
		Type: "CONFLICTING_DEPLOYMENT", Subject: revisionPath(ref.org, ref.name, cur.Revision),
		Description: "Only one revision can be deployed at a time, use the override flag to replace.",
	}})
}

// basepathConflicts names each deployment of another proxy in the
// environment that already serves some of the revision's base paths.
func basepathConflicts(ref *proxyRef, e *envState) []precondition {
	var out []precondition
	for _, other := range sortedKeys(e.Deployments) {
		d := e.Deployments[other]
		p := ref.o.Proxies[other]
		if other == ref.name || p == nil || p.Revisions[d.Revision] == nil {
			continue
		}
		var shared []string
		for _, bp := range p.Revisions[d.Revision].Meta.Basepaths {
			if slices.ContainsFunc(ref.r.Meta.Basepaths, sameBasepath(bp)) {
				shared = append(shared, bp)
			}
		}
		if len(shared) > 0 {
			subject := revisionPath(ref.org, other, d.Revision)
			out = append(out, precondition{Type: "CONFLICTING_DEPLOYMENT", Subject: subject,
				Description: fmt.Sprintf("Existing deployment of %q contains conflicting base paths: [%s].", subject, strings.Join(shared, " "))})
		}
	}
	return out
}

func sameBasepath(a string) func(string) bool {
	norm := func(p string) string {
		if t := strings.TrimRight(p, "/"); t != "" {
			return t
		}
		return "/"
	}
	return func(b string) bool { return norm(a) == norm(b) }
}

// deploymentOf finds the deployment of the revision a path names.
func (s *Server) deploymentOf(q *request) (*proxyRef, *envState, *deployment, error) {
	ref, err := s.lookupRevision(q)
	if err != nil {
		return nil, nil, nil, err
	}
	e := s.env(ref.o, q.v("env"))
	d := e.Deployments[ref.name]
	if d == nil || d.Revision != ref.rev {
		return nil, nil, nil, notFound("%s is not deployed in environment %s", revisionPath(ref.org, ref.name, ref.rev), q.v("env"))
	}
	return ref, e, d, nil
}

// getDeployment answers the status of a deployment: PROGRESSING for the
// first ReadyAfter polls, then READY, or ERROR when the runtime fails it.
func (s *Server) getDeployment(q *request) (any, error) {
	ref, _, d, err := s.deploymentOf(q)
	if err != nil {
		return nil, err
	}
	v := briefView(q.v("env"), ref.name, d)
	v.State = s.poll(d)
	switch v.State {
	case stateReady:
		v.RouteConflicts = routeConflicts(ref, q.v("env"), d)
		v.Instances = readyInstances(q.v("env"), d, routedPaths(ref.r.Meta.Basepaths, v.RouteConflicts))
	case stateError:
		v.Errors = []rpcStatus{{Code: grpcFailedPrecondition, Message: d.Error}}
	}
	return v, nil
}

// poll answers a deployment's state and counts the read while PROGRESSING.
// A status read is a GET, which never writes the state file: the count
// reaches the file with the next change or Save (a sandbox saves when it
// stops).
func (s *Server) poll(d *deployment) string {
	if d.Polls < s.cfg.ReadyAfter {
		d.Polls++
		return stateProgressing
	}
	if d.Error != "" {
		return stateError
	}
	return stateReady
}

// routeConflicts lists the base paths of the deployment that a deployment
// in another environment of one of its environment groups served first:
// those stay routed to the earlier one, and the new deployment is READY all
// the same, as the real API reports it.
func routeConflicts(ref *proxyRef, env string, d *deployment) []routeConflict {
	var out []routeConflict
	peers := ref.o.groupsOf(env)
	for _, other := range sortedKeys(peers) {
		e := ref.o.Environments[other]
		if e == nil {
			continue
		}
		deps := e.Deployments
		for _, api := range sortedKeys(deps) {
			od, p := deps[api], ref.o.Proxies[api]
			if p == nil || p.Revisions[od.Revision] == nil || !servedFirst(od, other, d, env) {
				continue
			}
			for _, bp := range p.Revisions[od.Revision].Meta.Basepaths {
				if !slices.ContainsFunc(ref.r.Meta.Basepaths, sameBasepath(bp)) {
					continue
				}
				out = append(out, routeConflict{
					ConflictingDeployment: routingDeployment{APIProxy: api, Basepath: bp, Environment: other, Revision: strconv.Itoa(od.Revision)},
					Description: fmt.Sprintf("Base path %s is already deployed by API proxy %s revision %d in environment %s of environment group %s; it is not routed to environment %s.",
						bp, api, od.Revision, other, peers[other], env),
					EnvironmentGroup: peers[other],
				})
			}
		}
	}
	return out
}

// servedFirst reports whether deployment a in environment ea was deployed
// before b in eb (by start time, then environment name).
func servedFirst(a *deployment, ea string, b *deployment, eb string) bool {
	if a.DeployStartTime != b.DeployStartTime {
		return a.DeployStartTime < b.DeployStartTime
	}
	return ea < eb
}

// routedPaths are the base paths no route conflict takes away.
func routedPaths(paths []string, conflicts []routeConflict) []string {
	var out []string
	for _, bp := range paths {
		if !slices.ContainsFunc(conflicts, func(c routeConflict) bool { return sameBasepath(bp)(c.ConflictingDeployment.Basepath) }) {
			out = append(out, bp)
		}
	}
	return out
}

func readyInstances(env string, d *deployment, paths []string) []instanceStatus {
	inst := instanceStatus{
		Instance:          "emulator",
		DeployedRevisions: []revisionPercent{{Revision: strconv.Itoa(d.Revision), Percentage: 100}},
	}
	for _, bp := range paths {
		inst.DeployedRoutes = append(inst.DeployedRoutes, deployedRoute{Basepath: bp, Environment: env, Percentage: 100})
	}
	return []instanceStatus{inst}
}

// undeploy answers DELETE on a deployment.
func (s *Server) undeploy(q *request) (any, error) {
	ref, e, _, err := s.deploymentOf(q)
	if err != nil {
		return nil, err
	}
	delete(e.Deployments, ref.name)
	s.dirty = true
	return map[string]any{}, nil
}

// listDeployments answers every deployments list: of the organization, an
// environment, a proxy (in an environment or all), or a revision.
func (s *Server) listDeployments(q *request) (any, error) {
	o := s.org(q.v("org"))
	api, rev := q.v("api"), 0
	if q.v("rev") != "" {
		ref, err := s.lookupRevision(q)
		if err != nil {
			return nil, err
		}
		rev = ref.rev
	} else if api != "" && o.Proxies[api] == nil {
		return nil, notFound("API proxy %s does not exist in organization %s", api, q.v("org"))
	}
	shared, err := boolParam(q, "sharedFlows")
	if err != nil || shared {
		return map[string]any{}, err
	}
	envs := sortedKeys(o.Environments)
	if env := q.v("env"); env != "" {
		s.env(o, env)
		envs = []string{env}
	}
	var out []deploymentView
	for _, env := range envs {
		e := o.Environments[env]
		if e == nil {
			continue // an open emulator's environment that nothing has written to
		}
		deps := e.Deployments
		for _, name := range sortedKeys(deps) {
			if d := deps[name]; (api == "" || api == name) && (rev == 0 || rev == d.Revision) {
				out = append(out, briefView(env, name, d))
			}
		}
	}
	return listOf("deployments", out), nil
}
