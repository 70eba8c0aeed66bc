package apigee

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
)

func TestCompileObjects(t *testing.T) {
	objs, err := Compile(richConfig(), "prod")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range objs {
		ids = append(ids, o.System+"/"+o.Kind+"/"+o.Name)
	}
	want := "apigee/proxy/inventory apigee/product/inventory apigee/proxy/keys apigee/product/keys " +
		"apigee/proxy/payments apigee/product/payments apigee/proxy/reports apigee/product/reports"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("objects %s\nwant %s", got, want)
	}
	proxy, product := objs[4], objs[5]
	if f := proxy.Files[0]; f.Path != "apigee/proxies/payments.zip" || !f.Binary {
		t.Errorf("first proxy file %s binary=%v", f.Path, f.Binary)
	}
	for _, f := range proxy.Files[1:] {
		if !strings.HasPrefix(f.Path, "apigee/proxies/payments/apiproxy/") || f.Binary {
			t.Errorf("proxy file %s binary=%v", f.Path, f.Binary)
		}
	}
	if len(product.Files) != 1 || product.Files[0].Path != "apigee/products/payments.json" {
		t.Errorf("product files %+v", product.Files)
	}
}

// TestCompileIsDeterministic compiles twice, from two separately built
// Configs (so map iteration differs), and wants the same bytes.
func TestCompileIsDeterministic(t *testing.T) {
	for i := 0; i < 3; i++ {
		a, err := Compile(richConfig(), "prod")
		if err != nil {
			t.Fatal(err)
		}
		b, err := Compile(richConfig(), "prod")
		if err != nil {
			t.Fatal(err)
		}
		if !sameObjects(a, b) {
			t.Fatal("two compiles of the same Config differ")
		}
	}
}

func sameObjects(a, b []artifact.Object) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Kind != b[i].Kind || len(a[i].Files) != len(b[i].Files) {
			return false
		}
		for j, f := range a[i].Files {
			g := b[i].Files[j]
			if f.Path != g.Path || f.Binary != g.Binary || !bytes.Equal(f.Data, g.Data) {
				return false
			}
		}
	}
	return true
}

func TestCompileUnknownEnvironment(t *testing.T) {
	if _, err := Compile(richConfig(), "mars"); err == nil || !strings.Contains(err.Error(), `unknown environment "mars"`) {
		t.Errorf("got %v", err)
	}
}

// TestEveryFileIsWellFormed parses every XML file of every bundle and
// checks each policy's name is its file name.
func TestEveryFileIsWellFormed(t *testing.T) {
	objs, err := Compile(richConfig(), "prod")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		for _, f := range o.Files {
			if !strings.HasSuffix(f.Path, ".xml") {
				continue
			}
			var root struct {
				XMLName xml.Name
				Name    string `xml:"name,attr"`
			}
			decode(t, f.Data, &root)
			base := f.Path[strings.LastIndex(f.Path, "/")+1 : len(f.Path)-len(".xml")]
			if root.Name != base {
				t.Errorf("%s: name %q, want the file name %q", f.Path, root.Name, base)
			}
		}
	}
}

// TestHostileValuesSurvive puts markup into every free-text value and
// checks the files parse back to the same values.
func TestHostileValuesSurvive(t *testing.T) {
	cfg := richConfig()
	p := cfg.Products["payments"]
	p.DisplayName, p.Description = hostile, hostile
	p.Auth.OIDC.Audience = hostile
	// With jwksUri the issuer is only XML text (without, discovery
	// compares it in a condition, which refuses a quote).
	p.Auth.OIDC.Issuer, p.Auth.OIDC.JWKSURI = `https://id.example/x?a=1&b="<]]>`, "https://id.example/keys"
	p.Target.URL = `https://b.example/?q="<&]]>`
	p.Headers.Request.Set["X-Hostile"] = hostile
	files, _ := mustBundle(t, cfg, "prod", "payments")
	var v verifyJWT
	decode(t, policyXML(t, files, policyVerifyJWT), &v)
	if v.Audience != hostile || v.Issuer != p.Auth.OIDC.Issuer {
		t.Errorf("VerifyJWT came back as %+v", v)
	}
	var am assignMessage
	decode(t, policyXML(t, files, policyRequestHeaders), &am)
	if !containsHeader(am.Set.Headers, header{"X-Hostile", hostile}) {
		t.Errorf("headers came back as %+v", am.Set.Headers)
	}
	var base apiProxy
	decode(t, files["apiproxy/payments.xml"], &base)
	if base.DisplayName != hostile || base.Description != ManagedDescription+" "+hostile {
		t.Errorf("base came back as %+v", base)
	}
	var te targetEndpoint
	decode(t, files["apiproxy/targets/default.xml"], &te)
	if te.Connection.URL != p.Target.URL {
		t.Errorf("target URL came back as %q", te.Connection.URL)
	}
}

func containsHeader(hs []header, h header) bool {
	for _, x := range hs {
		if x == h {
			return true
		}
	}
	return false
}
