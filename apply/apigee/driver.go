package apigee

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"google.golang.org/api/apigee/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
)

// DefaultEndpoint is Google's Apigee management API.
const DefaultEndpoint = "https://apigee.googleapis.com/"

// Defaults of Config.
const (
	DefaultKeepRevisions = 5
	DefaultDeployTimeout = 5 * time.Minute
	DefaultPollInterval  = 2 * time.Second
)

// Config is what a Driver needs to reach one environment's Apigee.
type Config struct {
	// Env is the lingate environment (for messages and the lock).
	Env string
	// Endpoint is the management API's root, DefaultEndpoint when empty.
	Endpoint string
	// Organization and Environment are the Apigee organization and
	// environment the lingate environment deploys to.
	Organization, Environment string
	// Commit is the source commit stamped on what is applied.
	Commit string
	// HTTPClient carries the credentials (see HTTPClientFromEnv). Its
	// transport is wrapped in an apply.Transport unless it already is one.
	HTTPClient *http.Client
	// KeepRevisions is how many of lingate's revisions of a proxy are kept
	// besides the deployed one (DefaultKeepRevisions when 0).
	KeepRevisions int
	// DeployTimeout bounds the wait for a deployment to become READY;
	// PollInterval is the time between two status reads.
	DeployTimeout, PollInterval time.Duration
	// Retry bounds retries of calls and of steps that re-read first.
	Retry apply.RetryPolicy
}

// Driver reads and applies one environment's proxies and API products.
// It is safe for concurrent use by the executor.
type Driver struct {
	cfg  Config
	svc  *apigee.Service
	http *http.Client
	// root is the endpoint with a trailing slash; org is
	// "organizations/<org>" and env "<org path>/environments/<env>".
	root, org, env string
}

var _ apply.Driver = (*Driver)(nil)

// commitRE is what a stamped commit may hold, so the stamp stays parseable.
var commitRE = regexp.MustCompile(`^[0-9A-Za-z._/-]*$`)

// nameRE is what an organization, environment, proxy or product name may
// hold to go into a request's path as one segment (the client does not
// escape resource names).
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// checkName refuses a name that is not one path segment.
func checkName(what, name string) error {
	if nameRE.MatchString(name) && !strings.Contains(name, "..") {
		return nil
	}
	return fmt.Errorf("%s %q: expected letters, digits, '.', '_' or '-', starting with a letter or digit", what, name)
}

// New checks cfg and returns a Driver for it.
func New(cfg Config) (*Driver, error) {
	if cfg.Organization == "" || cfg.Environment == "" {
		return nil, fmt.Errorf("apigee driver for environment %s: organization and environment are required", cfg.Env)
	}
	for _, n := range [][2]string{{"organization", cfg.Organization}, {"environment", cfg.Environment}} {
		if err := checkName("apigee "+n[0], n[1]); err != nil {
			return nil, fmt.Errorf("apigee driver for environment %s: %w", cfg.Env, err)
		}
	}
	if !commitRE.MatchString(cfg.Commit) {
		return nil, fmt.Errorf("apigee driver for environment %s: commit %q: expected letters, digits, '.', '_', '/' or '-'", cfg.Env, cfg.Commit)
	}
	cfg = withDefaults(cfg)
	if u, err := url.Parse(cfg.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("apigee driver for environment %s: endpoint %q: expected an http(s) URL such as %s", cfg.Env, cfg.Endpoint, DefaultEndpoint)
	}
	hc := retrying(cfg.HTTPClient, cfg.Retry)
	svc, err := apigee.NewService(context.Background(), option.WithHTTPClient(hc), option.WithEndpoint(cfg.Endpoint))
	if err != nil {
		return nil, fmt.Errorf("apigee driver for environment %s: %w", cfg.Env, err)
	}
	org := "organizations/" + cfg.Organization
	return &Driver{cfg: cfg, svc: svc, http: hc, root: cfg.Endpoint, org: org,
		env: org + "/environments/" + cfg.Environment}, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if !strings.HasSuffix(cfg.Endpoint, "/") {
		cfg.Endpoint += "/"
	}
	if cfg.KeepRevisions <= 0 {
		cfg.KeepRevisions = DefaultKeepRevisions
	}
	if cfg.DeployTimeout <= 0 {
		cfg.DeployTimeout = DefaultDeployTimeout
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	return cfg
}

// retrying returns a client whose transport retries idempotent calls,
// unless it already does. (Rate limiting is the client's: the CLI shares
// one limit among the environments of an organization.)
func retrying(hc *http.Client, p apply.RetryPolicy) *http.Client {
	if hc == nil {
		hc = &http.Client{}
	}
	if _, ok := hc.Transport.(*apply.Transport); ok {
		return hc
	}
	out := *hc
	out.Transport = &apply.Transport{Base: hc.Transport, Policy: p}
	return &out
}

// System is artifact.SystemApigee.
func (d *Driver) System() string { return artifact.SystemApigee }

// Impact says which TargetServers a proxy about to be deployed names but
// the environment lacks (the deploy would fail), and what deleting an API
// product does to the developer apps that hold keys for it; other Apigee
// changes affect nothing beyond their object.
func (d *Driver) Impact(ctx context.Context, c apply.Change, live, desired artifact.Object) (string, error) {
	if c.Kind == artifact.KindProxy && c.Action != apply.Delete {
		return d.missingTargetServers(ctx, desired)
	}
	if c.Kind != artifact.KindProduct || (c.Action != apply.Delete && c.Action != apply.Replace) {
		return "", nil
	}
	p := desiredProduct(live)
	proxies := "its proxies"
	if len(p.Proxies) > 0 {
		proxies = "proxy " + strings.Join(p.Proxies, ", ")
	}
	return "developer apps with keys for API product " + c.Name + " lose access to " + proxies + " through it", nil
}

// subject names an object in errors: "apigee proxy orders".
func subject(kind, name string) string { return "apigee " + kind + " " + name }

// apiError turns an error of the Apigee client into an apply.StatusError
// with the status, the API's message and the descriptions of its
// violations (why a bundle or a deployment was refused), never the request,
// headers or other details, so that apply.Retryable can judge it and no
// credential leaks.
func apiError(err error) error {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return &apply.StatusError{Status: ge.Code, Message: withViolations(ge.Message, ge.Details), RetryAfter: apply.RetryAfter(ge.Header)}
	}
	return err
}

// withViolations appends to msg the violations of BadBundle and
// PreconditionFailure details: "file: description" or the description.
func withViolations(msg string, details []any) string {
	var vs []string
	for _, d := range details {
		m, _ := d.(map[string]any)
		list, _ := m["violations"].([]any)
		for _, v := range list {
			vm, _ := v.(map[string]any)
			desc, _ := vm["description"].(string)
			if desc == "" {
				continue
			}
			if file, _ := vm["filename"].(string); file != "" {
				desc = file + ": " + desc
			}
			vs = append(vs, desc)
		}
	}
	if len(vs) == 0 {
		return msg
	}
	return msg + ": " + strings.Join(vs, "; ")
}

// isStatus reports whether err is an HTTP answer with the given status.
func isStatus(err error, code int) bool {
	var se *apply.StatusError
	if errors.As(err, &se) {
		return se.Status == code
	}
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}
