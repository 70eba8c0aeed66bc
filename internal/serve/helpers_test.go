package serve

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/LINBIT/golinstor/client"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/apply/linstor"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/plan"
	"github.com/lingate/lingate/internal/sandbox"
	"github.com/lingate/lingate/internal/targets"
	"github.com/lingate/lingate/schema"
)

var fastRetry = apply.RetryPolicy{MaxTries: 2, Initial: time.Millisecond, MaxInterval: 2 * time.Millisecond}

// fixture is the example policies in a temporary folder, applied to their
// sandbox environment, with a collector over it served by a test server.
type fixture struct {
	root string
	live plan.LiveOptions
	c    *Collector
	srv  *httptest.Server
	// brokenLinstor points the LINSTOR driver at a closed port.
	brokenLinstor atomic.Bool
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	copyExample(t, root)
	return newFixtureAt(t, root)
}

// copyExample copies the example policies to root/policies.
func copyExample(t *testing.T, root string) {
	t.Helper()
	if err := os.CopyFS(filepath.Join(root, "policies"), os.DirFS(filepath.Join("..", "..", "policies"))); err != nil {
		t.Fatal(err)
	}
}

// newFixtureAt is newFixture over the policies in root/policies.
func newFixtureAt(t *testing.T, root string) *fixture {
	t.Helper()
	clearLinstorEnv(t)
	f := &fixture{root: root}
	connect := targets.Connector(targets.Options{Root: root, Retry: fastRetry})
	f.live = plan.LiveOptions{Policies: filepath.Join(root, "policies"), FS: os.DirFS(root), Dir: "policies",
		Connect: func(ctx context.Context, env *schema.Environment, cfg *schema.Config, commit string) (map[string]apply.Driver, func() error, error) {
			ds, closer, err := connect(ctx, env, cfg, commit)
			if err != nil || !f.brokenLinstor.Load() {
				return ds, closer, err
			}
			d, err := linstor.New(linstor.Config{Env: env.Name, Controllers: []string{"http://127.0.0.1:1"}, Retry: fastRetry})
			if err != nil {
				return nil, nil, err
			}
			ds[artifact.SystemLinstor] = d
			return ds, closer, nil
		}}
	f.apply(t)
	f.c = New(Options{Live: f.live, Envs: []string{"sandbox"}, Root: root, Version: "test"})
	f.srv = httptest.NewServer(f.c.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// clearLinstorEnv unsets the variables golinstor reads on its own.
func clearLinstorEnv(t testing.TB) {
	t.Helper()
	for _, k := range []string{"LS_CONTROLLERS", "LS_USERNAME", "LS_PASSWORD", "LS_USER_CERTIFICATE", "LS_USER_KEY", "LS_ROOT_CA",
		"LS_USER_CERTIFICATE_FILE", "LS_USER_KEY_FILE", "LS_ROOT_CA_FILE", "LS_BEARER_TOKEN_FILE"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)  // golinstor reads a set but empty variable as given
	}
}

// apply applies the policies to the sandbox, as `lingate apply` does.
func (f *fixture) apply(t *testing.T) {
	t.Helper()
	opts := f.live
	opts.Envs = []string{"sandbox"}
	p, err := plan.Live(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	res, err := apply.Execute(context.Background(), p.View.Changes, p.Head, p.Drivers, apply.ExecOptions{})
	if err == nil {
		err = res.Err()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// withSandbox serves the sandbox's state for the time of fn and hands it
// a golinstor client: a change made by hand.
func (f *fixture) withSandbox(t *testing.T, fn func(c *client.Client)) {
	t.Helper()
	run, err := sandbox.Start(sandbox.StateDir(f.root, "sandbox"), sandbox.Seed{}, sandbox.ServeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := run.Stop(); err != nil {
			t.Fatal(err)
		}
	}()
	u, err := url.Parse(run.Linstor)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.NewClient(client.BaseURL(u), client.Log(nil), client.BasicAuth(&client.BasicAuthCfg{}), client.BearerToken(""))
	if err != nil {
		t.Fatal(err)
	}
	fn(c)
}

// setNode fails or restores a node as `lingate sandbox node` does.
func (f *fixture) setNode(t *testing.T, node string, online bool) {
	t.Helper()
	if err := sandbox.SetNodeOnline(context.Background(), sandbox.StateDir(f.root, "sandbox"), sandbox.Seed{}, "", node, online, time.Second); err != nil {
		t.Fatal(err)
	}
}

// scrape reads the environments and returns /metrics, parsed.
func (f *fixture) scrape(t *testing.T) metrics {
	t.Helper()
	f.c.Read(context.Background())
	return scrape(t, f.srv.URL)
}

func scrape(t *testing.T, base string) metrics {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: HTTP %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return metrics(fams)
}

func status(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// metrics are the families of one scrape.
type metrics map[string]*dto.MetricFamily

// series lists the series of name whose labels include want ("k=v" pairs).
func (m metrics) series(name string, want ...string) []*dto.Metric {
	var out []*dto.Metric
	fam := m[name]
	if fam == nil {
		return nil
	}
	for _, s := range fam.Metric {
		if hasLabels(s, want) {
			out = append(out, s)
		}
	}
	return out
}

func hasLabels(s *dto.Metric, want []string) bool {
	for _, w := range want {
		k, v, _ := strings.Cut(w, "=")
		found := false
		for _, l := range s.Label {
			found = found || (l.GetName() == k && l.GetValue() == v)
		}
		if !found {
			return false
		}
	}
	return true
}

func value(s *dto.Metric) float64 {
	switch {
	case s.Gauge != nil:
		return s.Gauge.GetValue()
	case s.Counter != nil:
		return s.Counter.GetValue()
	}
	return -1
}

// want requires exactly one series of name with the labels and the value.
func (m metrics) want(t *testing.T, v float64, name string, labels ...string) {
	t.Helper()
	ss := m.series(name, labels...)
	if len(ss) != 1 {
		t.Errorf("%s{%s}: %d series, want 1", name, strings.Join(labels, ","), len(ss))
		return
	}
	if got := value(ss[0]); got != v {
		t.Errorf("%s{%s} = %v, want %v", name, strings.Join(labels, ","), got, v)
	}
}

// count is the number of series of name with the labels.
func (m metrics) count(name string, labels ...string) int { return len(m.series(name, labels...)) }
