package compile

import (
	"slices"

	"github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/compile/linstor"
)

// Changes is two configurations (the policies at two commits) to compile
// for what differs between them: see StreamChanges.
type Changes struct {
	Base, Head Side
	// Same receives, once, each object that is the same at both sides of
	// an environment: its identity, and no files unless RenderSame; nil
	// drops them.
	Same func(env string, o artifact.Object) error
	// RenderSame renders the objects handed to Same (for their digests),
	// once for both sides.
	RenderSame bool
	// Whole says whether every object of system in env goes to both sides'
	// Emit, equal or not (a plan whose target moved there compares
	// nothing); nil means no system.
	Whole func(env, system string) bool
}

// Objects at either side of a Changes.
const (
	AtBase = iota
	AtHead
)

// StreamChanges is StreamSides of c.Base and c.Head, except that an object
// the same at both sides of an environment (identity and files) goes to
// c.Same instead of either side's Emit, so that comparing only what the
// sides' Emit receive (apply.Compare) gives the changes that comparing two
// full compiles gives. A product that reads the same policies at both
// sides in an environment (apigee.SameInputs) is only checked there, at
// head (and at base when head has problems); one that reads something
// else is built at both, and a proxy or API product built equal is not
// rendered. Nothing the same is rendered, zipped or held unless
// RenderSame. Monitoring files are left out, as from Stream. It returns
// the errors of base and head, at AtBase and AtHead, as StreamSides would;
// an error from Emit or Same stops both with it.
func StreamChanges(c Changes) []error {
	sides := []*Side{&c.Base, &c.Head}
	errs := make([][]error, 2)
	ok := make([]bool, 2)
	for i, s := range sides {
		errs[i], ok[i] = checkEnvs(s)
	}
	one := c.Base.Cfg == c.Head.Cfg && ok[AtBase] == ok[AtHead] && slices.Equal(c.Base.Envs, c.Head.Envs)
	p := pairing{c: c, ok: ok, one: one}
	for _, env := range p.envs() {
		lerrs, err := p.groups(env)
		if err != nil {
			return fill(2, err)
		}
		for i := range lerrs {
			errs[i] = append(errs[i], lerrs[i])
		}
	}
	perSide, err := p.products()
	if err != nil {
		return fill(2, err)
	}
	out := make([]error, 2)
	for i := range out {
		out[i] = join(append(errs[i], perSide[i]...)...)
	}
	return out
}

// pairing is a Changes under way.
type pairing struct {
	c  Changes
	ok []bool // each side declares its environments (else it compiles nothing)
	// one: both sides are one configuration, whose LINSTOR objects are
	// compiled once (its products are the same by apigee.SameInputs).
	one bool
}

// side is the side at AtBase or AtHead.
func (p pairing) side(i int) Side {
	if i == AtBase {
		return p.c.Base
	}
	return p.c.Head
}

// has reports whether side i compiles env.
func (p pairing) has(i int, env string) bool {
	return p.ok[i] && slices.Contains(p.side(i).Envs, env)
}

// envs is the environments either side compiles, sorted.
func (p pairing) envs() []string {
	var envs []string
	for i := range 2 {
		if p.ok[i] {
			envs = append(envs, p.side(i).Envs...)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(envs)))
}

// paired reports whether system's objects in env are compared: env is
// compiled at both sides and system is not whole there.
func (p pairing) paired(env, system string) bool {
	return p.has(AtBase, env) && p.has(AtHead, env) && (p.c.Whole == nil || !p.c.Whole(env, system))
}

// emission is an object to hand on: to a side's Emit, or to Same.
type emission struct {
	to  int // AtBase, AtHead, or same
	env string
	obj artifact.Object
}

// same marks an emission for Changes.Same.
const same = 2

// emit hands on es in order; the first error stops it.
func (p pairing) emit(es []emission) error {
	for _, e := range es {
		var err error
		switch {
		case e.to == same && p.c.Same == nil:
		case e.to == same:
			err = p.c.Same(e.env, e.obj)
		default:
			err = p.side(e.to).Emit(e.env, e.obj)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// groups compiles env's LINSTOR objects at both sides and hands them on:
// an object with the same files at both to Same. It returns each side's
// problems, or the error of an Emit or Same.
func (p pairing) groups(env string) ([]error, error) {
	var objs [2][]artifact.Object
	errs := make([]error, 2)
	for i := range 2 {
		if !p.has(i, env) {
			continue
		}
		if i == AtHead && p.one {
			objs[i], errs[i] = slices.Clone(objs[AtBase]), errs[AtBase]
			continue
		}
		objs[i], errs[i] = linstor.Compile(p.side(i).Cfg, env)
	}
	var es []emission
	paired := p.paired(env, artifact.SystemLinstor)
	for _, h := range objs[AtHead] {
		i := slices.IndexFunc(objs[AtBase], func(b artifact.Object) bool { return sameID(b, h) })
		if !paired || i < 0 || !sameFiles(objs[AtBase][i], h) {
			es = append(es, emission{AtHead, env, h})
			continue
		}
		objs[AtBase] = slices.Delete(objs[AtBase], i, i+1)
		if !p.c.RenderSame {
			h.Files = nil
		}
		es = append(es, emission{same, env, h})
	}
	for _, b := range objs[AtBase] {
		es = append(es, emission{AtBase, env, b})
	}
	return errs, p.emit(es)
}

// sameID reports whether a and b are one object (system, kind and name).
func sameID(a, b artifact.Object) bool {
	return a.System == b.System && a.Kind == b.Kind && a.Name == b.Name
}

// sameFiles reports whether a and b have the same files, in order.
func sameFiles(a, b artifact.Object) bool {
	return slices.EqualFunc(a.Files, b.Files, func(x, y artifact.File) bool {
		return x.Path == y.Path && x.Binary == y.Binary && string(x.Data) == string(y.Data)
	})
}

// productResult is one product compiled at both sides: what to hand on,
// and each side's problems.
type productResult struct {
	i    int
	es   []emission
	errs [2]error
}

// products compiles every product deployed to an environment of either
// side on GOMAXPROCS workers, handing objects on from the calling
// goroutine. It returns each side's problems in product order, or the
// error of an Emit or Same.
func (p pairing) products() ([][]error, error) {
	var compiled []Side
	for i := range 2 {
		if p.ok[i] {
			compiled = append(compiled, p.side(i))
		}
	}
	names := productsIn(compiled)
	errs := [][]error{make([]error, len(names)), make([]error, len(names))}
	err := parallel(len(names), func(i int) productResult { return p.product(i, names[i]) }, func(r productResult) error {
		errs[AtBase][r.i], errs[AtHead][r.i] = r.errs[AtBase], r.errs[AtHead]
		return p.emit(r.es)
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// product compiles the product name at both sides: in the environments
// where it reads the same policies at both (apigee.SameInputs) it is only
// checked, at head (and at base too when head has problems); elsewhere it
// is built at both, and what differs is rendered.
func (p pairing) product(i int, name string) productResult {
	r := productResult{i: i}
	unchanged := p.unchanged(name)
	var built [2][]apigee.Built
	for s := range 2 {
		side := p.side(s)
		if _, declared := side.Cfg.Products[name]; !p.ok[s] || !declared {
			continue
		}
		envs := slices.DeleteFunc(slices.Clone(side.Envs), func(env string) bool { return slices.Contains(unchanged, env) })
		built[s], r.errs[s] = apigee.Build(side.Cfg, envs, name)
	}
	var bundles apigee.Bundles
	for _, h := range built[AtHead] {
		j := slices.IndexFunc(built[AtBase], func(b apigee.Built) bool { return b.Env == h.Env })
		if j < 0 || !p.paired(h.Env, artifact.SystemApigee) {
			r.render(&bundles, AtHead, h, true, true)
			continue
		}
		b := built[AtBase][j]
		built[AtBase] = slices.Delete(built[AtBase], j, j+1)
		sameProxy, sameProduct := b.SameProxy(h), b.SameProduct(h)
		r.render(&bundles, AtBase, b, !sameProxy, !sameProduct)
		r.render(&bundles, AtHead, h, !sameProxy, !sameProduct)
		r.same(&bundles, h, sameProxy, sameProduct, p.c.RenderSame)
	}
	for _, b := range built[AtBase] {
		r.render(&bundles, AtBase, b, true, true)
	}
	r.unchanged(&bundles, p.c, name, unchanged)
	return r
}

// unchanged is the environments where product name reads the same
// policies at both sides, and is compared.
func (p pairing) unchanged(name string) []string {
	if !p.ok[AtBase] || !p.ok[AtHead] {
		return nil
	}
	var envs []string
	for _, env := range p.envs() {
		if p.paired(env, artifact.SystemApigee) && apigee.SameInputs(p.c.Base.Cfg, p.c.Head.Cfg, env, name) {
			envs = append(envs, env)
		}
	}
	return envs
}

// unchanged hands on product name in envs, where it reads the same
// policies at both sides, as the same at both: checked at head only
// (at base too when head has problems), built and rendered only when
// c.RenderSame.
func (r *productResult) unchanged(bundles *apigee.Bundles, c Changes, name string, envs []string) {
	if len(envs) == 0 {
		return
	}
	var built []apigee.Built
	var err error
	if c.RenderSame {
		built, err = apigee.Build(c.Head.Cfg, envs, name)
	} else {
		err = apigee.Validate(c.Head.Cfg, envs, name)
	}
	if err != nil {
		r.errs[AtHead] = join(r.errs[AtHead], err)
		r.errs[AtBase] = join(r.errs[AtBase], apigee.Validate(c.Base.Cfg, envs, name))
		return
	}
	for _, b := range built {
		r.same(bundles, b, true, true, true)
	}
	if !c.RenderSame {
		for _, env := range envs {
			r.same(bundles, apigee.Built{Env: env, Name: name}, true, true, false)
		}
	}
}

// render renders b's proxy and API product, those asked, for side s; an
// error in rendering is the side's.
func (r *productResult) render(bundles *apigee.Bundles, s int, b apigee.Built, proxy, product bool) {
	objs, err := objects(bundles, b, proxy, product, true)
	for _, o := range objs {
		r.es = append(r.es, emission{s, b.Env, o})
	}
	r.errs[s] = join(r.errs[s], err)
}

// same hands on the proxy and API product of b, those asked, as the same
// at both sides: rendered when full, else by identity only. An error in
// rendering is both sides'.
func (r *productResult) same(bundles *apigee.Bundles, b apigee.Built, proxy, product, full bool) {
	objs, err := objects(bundles, b, proxy, product, full)
	for _, o := range objs {
		r.es = append(r.es, emission{same, b.Env, o})
	}
	r.errs[AtBase], r.errs[AtHead] = join(r.errs[AtBase], err), join(r.errs[AtHead], err)
}

// objects is b's proxy and API product, those asked: rendered when full,
// else their identities only.
func objects(bundles *apigee.Bundles, b apigee.Built, proxy, product, full bool) ([]artifact.Object, error) {
	var out []artifact.Object
	if proxy {
		o := artifact.Object{System: artifact.SystemApigee, Kind: artifact.KindProxy, Name: b.Name}
		if full {
			var err error
			if o, err = bundles.Proxy(b); err != nil {
				return nil, err
			}
		}
		out = append(out, o)
	}
	if product {
		o := artifact.Object{System: artifact.SystemApigee, Kind: artifact.KindProduct, Name: b.Name}
		if full {
			var err error
			if o, err = b.Product(); err != nil {
				return nil, err
			}
		}
		out = append(out, o)
	}
	return out, nil
}
