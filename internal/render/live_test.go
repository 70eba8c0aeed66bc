package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/lingate/lingate/apply"
)

// livePlan is a plan against live targets with an adopted object and an impact.
func livePlan() Plan {
	ref := func(kind, name string) apply.Ref {
		sys := "apigee"
		if kind == "resource-group" {
			sys = "linstor"
		}
		return apply.Ref{Env: "prod", System: sys, Kind: kind, Name: name}
	}
	return Plan{
		Head:         Commit{SHA: "0123456789abcdef", Label: "work tree"},
		Environments: []string{"prod"},
		Changes: apply.ChangeSet{Changes: []apply.Change{
			{Ref: ref("resource-group", "fast"), Action: apply.Update, Diff: "--- a\n+++ b\n@@ -1 +1 @@\n-2\n+3\n",
				Impact: "4 resources (40 GiB) spawned from it get a third replica"},
			{Ref: ref("product", "reports"), Action: apply.Update, Adopt: true},
			{Ref: ref("proxy", "orders"), Action: apply.Update, Reason: "revision 2 in environment prod: deployment is in ERROR: no capacity (apply deploys it again)"},
		}},
	}
}

// TestLivePlanRenders checks what each format shows of a live plan.
func TestLivePlanRenders(t *testing.T) {
	for _, tc := range []struct {
		format string
		render func(*bytes.Buffer) error
		want   []string
	}{
		{"text", func(b *bytes.Buffer) error { return Text(b, livePlan(), false) }, []string{
			"Comparing live targets with the policies at 0123456 (work tree).\n",
			"    ~ update linstor resource-group fast\n      # impact: 4 resources (40 GiB) spawned from it get a third replica\n",
			"    ~ update apigee product reports\n      # adopt: not created by lingate; applying takes it over and writes lingate's marker\n",
			"    ~ update apigee proxy orders\n      # revision 2 in environment prod: deployment is in ERROR: no capacity (apply deploys it again)\n",
		}},
		{"markdown", func(b *bytes.Buffer) error { return Markdown(b, livePlan()) }, []string{
			"Live targets against the policies at `0123456` (`work tree`).",
			"- Impact of linstor resource-group `fast`: 4 resources (40 GiB) spawned from it get a third replica\n",
			"- Adopt apigee product `reports`: not created by lingate;",
			"- Update apigee proxy `orders`: revision 2 in environment prod: deployment is in ERROR: no capacity (apply deploys it again)\n",
		}},
		{"json", func(b *bytes.Buffer) error { return JSON(b, livePlan()) }, []string{
			`"impact": "4 resources (40 GiB)`, `"adopt": true`, `"reason": "revision 2 in environment prod: deployment is in ERROR`, `"base": null`, `"head": "0123456789abcdef"`,
		}},
	} {
		var b bytes.Buffer
		if err := tc.render(&b); err != nil {
			t.Fatal(err)
		}
		for _, want := range tc.want {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s plan lacks %q:\n%s", tc.format, want, b.String())
			}
		}
	}
}

func TestProgressLinesAndResult(t *testing.T) {
	c := apply.Change{Ref: apply.Ref{Env: "prod", System: "apigee", Kind: "proxy", Name: "orders\x1b[2J"}, Action: apply.Create}
	res := apply.Result{Duration: 3 * time.Second, Outcomes: []apply.Outcome{
		{Change: c, Status: apply.Applied, Duration: 1200 * time.Millisecond},
		{Change: c, Status: apply.Failed, Error: "deploy: HTTP 400"},
		{Change: c, Status: apply.Skipped, Error: "its proxy orders was not applied"},
	}}
	var b bytes.Buffer
	r := Progress(&b, false)
	r.Begin(len(res.Outcomes))
	for _, o := range res.Outcomes {
		r.Started(o.Change)
		r.Finished(o)
	}
	want := "[1/3] prod: + create apigee proxy orders\\x1b[2J: applied (1.2s)\n" +
		"[2/3] prod: + create apigee proxy orders\\x1b[2J: failed: deploy: HTTP 400\n" +
		"[3/3] prod: + create apigee proxy orders\\x1b[2J: skipped: its proxy orders was not applied\n"
	if b.String() != want {
		t.Errorf("progress:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := ApplyResult(&b, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ENV   ACTION    SYSTEM  KIND   NAME", "failed", "Apply failed: 1 applied, 1 failed, 1 not done, in 3.0s.\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("result lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("result shows a raw escape:\n%q", b.String())
	}
}
