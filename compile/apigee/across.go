package apigee

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// Compiled is a product's proxy and API product in one environment.
type Compiled struct {
	Env     string
	Proxy   artifact.Object
	Product artifact.Object
}

// CompileProduct compiles product for each environment of envs it is
// deployed to, in the order of envs: the same objects Compile gives for it
// in each. A bundle is rendered and zipped once for all the environments
// whose built proxies are equal (most environments differ in nothing a
// bundle holds), and their proxy objects share its files. Problems in the
// policies come back as schema.Errors, for every environment.
func CompileProduct(cfg *schema.Config, envs []string, product string) ([]Compiled, error) {
	return new(Bundles).Compile(cfg, envs, product)
}

// Built is a product validated and built for one environment: its proxy
// and its API product as data, not rendered yet. Two Built of one product
// that are Same render to the same files, so comparing the policies of two
// commits needs no rendering for what they share.
type Built struct {
	Env     string
	Name    string // the product's
	proxy   proxy
	product APIProduct
}

// Build validates and builds product for each environment of envs it is
// deployed to, in the order of envs. Problems in the policies come back as
// schema.Errors, for every environment.
func Build(cfg *schema.Config, envs []string, product string) ([]Built, error) {
	p, in, err := deployed(cfg, envs, product)
	if err != nil {
		return nil, err
	}
	var out []Built
	var problems schema.Errors
	for _, env := range in {
		e := cfg.Environments[env]
		if errs := validate(cfg, e, p); len(errs) > 0 {
			problems = append(problems, errs...)
			continue
		}
		out = append(out, Built{Env: env, Name: p.Name, proxy: build(cfg, e, p), product: apiProduct(cfg, e, p)})
	}
	if len(problems) > 0 {
		return nil, problems.Sort()
	}
	return out, nil
}

// Validate makes Build's checks alone: the problems of product in each
// environment of envs it is deployed to, as schema.Errors.
func Validate(cfg *schema.Config, envs []string, product string) error {
	p, in, err := deployed(cfg, envs, product)
	if err != nil {
		return err
	}
	var problems schema.Errors
	for _, env := range in {
		problems = append(problems, validate(cfg, cfg.Environments[env], p)...)
	}
	if len(problems) > 0 {
		return problems.Sort()
	}
	return nil
}

// deployed is product and the environments of envs it is deployed to, in
// the order of envs.
func deployed(cfg *schema.Config, envs []string, product string) (*schema.Product, []string, error) {
	p, ok := cfg.Products[product]
	if !ok {
		return nil, nil, fmt.Errorf("apigee: unknown product %q", product)
	}
	var in []string
	for _, env := range envs {
		if _, ok := cfg.Environments[env]; !ok {
			return nil, nil, fmt.Errorf("apigee: unknown environment %q", env)
		}
		if slices.Contains(p.Environments, env) {
			in = append(in, env)
		}
	}
	return p, in, nil
}

// SameInputs reports whether product is deployed to env in configurations
// a and b, and reads the same policies there: the product, the
// environment, and the roles granting it. Build and its checks read
// nothing else of a configuration, so such a product builds to the same
// proxy and API product at both, and has the same problems (at other
// positions). Keep it so when build, apiProduct or validate read more.
func SameInputs(a, b *schema.Config, env, product string) bool {
	pa, pb := a.Products[product], b.Products[product]
	ea, eb := a.Environments[env], b.Environments[env]
	if pa == nil || pb == nil || ea == nil || eb == nil || !slices.Contains(pa.Environments, env) {
		return false
	}
	return a == b || reflect.DeepEqual(pa, pb) && reflect.DeepEqual(ea, eb) && reflect.DeepEqual(a.RolesFor(product), b.RolesFor(product))
}

// SameProxy reports whether b and o render to the same proxy object.
func (b Built) SameProxy(o Built) bool {
	return b.Name == o.Name && reflect.DeepEqual(b.proxy, o.proxy)
}

// SameProduct reports whether b and o render to the same API product object.
func (b Built) SameProduct(o Built) bool {
	return b.Name == o.Name && reflect.DeepEqual(b.product, o.product)
}

// Bundles compiles one product in several configurations (two commits of
// the policies, say) and renders each distinct proxy once: a product a
// change does not touch is built at both commits but rendered and zipped
// only once. Not safe for concurrent use.
type Bundles struct {
	rendered []builtProxy
}

// Compile is CompileProduct, sharing renderings with every earlier call.
func (bs *Bundles) Compile(cfg *schema.Config, envs []string, product string) ([]Compiled, error) {
	built, err := Build(cfg, envs, product)
	if err != nil {
		return nil, err
	}
	out := make([]Compiled, len(built))
	for i, b := range built {
		if out[i], err = bs.Render(b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Render renders b's proxy and API product, sharing renderings with every
// earlier call.
func (bs *Bundles) Render(b Built) (Compiled, error) {
	proxy, err := bs.Proxy(b)
	if err != nil {
		return Compiled{}, err
	}
	product, err := b.Product()
	if err != nil {
		return Compiled{}, err
	}
	return Compiled{Env: b.Env, Proxy: proxy, Product: product}, nil
}

// Product renders b's API product.
func (b Built) Product() (artifact.Object, error) {
	data, err := productJSON(b.product)
	if err != nil {
		return artifact.Object{}, err
	}
	return artifact.Object{System: artifact.SystemApigee, Kind: artifact.KindProduct, Name: b.Name,
		Files: []artifact.File{{Path: "apigee/products/" + b.Name + ".json", Data: data}}}, nil
}

// builtProxy is a proxy as built, its documents and its rendered object.
type builtProxy struct {
	built proxy
	docs  []document
	files []artifact.File
	obj   artifact.Object
}

// Proxy renders b's proxy, reusing the rendering of an equal proxy
// rendered before, or else the rendering of each equal document
// (environments whose proxies differ mostly differ in a policy or two).
func (bs *Bundles) Proxy(b Built) (artifact.Object, error) {
	for _, r := range bs.rendered {
		if reflect.DeepEqual(r.built, b.proxy) {
			return r.obj, nil
		}
	}
	var docs []document
	files, err := b.proxy.render(func(d document) ([]byte, bool) {
		docs = append(docs, d)
		return renderedDoc(bs.rendered, d)
	})
	if err != nil {
		return artifact.Object{}, fmt.Errorf("apigee proxy %s: %w", b.Name, err)
	}
	zipped, err := Zip(files)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("apigee proxy %s: %w", b.Name, err)
	}
	obj := proxyObject(b.Name, files, zipped)
	bs.rendered = append(bs.rendered, builtProxy{b.proxy, docs, files, obj})
	return obj, nil
}

// renderedDoc finds the bytes of an equal document at the same path among
// the proxies rendered before.
func renderedDoc(rendered []builtProxy, d document) ([]byte, bool) {
	for _, r := range rendered {
		for _, prev := range r.docs {
			if prev.path == d.path && reflect.DeepEqual(prev.doc, d.doc) {
				i := slices.IndexFunc(r.files, func(f artifact.File) bool { return f.Path == d.path })
				return r.files[i].Data, true
			}
		}
	}
	return nil, false
}
