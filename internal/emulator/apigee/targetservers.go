package apigee

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// targetServerProtocols are the protocols a TargetServer may use.
var targetServerProtocols = []string{"HTTP", "HTTP2", "GRPC_TARGET", "GRPC", "EXTERNAL_CALLOUT"}

func targetServerMissing(org, env, name string) *apiError {
	return notFound("TargetServer %s does not exist in environment %s of organization %s", name, env, org)
}

// targetServerView is the TargetServer JSON: the stored body with the name.
func targetServerView(name string, body map[string]any) map[string]any {
	v := make(map[string]any, len(body)+1)
	for k, val := range body {
		v[k] = val
	}
	v["name"] = name
	return v
}

// readTargetServer decodes and checks a TargetServer body; isEnabled
// defaults to true and protocol to HTTP, as the API documents.
func readTargetServer(q *request, name string) (map[string]any, error) {
	body, err := decodeBody(targetServerSchema(), "target_server", q.body)
	if err != nil {
		return nil, err
	}
	if body["host"] == nil {
		return nil, invalidArgument("TargetServer %s: host is required", name)
	}
	if port, _ := body["port"].(int); port < 1 || port > 65535 {
		return nil, invalidArgument("TargetServer %s: port %v is out of range 1-65535", name, body["port"])
	}
	proto, _ := body["protocol"].(string)
	if proto == "" {
		proto = "HTTP"
	}
	if !slices.Contains(targetServerProtocols, proto) {
		return nil, invalidArgument("TargetServer %s: protocol %q is not one of %s", name, proto, strings.Join(targetServerProtocols, ", "))
	}
	body["protocol"] = proto
	var given map[string]json.RawMessage
	_ = json.Unmarshal(q.body, &given)
	if _, ok := given["isEnabled"]; !ok {
		body["isEnabled"] = true
	}
	delete(body, "name")
	return body, nil
}

func (s *Server) listTargetServers(q *request) (any, error) {
	return sortedKeys(s.env(s.org(q.v("org")), q.v("env")).TargetServers), nil
}

func (s *Server) createTargetServer(q *request) (any, error) {
	raw, err := decodeBody(targetServerSchema(), "target_server", q.body)
	if err != nil {
		return nil, err
	}
	name, _ := raw["name"].(string)
	if n := q.query.Get("name"); n != "" {
		name = n
	}
	if !proxyNameRE.MatchString(name) {
		return nil, invalidArgument("invalid TargetServer name %q: allowed characters are A-Za-z0-9._-", name)
	}
	body, err := readTargetServer(q, name)
	if err != nil {
		return nil, err
	}
	e := s.env(s.org(q.v("org")), q.v("env"))
	if e.TargetServers[name] != nil {
		return nil, alreadyExists("TargetServer %s already exists in environment %s", name, q.v("env"))
	}
	e.TargetServers[name] = body
	s.dirty = true
	return targetServerView(name, body), nil
}

func (s *Server) getTargetServer(q *request) (any, error) {
	body := s.env(s.org(q.v("org")), q.v("env")).TargetServers[q.v("ts")]
	if body == nil {
		return nil, targetServerMissing(q.v("org"), q.v("env"), q.v("ts"))
	}
	return targetServerView(q.v("ts"), body), nil
}

// updateTargetServer replaces the whole TargetServer; its protocol cannot
// change.
func (s *Server) updateTargetServer(q *request) (any, error) {
	e, name := s.env(s.org(q.v("org")), q.v("env")), q.v("ts")
	cur := e.TargetServers[name]
	if cur == nil {
		return nil, targetServerMissing(q.v("org"), q.v("env"), name)
	}
	body, err := readTargetServer(q, name)
	if err != nil {
		return nil, err
	}
	if body["protocol"] != cur["protocol"] {
		return nil, invalidArgument("TargetServer %s: protocol cannot change from %v to %v", name, cur["protocol"], body["protocol"])
	}
	e.TargetServers[name] = body
	s.dirty = true
	return targetServerView(name, body), nil
}

func (s *Server) deleteTargetServer(q *request) (any, error) {
	e, name := s.env(s.org(q.v("org")), q.v("env")), q.v("ts")
	body := e.TargetServers[name]
	if body == nil {
		return nil, targetServerMissing(q.v("org"), q.v("env"), name)
	}
	delete(e.TargetServers, name)
	s.dirty = true
	return targetServerView(name, body), nil
}

// missingTargetServers is the deployment validation of the TargetServers a
// revision's targets name: each must exist in the environment.
func missingTargetServers(ref *proxyRef, env string, e *envState) []precondition {
	var out []precondition
	for _, ts := range ref.r.Meta.TargetServers {
		if e.TargetServers[ts] == nil {
			out = append(out, precondition{
				Type: "TARGET_SERVER_NOT_FOUND", Subject: fmt.Sprintf("organizations/%s/environments/%s/targetservers/%s", ref.org, env, ts),
				Description: fmt.Sprintf("TargetServer %s referenced by %s does not exist in environment %s.", ts, revisionPath(ref.org, ref.name, ref.rev), env),
			})
		}
	}
	return out
}
