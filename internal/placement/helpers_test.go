package placement

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/LINBIT/golinstor/client"

	emu "github.com/lingate/lingate/internal/emulator/linstor"
)

// cluster is a LINSTOR emulator over loopback HTTP with a resource group
// "gold" placing 2 replicas over the three default nodes, and a golinstor
// client of it.
type cluster struct {
	emu *emu.Server
	c   *client.Client
}

func newCluster(t testing.TB, resources int) *cluster {
	t.Helper()
	for _, k := range []string{"LS_CONTROLLERS", "LS_USERNAME", "LS_PASSWORD", "LS_USER_CERTIFICATE", "LS_USER_KEY",
		"LS_ROOT_CA", "LS_USER_CERTIFICATE_FILE", "LS_USER_KEY_FILE", "LS_ROOT_CA_FILE", "LS_BEARER_TOKEN_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k) // golinstor reads a set but empty variable as given
	}
	s, err := emu.New(emu.Config{Pools: []string{"nvme"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	c, err := client.NewClient(client.BaseURL(u), client.Log(nil), client.BasicAuth(&client.BasicAuthCfg{}), client.BearerToken(""))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.ResourceGroups.Create(ctx, client.ResourceGroup{Name: "gold",
		SelectFilter: client.AutoSelectFilter{PlaceCount: 2, StoragePool: "nvme"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.ResourceGroups.CreateVolumeGroup(ctx, "gold", client.VolumeGroup{}); err != nil {
		t.Fatal(err)
	}
	cl := &cluster{emu: s, c: c}
	cl.spawn(t, 0, resources)
	return cl
}

// spawn adds resources r-FROM … r-(TO-1) to gold.
func (cl *cluster) spawn(t testing.TB, from, to int) {
	t.Helper()
	var names []string
	for i := from; i < to; i++ {
		names = append(names, fmt.Sprintf("r-%05d", i))
	}
	if err := cl.emu.SpawnMany("gold", names, []int64{1024}); err != nil {
		t.Fatal(err)
	}
}

var gold = Tier{Env: "sandbox", Tier: "gold", Group: "gold"}

// view reads the cluster into a new view of gold (and of an unread tier
// "silver").
func (cl *cluster) view(t testing.TB) *View {
	t.Helper()
	v := NewView([]Tier{gold, {Env: "sandbox", Tier: "silver", Group: "silver"}})
	cl.refresh(t, v)
	return v
}

func (cl *cluster) refresh(t testing.TB, v *View) {
	t.Helper()
	if err := (Reader{Client: cl.c}).Refresh(context.Background(), v, "sandbox"); err != nil {
		t.Fatal(err)
	}
}

func keys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("customer-%d", i)
	}
	return out
}
