package schema

import (
	"net/url"
	"strings"
)

// URL rules (issue: credentials compiled into bundles, plain HTTP to
// production): no URL may hold credentials (user:password@), and outside
// sandboxes every URL lingate or Apigee connects to must use TLS, unless the
// environment says allowHTTP: true.

// urlField is one URL a policy holds, and the environments it is used in.
type urlField struct {
	path string
	url  string
	envs []string // environments whose traffic uses it; nil for none (CORS origins)
}

// checkURLs applies the URL rules to every URL of cfg.
func checkURLs(cfg *Config) Errors {
	var errs Errors
	for _, f := range urlFields(cfg) {
		errs = append(errs, checkURL(cfg, f)...)
	}
	return errs
}

// urlFields lists every URL in cfg, in name order.
func urlFields(cfg *Config) []urlField {
	var fs []urlField
	for _, name := range cfg.EnvironmentNames() {
		e := cfg.Environments[name]
		env := []string{name}
		if e.Apigee.Endpoint != "" {
			fs = append(fs, urlField{Path(SectionEnvironments, name, "apigee", "endpoint"), e.Apigee.Endpoint, env})
		}
		for i, c := range e.Linstor.Controllers {
			fs = append(fs, urlField{Path(SectionEnvironments, name, "linstor", "controllers", i), c, env})
		}
		fs = append(fs, remoteURLs(name, e)...)
		if e.Placement != nil {
			fs = append(fs, urlField{Path(SectionEnvironments, name, "placement", "url"), e.Placement.URL, env})
		}
	}
	for _, name := range Names(cfg.Products) {
		p := cfg.Products[name]
		at := func(elems ...any) string { return Path(append([]any{SectionProducts, name}, elems...)...) }
		if p.Target != nil && p.Target.URL != "" {
			fs = append(fs, urlField{at("target", "url"), p.Target.URL, p.Environments})
		}
		for _, tier := range Names(p.Targets) {
			if u := p.Targets[tier].URL; u != "" {
				fs = append(fs, urlField{at("targets", tier, "url"), u, p.Environments})
			}
		}
		for _, n := range p.NodeTargets() {
			if n.Target.URL != "" {
				fs = append(fs, urlField{n.at(name) + ".url", n.Target.URL, p.Environments})
			}
		}
		if o := p.Auth.OIDC; o != nil {
			fs = append(fs, urlField{at("auth", "oidc", "issuer"), o.Issuer, p.Environments})
			if o.JWKSURI != "" {
				fs = append(fs, urlField{at("auth", "oidc", "jwksUri"), o.JWKSURI, p.Environments})
			}
		}
		if p.CORS != nil {
			for i, o := range p.CORS.Origins {
				fs = append(fs, urlField{at("cors", "origins", i), o, nil})
			}
		}
	}
	return fs
}

// remoteURLs lists the URLs of environment name's backup remotes: the
// controller of another cluster receives the data, an S3 endpoint the keys.
func remoteURLs(name string, e *Environment) []urlField {
	var fs []urlField
	for _, r := range Names(e.Linstor.Remotes) {
		at := func(elems ...any) string {
			return Path(append([]any{SectionEnvironments, name, "linstor", "remotes", r}, elems...)...)
		}
		switch rem := e.Linstor.Remotes[r]; {
		case rem.S3 != nil && rem.S3.Endpoint != "":
			fs = append(fs, urlField{at("s3", "endpoint"), rem.S3.Endpoint, []string{name}})
		case rem.Linstor != nil && rem.Linstor.URL != "":
			fs = append(fs, urlField{at("linstor", "url"), rem.Linstor.URL, []string{name}})
		}
	}
	return fs
}

// checkURL refuses credentials in f, and plain HTTP in an environment that
// is neither a sandbox nor allows it.
func checkURL(cfg *Config, f urlField) Errors {
	u, err := url.Parse(f.url)
	if err != nil {
		return nil // the schema's pattern reports what cannot be read
	}
	if u.User != nil {
		return Errors{cfg.Errorf(f.path, "URL %s holds credentials (expected none: a URL is copied into bundles, plans and logs; keep secrets out of git)", u.Redacted())}
	}
	if seg := dotSegment(u.Path); seg != "" {
		return Errors{cfg.Errorf(f.path, "URL %s holds the dot segment %q (expected the path written out: a proxy or server may resolve it elsewhere than it reads)", quoteShort(u.Redacted()), seg)}
	}
	if strings.ContainsAny(f.url, "{}") {
		return Errors{cfg.Errorf(f.path, "URL %s holds a brace, which Apigee reads as a message template variable (expected the URL written out)", quoteShort(f.url))}
	}
	if tlsScheme(u.Scheme) {
		return nil
	}
	for _, name := range f.envs {
		e, ok := cfg.Environments[name]
		if ok && !e.Sandbox && !e.AllowHTTP {
			return Errors{cfg.Errorf(f.path, "URL %s is plain %s in environment %s, which is not a sandbox (expected https, or allowHTTP: true in environment %s)", u.Redacted(), u.Scheme, name, name)}
		}
	}
	return nil
}

// tlsScheme reports whether scheme connects with TLS.
func tlsScheme(scheme string) bool {
	switch strings.ToLower(scheme) {
	case "https", "linstor+ssl":
		return true
	}
	return false
}

// dotSegment returns the first "." or ".." segment of path, or "".
func dotSegment(path string) string {
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return seg
		}
	}
	return ""
}
