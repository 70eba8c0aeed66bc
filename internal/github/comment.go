package github

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// commentBudget is the size Split keeps each comment part under: GitHub's
// limit less room for the marker line, in bytes (never fewer than
// characters).
const commentBudget = CommentLimit - 1024

// Marker is the hidden first line that finds lingate's comment of a kind
// (plan, apply) and key (the environments planned) among a pull request's
// comments.
func Marker(kind, key string) string {
	if key == "" {
		return "<!-- lingate:" + kind + " -->"
	}
	return "<!-- lingate:" + kind + " " + key + " -->"
}

var partRE = regexp.MustCompile(`^<!-- lingate:part (\d+) -->\n`)

// UpsertComment keeps one comment (split in parts if body is above
// GitHub's limit) on issue or pull request number, found by the marker on
// the first line across every page of comments: the parts found are edited
// in place, missing ones created and surplus ones deleted. It returns the
// URL of the first part.
func (c *Client) UpsertComment(ctx context.Context, number int, marker, body string) (string, error) {
	if number <= 0 {
		return "", fmt.Errorf("comment: pull request number %d: expected a positive number", number)
	}
	found, err := c.findComments(ctx, number, marker)
	if err != nil {
		return "", err
	}
	parts := Split(body, commentBudget)
	url := ""
	for i, part := range parts {
		text := marker + "\n" + part
		if i > 0 {
			text = marker + "\n<!-- lingate:part " + strconv.Itoa(i+1) + " -->\n" + part
		}
		var existing *gh.IssueComment
		if i < len(found) {
			existing = found[i]
		}
		u, err := c.putComment(ctx, number, existing, text)
		if err != nil {
			return "", fmt.Errorf("pull request #%d: comment part %d of %d: %w", number, i+1, len(parts), err)
		}
		if i == 0 {
			url = u
		}
	}
	for i := len(parts); i < len(found); i++ {
		if _, err := c.gh.Issues.DeleteComment(ctx, c.owner, c.repo, found[i].GetID()); err != nil {
			return "", fmt.Errorf("pull request #%d: delete surplus comment part %d: %w", number, i+1, err)
		}
	}
	return url, nil
}

// putComment edits existing, or creates a comment when it is nil.
func (c *Client) putComment(ctx context.Context, number int, existing *gh.IssueComment, body string) (string, error) {
	ic := &gh.IssueComment{Body: gh.String(body)}
	if existing != nil {
		if existing.GetBody() == body {
			return existing.GetHTMLURL(), nil
		}
		out, _, err := c.gh.Issues.EditComment(ctx, c.owner, c.repo, existing.GetID(), ic)
		return out.GetHTMLURL(), err
	}
	out, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, number, ic)
	return out.GetHTMLURL(), err
}

// findComments lists every page of the comments and returns those whose
// first line is marker, ordered by part (a comment per part, the first
// found of each).
func (c *Client) findComments(ctx context.Context, number int, marker string) ([]*gh.IssueComment, error) {
	byPart := map[int]*gh.IssueComment{}
	opts := &gh.IssueListCommentsOptions{Sort: gh.String("created"), Direction: gh.String("asc"), ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		page, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("pull request #%d: list comments: %w", number, err)
		}
		for _, ic := range page {
			rest, ok := strings.CutPrefix(ic.GetBody(), marker+"\n")
			if !ok {
				continue
			}
			part := 1
			if m := partRE.FindStringSubmatch(rest); m != nil {
				part, _ = strconv.Atoi(m[1])
			}
			if byPart[part] == nil {
				byPart[part] = ic
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	parts := make([]int, 0, len(byPart))
	for p := range byPart {
		parts = append(parts, p)
	}
	sort.Ints(parts)
	out := make([]*gh.IssueComment, len(parts))
	for i, p := range parts {
		out[i] = byPart[p]
	}
	return out, nil
}
