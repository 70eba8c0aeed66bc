package github

import (
	"context"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// DriftIssue keeps one issue per environment about drift, found by its
// marker among every page of the repository's issues: opened (or reopened
// and updated) with body while drifted is true, closed with a comment once
// it is false. It returns the issue's URL, or "" when there is none.
func (c *Client) DriftIssue(ctx context.Context, env string, drifted bool, body string) (string, error) {
	marker := Marker("drift", "env="+env)
	is, err := c.findIssue(ctx, marker)
	if err != nil {
		return "", fmt.Errorf("drift issue %s: %w", env, err)
	}
	text := marker + "\n" + Split(body, commentBudget)[0]
	switch {
	case is == nil && !drifted:
		return "", nil
	case is == nil:
		out, _, err := c.gh.Issues.Create(ctx, c.owner, c.repo, &gh.IssueRequest{
			Title: gh.String("lingate: live state of " + env + " has drifted from the policies"), Body: gh.String(text),
		})
		if err != nil {
			return "", fmt.Errorf("drift issue %s: create: %w", env, err)
		}
		return out.GetHTMLURL(), nil
	case drifted:
		req := &gh.IssueRequest{Body: gh.String(text), State: gh.String("open")}
		if is.GetBody() == text && is.GetState() == "open" {
			return is.GetHTMLURL(), nil
		}
		if _, _, err := c.gh.Issues.Edit(ctx, c.owner, c.repo, is.GetNumber(), req); err != nil {
			return "", fmt.Errorf("drift issue %s #%d: update: %w", env, is.GetNumber(), err)
		}
		return is.GetHTMLURL(), nil
	case is.GetState() == "open":
		if _, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, is.GetNumber(), &gh.IssueComment{Body: gh.String(body)}); err != nil {
			return "", fmt.Errorf("drift issue %s #%d: comment: %w", env, is.GetNumber(), err)
		}
		if _, _, err := c.gh.Issues.Edit(ctx, c.owner, c.repo, is.GetNumber(), &gh.IssueRequest{State: gh.String("closed")}); err != nil {
			return "", fmt.Errorf("drift issue %s #%d: close: %w", env, is.GetNumber(), err)
		}
	}
	return is.GetHTMLURL(), nil
}

// findIssue returns the issue (not pull request) whose body starts with
// marker, open or closed, or nil.
func (c *Client) findIssue(ctx context.Context, marker string) (*gh.Issue, error) {
	opts := &gh.IssueListByRepoOptions{State: "all", Sort: "created", Direction: "asc", ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		page, resp, err := c.gh.Issues.ListByRepo(ctx, c.owner, c.repo, opts)
		if err != nil {
			return nil, fmt.Errorf("list issues: %w", err)
		}
		for _, is := range page {
			if !is.IsPullRequest() && strings.HasPrefix(is.GetBody(), marker+"\n") {
				return is, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}
