package github

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lingate/lingate/internal/github/githubtest"
)

// others are n comments by other people on a pull request.
func others(n int) []*githubtest.Comment {
	out := make([]*githubtest.Comment, n)
	for i := range out {
		out[i] = &githubtest.Comment{ID: int64(i + 1), Body: fmt.Sprintf("comment %d", i+1), User: "someone"}
	}
	return out
}

func TestUpsertCommentCreatedOnceThenEdited(t *testing.T) {
	ctx := context.Background()
	srv, c := fake(t, githubtest.State{Comments: map[int][]*githubtest.Comment{7: others(150)}})
	marker := Marker("plan", "")
	for i, body := range []string{"first plan", "second plan", "second plan"} {
		if _, err := c.UpsertComment(ctx, 7, marker, body); err != nil {
			t.Fatalf("upsert %d: %v", i, err)
		}
	}
	if n := srv.Count("POST", "/repos/o/r/issues/7/comments"); n != 1 {
		t.Errorf("created %d comments, want 1", n)
	}
	if n := srv.Count("PATCH", "/repos/o/r/issues/comments/"); n != 1 {
		t.Errorf("edited %d times, want 1 (the third body was unchanged)", n)
	}
	// Every upsert read both pages of comments.
	if n := srv.Count("GET", "/repos/o/r/issues/7/comments"); n != 6 {
		t.Errorf("listed %d pages, want 6", n)
	}
	ours := marked(srv.State().Comments[7], marker)
	if len(ours) != 1 || !strings.HasSuffix(ours[0].Body, "second plan") {
		t.Fatalf("our comments: %+v", ours)
	}
}

func marked(cs []*githubtest.Comment, marker string) []*githubtest.Comment {
	var out []*githubtest.Comment
	for _, c := range cs {
		if strings.HasPrefix(c.Body, marker+"\n") {
			out = append(out, c)
		}
	}
	return out
}

func TestUpsertCommentFoundOnALaterPage(t *testing.T) {
	marker := Marker("plan", "")
	cs := others(230)
	cs[215].Body = marker + "\nold plan"
	srv, c := fake(t, githubtest.State{Comments: map[int][]*githubtest.Comment{7: cs}})
	if _, err := c.UpsertComment(context.Background(), 7, marker, "new plan"); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("POST", "/repos/o/r/issues/7/comments"); n != 0 {
		t.Errorf("created %d comments, want the one on page 3 edited", n)
	}
	if got := srv.State().Comments[7][215].Body; got != marker+"\nnew plan" {
		t.Errorf("comment 216 = %q", got)
	}
	// A marker elsewhere than on the first line is not ours.
	cs2 := others(1)
	cs2[0].Body = "quoting: " + marker + "\n"
	srv2, c2 := fake(t, githubtest.State{Comments: map[int][]*githubtest.Comment{7: cs2}})
	if _, err := c2.UpsertComment(context.Background(), 7, marker, "plan"); err != nil {
		t.Fatal(err)
	}
	if n := srv2.Count("POST", "/repos/o/r/issues/7/comments"); n != 1 {
		t.Errorf("created %d, want 1", n)
	}
}

// bigPlan is a plan body whose one diff is n lines long.
func bigPlan(n int) string {
	var b strings.Builder
	b.WriteString("## lingate plan\n\n| env | create |\n| --- | --- |\n| `prod` | 1 |\n\n")
	b.WriteString("<details><summary>update payments</summary>\n\n```diff\n")
	for i := range n {
		fmt.Fprintf(&b, "+ line %d of the diff, long enough to matter in a comment\n", i)
	}
	b.WriteString("```\n\n</details>\n\nAfter the diff.\n")
	return b.String()
}

func TestUpsertCommentSplitsAndDeletesSurplusParts(t *testing.T) {
	ctx := context.Background()
	srv, c := fake(t, githubtest.State{})
	marker := Marker("plan", "envs=prod")
	if _, err := c.UpsertComment(ctx, 7, marker, bigPlan(4000)); err != nil {
		t.Fatal(err)
	}
	ours := marked(srv.State().Comments[7], marker)
	if len(ours) < 3 {
		t.Fatalf("%d parts for a 230 kB plan, want at least 3", len(ours))
	}
	for i, p := range ours {
		if n := len([]rune(p.Body)); n > CommentLimit {
			t.Errorf("part %d: %d characters, above GitHub's limit", i+1, n)
		}
		balanced(t, p.Body)
	}
	if !strings.Contains(ours[len(ours)-1].Body, "After the diff.") {
		t.Error("the last part lacks the plan's end")
	}
	// A smaller plan edits the first part and deletes the others.
	if _, err := c.UpsertComment(ctx, 7, marker, "small plan"); err != nil {
		t.Fatal(err)
	}
	if got := marked(srv.State().Comments[7], marker); len(got) != 1 || got[0].ID != ours[0].ID {
		t.Fatalf("after a smaller plan: %+v", got)
	}
	if n := srv.Count("DELETE", "/repos/o/r/issues/comments/"); n != len(ours)-1 {
		t.Errorf("deleted %d parts, want %d", n, len(ours)-1)
	}
}

// balanced fails unless every fence and <details> opened in s is closed.
func balanced(t *testing.T, s string) {
	t.Helper()
	var b block
	for _, line := range strings.Split(s, "\n") {
		b = b.next(line)
	}
	if b.open() {
		t.Errorf("part ends inside %+v:\n...%s", b, s[max(0, len(s)-200):])
	}
	if o, c := strings.Count(s, "<details>"), strings.Count(s, "</details>"); o != c {
		t.Errorf("%d <details> and %d </details>", o, c)
	}
}
