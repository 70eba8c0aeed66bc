package schema

import (
	"fmt"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// positions finds where the user wrote a field in the unified user value,
// falling back to the nearest ancestor the user wrote.
type positions struct {
	data cue.Value
}

func (p *positions) pos(path string) Position {
	parsed := cue.ParsePath(path)
	if parsed.Err() != nil {
		return Position{}
	}
	return p.nearest(parsed.Selectors())
}

func (p *positions) wrote(path string) bool {
	parsed := cue.ParsePath(path)
	return parsed.Err() == nil && p.data.LookupPath(parsed).Exists()
}

// at returns the position of v itself, if the user wrote it.
func (p *positions) at(v cue.Value) Position {
	pos, _ := userPos(v)
	return tokenPos(pos)
}

// nearest walks sels upwards until a field the user wrote is found.
func (p *positions) nearest(sels []cue.Selector) Position {
	for n := len(sels); n > 0; n-- {
		if v := p.data.LookupPath(cue.MakePath(sels[:n]...)); v.Exists() {
			if pos, ok := userPos(v); ok {
				return tokenPos(pos)
			}
		}
	}
	return Position{}
}

// userPos returns where the user wrote v. A value is the conjunction of
// what the user wrote and what the schema says; when CUE's choice of
// position is the schema's (an entry bound to its definition by
// tiers: [string]: #Tier, say), the user's own conjunct is used.
func userPos(v cue.Value) (token.Pos, bool) {
	if pos := v.Pos(); isUser(pos) {
		return pos, true
	}
	if op, args := v.Expr(); op == cue.AndOp {
		for _, a := range args {
			if pos := a.Pos(); isUser(pos) {
				return pos, true
			}
		}
	}
	return token.NoPos, false
}

// selectors turns a CUE error path into selectors.
func selectors(path []string) []cue.Selector {
	var sels []cue.Selector
	for _, s := range path {
		if strings.HasPrefix(s, "_") && s != "_" && !strings.HasPrefix(s, "_|_") {
			sels = append(sels, cue.Hid(s, hiddenPackage))
			continue
		}
		p := cue.ParsePath(s)
		if p.Err() != nil {
			p = cue.MakePath(cue.Str(s))
		}
		sels = append(sels, p.Selectors()...)
	}
	return sels
}

// hiddenPackage qualifies the policies' hidden fields (_x) in a path: CUE
// scopes them to their package, which the loader builds without an import path.
const hiddenPackage = ":" + PackageName

func isUser(p token.Pos) bool {
	return p.IsValid() && p.Filename() != "" && p.Filename() != SchemaFile && p.Filename() != BindingsFile
}

func tokenPos(p token.Pos) Position {
	if !p.IsValid() {
		return Position{}
	}
	return Position{File: p.Filename(), Line: p.Line(), Col: p.Column()}
}

// fromCUE converts a CUE error into Errors, each at the first position in a
// user's file, or else at the nearest field the user wrote on its path.
// With a polisher, CUE's messages are reworded to say what was expected.
func fromCUE(err error, p *positions, pol *polisher) Errors {
	var raws []rawErr
	for _, e := range cueerrors.Errors(err) {
		raws = append(raws, convert(e, p))
	}
	return pol.summarize(raws)
}

func convert(e cueerrors.Error, p *positions) rawErr {
	format, args := e.Msg()
	out := rawErr{
		Error:  Error{Path: pathString(e.Path()), Msg: strings.ReplaceAll(fmt.Sprintf(format, args...), "("+hiddenPackage+")", "")},
		path:   e.Path(),
		format: format,
		args:   args,
	}
	var user []Position
	for _, pos := range cueerrors.Positions(e) {
		if isUser(pos) {
			user = append(user, tokenPos(pos))
		}
	}
	switch {
	case len(user) > 0:
		out.Pos, out.Related = user[0], user[1:]
	case p != nil:
		out.Pos = p.nearest(selectors(e.Path()))
	}
	return out
}
