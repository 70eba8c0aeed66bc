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

// Bundles compiles one product in several configurations (two commits of
// the policies, say) and renders each distinct proxy once: a product a
// change does not touch is built at both commits but rendered and zipped
// only once. Not safe for concurrent use.
type Bundles struct {
	rendered []builtProxy
}

// Compile is CompileProduct, sharing renderings with every earlier call.
func (bs *Bundles) Compile(cfg *schema.Config, envs []string, product string) ([]Compiled, error) {
	p, ok := cfg.Products[product]
	if !ok {
		return nil, fmt.Errorf("apigee: unknown product %q", product)
	}
	var out []Compiled
	var problems schema.Errors
	for _, env := range envs {
		e, ok := cfg.Environments[env]
		if !ok {
			return nil, fmt.Errorf("apigee: unknown environment %q", env)
		}
		if !slices.Contains(p.Environments, env) {
			continue
		}
		if errs := validate(cfg, e, p); len(errs) > 0 {
			problems = append(problems, errs...)
			continue
		}
		c, err := compileIn(cfg, e, p, &bs.rendered)
		if err != nil {
			return nil, err
		}
		c.Env = env
		out = append(out, c)
	}
	if len(problems) > 0 {
		return nil, problems.Sort()
	}
	return out, nil
}

// builtProxy is a proxy as built, its documents and its rendered object.
type builtProxy struct {
	built proxy
	docs  []document
	files []artifact.File
	obj   artifact.Object
}

// compileIn compiles validated p in env, reusing the rendering of an equal
// proxy built for another environment, or else the rendering of each equal
// document (environments whose proxies differ mostly differ in a policy or
// two).
func compileIn(cfg *schema.Config, env *schema.Environment, p *schema.Product, rendered *[]builtProxy) (Compiled, error) {
	product, err := productObject(cfg, env, p)
	if err != nil {
		return Compiled{}, err
	}
	b := build(cfg, env, p)
	for _, r := range *rendered {
		if reflect.DeepEqual(r.built, b) {
			return Compiled{Proxy: r.obj, Product: product}, nil
		}
	}
	var docs []document
	files, err := b.render(func(d document) ([]byte, bool) {
		docs = append(docs, d)
		return renderedDoc(*rendered, d)
	})
	if err != nil {
		return Compiled{}, fmt.Errorf("apigee proxy %s: %w", p.Name, err)
	}
	zipped, err := Zip(files)
	if err != nil {
		return Compiled{}, fmt.Errorf("apigee proxy %s: %w", p.Name, err)
	}
	obj := proxyObject(p.Name, files, zipped)
	*rendered = append(*rendered, builtProxy{b, docs, files, obj})
	return Compiled{Proxy: obj, Product: product}, nil
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
