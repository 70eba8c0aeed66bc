package apigee

import (
	"context"
	"testing"

	"github.com/lingate/lingate/compile/artifact"
	emulator "github.com/lingate/lingate/internal/emulator/apigee"
)

// TestStatus reads deployed revisions and states before an apply, after
// it, and after a revision deployed by hand.
func TestStatus(t *testing.T) {
	d := driver(t, emulated(t, emulator.Config{}))
	objs := example(t)
	var proxies []artifact.Object
	for _, o := range objs {
		if o.Kind == artifact.KindProxy {
			proxies = append(proxies, o)
		}
	}
	for _, s := range status(t, d, objs) {
		if s != (ProxyStatus{Proxy: s.Proxy, State: NotDeployed}) {
			t.Errorf("before apply: %+v, want not deployed", s)
		}
	}
	applyAll(t, d, "create", objs...)
	got := status(t, d, objs)
	if len(got) != len(proxies) {
		t.Fatalf("%d statuses for %d proxies", len(got), len(proxies))
	}
	for _, s := range got {
		if s.Revision != 1 || !s.Desired || s.State != "READY" {
			t.Errorf("after apply: %+v, want revision 1, desired, READY", s)
		}
	}
	p := proxies[0]
	rev := importRaw(t, d, p.Name, unstamped(t, p))
	deployRaw(t, d, p.Name, rev)
	for _, s := range status(t, d, objs) {
		if s.Proxy == p.Name && (s.Revision != rev || s.Desired || s.State != "READY") {
			t.Errorf("after a deploy by hand: %+v, want revision %d, not desired, READY", s, rev)
		}
	}
}

func status(t *testing.T, d *Driver, objs []artifact.Object) []ProxyStatus {
	t.Helper()
	s, err := d.Status(context.Background(), objs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
