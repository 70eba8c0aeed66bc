// Package linstor is the live LINSTOR driver of `lingate plan` and `lingate
// apply`: it reads an environment's resource groups (with their volume
// groups) from a LINSTOR controller in the form compile/linstor writes, so a
// plan right after an apply is empty, and it creates, changes and deletes
// them with golinstor, safely repeatable after a failure or a lost response.
//
// What the driver stamps on a group besides the compiled props, and strips
// again on read: Aux/lingate/commit (the source commit) and
// Aux/lingate/select-filter (the select filter fields LINSTOR accepts but
// never reports, see PropUnreported).
package linstor

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
)

// Config configures a Driver for one environment.
type Config struct {
	// Env is the environment; only groups whose Aux/lingate/environment
	// names it are read as lingate's.
	Env string
	// Commit is the policies' commit, stamped as Aux/lingate/commit.
	Commit string
	// Controllers are the controller URLs, tried in turn: a controller
	// that refuses the connection hands over to the next, for every
	// request. "ctrl" means http://ctrl:3370 (https://ctrl:3371 when a
	// TLS variable is set); linstor:// is http, linstor+ssl:// https.
	Controllers []string
	// HTTPClient sends the requests. Nil builds one: apply.Transport
	// (with Retry) over an http.Transport configured from the LS_* TLS
	// variables, controller failover inside the retries. A given client
	// is used as it is, with the driver's authentication and failover
	// around its transport; the TLS variables are then applied to it only
	// when its transport is an *http.Transport or an *apply.Transport over
	// one (or over nothing).
	HTTPClient *http.Client
	// Retry bounds the re-read-and-retry of steps that are not
	// idempotent (creates) and of the transport New builds.
	Retry apply.RetryPolicy
	// Getenv reads the LS_* variables as golinstor names them:
	// LS_USERNAME and LS_PASSWORD (basic auth), LS_BEARER_TOKEN or
	// LS_BEARER_TOKEN_FILE (overrides basic auth), LS_USER_CERTIFICATE and
	// LS_USER_KEY (or their _FILE forms, a pair) and LS_ROOT_CA (or
	// LS_ROOT_CA_FILE) for TLS. Nil reads nothing.
	Getenv func(string) string
}

// Driver reads and changes the resource groups of one environment on one
// LINSTOR cluster. It implements apply.Driver for kind resource-group.
type Driver struct {
	env, commit string
	c           *client.Client
	hc          *http.Client
	base        *url.URL
	retry       apply.RetryPolicy
	// creds are redacted from the answers quoted in errors.
	creds credentials
	// now is the clock locks are judged by.
	now func() time.Time
}

var _ apply.Driver = (*Driver)(nil)

// New builds a Driver. golinstor's default logger, which prints every
// request with its credentials, is never used; credentials come only from
// cfg.Getenv, and what golinstor reads from the process environment on its
// own (LS_USERNAME, LS_PASSWORD, LS_BEARER_TOKEN_FILE, the TLS variables,
// LS_CONTROLLERS) is overridden by options.
func New(cfg Config) (*Driver, error) {
	subject := "linstor environment " + cfg.Env
	if len(cfg.Controllers) == 0 {
		return nil, fmt.Errorf("%s: no controllers: the environment must name at least one LINSTOR controller URL", subject)
	}
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	creds, err := readCredentials(getenv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", subject, err)
	}
	urls, err := parseControllers(cfg.Controllers, creds.tls != nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", subject, err)
	}
	hc, err := httpClient(cfg.HTTPClient, creds, urls, cfg.Retry)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", subject, err)
	}
	c, err := client.NewClient(
		client.BaseURL(urls[0]),
		client.HTTPClient(hc),
		client.Log(nil),
		client.BasicAuth(&client.BasicAuthCfg{}),
		client.BearerToken(""),
		client.UserAgent("lingate"),
	)
	if err != nil {
		return nil, fmt.Errorf("%s: golinstor client: %w", subject, err)
	}
	return &Driver{env: cfg.Env, commit: cfg.Commit, c: c, hc: hc, base: urls[0], retry: cfg.Retry, now: time.Now, creds: creds}, nil
}

// System is artifact.SystemLinstor.
func (d *Driver) System() string { return artifact.SystemLinstor }
