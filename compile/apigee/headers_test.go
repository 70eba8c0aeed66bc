package apigee

import (
	"testing"

	"github.com/lingate/lingate/schema"
)

func TestHeadersPolicySortsAndEscapes(t *testing.T) {
	file, ok := headersPolicy(policyRequestHeaders, schema.HeaderOps{
		Set:          map[string]string{"X-B": hostile},
		FromVariable: map[string]string{"X-A": "client_id"},
		Remove:       []string{"Cookie", "Authorization"},
	})
	if !ok {
		t.Fatal("no policy")
	}
	out, err := marshalXML(file.doc)
	if err != nil {
		t.Fatal(err)
	}
	var back assignMessage
	decode(t, out, &back)
	if len(back.Remove.Headers) != 2 || back.Remove.Headers[0].Name != "Authorization" || back.Remove.Headers[1].Name != "Cookie" {
		t.Errorf("remove %+v", back.Remove)
	}
	if len(back.Set.Headers) != 2 || back.Set.Headers[0] != (header{"X-A", "{client_id}"}) || back.Set.Headers[1] != (header{"X-B", hostile}) {
		t.Errorf("set %+v from\n%s", back.Set, out)
	}
}

func TestHeadersPolicyNotNeeded(t *testing.T) {
	if _, ok := headersPolicy(policyResponseHeaders, schema.HeaderOps{}); ok {
		t.Error("a policy for no header changes")
	}
	file, ok := headersPolicy(policyResponseHeaders, schema.HeaderOps{Remove: []string{"Server"}})
	if am := file.doc.(assignMessage); !ok || am.Set != nil || len(am.Remove.Headers) != 1 {
		t.Errorf("remove-only policy %+v", am)
	}
}
