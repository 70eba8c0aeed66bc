package linstor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	linstor "github.com/LINBIT/golinstor"
	"github.com/LINBIT/golinstor/client"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	cl "github.com/lingate/lingate/compile/linstor"
)

// TestAnotherEnvironmentsGroupIsNotAdopted: on a controller two
// environments share, a group lingate manages for staging is foreign to
// sandbox, and neither a create nor an adopt from sandbox takes it from
// staging; the refusal names the environment that owns it.
func TestAnotherEnvironmentsGroupIsNotAdopted(t *testing.T) {
	c := newCluster(t)
	staging := desired(t, "staging")
	converge(t, c.driver(t, "staging"), staging)
	d := c.driver(t, "sandbox")
	// Both environments name the group alike (no prefix tells them apart).
	name := staging[0].Name
	want := []artifact.Object{renamed(t, desired(t, "sandbox")[0], name)}
	ctx := context.Background()
	_, err := d.Read(ctx, want)
	requireContains(t, "sandbox's plan", errString(err), "resource group "+name, "lingate manages it for environment staging")
	for _, action := range []apply.Action{apply.Create, apply.Update, apply.Replace} {
		err := d.Apply(ctx, apply.Change{Ref: ref(name), Action: action}, find(want, name))
		requireContains(t, string(action)+" of staging's group from sandbox", errString(err),
			"resource group "+name, "lingate manages it for environment staging")
	}
	rg, err := c.gl.ResourceGroups.Get(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if rg.Props[cl.PropEnvironment] != "staging" {
		t.Fatalf("sandbox took staging's group %s: %v", name, rg.Props)
	}
	requireEmpty(t, c.driver(t, "staging"), staging)
}

// handMadeDuringCreate is a transport that, on the first POST creating a
// resource group, lets someone create that group by hand just before.
type handMadeDuringCreate struct {
	base  http.RoundTripper
	gl    *client.Client
	done  bool
	group string
}

func (h *handMadeDuringCreate) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.URL.Path == "/v1/resource-groups" && !h.done {
		h.done = true
		if err := h.gl.ResourceGroups.Create(r.Context(), client.ResourceGroup{Name: h.group, Description: "made by hand"}); err != nil {
			return nil, err
		}
	}
	return h.base.RoundTrip(r)
}

// TestCreateRacingAHandMadeGroup: a group made by hand between the
// create's read and its POST is not taken for lingate's own (as if its
// first answer had been lost): the create is refused and the group keeps
// no marker and no pending mark.
func TestCreateRacingAHandMadeGroup(t *testing.T) {
	c := newCluster(t)
	want := desired(t, "sandbox")
	name := want[0].Name
	hook := &handMadeDuringCreate{base: http.DefaultTransport, gl: c.gl, group: name}
	d := c.driver(t, "sandbox", func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: hook} })
	ctx := context.Background()
	err := d.Apply(ctx, apply.Change{Ref: ref(name), Action: apply.Create}, find(want, name))
	requireContains(t, "create racing a hand-made group", errString(err), "without lingate's marker", "--adopt "+name)
	live, err := d.Read(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if find(live.Objects, name).Name != "" || find(live.Foreign, name).Name == "" {
		t.Fatalf("the hand-made group %s reads as lingate's: managed %d, foreign %d", name, len(live.Objects), len(live.Foreign))
	}
}

// TestRefusedCreateLeavesNoPendingMark: when LINSTOR refuses a create, the
// in-progress mark goes, so a group someone later makes by hand under that
// name is not taken for lingate's (and pruned).
func TestRefusedCreateLeavesNoPendingMark(t *testing.T) {
	c := newCluster(t)
	want := desired(t, "sandbox")
	name := want[0].Name
	refuse := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/resource-groups" {
			return refusal(r), nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	d := c.driver(t, "sandbox", func(cfg *Config) { cfg.HTTPClient = &http.Client{Transport: refuse} })
	ctx := context.Background()
	if err := d.Apply(ctx, apply.Change{Ref: ref(name), Action: apply.Create}, find(want, name)); err == nil {
		t.Fatal("a refused create succeeded")
	}
	if err := c.gl.ResourceGroups.Create(ctx, client.ResourceGroup{Name: name, Description: "made by hand"}); err != nil {
		t.Fatal(err)
	}
	d = c.driver(t, "sandbox")
	live, err := d.Read(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if find(live.Objects, name).Name != "" {
		t.Fatalf("the hand-made group %s reads as lingate's after a refused create", name)
	}
	err = d.Apply(ctx, apply.Change{Ref: ref(name), Action: apply.Delete}, find(want, "none"))
	requireContains(t, "prune of the hand-made group", errString(err), "lingate deletes only groups it manages")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// refusal is LINSTOR's answer refusing a request (an invalid place count).
func refusal(r *http.Request) *http.Response {
	body := fmt.Sprintf(`[{"ret_code":%d,"message":"Invalid place count","obj_refs":{}}]`, failInvldPlaceCount)
	return &http.Response{StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r}
}

// failInvldPlaceCount is LINSTOR's ret code as it goes over the wire (a signed 64-bit number).
var failInvldPlaceCount = func() int64 { v := uint64(linstor.FailInvldPlaceCount); return int64(v) }()

// TestHostileNamesNeverReachAURL: a change whose name is not a LINSTOR
// name (a hand-edited plan file: path segments, a query) is refused before
// any call, naming it.
func TestHostileNamesNeverReachAURL(t *testing.T) {
	c := newCluster(t)
	d := c.driver(t, "sandbox")
	for _, name := range []string{"../controller/properties", "x/../../controller/properties", "fast?force=1", "fast#x", "", "fast/volume-groups/0"} {
		err := d.Apply(context.Background(), apply.Change{Ref: ref(name), Action: apply.Delete}, find(nil, name))
		requireContains(t, "delete of "+name, errString(err), "expected a LINSTOR name")
	}
}

// TestDeleteLostAnswerKeepsAHandMadeGroup: a prune whose DELETE took
// effect but whose connection dropped before the answer is not sent again
// blindly: a group someone made by hand under that name meanwhile stays.
func TestDeleteLostAnswerKeepsAHandMadeGroup(t *testing.T) {
	c, _, want := appliedSandbox(t)
	name := want[0].Name
	ctx := context.Background()
	hook, done := commitThenDrop(func(r *http.Request, _ []byte) bool {
		return r.Method == http.MethodDelete && strings.EqualFold(r.URL.Path, "/v1/resource-groups/"+name)
	}, func() {
		if err := c.gl.ResourceGroups.Create(ctx, client.ResourceGroup{Name: name, Description: "made by hand"}); err != nil {
			t.Errorf("hand-made group: %v", err)
		}
	})
	// Retrying as the client New builds does.
	d := c.driver(t, "sandbox", func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: &apply.Transport{Base: hook, Policy: cfg.Retry}}
	})
	if err := d.Apply(ctx, apply.Change{Ref: ref(name), Action: apply.Delete}, find(nil, name)); err != nil {
		t.Fatalf("prune: %v", err)
	}
	if !*done {
		t.Fatal("the prune sent no DELETE")
	}
	rg, err := c.gl.ResourceGroups.Get(ctx, name)
	if err != nil || rg.Description != "made by hand" {
		t.Fatalf("the hand-made group is gone or changed: %v", err)
	}
}

// commitThenDrop is a transport that lets the first request match accepts
// reach the controller, runs meanwhile, then drops the connection as if
// the answer had been lost; done reports whether that happened.
func commitThenDrop(match func(r *http.Request, body []byte) bool, meanwhile func()) (http.RoundTripper, *bool) {
	done := new(bool)
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if *done {
			return http.DefaultTransport.RoundTrip(r)
		}
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if !match(r, body) {
			return http.DefaultTransport.RoundTrip(r)
		}
		*done = true
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		meanwhile()
		return nil, io.ErrUnexpectedEOF
	}), done
}
