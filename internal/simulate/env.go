package simulate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// Env is the proxies deployed to one environment, ready to answer
// requests. A proxy is compiled and loaded the first time a request
// needs it, so one request to a large repository compiles one bundle. An
// Env is not safe for concurrent use; a loaded Proxy is.
type Env struct {
	Name     string
	bundle   BundleFunc
	product  ProductFunc
	cfg      *schema.Config
	products []*schema.Product // longest base path first
	loaded   map[string]*Proxy
}

// BundleFunc compiles the proxy bundle of a product in an environment:
// compile/apigee.Bundle. The simulator takes it as a value so that it
// does not depend on the compiler it checks (whose own tests use it).
type BundleFunc func(cfg *schema.Config, env, product string) ([]artifact.File, []byte, error)

// ProductFunc returns the operation group of a product's API product in
// an environment, resource → methods (nil: none):
// compile/apigee.ProductOperations.
type ProductFunc func(cfg *schema.Config, env, product string) (map[string][]string, error)

// New prepares the proxies deployed to env, compiled by bundle, with the
// API products' operations from product.
func New(cfg *schema.Config, env string, bundle BundleFunc, product ProductFunc) (*Env, error) {
	if _, ok := cfg.Environments[env]; !ok {
		return nil, fmt.Errorf("environment %s: not declared (declared: %s)", env, strings.Join(cfg.EnvironmentNames(), ", "))
	}
	e := &Env{Name: env, bundle: bundle, product: product, cfg: cfg, products: cfg.ProductsIn(env), loaded: map[string]*Proxy{}}
	slices.SortStableFunc(e.products, func(a, b *schema.Product) int { return len(b.BasePath) - len(a.BasePath) })
	return e, nil
}

// Proxy finds, compiles and loads the proxy serving path: the longest
// base path that is the path or a prefix of it ending at a segment
// boundary. It is nil when no proxy serves path.
func (e *Env) Proxy(path string) (*Proxy, error) {
	for _, p := range e.products {
		base := strings.TrimSuffix(p.BasePath, "/")
		if path != base && !strings.HasPrefix(path, base+"/") {
			continue
		}
		return e.load(p)
	}
	return nil, nil
}

// load compiles and parses the proxy of p once.
func (e *Env) load(p *schema.Product) (*Proxy, error) {
	if proxy, ok := e.loaded[p.Name]; ok {
		return proxy, nil
	}
	files, _, err := e.bundle(e.cfg, e.Name, p.Name)
	if err != nil {
		return nil, err
	}
	proxy, err := Load(p.Name, files)
	if err != nil {
		return nil, err
	}
	if proxy.Operations, err = e.product(e.cfg, e.Name, p.Name); err != nil {
		return nil, err
	}
	if proxy.BasePath != p.BasePath {
		return nil, fmt.Errorf("simulate proxy %s: the bundle serves base path %s, the product declares %s", p.Name, proxy.BasePath, p.BasePath)
	}
	e.loaded[p.Name] = proxy
	return proxy, nil
}

// Run sends req to the proxy serving its path; with none, Apigee answers
// 404 (messaging.adaptors.http.flow.ApplicationNotFound).
func (e *Env) Run(req Request) (Result, error) {
	p, err := e.Proxy(req.Path)
	switch {
	case err != nil:
		return Result{}, err
	case p == nil:
		return Result{Status: 404, Error: "messaging.adaptors.http.flow.ApplicationNotFound: no proxy serves " + req.Path, Steps: []string{}}, nil
	}
	return p.Run(req), nil
}
