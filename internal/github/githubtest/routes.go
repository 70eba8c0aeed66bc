package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /repos/{o}/{r}/issues/{n}/comments", s.listComments)
	mux.HandleFunc("POST /repos/{o}/{r}/issues/{n}/comments", s.createComment)
	mux.HandleFunc("PATCH /repos/{o}/{r}/issues/comments/{id}", s.editComment)
	mux.HandleFunc("DELETE /repos/{o}/{r}/issues/comments/{id}", s.deleteComment)
	mux.HandleFunc("GET /repos/{o}/{r}/commits/{sha}/pulls", s.pullsWithCommit)
	mux.HandleFunc("GET /repos/{o}/{r}/pulls/{n}/reviews", s.listReviews)
	mux.HandleFunc("GET /repos/{o}/{r}/pulls/{n}/files", s.listFiles)
	mux.HandleFunc("GET /orgs/{org}/teams/{team}/memberships/{user}", s.membership)
	mux.HandleFunc("GET /orgs/{org}/teams/{team}", s.team)
	mux.HandleFunc("POST /repos/{o}/{r}/check-runs", s.createCheckRun)
	mux.HandleFunc("PATCH /repos/{o}/{r}/check-runs/{id}", s.updateCheckRun)
	mux.HandleFunc("GET /repos/{o}/{r}/issues", s.listIssues)
	mux.HandleFunc("POST /repos/{o}/{r}/issues", s.createIssue)
	mux.HandleFunc("PATCH /repos/{o}/{r}/issues/{n}", s.editIssue)
}

func num(r *http.Request, name string) int {
	n, _ := strconv.Atoi(r.PathValue(name))
	return n
}

func htmlURL(r *http.Request, kind string, id any) string {
	return fmt.Sprintf("https://github.example/%s/%s/%s/%v", r.PathValue("o"), r.PathValue("r"), kind, id)
}

func (s *Server) commentJSON(r *http.Request, c *Comment) map[string]any {
	return map[string]any{"id": c.ID, "body": c.Body, "user": map[string]any{"login": c.User}, "html_url": htmlURL(r, "comments", c.ID)}
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func() (out []map[string]any) {
		for _, c := range s.state.Comments[num(r, "n")] {
			out = append(out, s.commentJSON(r, c))
		}
		return out
	})
}

func decode(r *http.Request) map[string]any {
	var m map[string]any
	_ = json.NewDecoder(r.Body).Decode(&m)
	return m
}

func str(m map[string]any, k string) (string, bool) {
	v, ok := m[k].(string)
	return v, ok
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request) {
	body, _ := str(decode(r), "body")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.nextID++
	c := &Comment{ID: s.state.nextID, Body: body, User: "github-actions[bot]"}
	n := num(r, "n")
	s.state.Comments[n] = append(s.state.Comments[n], c)
	reply(w, http.StatusCreated, s.commentJSON(r, c))
}

// findComment returns the comment with the path's id, with the lock held.
func (s *Server) findComment(r *http.Request) (int, int) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for n, cs := range s.state.Comments {
		for i, c := range cs {
			if c.ID == id {
				return n, i
			}
		}
	}
	return 0, -1
}

func (s *Server) editComment(w http.ResponseWriter, r *http.Request) {
	body, _ := str(decode(r), "body")
	s.mu.Lock()
	defer s.mu.Unlock()
	n, i := s.findComment(r)
	if i < 0 {
		fail(w, http.StatusNotFound, "Not Found")
		return
	}
	c := s.state.Comments[n][i]
	c.Body = body
	reply(w, http.StatusOK, s.commentJSON(r, c))
}

func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, i := s.findComment(r)
	if i < 0 {
		fail(w, http.StatusNotFound, "Not Found")
		return
	}
	s.state.Comments[n] = slices.Delete(s.state.Comments[n], i, i+1)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) pullsWithCommit(w http.ResponseWriter, r *http.Request) {
	sha := r.PathValue("sha")
	s.mu.Lock()
	var out []map[string]any
	for _, p := range s.state.Pulls {
		if p.Head != sha && p.MergeCommitSHA != sha && !slices.Contains(p.Commits, sha) {
			continue
		}
		pr := map[string]any{"number": p.Number, "head": map[string]any{"sha": p.Head}, "user": map[string]any{"login": p.Author},
			"html_url": htmlURL(r, "pull", p.Number), "state": "open"}
		if p.Merged {
			pr["merged_at"], pr["merge_commit_sha"], pr["state"] = "2026-01-02T03:04:05Z", p.MergeCommitSHA, "closed"
		}
		out = append(out, pr)
	}
	s.mu.Unlock()
	page(w, r, out)
}

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func() (out []map[string]any) {
		for i, rv := range s.state.Reviews[num(r, "n")] {
			out = append(out, map[string]any{"id": i + 1, "user": map[string]any{"login": rv.User}, "state": rv.State, "commit_id": rv.CommitID})
		}
		return out
	})
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func() (out []map[string]any) {
		for _, f := range s.state.Files[num(r, "n")] {
			out = append(out, map[string]any{"filename": f, "status": "modified"})
		}
		return out
	})
}

// list serves one page of what build lists with the lock held.
func (s *Server) list(w http.ResponseWriter, r *http.Request, build func() []map[string]any) {
	s.mu.Lock()
	out := build()
	s.mu.Unlock()
	page(w, r, out)
}

func (s *Server) membership(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.TeamsForbidden {
		fail(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	members, ok := s.state.Teams[r.PathValue("team")]
	if !ok || !slices.ContainsFunc(members, func(m string) bool { return strings.EqualFold(m, r.PathValue("user")) }) {
		fail(w, http.StatusNotFound, "Not Found")
		return
	}
	reply(w, http.StatusOK, map[string]any{"state": "active", "role": "member"})
}

func (s *Server) team(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.state.Teams[r.PathValue("team")]; !ok || s.state.TeamsForbidden {
		fail(w, http.StatusNotFound, "Not Found")
		return
	}
	reply(w, http.StatusOK, map[string]any{"slug": r.PathValue("team"), "name": r.PathValue("team")})
}

// annotations reads a check run request's output.annotations.
func annotations(m map[string]any) []map[string]any {
	out, _ := m["output"].(map[string]any)
	list, _ := out["annotations"].([]any)
	var as []map[string]any
	for _, a := range list {
		if am, ok := a.(map[string]any); ok {
			as = append(as, am)
		}
	}
	return as
}

func (s *Server) createCheckRun(w http.ResponseWriter, r *http.Request) {
	m := decode(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.NoChecks {
		fail(w, http.StatusForbidden, "You must authenticate via a GitHub App.")
		return
	}
	if len(annotations(m)) > 50 {
		fail(w, http.StatusUnprocessableEntity, "more than 50 annotations")
		return
	}
	s.state.nextID++
	name, _ := str(m, "name")
	sha, _ := str(m, "head_sha")
	cr := &CheckRun{ID: s.state.nextID, Name: name, HeadSHA: sha, Annotations: annotations(m)}
	s.state.CheckRuns = append(s.state.CheckRuns, cr)
	reply(w, http.StatusCreated, map[string]any{"id": cr.ID, "name": name})
}

func (s *Server) updateCheckRun(w http.ResponseWriter, r *http.Request) {
	m := decode(r)
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(annotations(m)) > 50 {
		fail(w, http.StatusUnprocessableEntity, "more than 50 annotations")
		return
	}
	for _, cr := range s.state.CheckRuns {
		if cr.ID == id {
			cr.Annotations = append(cr.Annotations, annotations(m)...)
			reply(w, http.StatusOK, map[string]any{"id": cr.ID, "name": cr.Name})
			return
		}
	}
	fail(w, http.StatusNotFound, "Not Found")
}

func (s *Server) issueJSON(r *http.Request, is *Issue) map[string]any {
	return map[string]any{"number": is.Number, "title": is.Title, "body": is.Body, "state": is.State, "html_url": htmlURL(r, "issues", is.Number)}
}

func (s *Server) listIssues(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var out []map[string]any
	for _, is := range s.state.Issues {
		if st := r.URL.Query().Get("state"); st == "all" || st == is.State || (st == "" && is.State == "open") {
			out = append(out, s.issueJSON(r, is))
		}
	}
	s.mu.Unlock()
	page(w, r, out)
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request) {
	m := decode(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	title, _ := str(m, "title")
	body, _ := str(m, "body")
	is := &Issue{Number: 500 + len(s.state.Issues), Title: title, Body: body, State: "open"}
	s.state.Issues = append(s.state.Issues, is)
	reply(w, http.StatusCreated, s.issueJSON(r, is))
}

func (s *Server) editIssue(w http.ResponseWriter, r *http.Request) {
	m := decode(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, is := range s.state.Issues {
		if is.Number != num(r, "n") {
			continue
		}
		if v, ok := str(m, "body"); ok {
			is.Body = v
		}
		if v, ok := str(m, "state"); ok {
			is.State = v
		}
		if v, ok := str(m, "title"); ok {
			is.Title = v
		}
		reply(w, http.StatusOK, s.issueJSON(r, is))
		return
	}
	fail(w, http.StatusNotFound, "Not Found")
}
