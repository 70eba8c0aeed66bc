package observability

import (
	"encoding/json"
	"fmt"

	"github.com/lingate/lingate/schema"
)

// panel, target and friends are the parts of Grafana's dashboard JSON
// model that the dashboard uses.
type panel struct {
	ID         int            `json:"id"`
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	GridPos    gridPos        `json:"gridPos"`
	Datasource *datasource    `json:"datasource,omitempty"`
	Targets    []target       `json:"targets,omitempty"`
	Repeat     string         `json:"repeat,omitempty"`
	Collapsed  *bool          `json:"collapsed,omitempty"`
	Panels     []panel        `json:"panels,omitempty"`
	Field      map[string]any `json:"fieldConfig,omitempty"`
}

type gridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type target struct {
	RefID        string `json:"refId"`
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat,omitempty"`
}

var prom = &datasource{Type: "prometheus", UID: "${datasource}"}

// dashboard is the Grafana dashboard of environment e: an overview, then
// for each product (a row repeated over the product variable) its API
// latency beside the health of its tier, joined through
// lingate_product_info.
func dashboard(e *schema.Environment) ([]byte, error) {
	env := fmt.Sprintf("env=%q", e.Name)
	obs := e.Observability
	no := false
	latency := fmt.Sprintf(`histogram_quantile(0.95, sum by (le) (rate(%s{%s="$product"}[5m])))`, obs.LatencyMetric, obs.ProxyLabel)
	latency50 := fmt.Sprintf(`histogram_quantile(0.5, sum by (le) (rate(%s{%s="$product"}[5m])))`, obs.LatencyMetric, obs.ProxyLabel)
	tier := fmt.Sprintf(`sum by (health) (lingate_tier_resources{%s} * on (env, resource_group) group_left (product) lingate_product_info{%s,product="$product"})`, env, env)
	panels := []panel{
		stat(1, "Drifted objects", 0, fmt.Sprintf(`sum(lingate_drift_objects{%s})`, env)),
		stat(2, "Nodes offline", 6, fmt.Sprintf(`sum(lingate_nodes{%s,state="offline"})`, env)),
		stat(3, "Degraded or failed resources", 12, fmt.Sprintf(`sum(lingate_tier_resources{%s,health=~"degraded|failed"})`, env)),
		stat(4, "Systems lingate cannot read", 18, fmt.Sprintf(`count(lingate_read_up{%s} == 0) or vector(0)`, env)),
		{ID: 5, Type: "row", Title: "$product", GridPos: gridPos{H: 1, W: 24, X: 0, Y: 4}, Repeat: "product", Collapsed: &no, Panels: []panel{}},
		{ID: 6, Type: "timeseries", Title: "API latency: $product", GridPos: gridPos{H: 8, W: 12, X: 0, Y: 5}, Datasource: prom,
			Targets: []target{{RefID: "A", Expr: latency, LegendFormat: "p95"}, {RefID: "B", Expr: latency50, LegendFormat: "p50"}},
			Field:   map[string]any{"defaults": map[string]any{"unit": "s"}, "overrides": []any{}}},
		{ID: 7, Type: "timeseries", Title: "Tier health: $product", GridPos: gridPos{H: 8, W: 12, X: 12, Y: 5}, Datasource: prom,
			Targets: []target{{RefID: "A", Expr: tier, LegendFormat: "{{health}}"}},
			Field:   map[string]any{"defaults": map[string]any{"unit": "short"}, "overrides": []any{}}},
	}
	d := map[string]any{
		"title":         "lingate " + e.Name + ": API latency and tier health",
		"uid":           "lingate-" + e.Name,
		"tags":          []string{"lingate"},
		"schemaVersion": 39,
		"editable":      true,
		"refresh":       "1m",
		"time":          map[string]string{"from": "now-6h", "to": "now"},
		"panels":        panels,
		"templating": map[string]any{"list": []any{
			map[string]any{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus"},
			map[string]any{"name": "product", "type": "query", "datasource": prom, "refresh": 2, "sort": 1,
				"multi": true, "includeAll": true,
				"definition": fmt.Sprintf("label_values(lingate_product_info{%s}, product)", env),
				"query":      map[string]string{"query": fmt.Sprintf("label_values(lingate_product_info{%s}, product)", env), "refId": "product"}},
		}},
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func stat(id int, title string, x int, expr string) panel {
	return panel{ID: id, Type: "stat", Title: title, GridPos: gridPos{H: 4, W: 6, X: x, Y: 0}, Datasource: prom,
		Targets: []target{{RefID: "A", Expr: expr}}}
}
