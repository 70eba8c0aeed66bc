package observability

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/testgen"
	"github.com/lingate/lingate/schema"
)

func example(t *testing.T) *schema.Config {
	t.Helper()
	cfg, err := schema.Load(os.DirFS(filepath.Join("..", "..")), "policies")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestRulesLoadWithPrometheusParser parses every environment's rules with
// Prometheus's own rule file parser, which also parses each expression
// and template.
func TestRulesLoadWithPrometheusParser(t *testing.T) {
	cfg := example(t)
	for _, env := range cfg.EnvironmentNames() {
		files, err := Files(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		data := fileData(t, files, RulesPath)
		groups, errs := rulefmt.Parse(data, false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil)
		if len(errs) > 0 {
			t.Fatalf("%s: rules do not load: %v\n%s", env, errs, data)
		}
		if len(groups.Groups) != 1 || groups.Groups[0].Name != "lingate-"+env {
			t.Fatalf("%s: groups %+v", env, groups.Groups)
		}
		var alerts []string
		for _, r := range groups.Groups[0].Rules {
			alerts = append(alerts, r.Alert)
			if !strings.Contains(r.Expr, `env="`+env+`"`) {
				t.Errorf("%s: %s does not select the environment: %s", env, r.Alert, r.Expr)
			}
			if r.For == 0 || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: %s lacks a duration, severity or summary", env, r.Alert)
			}
		}
		for _, want := range []string{"LingateTierDegraded", "LingateTierFailed", "LingateDrift", "LingateDeploymentNotReady", "LingateStoragePoolNearlyFull", "LingateCannotRead"} {
			if !strings.Contains(strings.Join(alerts, " "), want) {
				t.Errorf("%s: no %s rule", env, want)
			}
		}
	}
}

// TestBrokenRulesAreRefused shows the parser test can fail: a broken
// expression is refused.
func TestBrokenRulesAreRefused(t *testing.T) {
	files, err := Files(example(t), "sandbox")
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Replace(fileData(t, files, RulesPath), []byte("> 0"), []byte("> > 0"), 1)
	if _, errs := rulefmt.Parse(data, false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil); len(errs) == 0 {
		t.Fatal("a broken expression loaded")
	}
}

// TestDashboard checks the dashboard's JSON, its queries and the
// environment's latency metric.
func TestDashboard(t *testing.T) {
	cfg := example(t)
	cfg.Environments["prod"].Observability = schema.Observability{LatencyMetric: "edge_latency_seconds_bucket", ProxyLabel: "api"}
	for env, wantLatency := range map[string]string{
		"sandbox": `apigee_proxy_latency_seconds_bucket{proxy="$product"}`,
		"prod":    `edge_latency_seconds_bucket{api="$product"}`,
	} {
		files, err := Files(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			UID    string `json:"uid"`
			Panels []struct {
				Type    string `json:"type"`
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(fileData(t, files, DashboardPath), &d); err != nil {
			t.Fatal(err)
		}
		if d.UID != "lingate-"+env {
			t.Errorf("uid %q", d.UID)
		}
		var exprs []string
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				exprs = append(exprs, tg.Expr)
				q := strings.ReplaceAll(tg.Expr, "$product", "orders")
				if _, err := parser.NewParser(parser.Options{}).ParseExpr(q); err != nil {
					t.Errorf("%s: panel %q: %v", env, p.Title, err)
				}
			}
		}
		all := strings.Join(exprs, "\n")
		for _, want := range []string{wantLatency, `lingate_tier_resources{env="` + env + `"} * on (env, resource_group) group_left (product) lingate_product_info`} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: no query with %s in\n%s", env, want, all)
			}
		}
	}
}

func fileData(t *testing.T, files []artifact.File, path string) []byte {
	t.Helper()
	for _, f := range files {
		if f.Path == path {
			return f.Data
		}
	}
	t.Fatalf("no file %s", path)
	return nil
}

// TestLatencyMetricFromThePolicies sets observability in CUE: a valid
// name reaches the dashboard, an invalid one is refused where it is written.
func TestLatencyMetricFromThePolicies(t *testing.T) {
	files := testgen.Files(testgen.Size{Products: 3})
	files["policies/observability.cue"] = []byte("package policies\n\nenvironments: prod: observability: {latencyMetric: \"edge_seconds_bucket\", proxyLabel: \"api\"}\n")
	cfg, err := schema.Load(testgen.MapFS(files), "policies")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Files(cfg, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if d := string(fileData(t, got, DashboardPath)); !strings.Contains(d, `edge_seconds_bucket{api=\"$product\"}`) {
		t.Errorf("dashboard does not use the environment's latency metric:\n%s", d)
	}
	files["policies/observability.cue"] = []byte("package policies\n\nenvironments: prod: observability: latencyMetric: \"edge_seconds\"\n")
	_, err = schema.Load(testgen.MapFS(files), "policies")
	if err == nil || !strings.Contains(err.Error(), "observability.cue:3") {
		t.Errorf("a latency metric that is not a _bucket series: %v, want an error at observability.cue:3", err)
	}
}
