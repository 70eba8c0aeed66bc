package simulate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lingate/lingate/compile/apigee"
	"github.com/lingate/lingate/schema"
)

// Env is the proxies deployed to one environment, ready to answer
// requests.
type Env struct {
	Name    string
	proxies []*Proxy // longest base path first
}

// Compile compiles and loads every proxy deployed to env.
func Compile(cfg *schema.Config, env string) (*Env, error) {
	if _, ok := cfg.Environments[env]; !ok {
		return nil, fmt.Errorf("environment %s: not declared (declared: %s)", env, strings.Join(cfg.EnvironmentNames(), ", "))
	}
	e := &Env{Name: env}
	for _, p := range cfg.ProductsIn(env) {
		files, _, err := apigee.Bundle(cfg, env, p.Name)
		if err != nil {
			return nil, err
		}
		proxy, err := Load(p.Name, files)
		if err != nil {
			return nil, err
		}
		e.proxies = append(e.proxies, proxy)
	}
	slices.SortStableFunc(e.proxies, func(a, b *Proxy) int { return len(b.BasePath) - len(a.BasePath) })
	return e, nil
}

// Proxy finds the proxy serving path: the longest base path that is the
// path or a prefix of it ending at a segment boundary.
func (e *Env) Proxy(path string) *Proxy {
	for _, p := range e.proxies {
		base := strings.TrimSuffix(p.BasePath, "/")
		if path == base || strings.HasPrefix(path, base+"/") || base == "" {
			return p
		}
	}
	return nil
}

// Run sends req to the proxy serving its path; with none, Apigee answers
// 404 (messaging.adaptors.http.flow.ApplicationNotFound).
func (e *Env) Run(req Request) Result {
	p := e.Proxy(req.Path)
	if p == nil {
		return Result{Status: 404, Error: "messaging.adaptors.http.flow.ApplicationNotFound: no proxy serves " + req.Path, Steps: []string{}}
	}
	return p.Run(req)
}
