package apigee

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/apigee/v1"
)

// TokenVariable holds an OAuth2 access token for Apigee; when set it is
// used instead of Application Default Credentials.
const TokenVariable = "APIGEE_ACCESS_TOKEN"

// HTTPClientFromEnv returns a client that authenticates every request
// over base (http.DefaultTransport when nil): with the access token in
// APIGEE_ACCESS_TOKEN when getenv has one, else with Application Default
// Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's, the metadata
// server) for the cloud-platform scope. The token appears in no error.
func HTTPClientFromEnv(ctx context.Context, getenv func(string) string, base http.RoundTripper) (*http.Client, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if tok := strings.TrimSpace(getenv(TokenVariable)); tok != "" {
		src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok, TokenType: "Bearer"})
		return &http.Client{Transport: &oauth2.Transport{Source: src, Base: base}}, nil
	}
	creds, err := google.FindDefaultCredentials(ctx, apigee.CloudPlatformScope)
	if err != nil {
		return nil, errors.New("apigee credentials: " + TokenVariable + " is not set and no Application Default Credentials were found " +
			"(set GOOGLE_APPLICATION_CREDENTIALS or run `gcloud auth application-default login`)")
	}
	src := &redacting{src: creds.TokenSource}
	return &http.Client{Transport: &oauth2.Transport{Source: src, Base: base}}, nil
}

// redacting is a token source whose errors say only that no token could
// be had, and why in general terms: the oauth2 errors may quote a token
// endpoint's response.
type redacting struct{ src oauth2.TokenSource }

func (r *redacting) Token() (*oauth2.Token, error) {
	tok, err := r.src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			return nil, fmt.Errorf("apigee credentials: token endpoint answered HTTP %d", re.Response.StatusCode)
		}
		return nil, errors.New("apigee credentials: no access token from Application Default Credentials")
	}
	return tok, nil
}
