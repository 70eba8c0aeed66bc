package schema

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Position is a place in a user's policy file; File is relative to the
// folder the policies were loaded from, joined with that folder's name.
type Position struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

// IsValid reports whether the position names a file.
func (p Position) IsValid() bool { return p.File != "" }

// String renders the position as file:line:col.
func (p Position) String() string {
	switch {
	case !p.IsValid():
		return "-"
	case p.Line == 0:
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is one problem in the policies, at the user's own position.
type Error struct {
	// Commit is the commit the problem was found at, abbreviated, when the
	// policies were read from git (plan); empty otherwise.
	Commit string   `json:"commit,omitempty"`
	Pos    Position `json:"pos"`
	// Path is the CUE path of the offending field, such as tiers.fast.replicas.
	Path string `json:"path,omitempty"`
	// Msg says what is wrong and what was expected.
	Msg string `json:"message"`
	// Related are further positions involved, such as the other half of a conflict.
	Related []Position `json:"related,omitempty"`
}

// Error renders "file:line:col: path: message", the file prefixed with
// "commit:" when the problem was found at a commit.
func (e Error) Error() string { return e.Where() + e.what() }

// Where is "commit:file:line:col: ", as much of it as is known; "" when
// nothing is.
func (e Error) Where() string {
	switch {
	case e.Commit != "" && e.Pos.IsValid():
		return e.Commit + ":" + e.Pos.String() + ": "
	case e.Commit != "":
		return e.Commit + ": "
	case e.Pos.IsValid():
		return e.Pos.String() + ": "
	}
	return ""
}

// what is "path: message".
func (e Error) what() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// RelatedString renders related position i as the text output shows it,
// with the problem's commit.
func (e Error) RelatedString(i int) string {
	if e.Commit != "" {
		return e.Commit + ":" + e.Related[i].String()
	}
	return e.Related[i].String()
}

// Errors is every problem found in one run. It is an error itself.
type Errors []Error

// Error renders one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders problems by file, line, column, path and message, and drops duplicates.
func (es Errors) Sort() Errors {
	slices.SortFunc(es, func(a, b Error) int {
		return cmp.Or(
			cmp.Compare(a.Commit, b.Commit),
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(es, func(a, b Error) bool {
		return a.Commit == b.Commit && a.Pos == b.Pos && a.Path == b.Path && a.Msg == b.Msg
	})
}

// Errorf builds an Error at the position the config holds for path.
//
// Every rule's message goes through here, so no value is echoed whole: a
// string argument longer than maxArg characters is shortened (Shorten).
func (c *Config) Errorf(path string, format string, args ...any) Error {
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > maxArg {
			args[i] = Shorten(s)
		}
	}
	return Error{Pos: c.Pos(path), Path: path, Msg: fmt.Sprintf(format, args...)}
}

// maxArg is the longest string argument Errorf writes whole: longer than
// any name or message part lingate builds, far shorter than a value that
// would flood a terminal.
const maxArg = 512

// positioner finds where the user wrote a field.
type positioner interface {
	pos(path string) Position
	wrote(path string) bool
}

// Wrote reports whether the user wrote the field at path themselves, as
// opposed to leaving it to a default. known is false for configs built in
// Go, which carry no source.
func (c *Config) Wrote(path string) (wrote, known bool) {
	if c == nil || c.src == nil {
		return false, false
	}
	return c.src.wrote(path), true
}

// Pos returns where the user wrote the field at path (a dotted CUE path such
// as `tiers.fast.replicas` or `products."my-api".basePath`), or its nearest
// ancestor the user wrote. It is the zero Position for configs built in Go.
func (c *Config) Pos(path string) Position {
	if c == nil || c.src == nil {
		return Position{}
	}
	return c.src.pos(path)
}
