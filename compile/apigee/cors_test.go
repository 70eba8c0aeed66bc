package apigee

import (
	"strings"
	"testing"

	"github.com/lingate/lingate/schema"
)

func TestCORSDefaults(t *testing.T) {
	p := &schema.Product{CORS: &schema.CORS{Origins: []string{"https://a.example", "https://b.example"}},
		Operations: []schema.Operation{{Path: "/x", Methods: []string{"POST", "GET"}}}}
	c := cors(p).doc.(corsPolicy)
	if c.AllowOrigins != "https://a.example, https://b.example" || c.AllowMethods != "GET, POST" ||
		c.AllowHeaders != "origin, x-requested-with, accept, content-type, authorization" || len(c.Lint) != 0 {
		t.Errorf("CORS %+v", c)
	}
	if !c.GeneratePreflightResponse || c.AllowCredentials || c.MaxAge != corsMaxAge {
		t.Errorf("CORS flags %+v", c)
	}
}

func TestCORSForAPIKeysAllowsTheKeyHeader(t *testing.T) {
	p := &schema.Product{Auth: schema.Auth{APIKey: &schema.KeyAuth{}}, CORS: &schema.CORS{Origins: []string{"https://a.example"}}}
	c := cors(p).doc.(corsPolicy)
	if !strings.HasSuffix(c.AllowHeaders, ", x-api-key") || c.AllowMethods != strings.Join(allMethods, ", ") {
		t.Errorf("CORS %+v", c)
	}
	if defaultCORSHeaders[len(defaultCORSHeaders)-1] == apiKeyHeader {
		t.Error("the defaults were changed in place")
	}
}

func TestCORSExplicitListsAndWildcard(t *testing.T) {
	p := &schema.Product{CORS: &schema.CORS{Origins: []string{"*"}, Methods: []string{"GET"}, Headers: []string{"X-Trace"}}}
	out, err := marshalXML(cors(p).doc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"<!--" + suppressPO032 + "-->\n  <AllowOrigins>*</AllowOrigins>", "<AllowMethods>GET</AllowMethods>", "<AllowHeaders>X-Trace</AllowHeaders>"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
}
