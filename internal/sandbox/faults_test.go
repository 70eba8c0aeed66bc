package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/LINBIT/golinstor/client"
	apigeev1 "google.golang.org/api/apigee/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// noKeepAlive makes every request use its own connection, so a dropped one
// is seen by the client instead of being retried by the transport.
var noKeepAlive = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func golinstorClient(t *testing.T, base string) *client.Client {
	t.Helper()
	u, _ := url.Parse(base)
	c, err := client.NewClient(client.BaseURL(u), client.HTTPClient(noKeepAlive), client.Log(nil))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func apigeeClient(t *testing.T, base string) *apigeev1.Service {
	t.Helper()
	svc, err := apigeev1.NewService(context.Background(), option.WithEndpoint(base+"/"), option.WithHTTPClient(noKeepAlive))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// isDropped reports whether err is a connection lost before any answer.
func isDropped(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}

// TestFaultsAreWhatEachSystemSends drives both emulators through their real
// clients at a high fault rate: golinstor sees ApiCallRc errors of a 500
// (never a JSON syntax error, never a 429), the Google client sees
// *googleapi.Error with Google's status strings; some changes are committed
// although their answer was lost.
func TestFaultsAreWhatEachSystemSends(t *testing.T) {
	sb, err := Open("", Seed{Pools: []string{"pool"}})
	if err != nil {
		t.Fatal(err)
	}
	ends, stop := serveWith(t, sb, ServeOptions{Faults: 0.7, Seed: 3})
	defer stop()
	clean := httptest.NewServer(sb.Linstor)
	defer clean.Close()
	cleanApigee := httptest.NewServer(sb.Apigee)
	defer cleanApigee.Close()

	t.Run("linstor", func(t *testing.T) {
		lc, check := golinstorClient(t, ends.Linstor), golinstorClient(t, clean.URL)
		lost := 0
		for i := range 40 {
			name := fmt.Sprintf("rg%d", i)
			err := lc.ResourceGroups.Create(context.Background(), client.ResourceGroup{Name: name})
			var rcs client.ApiCallError
			switch {
			case err == nil:
				continue
			case errors.As(err, &rcs):
				if len(rcs) == 0 || rcs[0].RetCode >= 0 {
					t.Errorf("%s: ApiCallRc %+v is not an error entry", name, rcs)
				}
			case isDropped(err):
			default:
				t.Fatalf("%s: golinstor got %T %v, want an ApiCallError or a dropped connection", name, err, err)
			}
			if _, err := check.ResourceGroups.Get(context.Background(), name); err == nil {
				lost++
			}
		}
		if lost == 0 {
			t.Error("no resource group was created with its answer lost")
		}
	})

	t.Run("apigee", func(t *testing.T) {
		svc, check := apigeeClient(t, ends.Apigee), apigeeClient(t, cleanApigee.URL)
		statuses, lost := map[string]bool{}, 0
		for i := range 60 {
			name := fmt.Sprintf("p%d", i)
			_, err := svc.Organizations.Apiproducts.Create("organizations/sandbox", &apigeev1.GoogleCloudApigeeV1ApiProduct{Name: name, DisplayName: name, ApprovalType: "auto"}).Do()
			var ge *googleapi.Error
			switch {
			case err == nil:
				continue
			case errors.As(err, &ge):
				statuses[googleStatus(t, ge)] = true
			case isDropped(err):
			default:
				t.Fatalf("%s: got %T %v, want a *googleapi.Error or a dropped connection", name, err, err)
			}
			if _, err := check.Organizations.Apiproducts.Get("organizations/sandbox/apiproducts/" + name).Do(); err == nil {
				lost++
			}
		}
		for _, want := range []string{"429 RESOURCE_EXHAUSTED", "500 INTERNAL", "503 UNAVAILABLE"} {
			if !statuses[want] {
				t.Errorf("no %s among %v", want, statuses)
			}
		}
		if lost == 0 {
			t.Error("no product was created with its answer lost")
		}
	})
}

// googleStatus is "CODE STATUS" of a Google error, checking Retry-After on 429.
func googleStatus(t *testing.T, ge *googleapi.Error) string {
	t.Helper()
	var body struct {
		Error struct {
			Code   int    `json:"code"`
			Status string `json:"status"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(ge.Body), &body); err != nil {
		t.Fatalf("error body %q is not Google JSON: %v", ge.Body, err)
	}
	if ge.Code == http.StatusTooManyRequests && ge.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if body.Error.Code != ge.Code || ge.Message == "" {
		t.Errorf("error %+v: code or message missing", ge)
	}
	return fmt.Sprintf("%d %s", ge.Code, body.Error.Status)
}
