package apply

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/lingate/lingate/compile/artifact"
)

// ContextLines is how many unchanged lines surround each change in a diff.
const ContextLines = 3

// NoFile is the name a unified diff gives the missing side of an added or
// removed file.
const NoFile = "/dev/null"

// diffObject is the unified diff of the text files that differ between
// two versions of an object of env, file by file in path order, with
// headers base/<env>/<path> and head/<env>/<path>. Binary files are never
// diffed; their text twins are.
func diffObject(env string, b, h artifact.Object) string {
	bt, ht := files(b), files(h)
	paths := make([]string, 0, len(bt)+len(ht))
	for p := range bt {
		paths = append(paths, p)
	}
	for p := range ht {
		if _, ok := bt[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var out strings.Builder
	for _, p := range paths {
		from, to := path.Join("base", env, p), path.Join("head", env, p)
		old, inBase := bt[p]
		cur, inHead := ht[p]
		if !inBase {
			from = NoFile
		}
		if !inHead {
			to = NoFile
		}
		out.WriteString(UnifiedDiff(from, to, string(old), string(cur)))
	}
	return out.String()
}

// UnifiedDiff returns the unified diff from text a (named from) to text b
// (named to), with ContextLines lines of context, as diff -u prints it
// without timestamps; "" when they are equal. Lines are compared whole,
// with go-diff's line mode and no time limit, so the result is minimal and
// the same on every machine.
func UnifiedDiff(from, to, a, b string) string {
	if a == b {
		return ""
	}
	lines := diffLines(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
	pos, old, cur := 0, 1, 1 // next op, and its line numbers in a and b
	for _, h := range hunks(lines, ContextLines) {
		o, c := count(lines[pos:h.start])
		old, cur = h.write(&out, lines, old+o, cur+c)
		pos = h.end
	}
	return out.String()
}

// op is one line of a line diff.
type op struct {
	kind diffmatchpatch.Operation
	text string // without its newline
	eol  bool   // whether the line ends with a newline
}

// diffLines compares a and b line by line. Lines found on one side only
// cannot be matched, so they are set aside first (as GNU diff does) and the
// rest is diffed with go-diff's Myers algorithm: a file rewritten from top
// to bottom costs no more than reading it. Between two matched lines,
// removals come before additions.
func diffLines(a, b string) []op {
	la, lb := splitLines(a), splitLines(b)
	ka, kb := shared(la, lb), shared(lb, la)
	var ops []op
	ia, ib := 0, 0
	for _, m := range matches(la, lb, ka, kb) {
		ops = appendRun(ops, diffmatchpatch.DiffDelete, la[ia:m[0]])
		ops = appendRun(ops, diffmatchpatch.DiffInsert, lb[ib:m[1]])
		ops = appendRun(ops, diffmatchpatch.DiffEqual, la[m[0]:m[0]+1])
		ia, ib = m[0]+1, m[1]+1
	}
	ops = appendRun(ops, diffmatchpatch.DiffDelete, la[ia:])
	return appendRun(ops, diffmatchpatch.DiffInsert, lb[ib:])
}

// shared returns the indexes of the lines of x that also occur in y.
func shared(x, y []string) []int {
	in := make(map[string]bool, len(y))
	for _, l := range y {
		in[l] = true
	}
	var idx []int
	for i, l := range x {
		if in[l] {
			idx = append(idx, i)
		}
	}
	return idx
}

// matches diffs the shared lines of a (indexes ka) and b (indexes kb) and
// returns the pairs of matched line indexes, in order.
func matches(la, lb []string, ka, kb []int) [][2]int {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	ra, rb, lineArray := dmp.DiffLinesToRunes(pick(la, ka), pick(lb, kb))
	var out [][2]int
	i, j := 0, 0
	for _, d := range dmp.DiffCharsToLines(dmp.DiffMainRunes(ra, rb, false), lineArray) {
		n := len(splitLines(d.Text))
		if d.Type == diffmatchpatch.DiffEqual {
			for k := range n {
				out = append(out, [2]int{ka[i+k], kb[j+k]})
			}
		}
		if d.Type != diffmatchpatch.DiffInsert {
			i += n
		}
		if d.Type != diffmatchpatch.DiffDelete {
			j += n
		}
	}
	return out
}

// pick joins the lines at idx.
func pick(lines []string, idx []int) string {
	var b strings.Builder
	for _, i := range idx {
		b.WriteString(lines[i])
	}
	return b.String()
}

// appendRun adds lines as ops of one kind.
func appendRun(ops []op, kind diffmatchpatch.Operation, lines []string) []op {
	for _, l := range lines {
		ops = append(ops, op{kind: kind, text: strings.TrimSuffix(l, "\n"), eol: strings.HasSuffix(l, "\n")})
	}
	return ops
}

// splitLines splits s after each newline; a last line without one is kept.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// hunk is a range [start, end) of ops to print together.
type hunk struct{ start, end int }

// hunks groups the changed ops with ctx lines of context around each, and
// joins groups whose context would touch or overlap.
func hunks(ops []op, ctx int) []hunk {
	var out []hunk
	for i, o := range ops {
		if o.kind == diffmatchpatch.DiffEqual {
			continue
		}
		start, end := max(0, i-ctx), min(len(ops), i+ctx+1)
		if n := len(out); n > 0 && start <= out[n-1].end {
			out[n-1].end = end
			continue
		}
		out = append(out, hunk{start, end})
	}
	return out
}

// write prints the hunk, whose first op is at line oldStart of a and
// newStart of b, and returns the line numbers after it.
func (h hunk) write(out *strings.Builder, ops []op, oldStart, newStart int) (int, int) {
	oldCount, newCount := count(ops[h.start:h.end])
	fmt.Fprintf(out, "@@ -%s +%s @@\n", span(oldStart, oldCount), span(newStart, newCount))
	for _, o := range ops[h.start:h.end] {
		out.WriteString(prefix(o.kind))
		out.WriteString(o.text)
		out.WriteByte('\n')
		if !o.eol {
			out.WriteString("\\ No newline at end of file\n")
		}
	}
	return oldStart + oldCount, newStart + newCount
}

// count returns how many lines of a and of b ops cover.
func count(ops []op) (inA, inB int) {
	for _, o := range ops {
		if o.kind != diffmatchpatch.DiffInsert {
			inA++
		}
		if o.kind != diffmatchpatch.DiffDelete {
			inB++
		}
	}
	return inA, inB
}

// span formats a hunk range as diff -u does: "start,count", just "start"
// for one line, and the line before the range for an empty one.
func span(start, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}

func prefix(k diffmatchpatch.Operation) string {
	switch k {
	case diffmatchpatch.DiffDelete:
		return "-"
	case diffmatchpatch.DiffInsert:
		return "+"
	}
	return " "
}
