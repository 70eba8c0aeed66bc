package linstor

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/LINBIT/golinstor/client"

	emulator "github.com/lingate/lingate/internal/emulator/linstor"
	"github.com/lingate/lingate/schema"
)

// TestNoDriftAfterApplyingToTheEmulator writes every resource group of the
// example repository to the embedded LINSTOR emulator the way an apply
// would with golinstor (create, then set props and filter, then volume
// groups), reads it back, and finds it equal to the compiled group once both
// are normalised: the compiled form is the server's own, so a live plan
// after an apply shows no changes.
func TestNoDriftAfterApplyingToTheEmulator(t *testing.T) {
	cfg, err := schema.Load(os.DirFS(filepath.Join("..", "..")), "policies")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.New(emulator.Config{Pools: []string{"nvme-thin", "ssd-thick", "hdd-zfs", "diskless"}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	u, _ := url.Parse(hs.URL)
	c, err := client.NewClient(client.BaseURL(u), client.HTTPClient(hs.Client()), client.Log(nil))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Compile(cfg, "staging")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		want, err := Decode(o.Files[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		applyGroup(t, c, want)
		if got := readGroup(t, c, want.Name); !reflect.DeepEqual(Normalize(got), Normalize(want)) {
			t.Errorf("%s drifts after an apply:\nlive     %+v\ncompiled %+v", want.Name, Normalize(got), Normalize(want))
		}
	}
}

func applyGroup(t *testing.T, c *client.Client, g Group) {
	t.Helper()
	ctx := context.Background()
	if err := c.ResourceGroups.Create(ctx, client.ResourceGroup{Name: g.Name, Description: g.Description}); err != nil {
		t.Fatalf("create %s: %v", g.Name, err)
	}
	if err := c.ResourceGroups.Modify(ctx, g.Name, client.ResourceGroupModify{OverrideProps: g.Props, SelectFilter: g.SelectFilter}); err != nil {
		t.Fatalf("modify %s: %v", g.Name, err)
	}
	for _, vg := range g.VolumeGroups {
		if err := c.ResourceGroups.CreateVolumeGroup(ctx, g.Name, client.VolumeGroup{VolumeNumber: vg.VolumeNumber}); err != nil {
			t.Fatalf("volume group %s/%d: %v", g.Name, vg.VolumeNumber, err)
		}
		if len(vg.Props) > 0 {
			if err := c.ResourceGroups.ModifyVolumeGroup(ctx, g.Name, int(vg.VolumeNumber), client.VolumeGroupModify{OverrideProps: vg.Props}); err != nil {
				t.Fatalf("volume group %s/%d props: %v", g.Name, vg.VolumeNumber, err)
			}
		}
	}
}

func readGroup(t *testing.T, c *client.Client, name string) Group {
	t.Helper()
	ctx := context.Background()
	rg, err := c.ResourceGroups.Get(ctx, name)
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	vgs, err := c.ResourceGroups.GetVolumeGroups(ctx, name)
	if err != nil {
		t.Fatalf("volume groups of %s: %v", name, err)
	}
	return Group{ResourceGroup: rg, VolumeGroups: vgs}
}
