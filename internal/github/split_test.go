package github

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitShortBodyIsOnePart(t *testing.T) {
	if got := Split("hello\n", 100); len(got) != 1 || got[0] != "hello\n" {
		t.Fatalf("Split = %q", got)
	}
}

func TestSplitPrefersTopLevelCuts(t *testing.T) {
	block := "<details><summary>x</summary>\n\n```diff\n" + strings.Repeat("+ a line\n", 5) + "```\n\n</details>\n\n"
	body := strings.Repeat(block, 6)
	parts := Split(body, 2*len(block)+len(continued)+10)
	for i, p := range parts {
		balanced(t, p)
		if strings.Contains(p, "continued") && i == 0 {
			t.Error("the first part says it continues")
		}
		// Cut between blocks, never reopened: each part holds whole blocks.
		if strings.Count(p, "<summary>x</summary>") != strings.Count(p, "+ a line\n")/5 {
			t.Errorf("part %d holds a block in pieces:\n%s", i+1, p)
		}
	}
	if got := strings.Count(strings.Join(parts, ""), "+ a line"); got != 30 {
		t.Errorf("%d diff lines in all parts, want 30", got)
	}
}

func TestSplitInsideABlockClosesAndReopensIt(t *testing.T) {
	body := bigPlan(3000)
	parts := Split(body, 20000)
	if len(parts) < 5 {
		t.Fatalf("%d parts", len(parts))
	}
	var lines []string
	for i, p := range parts {
		if len(p) > 20000 {
			t.Errorf("part %d: %d bytes", i+1, len(p))
		}
		balanced(t, p)
		if i > 0 && !strings.HasPrefix(p, continued+"<details><summary>update payments</summary>\n\n```diff\n") {
			t.Errorf("part %d does not reopen the block: %.120q", i+1, p)
		}
		for _, l := range strings.Split(p, "\n") {
			if strings.HasPrefix(l, "+ line") {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) != 3000 || lines[0] != "+ line 0 of the diff, long enough to matter in a comment" || !strings.HasPrefix(lines[2999], "+ line 2999 ") {
		t.Errorf("%d diff lines survive, in order: first %q", len(lines), lines[0])
	}
}

func TestSplitCutsALineLongerThanAPart(t *testing.T) {
	body := "```\n" + strings.Repeat("é", 10000) + "\n```\n"
	parts := Split(body, 3000)
	total := 0
	for i, p := range parts {
		if len(p) > 3000 {
			t.Errorf("part %d: %d bytes", i+1, len(p))
		}
		balanced(t, p)
		if !utf8.ValidString(p) {
			t.Errorf("part %d cuts a character", i+1)
		}
		total += strings.Count(p, "é")
	}
	if total != 10000 {
		t.Errorf("%d characters survive, want 10000", total)
	}
}

func TestSplitFenceLongerThanBackticksInside(t *testing.T) {
	// A four-backtick fence holds a line of three backticks; a cut must not
	// take that line for the fence's end.
	body := "````diff\n" + strings.Repeat("+ x\n```\n", 400) + "````\n"
	for _, p := range Split(body, 1000) {
		if !strings.HasSuffix(strings.TrimRight(p, "\n"), "````") {
			t.Fatalf("a part does not close the four-backtick fence: %q", p[max(0, len(p)-40):])
		}
	}
}
