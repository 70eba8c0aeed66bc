package apigee

// listOrganizations answers the organizations the emulator has seen.
func (s *Server) listOrganizations(*request) (any, error) {
	var out []map[string]any
	for _, name := range sortedKeys(s.st.Organizations) {
		out = append(out, map[string]any{"organization": name, "projectId": name, "projectIds": []string{name}})
	}
	return listOf("organizations", out), nil
}

// getOrganization answers any organization, created on first use.
func (s *Server) getOrganization(q *request) (any, error) {
	name := q.v("org")
	o := s.org(name)
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

// getEnvironment answers any environment, created on first use.
func (s *Server) getEnvironment(q *request) (any, error) {
	e := s.env(s.org(q.v("org")), q.v("env"))
	return map[string]any{
		"name": q.v("env"), "state": "ACTIVE", "deploymentType": "PROXY", "apiProxyType": "PROGRAMMABLE",
		"createdAt": ms(e.CreatedAt), "lastModifiedAt": ms(e.CreatedAt),
	}, nil
}
