package github

import (
	"strings"
	"unicode/utf8"
)

// CommentLimit is GitHub's limit on a comment body, in characters. Split
// measures bytes, which are never fewer than characters, and keeps a margin
// for the marker.
const CommentLimit = 65536

// continued starts every part after the first.
const continued = "_(continued from the previous comment)_\n\n"

// block is the markdown construct open at a line: a fenced code block, a
// <details> block, or both (a fence inside <details>).
type block struct {
	details string // the <details><summary> line that opened it, or ""
	fence   string // the fence's opening line, or ""
}

func (b block) open() bool { return b.details != "" || b.fence != "" }

// closing closes what is open, innermost first.
func (b block) closing() string {
	var s strings.Builder
	if b.fence != "" {
		s.WriteString(fenceMarks(b.fence) + "\n")
	}
	if b.details != "" {
		s.WriteString("\n</details>\n")
	}
	return s.String()
}

// reopening opens again what closing closed.
func (b block) reopening() string {
	var s strings.Builder
	if b.details != "" {
		s.WriteString(b.details + "\n\n")
	}
	if b.fence != "" {
		s.WriteString(b.fence + "\n")
	}
	return s.String()
}

// fenceMarks is the run of backticks or tildes that opens a fence line.
func fenceMarks(line string) string {
	t := strings.TrimLeft(line, " ")
	if t == "" || (t[0] != '`' && t[0] != '~') {
		return ""
	}
	n := len(t) - len(strings.TrimLeft(t, t[:1]))
	if n < 3 {
		return ""
	}
	return t[:n]
}

// next is the state after line.
func (b block) next(line string) block {
	line = strings.TrimRight(line, "\r\n")
	if b.fence != "" {
		m := fenceMarks(line)
		if m != "" && m[0] == b.fence[0] && len(m) >= len(fenceMarks(b.fence)) && strings.TrimSpace(strings.TrimLeft(line, " ")[len(m):]) == "" {
			b.fence = ""
		}
		return b
	}
	if fenceMarks(line) != "" {
		b.fence = line
		return b
	}
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "<details") {
		b.details = line
	} else if strings.HasPrefix(t, "</details>") {
		b.details = ""
	}
	return b
}

// Split cuts a markdown body into parts of at most limit bytes each. It
// cuts between lines, at the last line that is outside any code block and
// <details> block when there is one; otherwise it closes the open code
// block and <details>, and reopens them in the next part, so every part
// renders on its own. Every part after the first starts by saying it
// continues the previous one.
func Split(body string, limit int) []string {
	if len(body) <= limit {
		return []string{body}
	}
	s := splitter{limit: limit}
	lines := splitKeep(body)
	for i := 0; i < len(lines); {
		line := lines[i]
		next := s.state.next(line)
		switch {
		case s.cur.Len()+len(line)+len(next.closing()) <= limit:
			s.add(line, next)
			i++
		case s.top > s.prefix:
			rest := s.cutAtTop()
			lines = append(splitKeep(rest), lines[i:]...)
			i = 0
		case s.cur.Len() == s.prefix:
			head := cutAt(line, limit-s.cur.Len()-len(next.closing())-1)
			lines[i] = line[len(head):]
			if !strings.HasSuffix(head, "\n") {
				head += "\n"
			}
			s.add(head, s.state.next(head))
			s.flush()
		default:
			s.flush()
		}
	}
	if s.cur.Len() > s.prefix {
		s.parts = append(s.parts, s.cur.String())
	}
	return s.parts
}

// splitter is Split's state: the parts done and the one being filled.
type splitter struct {
	limit  int
	parts  []string
	cur    strings.Builder
	state  block // the blocks open after cur
	top    int   // cur's length at its last line end outside any block
	prefix int   // the length of what cur starts with before any line
}

func (s *splitter) add(line string, next block) {
	s.cur.WriteString(line)
	s.state = next
	if !next.open() {
		s.top = s.cur.Len()
	}
}

// cutAtTop ends the part at its last top-level line and returns the text
// after it, to be added again to the next part.
func (s *splitter) cutAtTop() string {
	text, top := s.cur.String(), s.top
	s.parts = append(s.parts, text[:top])
	s.start(block{})
	return text[top:]
}

// flush ends the part here, closing the open blocks, and reopens them in
// the next part.
func (s *splitter) flush() {
	s.parts = append(s.parts, s.cur.String()+s.state.closing())
	s.start(s.state)
}

func (s *splitter) start(open block) {
	s.cur = strings.Builder{}
	s.cur.WriteString(continued + open.reopening())
	s.state, s.prefix, s.top = open, s.cur.Len(), 0
}

// splitKeep splits s into lines that keep their newlines, dropping a final
// empty string.
func splitKeep(s string) []string {
	out := strings.SplitAfter(s, "\n")
	if len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// cutAt returns the longest prefix of s of at most n bytes that ends on a
// rune boundary (at least one rune).
func cutAt(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	if n <= 0 {
		_, size := utf8.DecodeRuneInString(s)
		return s[:size]
	}
	return s[:n]
}
