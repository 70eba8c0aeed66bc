package linstor

import (
	"fmt"
	"net/http"
	"strconv"
)

// queryInt reads an int query parameter with default 0. JAX-RS answers an
// unparsable @QueryParam int with 404, and so does the emulator.
func queryInt(req *request, name string) (int, bool) {
	vals := req.query[name]
	if len(vals) == 0 || vals[0] == "" {
		return 0, true
	}
	n, err := strconv.Atoi(vals[0])
	return n, err == nil
}

// paging reads limit and offset.
func paging(req *request) (limit, offset int, ok bool) {
	limit, okL := queryInt(req, "limit")
	offset, okO := queryInt(req, "offset")
	return limit, offset, okL && okO
}

// page applies limit and offset as the list endpoints do: only when limit > 0,
// skip(offset).limit(limit); offset alone is ignored.
func page[T any](items []T, limit, offset int) []T {
	if limit <= 0 {
		return items
	}
	if offset >= len(items) {
		return items[:0]
	}
	items = items[max(offset, 0):]
	if limit < len(items) {
		items = items[:limit]
	}
	return items
}

// badParam is Jersey's answer to a query parameter it cannot convert.
func (s *Server) badParam(req *request) reply {
	rc := apiCallRc{RetCode: failUnknownError, Details: "HTTP 404 Not Found",
		Message: fmt.Sprintf("Path '%s' not found on server.", req.path)}
	return s.fixedReply(http.StatusNotFound, []apiCallRc{rc})
}

// nameSet is a case-insensitive name filter; an empty filter matches all.
type nameSet map[string]bool

func newNameSet(names []string) nameSet {
	set := nameSet{}
	for _, n := range names {
		set[key(n)] = true
	}
	return set
}

func (ns nameSet) match(name string) bool { return len(ns) == 0 || ns[key(name)] }

// notFound is the body of a GET for one object that does not exist
// (RequestHelper.notFoundResponse): the bare code, no context.
func (s *Server) notFound(code int64, msg string) reply {
	return s.rcReply(http.StatusOK, []apiCallRc{{RetCode: code, Message: msg}})
}

// okJSON is a 200 answer with a JSON body.
func okJSON(body any) reply { return reply{status: http.StatusOK, body: body} }
