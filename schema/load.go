package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
)

// Load reads every .cue file under dir in fsys, recursively, as one CUE
// package named policies; checks each environment, tier, product, role and
// the release rule against the embedded schema; applies the language's
// defaults; and checks the rules that relate policies to each other.
//
// Nothing is read from outside fsys, and only fsys is read: CUE sees the
// parsed files, never a path on disk. File names in positions are dir joined
// with the file's path under it. The schema's definitions (#Tier, #Product,
// ...) are in scope for the policies. A non-nil error is Errors, holding
// every problem found, sorted by position.
//
// Evaluation is bounded by DefaultLimits (see LoadWithin).
func Load(fsys fs.FS, dir string) (*Config, error) {
	return LoadWithin(fsys, dir, DefaultLimits)
}

// load is Load without limits.
func load(fsys fs.FS, dir string) (*Config, error) {
	files, errs := readFiles(fsys, dir)
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	if cfg, ok := loadFast(dir, files); ok {
		return cfg, nil
	}
	cfg, errs := loadChecked(dir, files)
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	return cfg, nil
}

// loadFast evaluates the policies with the schema bound to every section in
// one CUE evaluation, the cheapest way when everything is valid. It reports
// false when anything is wrong: loadChecked then finds every problem with
// the best positions and messages.
func loadFast(dir string, files []srcFile) (*Config, bool) {
	data, errs := buildData(cuecontext.New(), dir, files, true)
	if len(errs) > 0 || data.Err() != nil {
		return nil, false
	}
	l := newLoader(data, false)
	cfg, declared, errs := l.decode()
	if len(errs) > 0 || len(check(cfg, declared)) > 0 {
		return nil, false
	}
	return cfg, true
}

// loadChecked unifies each entry with its definition on its own, so that an
// error in one entry neither hides nor garbles the errors of another.
func loadChecked(dir string, files []srcFile) (*Config, Errors) {
	data, errs := buildData(cuecontext.New(), dir, files, false)
	if len(errs) > 0 {
		return nil, errs
	}
	l := newLoader(data, true)
	cfg, declared, errs := l.decode()
	errs = append(errs, echoesDropped(l.outsideEntries(), errs)...)
	errs = append(errs, check(cfg, declared)...)
	if len(errs) == 0 && data.Err() != nil {
		errs = fromCUE(data.Err(), l.pos, l.pol)
	}
	return cfg, errs
}

// echoesDropped removes from outside the errors that repeat one of
// entries at the same position with the same message: CUE reports some
// errors inside an entry (a _|_ the user wrote) at the top too, without a path.
func echoesDropped(outside, entries Errors) Errors {
	return slices.DeleteFunc(outside, func(o Error) bool {
		return slices.ContainsFunc(entries, func(e Error) bool { return e.Pos == o.Pos && e.Msg == o.Msg })
	})
}

// The embedded schema as two more files of the policies package: its
// definitions, and the fields binding each section to its definition.
var (
	definitionsSource = strings.Replace(Source, "package schema", "package "+PackageName, 1)
	bindingsSource    = "package " + PackageName + `

environments: [string]: #Environment
tiers: [string]: #Tier
products: [string]: #Product
roles: [string]: #Role
release?: #Release
`
)

// BindingsFile names the positions inside the schema's section bindings.
const BindingsFile = "lingate:bindings.cue"

// buildData parses the files, checks their package clauses, imports and
// top-level definitions, and builds them, with the schema's definitions and,
// when bind is set, its bindings, into one value. The errors returned are
// those that keep CUE from building the value at all; the value's own
// errors (conflicts and the like) are left to the caller, which reports
// them per entry.
func buildData(ctx *cue.Context, dir string, files []srcFile, bind bool) (cue.Value, Errors) {
	defs := mustParse(SchemaFile, definitionsSource)
	asts, errs := parseAll(files, definitionNames(defs.Decls))
	asts = append(asts, defs)
	if bind {
		asts = append(asts, mustParse(BindingsFile, bindingsSource))
	}
	if len(errs) > 0 {
		return cue.Value{}, errs
	}
	inst := build.NewContext().NewInstance(dir, nil)
	for _, a := range asts {
		if err := inst.AddSyntax(a); err != nil {
			errs = append(errs, fromCUE(err, nil, nil)...)
		}
	}
	if len(errs) > 0 {
		return cue.Value{}, errs
	}
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil && !built(v) {
		return cue.Value{}, fromCUE(err, &positions{data: v}, nil)
	}
	return v, nil
}

// built reports whether CUE built a value with fields, errors in it aside:
// the schema's definitions are always there unless the build itself failed
// (a reference to nothing, say), which leaves only the error.
func built(v cue.Value) bool {
	it, err := v.Fields(cue.Definitions(true))
	return err == nil && it.Next()
}

// parsed is one policy file parsed and checked: its syntax, or nil when it
// is left out, and its problems.
type parsed struct {
	file *ast.File
	errs Errors
}

// parseAll parses and checks the files on every core, keeping their order.
func parseAll(files []srcFile, reserved map[string]bool) ([]*ast.File, Errors) {
	out := make([]parsed, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				out[i] = parseOne(files[i], reserved)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	var asts []*ast.File
	var errs Errors
	for _, p := range out {
		errs = append(errs, p.errs...)
		if p.file != nil {
			asts = append(asts, p.file)
		}
	}
	return asts, errs
}

// parseOne parses a file and checks its package clause, attributes, imports
// and definitions.
func parseOne(f srcFile, reserved map[string]bool) parsed {
	a, err := parser.ParseFile(f.name, f.data)
	if err != nil {
		return parsed{errs: fromCUE(err, nil, nil)}
	}
	skip, attrErrs := fileAttributes(a)
	if skip {
		return parsed{}
	}
	if e, bad := packageError(f.name, a); bad {
		return parsed{errs: Errors{e}}
	}
	errs := append(attrErrs, importErrors(a)...)
	return parsed{file: a, errs: append(errs, redefinitions(a, reserved)...)}
}

// mustParse parses an embedded schema file; it panics only if the binary was
// built with a schema that does not parse, which the tests rule out.
func mustParse(name, src string) *ast.File {
	f, err := parser.ParseFile(name, src)
	if err != nil {
		panic(fmt.Sprintf("embedded %s: %v", name, err))
	}
	return f
}

// packageError reports a file whose package clause is missing or names
// another package: CUE would silently leave such a file out.
func packageError(name string, f *ast.File) (Error, bool) {
	switch pkg := f.PackageName(); pkg {
	case PackageName:
		return Error{}, false
	case "":
		return Error{Pos: Position{File: name, Line: 1, Col: 1}, Msg: `no package clause (expected "package policies" at the top of every policy file)`}, true
	default:
		return Error{Pos: tokenPos(f.Pos()), Msg: fmt.Sprintf(`package %s (expected "package policies": every policy file belongs to one package)`, pkg)}, true
	}
}

// loader decodes a built value into a Config, checking each entry against
// its schema definition.
type loader struct {
	data  cue.Value
	unify bool
	pos   *positions
	pol   *polisher
}

// newLoader reads entries from data, which holds the schema's definitions;
// unify says whether each entry must still be unified with its definition.
func newLoader(data cue.Value, unify bool) *loader {
	return &loader{data: data, unify: unify, pos: &positions{data: data}, pol: &polisher{schema: data}}
}

// entry is one value to check against a definition, and where its decoded
// form goes.
type entry struct {
	section string
	name    string
	value   cue.Value
	def     cue.Value
	into    any
	errs    Errors
}

// decode checks every entry (concurrently on the fast path; see run) and
// fills a Config with the entries that passed. It also returns
// every declared name, valid or not, so that references to an entry with
// errors of its own are not reported as unknown too.
func (l *loader) decode() (*Config, declared, Errors) {
	cfg := &Config{
		Environments: map[string]*Environment{},
		Tiers:        map[string]*Tier{},
		Products:     map[string]*Product{},
		Roles:        map[string]*Role{},
		src:          l.pos,
		guardrails:   l.data.LookupPath(cue.MakePath(cue.Str(SectionGuardrails))),
	}
	entries, broken, errs := l.entries(cfg)
	l.run(entries)
	names := declared{names: map[string]map[string]bool{}, broken: broken}
	for _, e := range entries {
		names.add(e.section, e.name)
		if len(e.errs) > 0 {
			errs = append(errs, e.errs...)
			cfg.drop(e.section, e.name)
		}
	}
	cfg.finish()
	return cfg, names, errs
}

// declared holds every name declared in each section, valid or not, and
// the sections too broken to list (a section in conflict with a value that
// is not a struct), where any name counts as declared so that the section's
// own error is not followed by one unknown reference per use.
type declared struct {
	names  map[string]map[string]bool
	broken map[string]bool
}

func (d declared) add(section, name string) {
	if d.names[section] == nil {
		d.names[section] = map[string]bool{}
	}
	d.names[section][name] = true
}

func (d declared) has(section, name string) bool {
	return d.broken[section] || d.names[section][name]
}

// list returns the names declared in section, sorted.
func (d declared) list(section string) []string { return Names(d.names[section]) }

// run checks entries on every core, each worker writing only its own
// entries. The checked path (l.unify) runs on one: there every entry is
// unified with its section's definition, which all entries share, and
// CUE v0.17 finalizes a shared vertex without synchronisation (the race
// detector caught two workers evaluating #Product while one listed the
// fields it allows for an error message). That path only runs when the
// policies have errors, so it may be slower.
func (l *loader) run(entries []*entry) {
	workers := runtime.GOMAXPROCS(0)
	if l.unify {
		workers = 1
	}
	var wg sync.WaitGroup
	next := make(chan *entry)
	for range workers {
		wg.Go(func() {
			for e := range next {
				e.errs = l.check(e)
			}
		})
	}
	for _, e := range entries {
		next <- e
	}
	close(next)
	wg.Wait()
}

// check validates one entry, unified with its definition, and decodes it.
func (l *loader) check(e *entry) Errors {
	v := e.value
	if l.unify {
		v = v.Unify(e.def)
	}
	if err := v.Validate(cue.Concrete(true), cue.Final()); err != nil {
		return fromCUE(err, l.pos, l.pol)
	}
	if err := decode(v, reflect.ValueOf(e.into)); err != nil {
		var de *decodeError
		if errors.As(err, &de) {
			path := de.v.Path().String()
			return Errors{{Pos: l.pos.pos(path), Path: path, Msg: de.msg}}
		}
		return Errors{{Pos: l.pos.at(e.value), Path: e.value.Path().String(), Msg: err.Error()}}
	}
	return nil
}
