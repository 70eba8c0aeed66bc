package apigee

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	emulator "github.com/lingate/lingate/internal/emulator/apigee"
	"github.com/lingate/lingate/schema"
)

// TestEmulatorAcceptsEveryBundle imports every bundle of the example
// repository and of the rich Config into the Apigee emulator, and creates
// every API product there; each product reads back as compiled, but for the
// timestamps the server adds, so a live plan after an apply shows no changes.
func TestEmulatorAcceptsEveryBundle(t *testing.T) {
	srv, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	configs := map[string]*schema.Config{"example": loadExample(t), "rich": richConfig()}
	for _, name := range schema.Names(configs) {
		cfg := configs[name]
		for _, env := range cfg.EnvironmentNames() {
			objs, err := Compile(cfg, env)
			if err != nil {
				t.Fatal(err)
			}
			org := name + "-" + env
			for _, o := range objs {
				post(t, hs, org, o)
				if o.Kind == artifact.KindProduct {
					sameWhenRead(t, hs, org, o)
				}
			}
		}
	}
}

// post imports a proxy or creates a product, and wants 200.
func post(t *testing.T, hs *httptest.Server, org string, o artifact.Object) {
	t.Helper()
	u := hs.URL + "/v1/organizations/" + org + "/apiproducts"
	ctype, body := "application/json", o.Files[0].Data
	if o.Kind == artifact.KindProxy {
		u = hs.URL + "/v1/organizations/" + org + "/apis?" + url.Values{"name": {o.Name}, "action": {"import"}}.Encode()
		ctype, body = "application/octet-stream", zipOf(t, o)
	}
	resp, err := hs.Client().Post(u, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msg bytes.Buffer
	msg.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s %s %s: %d %s", org, o.Kind, o.Name, resp.StatusCode, msg.String())
	}
}

// sameWhenRead reads product o back and compares it with the compiled JSON.
func sameWhenRead(t *testing.T, hs *httptest.Server, org string, o artifact.Object) {
	t.Helper()
	resp, err := hs.Client().Get(hs.URL + "/v1/organizations/" + org + "/apiproducts/" + o.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var live, compiled map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&live); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(o.Files[0].Data, &compiled); err != nil {
		t.Fatal(err)
	}
	delete(live, "createdAt")
	delete(live, "lastModifiedAt")
	sortSets(live)
	sortSets(compiled)
	if !reflect.DeepEqual(live, compiled) {
		t.Errorf("%s product %s reads back differently:\nlive     %v\ncompiled %v", org, o.Name, live, compiled)
	}
}

// sortSets sorts the fields of a product JSON that the API keeps as sets
// and answers in an order of its own (environments, proxies, scopes,
// apiResources, and the methods of each operation), so a comparison sees
// only what differs.
func sortSets(product map[string]any) {
	sortStrings := func(m map[string]any, field string) {
		vs, _ := m[field].([]any)
		slices.SortFunc(vs, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
	}
	for _, f := range []string{"environments", "proxies", "scopes", "apiResources"} {
		sortStrings(product, f)
	}
	group, _ := product["operationGroup"].(map[string]any)
	configs, _ := group["operationConfigs"].([]any)
	for _, c := range configs {
		ops, _ := c.(map[string]any)["operations"].([]any)
		for _, op := range ops {
			sortStrings(op.(map[string]any), "methods")
		}
	}
}
