package github

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	gh "github.com/google/go-github/v60/github"
)

// Client is a GitHub repository as lingate ci uses it.
type Client struct {
	gh          *gh.Client
	owner, repo string
	// teams caches whether the token can see each team.
	teams map[string]bool
}

// ClientOptions configure NewClient.
type ClientOptions struct {
	// APIURL is GITHUB_API_URL: https://api.github.com, or a GitHub
	// Enterprise or test server, with or without /api/v3/.
	APIURL string
	// Token is GITHUB_TOKEN; empty makes anonymous calls.
	Token string
	// Repository is GITHUB_REPOSITORY, owner/name.
	Repository string
	// Retry bounds the retries of rate-limited calls.
	Retry RetryOptions
	// Transport is the underlying transport (default http.DefaultTransport).
	Transport http.RoundTripper
}

// NewClient returns a client for the repository at APIURL.
func NewClient(o ClientOptions) (*Client, error) {
	owner, repo, ok := strings.Cut(o.Repository, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("GITHUB_REPOSITORY=%q: expected owner/name", o.Repository)
	}
	base, err := apiBase(o.APIURL)
	if err != nil {
		return nil, err
	}
	next := o.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc := &http.Client{Transport: &rateLimitTransport{next: next, opts: o.Retry.withDefaults()}}
	c := gh.NewClient(hc)
	if o.Token != "" {
		c = c.WithAuthToken(o.Token)
	}
	c.BaseURL, c.UploadURL = base, base
	return &Client{gh: c, owner: owner, repo: repo}, nil
}

// apiBase turns GITHUB_API_URL into go-github's base URL: the URL as given
// (https://api.github.com, https://ghe.example/api/v3 or a test server's
// root or prefix), with a trailing slash.
func apiBase(raw string) (*url.URL, error) {
	if raw == "" {
		raw = "https://api.github.com"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL=%q: expected an http(s) URL such as https://api.github.com", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// Owner is the repository's owner (the organization of its teams).
func (c *Client) Owner() string { return c.owner }

// statusOf is the HTTP status of a GitHub error, or 0.
func statusOf(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	var rl *gh.RateLimitError
	if errors.As(err, &rl) && rl.Response != nil {
		return rl.Response.StatusCode
	}
	return 0
}
