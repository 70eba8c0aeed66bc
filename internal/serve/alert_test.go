package serve

import (
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/lingate/lingate/compile/observability"
)

// TestAlertTurnsRedThenGreen applies the series selectors of the
// LingateTierDegraded rule that compile writes (parsed by Prometheus's rule
// and PromQL parsers, matched with its label matchers) to what serve
// exposes: while a node is failed they select the fast tier's degraded
// resources (the rule's "> 0" holds), once it is restored nothing above 0.
// A substitute for a full rule evaluation, whose engine and test storage
// would pull cloud SDKs into go.mod.
func TestAlertTurnsRedThenGreen(t *testing.T) {
	f := newFixture(t)
	spawnExample(t, f)
	sel := ruleSelector(t, "LingateTierDegraded")

	f.setNode(t, "node-b", false)
	if got := selected(f.scrape(t), sel); got["fast"] != 2 || len(got) != 2 {
		t.Errorf("with node-b failed the rule selects %v, want fast: 2 and standard (its diskless replica on node-b)", got)
	}
	f.setNode(t, "node-b", true)
	if got := selected(f.scrape(t), sel); got["fast"] != 0 || got["standard"] != 0 {
		t.Errorf("with node-b restored the rule selects %v, want nothing above 0", got)
	}
}

// ruleSelector is the one series selector of the sandbox's alert.
func ruleSelector(t *testing.T, alert string) *parser.VectorSelector {
	t.Helper()
	p := parser.NewParser(parser.Options{})
	groups, errs := rulefmt.Parse(observability.Rules("sandbox"), false, model.UTF8Validation, p, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, r := range groups.Groups[0].Rules {
		if r.Alert != alert {
			continue
		}
		expr, err := p.ParseExpr(r.Expr)
		if err != nil {
			t.Fatal(err)
		}
		var sels []*parser.VectorSelector
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			if vs, ok := n.(*parser.VectorSelector); ok {
				sels = append(sels, vs)
			}
			return nil
		})
		if len(sels) != 1 {
			t.Fatalf("%s: %d selectors, want 1", alert, len(sels))
		}
		return sels[0]
	}
	t.Fatalf("no rule %s", alert)
	return nil
}

// selected sums, by tier, the values of the scraped series the selector matches.
func selected(m metrics, vs *parser.VectorSelector) map[string]float64 {
	out := map[string]float64{}
	eachMatch(m, vs, func(labels map[string]string, v float64) { out[labels["tier"]] += v })
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return out
}

// eachMatch calls fn with the labels (and __name__) and value of each
// scraped series the selector matches, with Prometheus's label matchers.
func eachMatch(m metrics, vs *parser.VectorSelector, fn func(labels map[string]string, v float64)) {
	for name, fam := range m {
		for _, s := range fam.Metric {
			labels := map[string]string{"__name__": name}
			for _, l := range s.Label {
				labels[l.GetName()] = l.GetValue()
			}
			match := true
			for _, mt := range vs.LabelMatchers {
				match = match && mt.Matches(labels[mt.Name])
			}
			if match {
				fn(labels, value(s))
			}
		}
	}
}
