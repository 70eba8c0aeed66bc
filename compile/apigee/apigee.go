package apigee

import (
	"errors"
	"fmt"
	"slices"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// Compile returns, for every product deployed to env (sorted by name), its
// proxy bundle and its API product:
//
//	{apigee, proxy, <product>}: apigee/proxies/<product>.zip (Binary) and
//	  the same files unpacked under apigee/proxies/<product>/apiproxy/
//	{apigee, product, <product>}: apigee/products/<product>.json
//
// Problems in the policies come back as schema.Errors, all of them.
func Compile(cfg *schema.Config, env string) ([]artifact.Object, error) {
	e, ok := cfg.Environments[env]
	if !ok {
		return nil, fmt.Errorf("apigee: unknown environment %q", env)
	}
	var objs []artifact.Object
	var problems schema.Errors
	for _, p := range cfg.ProductsIn(env) {
		proxy, product, err := compileProduct(cfg, e, p)
		var errs schema.Errors
		switch {
		case errors.As(err, &errs):
			problems = append(problems, errs...)
		case err != nil:
			return nil, err
		default:
			objs = append(objs, proxy, product)
		}
	}
	if len(problems) > 0 {
		return nil, problems.Sort()
	}
	return objs, nil
}

// Check reports, as schema.Errors, the problems Compile would find in the
// products deployed to env, without building bundles: values a bundle
// cannot hold and operations that only clash as path patterns.
func Check(cfg *schema.Config, env string) error {
	e, ok := cfg.Environments[env]
	if !ok {
		return fmt.Errorf("apigee: unknown environment %q", env)
	}
	var problems schema.Errors
	for _, p := range cfg.ProductsIn(env) {
		problems = append(problems, validate(cfg, e, p)...)
	}
	if len(problems) > 0 {
		return problems.Sort()
	}
	return nil
}

// compileProduct is the proxy and the API product of p.
func compileProduct(cfg *schema.Config, env *schema.Environment, p *schema.Product) (artifact.Object, artifact.Object, error) {
	files, zipped, err := bundle(cfg, env, p)
	if err != nil {
		return artifact.Object{}, artifact.Object{}, err
	}
	product, err := productObject(cfg, env, p)
	if err != nil {
		return artifact.Object{}, artifact.Object{}, err
	}
	return proxyObject(p.Name, files, zipped), product, nil
}

// proxyObject is the proxy of product name with its bundle's files.
func proxyObject(name string, files []artifact.File, zipped []byte) artifact.Object {
	dir := "apigee/proxies/" + name
	proxy := artifact.Object{System: artifact.SystemApigee, Kind: artifact.KindProxy, Name: name,
		Files: make([]artifact.File, 0, len(files)+1)}
	proxy.Files = append(proxy.Files, artifact.File{Path: dir + ".zip", Data: zipped, Binary: true})
	for _, f := range files {
		proxy.Files = append(proxy.Files, artifact.File{Path: dir + "/" + f.Path, Data: f.Data})
	}
	return proxy
}

// productObject is the API product of p in env.
func productObject(cfg *schema.Config, env *schema.Environment, p *schema.Product) (artifact.Object, error) {
	return Built{Name: p.Name, product: apiProduct(cfg, env, p)}.Product()
}

// Bundle compiles the proxy bundle of product in env: its files, with
// paths relative to the bundle root (apiproxy/...), sorted, and the zip
// archive Apigee imports.
func Bundle(cfg *schema.Config, env, product string) ([]artifact.File, []byte, error) {
	e, p, err := lookup(cfg, env, product)
	if err != nil {
		return nil, nil, err
	}
	return bundle(cfg, e, p)
}

// Product compiles the API product of product in env.
func Product(cfg *schema.Config, env, product string) (APIProduct, error) {
	e, p, err := lookup(cfg, env, product)
	if err != nil {
		return APIProduct{}, err
	}
	if errs := validate(cfg, e, p); len(errs) > 0 {
		return APIProduct{}, errs.Sort()
	}
	return apiProduct(cfg, e, p), nil
}

// lookup finds a product deployed to an environment.
func lookup(cfg *schema.Config, env, product string) (*schema.Environment, *schema.Product, error) {
	e, ok := cfg.Environments[env]
	if !ok {
		return nil, nil, fmt.Errorf("apigee: unknown environment %q", env)
	}
	p, ok := cfg.Products[product]
	if !ok || !slices.Contains(p.Environments, env) {
		return nil, nil, fmt.Errorf("apigee: product %q is not deployed to environment %q", product, env)
	}
	return e, p, nil
}

// bundle validates, builds, renders and zips the proxy of p.
func bundle(cfg *schema.Config, env *schema.Environment, p *schema.Product) ([]artifact.File, []byte, error) {
	if errs := validate(cfg, env, p); len(errs) > 0 {
		return nil, nil, errs.Sort()
	}
	return renderBundle(p.Name, build(cfg, env, p))
}

// renderBundle renders and zips a built proxy.
func renderBundle(name string, b proxy) ([]artifact.File, []byte, error) {
	files, err := b.render()
	if err != nil {
		return nil, nil, fmt.Errorf("apigee proxy %s: %w", name, err)
	}
	zipped, err := Zip(files)
	if err != nil {
		return nil, nil, fmt.Errorf("apigee proxy %s: %w", name, err)
	}
	return files, zipped, nil
}
