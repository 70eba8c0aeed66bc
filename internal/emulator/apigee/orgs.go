package apigee

import (
	"fmt"
	"net/http"
	"slices"
)

// Organization declares an organization that exists in the emulator, with
// its environments and environment groups (whose environments exist too).
type Organization struct {
	Name         string
	Environments []string
	// EnvironmentGroups maps a group name to the environments attached to
	// it; deployments in environments of one group share base paths.
	EnvironmentGroups map[string][]string
	// TargetServers maps an environment to the TargetServers that exist in
	// it from the start, as an operator creates them before deploying (a
	// sandbox has no backends: each points at <name>.sandbox.invalid:443).
	TargetServers map[string][]string
}

// declare adds the organizations, environments and group attachments of
// cfg that the state lacks. It reports whether it changed anything.
func (st *state) declare(orgs []Organization, now int64) bool {
	changed := false
	for _, d := range orgs {
		o := st.Organizations[d.Name]
		if o == nil {
			o = newOrg(now)
			st.Organizations[d.Name] = o
			changed = true
		}
		envs := slices.Clone(d.Environments)
		for _, members := range d.EnvironmentGroups {
			envs = append(envs, members...)
		}
		for _, env := range envs {
			if o.Environments[env] == nil {
				o.Environments[env] = newEnv(now)
				changed = true
			}
		}
		if declareTargetServers(o, d.TargetServers) {
			changed = true
		}
		for _, g := range sortedKeys(d.EnvironmentGroups) {
			for _, env := range d.EnvironmentGroups[g] {
				if !slices.Contains(o.EnvGroups[g], env) {
					o.EnvGroups[g] = append(o.EnvGroups[g], env)
					changed = true
				}
			}
		}
	}
	return changed
}

// declareTargetServers adds the TargetServers an environment lacks.
func declareTargetServers(o *orgState, byEnv map[string][]string) bool {
	changed := false
	for _, env := range sortedKeys(byEnv) {
		e := o.Environments[env]
		if e == nil {
			continue
		}
		for _, name := range byEnv[env] {
			if e.TargetServers[name] == nil {
				e.TargetServers[name] = map[string]any{"host": name + ".sandbox.invalid", "port": 443, "isEnabled": true, "protocol": "HTTP"}
				changed = true
			}
		}
	}
	return changed
}

// open reports whether organizations and environments are created when a
// change first names them, because none were declared.
func (s *Server) open() bool { return s.cfg.Organizations == nil }

// checkScope makes sure the organization and environment a request names
// exist, and answers the real API's error when they do not. Without
// declared organizations, a change creates them instead; a read never
// creates or saves anything.
func (s *Server) checkScope(q *request) error {
	orgName, ok := q.vars["org"]
	if !ok {
		return nil
	}
	o := s.st.Organizations[orgName]
	create := s.open() && q.http.Method != http.MethodGet
	if o == nil && create {
		o = newOrg(s.now())
		s.st.Organizations[orgName] = o
		s.dirty = true
	}
	if o == nil && !s.open() {
		return orgNotFound(orgName)
	}
	envName, ok := q.vars["env"]
	if !ok || o == nil || o.Environments[envName] != nil {
		return nil
	}
	if create {
		o.Environments[envName] = newEnv(s.now())
		s.dirty = true
		return nil
	}
	if s.open() {
		return nil
	}
	return envNotFound(orgName, envName)
}

// orgNotFound is Google's answer for a resource the caller cannot see,
// whether or not it exists (AIP-193): 403 PERMISSION_DENIED.
func orgNotFound(org string) *apiError {
	return newError(http.StatusForbidden, "PERMISSION_DENIED", "Permission denied on resource %q (or it may not exist).", "organizations/"+org)
}

// envNotFound is the answer for an environment missing from an
// organization the caller can see.
func envNotFound(org, env string) *apiError {
	return notFound("environment %q not found", fmt.Sprintf("organizations/%s/environments/%s", org, env))
}

// org returns the organization a request named. checkScope made sure it
// exists unless the emulator is open, where a read of an unknown one sees
// an empty organization that is not kept.
func (s *Server) org(name string) *orgState {
	if o := s.st.Organizations[name]; o != nil {
		return o
	}
	return newOrg(s.now())
}

// env returns the environment of an organization, as org does.
func (s *Server) env(o *orgState, name string) *envState {
	if e := o.Environments[name]; e != nil {
		return e
	}
	return newEnv(s.now())
}

// listOrganizations answers the organizations that exist.
func (s *Server) listOrganizations(*request) (any, error) {
	var out []map[string]any
	for _, name := range sortedKeys(s.st.Organizations) {
		out = append(out, map[string]any{"organization": name, "projectId": name, "projectIds": []string{name}})
	}
	return listOf("organizations", out), nil
}

func (s *Server) getOrganization(q *request) (any, error) {
	name := q.v("org")
	o, ok := s.st.Organizations[name]
	if !ok {
		return nil, orgNotFound(name)
	}
	v := map[string]any{
		"name": name, "displayName": name, "projectId": name, "runtimeType": "CLOUD", "state": "ACTIVE",
		"createdAt": ms(o.CreatedAt), "lastModifiedAt": ms(o.CreatedAt),
	}
	if envs := sortedKeys(o.Environments); len(envs) > 0 {
		v["environments"] = envs
	}
	return v, nil
}

func (s *Server) listEnvironments(q *request) (any, error) {
	return sortedKeys(s.org(q.v("org")).Environments), nil
}

func (s *Server) getEnvironment(q *request) (any, error) {
	e, ok := s.org(q.v("org")).Environments[q.v("env")]
	if !ok {
		return nil, envNotFound(q.v("org"), q.v("env"))
	}
	return map[string]any{
		"name": q.v("env"), "state": "ACTIVE", "deploymentType": "PROXY", "apiProxyType": "PROGRAMMABLE",
		"createdAt": ms(e.CreatedAt), "lastModifiedAt": ms(e.CreatedAt),
	}, nil
}

// listEnvGroups answers the organization's environment groups.
func (s *Server) listEnvGroups(q *request) (any, error) {
	o := s.org(q.v("org"))
	var out []map[string]any
	for _, g := range sortedKeys(o.EnvGroups) {
		out = append(out, s.envGroupView(q.v("org"), g, o))
	}
	return listOf("environmentGroups", out), nil
}

func (s *Server) getEnvGroup(q *request) (any, error) {
	o := s.org(q.v("org"))
	if _, ok := o.EnvGroups[q.v("group")]; !ok {
		return nil, notFound("environment group %q not found", q.v("group"))
	}
	return s.envGroupView(q.v("org"), q.v("group"), o), nil
}

func (s *Server) envGroupView(org, g string, o *orgState) map[string]any {
	return map[string]any{
		"name": g, "hostnames": []string{g + "." + org + ".example.com"}, "state": "ACTIVE",
		"createdAt": ms(o.CreatedAt), "lastModifiedAt": ms(o.CreatedAt),
	}
}

// listEnvGroupAttachments answers the environments attached to a group.
func (s *Server) listEnvGroupAttachments(q *request) (any, error) {
	o := s.org(q.v("org"))
	envs, ok := o.EnvGroups[q.v("group")]
	if !ok {
		return nil, notFound("environment group %q not found", q.v("group"))
	}
	var out []map[string]any
	for _, env := range envs {
		out = append(out, map[string]any{"name": env, "environment": env, "environmentGroupId": q.v("group"), "createdAt": ms(o.CreatedAt)})
	}
	return listOf("environmentGroupAttachments", out), nil
}

// groupsOf names the environments sharing a group with env, env excluded,
// each with the group they share.
func (o *orgState) groupsOf(env string) map[string]string {
	out := map[string]string{}
	for _, g := range sortedKeys(o.EnvGroups) {
		members := o.EnvGroups[g]
		if !slices.Contains(members, env) {
			continue
		}
		for _, other := range members {
			if _, seen := out[other]; other != env && !seen {
				out[other] = g
			}
		}
	}
	return out
}
