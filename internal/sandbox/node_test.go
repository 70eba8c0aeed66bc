package sandbox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestSetNodeOnlineWaitsForTheLock: a node change never lands between a
// sandbox's load and its save (it would be overwritten): while a sandbox
// opened with OpenLocked is not done, the change is refused; after, it
// lands and the next sandbox serves it.
func TestSetNodeOnlineWaitsForTheLock(t *testing.T) {
	dir := t.TempDir()
	seed := Seed{Pools: []string{"pool"}}
	sb, err := OpenLocked(dir, seed)
	if err != nil {
		t.Fatal(err)
	}
	err = SetNodeOnline(context.Background(), dir, seed, "", "node-a", false, 0)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("changing a locked sandbox: %v, want ErrLocked", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sb.Serve(ctx, ServeOptions{ApigeeAddr: "127.0.0.1:0", LinstorAddr: "127.0.0.1:0"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := SetNodeOnline(context.Background(), dir, seed, "", "node-a", false, 0); err != nil {
		t.Fatal(err)
	}
	run, err := Start(dir, seed, ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop()
	resp, err := http.Get(run.Linstor + "/v1/nodes/node-a")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"connection_status":"OFFLINE"`) {
		t.Errorf("node-a after the change: %s", body)
	}
	if err := SetNodeOnline(context.Background(), dir, seed, "", "node-z", false, 0); err == nil || !errors.Is(err, ErrLocked) {
		t.Errorf("a change while the sandbox runs: %v, want ErrLocked", err)
	}
}
