package github

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lingate/lingate/internal/github/githubtest"
)

const (
	headSHA  = "1111111111111111111111111111111111111111"
	olderSHA = "2222222222222222222222222222222222222222"
	mergeSHA = "3333333333333333333333333333333333333333"
)

func rv(user, state, commit string) githubtest.Review {
	return githubtest.Review{User: user, State: state, CommitID: commit}
}

func TestCheckApprovals(t *testing.T) {
	rule := Rule{Users: []string{"alice", "bob", "Erin"}, Teams: []string{"release-managers"}, MinApprovals: 1}
	comments := make([]githubtest.Review, 100)
	for i := range comments {
		comments[i] = rv(fmt.Sprintf("reader%d", i), "COMMENTED", headSHA)
	}
	for _, tc := range []struct {
		name    string
		reviews []githubtest.Review
		rule    Rule
		want    []string
		ignored string
	}{
		{name: "approved on the last commit", reviews: []githubtest.Review{rv("alice", "APPROVED", headSHA)}, want: []string{"alice"}},
		{name: "re-review after changes requested", reviews: []githubtest.Review{rv("alice", "CHANGES_REQUESTED", olderSHA), rv("alice", "APPROVED", headSHA)}, want: []string{"alice"}},
		{name: "changes requested after an approval", reviews: []githubtest.Review{rv("alice", "APPROVED", headSHA), rv("alice", "CHANGES_REQUESTED", headSHA)}},
		{name: "a comment after an approval keeps it", reviews: []githubtest.Review{rv("alice", "APPROVED", headSHA), rv("alice", "COMMENTED", headSHA)}, want: []string{"alice"}},
		{name: "approval of an older commit", reviews: []githubtest.Review{rv("alice", "APPROVED", olderSHA)}, ignored: "approved commit 2222222, not the last commit 1111111"},
		{name: "the author's own approval", reviews: []githubtest.Review{rv("carol", "APPROVED", headSHA)}, rule: Rule{Users: []string{"carol"}}, ignored: "carol: the pull request's author"},
		{name: "dismissed approval", reviews: []githubtest.Review{rv("alice", "DISMISSED", headSHA)}},
		{name: "not an approver", reviews: []githubtest.Review{rv("mallory", "APPROVED", headSHA)}, ignored: "mallory: not a listed approver"},
		{name: "a team member", reviews: []githubtest.Review{rv("dave", "APPROVED", headSHA)}, want: []string{"dave"}},
		{name: "logins compare without case", reviews: []githubtest.Review{rv("erin", "APPROVED", headSHA)}, want: []string{"erin"}},
		{name: "two needed, one given", reviews: []githubtest.Review{rv("alice", "APPROVED", headSHA)}, rule: Rule{Users: []string{"alice", "bob"}, MinApprovals: 2}, want: []string{"alice"}},
		{name: "101 reviews: the approval on page 2", reviews: append(comments[:100:100], rv("bob", "APPROVED", headSHA)), want: []string{"bob"}},
		{name: "101 reviews: changes requested on page 2", reviews: append([]githubtest.Review{rv("bob", "APPROVED", headSHA)}, append(comments[:99:99], rv("bob", "CHANGES_REQUESTED", headSHA))...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rule
			if tc.rule.MinApprovals != 0 || tc.rule.Users != nil {
				r = tc.rule
			}
			srv, c := fake(t, githubtest.State{
				Reviews: map[int][]githubtest.Review{7: tc.reviews},
				Teams:   map[string][]string{"release-managers": {"dave"}},
			})
			a, err := c.CheckApprovals(context.Background(), Merged{Number: 7, Head: headSHA, Author: "carol"}, r)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(a.Approvers) != fmt.Sprint(tc.want) {
				t.Errorf("approvers %v, want %v", a.Approvers, tc.want)
			}
			if a.Approved() != (len(tc.want) >= max(r.MinApprovals, 1)) {
				t.Errorf("Approved() = %v", a.Approved())
			}
			if tc.ignored != "" && !strings.Contains(strings.Join(a.Ignored, "\n"), tc.ignored) {
				t.Errorf("ignored %q, want %q among them", a.Ignored, tc.ignored)
			}
			if pages := srv.Count("GET", "/repos/o/r/pulls/7/reviews"); pages != 1+len(tc.reviews)/100 {
				t.Errorf("read %d pages of reviews for %d reviews", pages, len(tc.reviews))
			}
		})
	}
}

func TestCheckApprovalsTeamForbiddenIsExplained(t *testing.T) {
	_, c := fake(t, githubtest.State{Reviews: map[int][]githubtest.Review{7: {rv("dave", "APPROVED", headSHA)}}, TeamsForbidden: true})
	rule := Rule{Teams: []string{"release-managers"}, MinApprovals: 1}
	a, err := c.CheckApprovals(context.Background(), Merged{Number: 7, Head: headSHA, Author: "carol"}, rule)
	if err != nil {
		t.Fatal(err)
	}
	if a.Approved() {
		t.Fatal("approved without a readable team membership")
	}
	msg := a.Missing(rule, headSHA)
	for _, want := range []string{"1 more approval(s)", "1111111", "a member of team release-managers", "403", "Members: read"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Missing() = %q, lacks %q", msg, want)
		}
	}
}

func TestMergedPullRequest(t *testing.T) {
	_, c := fake(t, githubtest.State{Pulls: []githubtest.Pull{
		{Number: 3, Head: "aaaa", Author: "x", Commits: []string{mergeSHA}},
		{Number: 7, Head: headSHA, Author: "carol", Merged: true, MergeCommitSHA: mergeSHA},
	}})
	pr, ok, err := c.MergedPullRequest(context.Background(), mergeSHA)
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	if pr.Number != 7 || pr.Head != headSHA || pr.Author != "carol" {
		t.Errorf("found %+v, want the merged #7", pr)
	}
	if _, ok, err := c.MergedPullRequest(context.Background(), "ffff"); ok || err != nil {
		t.Errorf("a direct push: ok=%v err=%v", ok, err)
	}
}

func TestCheckApprovalsTeamInvisibleIsExplained(t *testing.T) {
	// A token that cannot see the team gets 404 for every membership.
	_, c := fake(t, githubtest.State{Reviews: map[int][]githubtest.Review{7: {rv("dave", "APPROVED", headSHA)}}})
	rule := Rule{Teams: []string{"release-managers"}, MinApprovals: 1}
	a, err := c.CheckApprovals(context.Background(), Merged{Number: 7, Head: headSHA, Author: "carol"}, rule)
	if err != nil {
		t.Fatal(err)
	}
	if a.Approved() || !strings.Contains(a.TeamAccess, "404 (the token cannot see the team)") {
		t.Errorf("approved=%v, note %q", a.Approved(), a.TeamAccess)
	}
}
