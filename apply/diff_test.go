package apply

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedDiffCases(t *testing.T) {
	cases := []struct {
		name, a, b, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"one line changed, context three", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			"--- A\n+++ B\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"first line", "1\n2\n3\n4\n5\n", "0\n2\n3\n4\n5\n",
			"--- A\n+++ B\n@@ -1,4 +1,4 @@\n-1\n+0\n 2\n 3\n 4\n"},
		{"single-line files", "x\n", "y\n", "--- A\n+++ B\n@@ -1 +1 @@\n-x\n+y\n"},
		{"from empty", "", "a\nb\n", "--- A\n+++ B\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"to empty", "a\n", "", "--- A\n+++ B\n@@ -1 +0,0 @@\n-a\n"},
		{"insert only", "1\n2\n", "1\nnew\n2\n", "--- A\n+++ B\n@@ -1,2 +1,3 @@\n 1\n+new\n 2\n"},
		{"no newline at end", "a\nb", "a\nc", "--- A\n+++ B\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"},
		{"newline added at end", "a", "a\n", "--- A\n+++ B\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"},
		{"two hunks", lines(1, 20), strings.Replace(strings.Replace(lines(1, 20), "2\n", "two\n", 1), "18\n", "eighteen\n", 1),
			"--- A\n+++ B\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+eighteen\n 19\n 20\n"},
		{"hunks six lines apart join", lines(1, 12), strings.Replace(strings.Replace(lines(1, 12), "2\n", "two\n", 1), "9\n", "nine\n", 1),
			"--- A\n+++ B\n@@ -1,12 +1,12 @@\n 1\n-2\n+two\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+nine\n 10\n 11\n 12\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := UnifiedDiff("A", "B", c.a, c.b); got != c.want {
				t.Errorf("diff:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// lines returns the numbers from..to, one per line.
func lines(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String()
}

// TestUnifiedDiffMatchesGNUDiff compares with diff -u on changes whose
// minimal diff is unique (every line distinct).
func TestUnifiedDiffMatchesGNUDiff(t *testing.T) {
	if _, err := exec.LookPath("diff"); err != nil {
		t.Skip("no diff command")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 30 {
		a, b := mutate(rng, 200, 8)
		want := gnuDiff(t, a, b)
		if got := UnifiedDiff("A", "B", a, b); got != want {
			t.Fatalf("case %d differs from diff -u:\n%s\nwant:\n%s", i, got, want)
		}
	}
}

// mutate returns n distinct lines and a copy with up to k lines changed,
// removed or inserted (all still distinct).
func mutate(rng *rand.Rand, n, k int) (string, string) {
	var a, b []string
	for i := range n {
		a = append(a, "line "+strconv.Itoa(i))
	}
	b = append(b, a...)
	for j := range k {
		i := rng.IntN(len(b))
		switch rng.IntN(3) {
		case 0:
			b[i] = fmt.Sprintf("changed %d", j)
		case 1:
			b = append(b[:i], b[i+1:]...)
		default:
			b = append(b[:i], append([]string{fmt.Sprintf("inserted %d", j)}, b[i:]...)...)
		}
	}
	return strings.Join(a, "\n") + "\n", strings.Join(b, "\n") + "\n"
}

func gnuDiff(t *testing.T, a, b string) string {
	t.Helper()
	dir := t.TempDir()
	pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(pa, []byte(a), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pb, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("diff", "-u", "--label", "A", "--label", "B", pa, pb).Output()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("diff: %v", err)
	}
	return string(out)
}

// TestUnifiedDiffPatchesBack applies random diffs, repeated lines and
// missing final newlines included, and checks they turn a into b.
func TestUnifiedDiffPatchesBack(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"a", "b", "c", "}", "{", ""}
	for i := range 300 {
		a, b := randomText(rng, words), randomText(rng, words)
		d := UnifiedDiff("A", "B", a, b)
		if got := patch(t, a, d); got != b {
			t.Fatalf("case %d: patched %q, want %q\ndiff:\n%s", i, got, b, d)
		}
	}
}

func randomText(rng *rand.Rand, words []string) string {
	var b strings.Builder
	for range rng.IntN(30) {
		b.WriteString(words[rng.IntN(len(words))])
		b.WriteByte('\n')
	}
	s := b.String()
	if rng.IntN(4) == 0 && s != "" {
		s = strings.TrimSuffix(s, "\n") + "z"
	}
	return s
}

// TestLargeDiff diffs a 20,000-line file with scattered changes: every
// change appears once, in its own hunk, and the patch applies.
func TestLargeDiff(t *testing.T) {
	a := lines(1, 20000)
	b := a
	for i := 1000; i <= 20000; i += 1000 {
		b = strings.Replace(b, "\n"+strconv.Itoa(i)+"\n", "\nchanged "+strconv.Itoa(i)+"\n", 1)
	}
	d := UnifiedDiff("A", "B", a, b)
	if n := strings.Count(d, "\n@@ "); n != 20 {
		t.Errorf("%d hunks, want 20", n)
	}
	if n := strings.Count(d, "\n+changed "); n != 20 {
		t.Errorf("%d changed lines, want 20", n)
	}
	if got := patch(t, a, d); got != b {
		t.Error("patch does not give b back")
	}
	whole := UnifiedDiff("A", "B", a, lines(20001, 40000))
	if !strings.HasPrefix(whole, "--- A\n+++ B\n@@ -1,20000 +1,20000 @@\n-1\n") || strings.Count(whole, "\n") != 40003 {
		t.Errorf("replacing every line: %.80q... (%d lines)", whole, strings.Count(whole, "\n"))
	}
}

// patch applies a unified diff made by UnifiedDiff to a.
func patch(t *testing.T, a, d string) string {
	t.Helper()
	if d == "" {
		return a
	}
	src := splitLines(a)
	var out []string
	pos := 0
	body := strings.SplitAfter(d, "\n")
	for i := 2; i < len(body) && body[i] != ""; i++ {
		l := body[i]
		switch {
		case strings.HasPrefix(l, "@@"):
			var os, oc, ns, nc int
			parseHunk(l, &os, &oc, &ns, &nc)
			start := os - 1
			if oc == 0 {
				start = os
			}
			out = append(out, src[pos:start]...)
			pos = start
		case strings.HasPrefix(l, `\`):
			last := len(out) - 1
			if last >= 0 && strings.HasPrefix(body[i-1], "+") {
				out[last] = strings.TrimSuffix(out[last], "\n")
			}
		case strings.HasPrefix(l, "+"):
			out = append(out, l[1:])
		case strings.HasPrefix(l, "-"), strings.HasPrefix(l, " "):
			want := strings.TrimSuffix(l[1:], "\n")
			if pos >= len(src) || strings.TrimSuffix(src[pos], "\n") != want {
				t.Fatalf("patch: line %d is %q, diff says %q", pos+1, at(src, pos), want)
			}
			if l[0] == ' ' {
				out = append(out, src[pos])
			}
			pos++
		}
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, "")
}

func at(src []string, i int) string {
	if i < len(src) {
		return src[i]
	}
	return "<end>"
}

func parseHunk(l string, os, oc, ns, nc *int) {
	var o, n string
	fmt.Sscanf(l, "@@ -%s +%s @@", &o, &n)
	*os, *oc = rangeOf(o)
	*ns, *nc = rangeOf(n)
}

func rangeOf(s string) (int, int) {
	start, count, found := strings.Cut(s, ",")
	a, _ := strconv.Atoi(start)
	if !found {
		return a, 1
	}
	c, _ := strconv.Atoi(count)
	return a, c
}
