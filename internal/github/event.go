package github

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Event kinds lingate ci handles.
const (
	EventPullRequest      = "pull_request"
	EventPush             = "push"
	EventSchedule         = "schedule"
	EventWorkflowDispatch = "workflow_dispatch"
)

// Event is the part of a GitHub Actions event payload lingate ci reads.
type Event struct {
	// Name is GITHUB_EVENT_NAME.
	Name string `json:"-"`
	// Action is a pull request's action: opened, synchronize, closed...
	Action      string       `json:"action"`
	Number      int          `json:"number"`
	PullRequest *PullRequest `json:"pull_request"`
	// Ref, Before and After are a push's.
	Ref        string     `json:"ref"`
	Before     string     `json:"before"`
	After      string     `json:"after"`
	Repository Repository `json:"repository"`
}

// PullRequest is a pull request in an event.
type PullRequest struct {
	Number int    `json:"number"`
	Head   Branch `json:"head"`
	Base   Branch `json:"base"`
	User   User   `json:"user"`
}

// Branch is a pull request's head or base.
type Branch struct {
	SHA  string     `json:"sha"`
	Ref  string     `json:"ref"`
	Repo Repository `json:"repo"`
}

// Repository is a repository in an event.
type Repository struct {
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
}

// User is a GitHub account.
type User struct {
	Login string `json:"login"`
}

// ReadEvent reads the event payload at path for the event name.
func ReadEvent(name, path string) (Event, error) {
	var ev Event
	switch name {
	case EventPullRequest, EventPush, EventSchedule, EventWorkflowDispatch:
	case "":
		return ev, fmt.Errorf("GITHUB_EVENT_NAME is not set: lingate ci runs in GitHub Actions (on pull_request, push, schedule or workflow_dispatch)")
	default:
		return ev, fmt.Errorf("GITHUB_EVENT_NAME=%q: expected pull_request, push, schedule or workflow_dispatch (pull_request_target is refused: it would run a fork's policies with secrets)", name)
	}
	if path == "" {
		return ev, fmt.Errorf("GITHUB_EVENT_PATH is not set: expected the event payload file GitHub Actions writes")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ev, fmt.Errorf("event payload: %w", err)
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return ev, fmt.Errorf("event payload %s: %w (expected the JSON GitHub Actions writes)", path, err)
	}
	ev.Name = name
	return ev, ev.check(path)
}

// check refuses a payload that lacks what its kind needs.
func (ev Event) check(path string) error {
	switch ev.Name {
	case EventPullRequest:
		pr := ev.PullRequest
		if pr == nil || pr.Head.SHA == "" || pr.Base.SHA == "" {
			return fmt.Errorf("event payload %s: pull_request.head.sha and pull_request.base.sha: expected the pull request's commits", path)
		}
		if pr.Number == 0 {
			pr.Number = ev.Number
		}
	case EventPush:
		if ev.After == "" || ev.Ref == "" {
			return fmt.Errorf("event payload %s: ref and after: expected the pushed branch and commit", path)
		}
	}
	return nil
}

// Fork reports whether a pull request comes from another repository.
func (ev Event) Fork() bool {
	pr := ev.PullRequest
	return pr != nil && pr.Head.Repo.FullName != "" && !strings.EqualFold(pr.Head.Repo.FullName, pr.Base.Repo.FullName)
}

// OnDefaultBranch reports whether a push went to the repository's default branch.
func (ev Event) OnDefaultBranch() bool {
	return ev.Repository.DefaultBranch != "" && ev.Ref == "refs/heads/"+ev.Repository.DefaultBranch
}
