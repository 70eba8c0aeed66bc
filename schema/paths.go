package schema

import (
	"fmt"
	"strings"
)

// Paths are compared and compiled as written, so a path must have one
// spelling: no dot segments (/a/./b, /../admin), which clients and proxies
// resolve before Apigee sees them, no percent-encoding (/%76%31 is /v1),
// no empty segments, and no query or fragment. Apigee matches base paths
// case-sensitively, so /Billing and /billing are different base paths.

// pathProblem says what makes p more than one spelling of a path, or "".
func pathProblem(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "does not start with /"
	}
	if strings.ContainsAny(p, "%") {
		return "holds percent-encoding"
	}
	if strings.ContainsAny(p, "?#") {
		return "holds a query or fragment"
	}
	if seg := dotSegment(p); seg != "" {
		return fmt.Sprintf("holds the dot segment %q", seg)
	}
	if p != "/" && (strings.Contains(p, "//") || strings.HasSuffix(p, "/")) {
		return "holds an empty segment (//)"
	}
	return ""
}

// checkPaths requires one spelling of the base path and operation paths
// of p.
func checkPaths(cfg *Config, p *Product) Errors {
	var errs Errors
	if why := pathProblem(p.BasePath); why != "" {
		errs = append(errs, cfg.Errorf(Path(SectionProducts, p.Name, "basePath"),
			"base path %s %s (expected a path written out plainly: /segment/segment, no . or .. segments, no %%XX, no //)", Shorten(p.BasePath), why))
	}
	for i, op := range p.Operations {
		if why := pathProblem(op.Path); why != "" {
			errs = append(errs, cfg.Errorf(Path(SectionProducts, p.Name, "operations", i, "path"),
				"path %s %s (expected a path written out plainly: /segment/{param}, no . or .. segments, no %%XX, no //, no ? or #)", Shorten(op.Path), why))
		}
	}
	return errs
}

// apigeeTarget names the Apigee environment env deploys to, for finding
// lingate environments that are one Apigee environment. Each sandbox has
// its own emulator.
func apigeeTarget(env string, e *Environment) string {
	if e == nil || e.Sandbox || e.Apigee.Organization == "" || e.Apigee.Environment == "" {
		return "lingate environment " + env
	}
	return e.Apigee.Organization + "/" + e.Apigee.Environment
}

// basePathOwner is the first product seen on a base path of an Apigee
// environment.
type basePathOwner struct {
	product, env string
}

// checkBasePaths requires each base path once per Apigee environment:
// lingate environments that point at the same Apigee organization and
// environment are checked together.
func checkBasePaths(cfg *Config) Errors {
	var errs Errors
	owner := map[[2]string]basePathOwner{}
	for _, name := range Names(cfg.Products) {
		p := cfg.Products[name]
		for _, env := range p.Environments {
			target := apigeeTarget(env, cfg.Environments[env])
			key := [2]string{target, p.BasePath}
			first, dup := owner[key]
			if !dup {
				owner[key] = basePathOwner{name, env}
				continue
			}
			errs = append(errs, basePathClash(cfg, p, env, target, first))
		}
	}
	return errs
}

// basePathClash reports p's base path in env, already owned by first in
// the same Apigee environment target.
func basePathClash(cfg *Config, p *Product, env, target string, first basePathOwner) Error {
	at := Path(SectionProducts, p.Name, "basePath")
	var e Error
	switch {
	case first.env == env:
		e = cfg.Errorf(at, "base path %s is also used by product %s in environment %s (expected a unique base path per environment)", p.BasePath, first.product, env)
	case first.product == p.Name:
		e = cfg.Errorf(Path(SectionProducts, p.Name, "environments"),
			"environments %s and %s are both Apigee environment %s: product %s would be deployed there twice (expected the product in one of them, or the environments pointed at different Apigee environments)", first.env, env, target, p.Name)
	default:
		e = cfg.Errorf(at, "base path %s is also used by product %s in environment %s, and environments %s and %s are both Apigee environment %s (expected a unique base path per Apigee environment)",
			p.BasePath, first.product, first.env, first.env, env, target)
	}
	if first.product != p.Name {
		e.Related = []Position{cfg.Pos(Path(SectionProducts, first.product, "basePath"))}
	}
	return e
}
