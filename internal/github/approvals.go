package github

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// Rule is the release rule of the policies: who may approve and how many
// approvals an apply needs.
type Rule struct {
	Teams        []string
	Users        []string
	MinApprovals int
}

// Merged is the pull request a pushed commit came from.
type Merged struct {
	Number int
	// Head is the pull request's last commit, which approvals must be on.
	Head   string
	Author string
	URL    string
}

// MergedPullRequest finds the merged pull request that commit sha came
// from: the one whose merge commit it is, else any merged one holding it.
// ok is false when the commit came from no merged pull request (a direct
// push).
func (c *Client) MergedPullRequest(ctx context.Context, sha string) (Merged, bool, error) {
	var candidates []*gh.PullRequest
	opts := &gh.ListOptions{PerPage: 100}
	for {
		page, resp, err := c.gh.PullRequests.ListPullRequestsWithCommit(ctx, c.owner, c.repo, sha, opts)
		if err != nil {
			return Merged{}, false, fmt.Errorf("commit %s: list its pull requests: %w", short(sha), err)
		}
		candidates = append(candidates, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	var pick *gh.PullRequest
	for _, pr := range candidates {
		if pr.MergedAt == nil {
			continue
		}
		if pr.GetMergeCommitSHA() == sha {
			pick = pr
			break
		}
		if pick == nil {
			pick = pr
		}
	}
	if pick == nil {
		return Merged{}, false, nil
	}
	return Merged{Number: pick.GetNumber(), Head: pick.GetHead().GetSHA(), Author: pick.GetUser().GetLogin(), URL: pick.GetHTMLURL()}, true, nil
}

// Approval is the outcome of checking a pull request against a rule.
type Approval struct {
	// Approvers are the logins whose approval counts, in review order.
	Approvers []string
	// Ignored says why other approvals do not count, one line each.
	Ignored []string
	// Need is how many approvals the rule asks for.
	Need int
	// TeamAccess is set when a team lookup was refused or found nothing,
	// which the default GITHUB_TOKEN always gets.
	TeamAccess string
}

// Approved reports whether enough approvers approved.
func (a Approval) Approved() bool { return len(a.Approvers) >= a.Need }

// Missing says who must still approve.
func (a Approval) Missing(r Rule, head string) string {
	var who []string
	if len(r.Users) > 0 {
		who = append(who, "users "+strings.Join(r.Users, ", "))
	}
	for _, t := range r.Teams {
		who = append(who, "a member of team "+t)
	}
	msg := fmt.Sprintf("%d more approval(s) needed on the pull request's last commit %s, from %s", a.Need-len(a.Approvers), short(head), strings.Join(who, " or "))
	if a.TeamAccess != "" {
		msg += "; " + a.TeamAccess
	}
	return msg
}

// CheckApprovals counts the approvals of pull request pr under rule r:
// every page of reviews, each reviewer's latest review that approves,
// requests changes or was dismissed (comments change nothing), on the pull
// request's last commit, never by its author, from a listed user or an
// active member of a listed team.
func (c *Client) CheckApprovals(ctx context.Context, pr Merged, r Rule) (Approval, error) {
	a := Approval{Need: max(r.MinApprovals, 1)}
	latest, order, err := c.latestReviews(ctx, pr.Number)
	if err != nil {
		return a, err
	}
	for _, login := range order {
		rv := latest[login]
		switch {
		case rv.GetState() != "APPROVED":
			continue
		case strings.EqualFold(login, pr.Author):
			a.Ignored = append(a.Ignored, login+": the pull request's author")
		case rv.GetCommitID() != pr.Head:
			a.Ignored = append(a.Ignored, fmt.Sprintf("%s: approved commit %s, not the last commit %s", login, short(rv.GetCommitID()), short(pr.Head)))
		default:
			ok, why, err := c.isApprover(ctx, login, r)
			if err != nil {
				return a, err
			}
			if ok {
				a.Approvers = append(a.Approvers, login)
			} else {
				a.Ignored = append(a.Ignored, login+": not a listed approver")
				if why != "" {
					a.TeamAccess = why
				}
			}
		}
	}
	return a, nil
}

// latestReviews lists every page of a pull request's reviews and keeps
// each reviewer's latest one that approves, requests changes or is
// dismissed. order is the reviewers in the order of their first review.
func (c *Client) latestReviews(ctx context.Context, number int) (map[string]*gh.PullRequestReview, []string, error) {
	latest := map[string]*gh.PullRequestReview{}
	var order []string
	opts := &gh.ListOptions{PerPage: 100}
	for {
		page, resp, err := c.gh.PullRequests.ListReviews(ctx, c.owner, c.repo, number, opts)
		if err != nil {
			return nil, nil, fmt.Errorf("pull request #%d: list reviews: %w", number, err)
		}
		for _, rv := range page {
			login := strings.ToLower(rv.GetUser().GetLogin())
			switch rv.GetState() {
			case "APPROVED", "CHANGES_REQUESTED", "DISMISSED":
			default:
				continue
			}
			if _, seen := latest[login]; !seen {
				order = append(order, login)
			}
			latest[login] = rv
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return latest, order, nil
}

// isApprover reports whether login is a listed user or an active member of
// a listed team. why explains team lookups the token was refused.
func (c *Client) isApprover(ctx context.Context, login string, r Rule) (bool, string, error) {
	if slices.ContainsFunc(r.Users, func(u string) bool { return strings.EqualFold(u, login) }) {
		return true, "", nil
	}
	why := ""
	for _, team := range r.Teams {
		m, _, err := c.gh.Teams.GetTeamMembershipBySlug(ctx, c.owner, team, login)
		switch status := statusOf(err); {
		case err == nil:
			if m.GetState() == "active" {
				return true, "", nil
			}
		case status == http.StatusNotFound:
			// Not a member, or a token that cannot see the team at all.
			visible, err := c.teamVisible(ctx, team)
			if err != nil {
				return false, "", err
			}
			if !visible {
				why = teamAccessNote(c.owner, team, "404 (the token cannot see the team)")
			}
		case status == http.StatusForbidden:
			why = teamAccessNote(c.owner, team, "403 (the token may not read organization members)")
		default:
			return false, "", fmt.Errorf("team %s/%s: membership of %s: %w", c.owner, team, login, err)
		}
	}
	return false, why, nil
}

// teamVisible reports whether the token can see the team, which tells a
// non-member's 404 from a token's that may not read the organization.
func (c *Client) teamVisible(ctx context.Context, team string) (bool, error) {
	if v, ok := c.teams[team]; ok {
		return v, nil
	}
	_, _, err := c.gh.Teams.GetTeamBySlug(ctx, c.owner, team)
	switch s := statusOf(err); {
	case err == nil:
	case s == http.StatusNotFound || s == http.StatusForbidden:
	default:
		return false, fmt.Errorf("team %s/%s: %w", c.owner, team, err)
	}
	if c.teams == nil {
		c.teams = map[string]bool{}
	}
	c.teams[team] = err == nil
	return err == nil, nil
}

func teamAccessNote(org, team, got string) string {
	return fmt.Sprintf("team %s/%s membership lookups got %s: the workflow's default GITHUB_TOKEN cannot read organization members; pass a GitHub App token with Organization Members: read as github-token, or list the approvers under release.approvers.users", org, team, got)
}

// short is a commit's first 7 characters.
func short(sha string) string { return sha[:min(7, len(sha))] }
