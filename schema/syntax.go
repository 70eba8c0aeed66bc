package schema

import (
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
)

// fileAttributes reads the attributes before a file's package clause, as
// CUE's loader does: @ignore() leaves the file out (skip). lingate sets no
// build tags, so @if(...) would always leave it out too, silently; and it
// embeds no files. Both are errors at the attribute.
func fileAttributes(f *ast.File) (skip bool, errs Errors) {
	for _, d := range f.Preamble() {
		a, ok := d.(*ast.Attribute)
		if !ok {
			continue
		}
		switch key, body := a.Split(); key {
		case "ignore":
			skip = true
		case "if":
			errs = append(errs, Error{Pos: tokenPos(a.Pos()),
				Msg: fmt.Sprintf("build attribute @if(%s): lingate sets no build tags, so the file would never be included (expected no @if; put what differs per environment in the policies themselves)", body)})
		case "extern":
			errs = append(errs, Error{Pos: tokenPos(a.Pos()),
				Msg: fmt.Sprintf("file attribute @extern(%s) is not supported (expected policies written in CUE: lingate embeds no other files)", body)})
		}
	}
	return skip, errs
}

// importErrors refuses imports from outside CUE's standard library: the
// policies are one package, built without a module, so no other package can
// be found, and CUE's own message for that names no cause.
func importErrors(f *ast.File) Errors {
	var errs Errors
	for spec := range f.ImportSpecs() {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil || isStdlib(path) {
			continue
		}
		errs = append(errs, Error{Pos: tokenPos(spec.Path.Pos()),
			Msg: fmt.Sprintf("import %q: only CUE's standard library may be imported (expected a path such as \"strings\"; the schema's definitions, such as #Tier, are in scope without an import)", path)})
	}
	return errs
}

// isStdlib reports whether path can name a package of CUE's standard
// library, by CUE's own rule: no dot in its first element.
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return first != "" && !strings.Contains(first, ".")
}

// definitionNames lists the definitions declared at the top of decls.
func definitionNames(decls []ast.Decl) map[string]bool {
	names := map[string]bool{}
	topFields(decls, func(f *ast.Field, name string) {
		if strings.HasPrefix(name, "#") {
			names[name] = true
		}
	})
	return names
}

// redefinitions refuses a top-level definition named like one of the
// schema's: in one package the two would unify, so a policy could add
// fields to #Product, or open it with ..., and lingate would then accept
// fields it ignores.
func redefinitions(f *ast.File, schemaDefs map[string]bool) Errors {
	var errs Errors
	topFields(f.Decls, func(fd *ast.Field, name string) {
		if schemaDefs[name] {
			errs = append(errs, Error{Pos: tokenPos(fd.Label.Pos()), Path: name,
				Msg: fmt.Sprintf("%s is the schema's definition and cannot be redefined (expected another name, such as #my%s; a policy may use %s, as in %s & {...})",
					name, strings.TrimPrefix(name, "#"), name, name)})
		}
	})
	return errs
}

// topFields calls visit for each field declared at the top of decls,
// including inside embedded structs and comprehensions there.
func topFields(decls []ast.Decl, visit func(f *ast.Field, name string)) {
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.Field:
			if name, ok := labelName(d.Label); ok {
				visit(d, name)
			}
		case *ast.EmbedDecl:
			if s, ok := d.Expr.(*ast.StructLit); ok {
				topFields(s.Elts, visit)
			}
		case *ast.Comprehension:
			if s, ok := d.Value.(*ast.StructLit); ok {
				topFields(s.Elts, visit)
			}
		}
	}
}

// labelName returns the identifier a field label names, seeing through an alias.
func labelName(l ast.Label) (string, bool) {
	if a, ok := l.(*ast.Alias); ok {
		inner, ok := a.Expr.(ast.Label)
		if !ok {
			return "", false
		}
		l = inner
	}
	id, ok := l.(*ast.Ident)
	if !ok {
		return "", false
	}
	return id.Name, true
}
