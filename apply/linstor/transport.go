package linstor

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/lingate/lingate/apply"
)

// credentials are what the LS_* variables say about authentication. They
// never appear in errors or output.
type credentials struct {
	user, password, token string
	tls                   *tls.Config
}

// redact replaces in s the credentials, in every form a request carries
// them (an error page of a gateway may echo the request's headers), and
// any Authorization header line, with "[redacted]".
func (cr credentials) redact(s string) string {
	var secrets []string
	if cr.token != "" {
		secrets = append(secrets, cr.token)
	}
	if cr.password != "" {
		secrets = append(secrets, cr.password, base64.StdEncoding.EncodeToString([]byte(cr.user+":"+cr.password)))
	}
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return authLine.ReplaceAllString(s, "${1}[redacted]")
}

// authLine is an Authorization header as text.
var authLine = regexp.MustCompile(`(?i)(authorization\s*[:=]\s*)[^\r\n]*`)

// readCredentials reads the LS_* variables (see Config.Getenv). Errors name
// the variable, never its value.
func readCredentials(getenv func(string) string) (credentials, error) {
	cr := credentials{user: getenv("LS_USERNAME"), password: getenv("LS_PASSWORD"), token: getenv("LS_BEARER_TOKEN")}
	if cr.token == "" {
		if p := getenv("LS_BEARER_TOKEN_FILE"); p != "" {
			t, err := tokenFromFile(p)
			if err != nil {
				return cr, err
			}
			cr.token = t
		}
	}
	t, err := tlsConfig(getenv)
	cr.tls = t
	return cr, err
}

// tokenFromFile reads a bearer token file: JSON {"token": …} or the bare token.
func tokenFromFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("LS_BEARER_TOKEN_FILE: cannot read the token file: %w", errors.Unwrap(err))
	}
	var parsed struct {
		Token *string `json:"token"`
	}
	if json.Unmarshal(data, &parsed) == nil && parsed.Token != nil {
		return *parsed.Token, nil
	}
	return strings.TrimSpace(string(data)), nil
}

// pemVar returns the PEM text of variable name, or of the file its _FILE form names.
func pemVar(getenv func(string) string, name string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	p := getenv(name + "_FILE")
	if p == "" {
		return "", nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: cannot read %s: %w", name, p, errors.Unwrap(err))
	}
	return string(data), nil
}

// tlsConfig builds the client TLS configuration of LS_ROOT_CA and
// LS_USER_CERTIFICATE/LS_USER_KEY, or nil when none is set.
func tlsConfig(getenv func(string) string) (*tls.Config, error) {
	ca, err := pemVar(getenv, "LS_ROOT_CA")
	if err != nil {
		return nil, err
	}
	cert, err := pemVar(getenv, "LS_USER_CERTIFICATE")
	if err != nil {
		return nil, err
	}
	key, err := pemVar(getenv, "LS_USER_KEY")
	if err != nil {
		return nil, err
	}
	if ca == "" && cert == "" && key == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(ca)) {
			return nil, errors.New("LS_ROOT_CA: no PEM certificate found")
		}
		cfg.RootCAs = pool
	}
	if (cert == "") != (key == "") {
		return nil, errors.New("LS_USER_CERTIFICATE and LS_USER_KEY: give both or neither")
	}
	if cert != "" {
		pair, err := tls.X509KeyPair([]byte(cert), []byte(key))
		if err != nil {
			return nil, errors.New("LS_USER_CERTIFICATE and LS_USER_KEY: not a matching PEM certificate and key")
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// parseControllers reads controller URLs as golinstor does.
func parseControllers(ctrls []string, useTLS bool) ([]*url.URL, error) {
	out := make([]*url.URL, 0, len(ctrls))
	for _, s := range ctrls {
		u, err := parseController(strings.TrimSpace(s), useTLS)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func parseController(s string, useTLS bool) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = "linstor://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("controller %q: not a URL (expected host, host:port or scheme://host[:port])", redactURL(s))
	}
	switch u.Scheme {
	case "linstor":
		u.Scheme = "http"
		if useTLS {
			u.Scheme = "https"
		}
	case "linstor+ssl":
		u.Scheme = "https"
	case "http", "https":
	default:
		return nil, fmt.Errorf("controller %s: scheme %q (expected http, https, linstor or linstor+ssl)", u.Redacted(), u.Scheme)
	}
	if u.Port() == "" {
		port := "3370"
		if u.Scheme == "https" {
			port = "3371"
		}
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	u.Path, u.RawQuery, u.Fragment = "", "", ""
	return u, nil
}

// redactURL hides a password in a string that may be a URL.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		return "…" + s[i:]
	}
	return s
}

// httpClient builds the client every request goes through: authentication
// outermost, then (for a client the driver builds) the retrying transport,
// then controller failover, then TLS.
func httpClient(given *http.Client, cr credentials, urls []*url.URL, p apply.RetryPolicy) (*http.Client, error) {
	if given == nil {
		base := http.DefaultTransport.(*http.Transport).Clone()
		base.TLSClientConfig = cr.tls
		rt := &apply.Transport{Base: &failover{base: base, urls: urls}, Policy: p}
		return &http.Client{Transport: &auth{base: rt, cr: cr}}, nil
	}
	hc := *given
	rt := hc.Transport
	if cr.tls != nil {
		var err error
		if rt, err = withTLS(rt, cr.tls); err != nil {
			return nil, err
		}
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc.Transport = &auth{base: &failover{base: rt, urls: urls}, cr: cr}
	return &hc, nil
}

// withTLS applies a TLS configuration to a transport it knows how to change.
func withTLS(rt http.RoundTripper, cfg *tls.Config) (http.RoundTripper, error) {
	switch t := rt.(type) {
	case nil:
		base := http.DefaultTransport.(*http.Transport).Clone()
		base.TLSClientConfig = cfg
		return base, nil
	case *http.Transport:
		base := t.Clone()
		base.TLSClientConfig = cfg
		return base, nil
	case *apply.Transport:
		base, err := withTLS(t.Base, cfg)
		if err != nil {
			return nil, err
		}
		c := *t
		c.Base = base
		return &c, nil
	}
	return nil, fmt.Errorf("LS_ROOT_CA/LS_USER_CERTIFICATE: cannot apply TLS settings to a transport of type %T", rt)
}

// auth adds the credentials to every request.
type auth struct {
	base http.RoundTripper
	cr   credentials
}

// RoundTrip implements http.RoundTripper.
func (a *auth) RoundTrip(req *http.Request) (*http.Response, error) {
	if a.cr.token == "" && a.cr.user == "" {
		return a.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	if a.cr.token != "" {
		r.Header.Set("Authorization", "Bearer "+a.cr.token)
	} else {
		r.SetBasicAuth(a.cr.user, a.cr.password)
	}
	return a.base.RoundTrip(r)
}

// failover sends each request to the controller that answered last and,
// when a controller refuses the connection (the request never reached it,
// so even a POST is safe to send elsewhere), to the next one in turn.
type failover struct {
	base http.RoundTripper
	urls []*url.URL
	mu   sync.Mutex
	cur  int
}

// RoundTrip implements http.RoundTripper.
func (f *failover) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	start := f.cur
	f.mu.Unlock()
	var errs []error
	for i := range f.urls {
		idx := (start + i) % len(f.urls)
		r, err := retarget(req, f.urls[idx], i > 0)
		if err != nil {
			return nil, err
		}
		resp, err := f.base.RoundTrip(r)
		if err == nil {
			f.mu.Lock()
			f.cur = idx
			f.mu.Unlock()
			return resp, nil
		}
		if !unreachable(err) || req.Context().Err() != nil {
			return nil, err
		}
		errs = append(errs, fmt.Errorf("controller %s: %w", f.urls[idx].Redacted(), err))
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, &unreachableError{errs: errs}
}

// retarget copies req to go to controller u, with a fresh body when resent.
func retarget(req *http.Request, u *url.URL, resend bool) (*http.Request, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, ""
	if resend && req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, fmt.Errorf("%s %s: cannot resend the request body to another controller", req.Method, req.URL.Path)
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

// unreachable reports whether err says the controller could not be
// connected to at all (refused, no route, unknown host), as opposed to a
// connection that failed after the request may have been sent.
func unreachable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// unreachableError is every controller refusing the connection.
type unreachableError struct{ errs []error }

func (e *unreachableError) Error() string {
	msgs := make([]string, len(e.errs))
	for i, err := range e.errs {
		msgs[i] = err.Error()
	}
	return "no LINSTOR controller answered (" + strings.Join(msgs, "; ") + ")"
}

func (e *unreachableError) Unwrap() []error { return e.errs }
