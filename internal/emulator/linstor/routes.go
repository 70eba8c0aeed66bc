package linstor

import (
	"net/http"
	"sort"
	"strings"
)

// handler answers one call; it runs with the state lock held.
type handler func(s *Server, req *request) reply

type routeHandler struct {
	fn      handler
	mutates bool
}

// route is a path pattern below /v1 ("*" matches one segment, passed to the
// handler as a parameter) and its handlers by method.
type route struct {
	pattern []string
	methods map[string]routeHandler
}

// routeTable lists the REST calls the emulator serves.
func (s *Server) routeTable() []route {
	return []route{
		{seg("controller/version"), get(handleVersion)},
		{seg("controller/properties"), methods(get(handleCtrlPropsList), post(handleCtrlPropsModify))},
		{seg("nodes"), get(handleNodeList)},
		{seg("nodes/*"), get(handleNodeGet)},
		{seg("nodes/*/storage-pools"), get(handleNodePools)},
		{seg("nodes/*/storage-pools/*"), get(handleNodePoolGet)},
		{seg("view/storage-pools"), get(handlePoolView)},
		{seg("view/resources"), get(handleResourceView)},
		{seg("resource-groups"), methods(get(handleRGList), post(handleRGCreate))},
		{seg("resource-groups/*"), methods(get(handleRGGet), put(handleRGModify), del(handleRGDelete))},
		{seg("resource-groups/*/spawn"), post(handleSpawn)},
		{seg("resource-groups/*/volume-groups"), methods(get(handleVGList), post(handleVGCreate))},
		{seg("resource-groups/*/volume-groups/*"), methods(get(handleVGGet), put(handleVGModify), del(handleVGDelete))},
		{seg("resource-definitions"), get(handleRDList)},
		{seg("resource-definitions/*"), methods(get(handleRDGet), del(handleRDDelete))},
		{seg("resource-definitions/*/resources"), get(handleRDResources)},
		{seg("remotes"), methods(get(handleRemoteList), del(handleRemoteDelete))},
		{seg("remotes/s3"), methods(get(handleS3List), post(handleS3Create))},
		{seg("remotes/s3/*"), put(handleS3Modify)},
		{seg("remotes/linstor"), methods(get(handleLinstorList), post(handleLinstorCreate))},
		{seg("remotes/linstor/*"), put(handleLinstorModify)},
		{seg("remotes/*/backups"), get(handleBackupList)},
		{seg("remotes/*/backups/schedule/*/enable"), put(handleScheduleEnable)},
		{seg("remotes/*/backups/schedule/*/disable"), put(handleScheduleDisable)},
		{seg("remotes/*/backups/schedule/*/delete"), del(handleScheduleDelete)},
		{seg("schedules"), methods(get(handleScheduleList), post(handleScheduleCreate))},
		{seg("schedules/*"), methods(put(handleScheduleModify), del(handleScheduleDel))},
	}
}

func seg(p string) []string { return strings.Split(p, "/") }

func get(h handler) map[string]routeHandler {
	return map[string]routeHandler{http.MethodGet: {fn: h}}
}

func post(h handler) map[string]routeHandler {
	return map[string]routeHandler{http.MethodPost: {fn: h, mutates: true}}
}

func put(h handler) map[string]routeHandler {
	return map[string]routeHandler{http.MethodPut: {fn: h, mutates: true}}
}

func del(h handler) map[string]routeHandler {
	return map[string]routeHandler{http.MethodDelete: {fn: h, mutates: true}}
}

func methods(ms ...map[string]routeHandler) map[string]routeHandler {
	out := map[string]routeHandler{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// match finds the handler for method and path. When the path exists but not
// with this method, it returns the allowed methods instead.
func (s *Server) match(method, path string) (routeHandler, []string, []string) {
	rest, ok := strings.CutPrefix(path, "/v1/")
	if !ok {
		return routeHandler{}, nil, nil
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	for _, rt := range s.routes {
		params, ok := matchPattern(rt.pattern, parts)
		if !ok {
			continue
		}
		if h, ok := rt.methods[method]; ok {
			return h, params, nil
		}
		return routeHandler{}, nil, allowedMethods(rt.methods)
	}
	return routeHandler{}, nil, nil
}

func matchPattern(pattern, parts []string) ([]string, bool) {
	if len(pattern) != len(parts) {
		return nil, false
	}
	var params []string
	for i, p := range pattern {
		switch {
		case p == "*" && parts[i] != "":
			params = append(params, parts[i])
		case p != parts[i]:
			return nil, false
		}
	}
	return params, true
}

func allowedMethods(m map[string]routeHandler) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
