package apigee

import (
	"fmt"

	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/schema"
)

// policyFile is one policy: its name (also its file name) and its XML.
type policyFile struct {
	name string
	doc  any
}

// proxy is everything a bundle holds, before it is rendered to files.
type proxy struct {
	base     apiProxy
	endpoint proxyEndpoint
	targets  []targetEndpoint
	policies []policyFile
	scripts  []artifact.File // resource files, paths relative to the bundle root
}

// add records policies.
func (b *proxy) add(files ...policyFile) { b.policies = append(b.policies, files...) }

// build lays out the proxy of product p in env (see the package doc for
// the order of its steps).
func build(cfg *schema.Config, env *schema.Environment, p *schema.Product) proxy {
	ms := members(cfg, p)
	id := authenticate(p.Auth)
	b := proxy{endpoint: proxyEndpoint{
		Name:        proxyEndpointName,
		Description: p.DisplayName,
		PreFlow:     flowPhase{Name: "PreFlow"},
		PostFlow:    flowPhase{Name: "PostFlow"},
		BasePath:    p.BasePath,
	}}
	b.endpoint.PreFlow.Request.Steps = b.admission(p, ms, id)
	fs, faults := flows(p, ms)
	b.endpoint.Flows = fs
	b.add(faults...)
	if len(p.Operations) > 0 {
		b.add(notFound())
	}
	b.endpoint.PostFlow.Request.Steps = b.placement(env, p, ms, id)
	lookupFiles, lookupSteps := placementSteps(env, p)
	b.add(lookupFiles...)
	b.endpoint.PostFlow.Request.Steps = append(b.endpoint.PostFlow.Request.Steps, lookupSteps...)
	responseHeaders := ""
	if file, ok := headersPolicy(policyResponseHeaders, p.Headers.Response); ok {
		b.add(file)
		responseHeaders = policyResponseHeaders
		b.endpoint.PostFlow.Response.Steps = []step{{Name: policyResponseHeaders}}
	}
	rules, def, faults := faultHandling(p, responseHeaders)
	b.add(faults...)
	b.endpoint.FaultRules, b.endpoint.DefaultRule = rules, &def
	b.targets, b.endpoint.RouteRules = targets(p)
	b.targets, b.endpoint.RouteRules = withNodeRoutes(p, b.targets, b.endpoint.RouteRules)
	for i := range b.targets {
		b.targets[i].DefaultRule = &def
	}
	names := make([]string, len(b.policies))
	for i, f := range b.policies {
		names[i] = f.name
	}
	b.base = baseConfig(p, names, b.targets)
	for _, f := range b.scripts {
		b.base.Resources = append(b.base.Resources, resourceURL(f.Path))
	}
	return b
}

// admission is the PreFlow: CORS, spike arrest, authentication, groups,
// the grants' policies, and the 403 for callers in no role.
func (b *proxy) admission(p *schema.Product, ms []member, id identity) []step {
	var steps []step
	if p.CORS != nil {
		b.add(cors(p))
		steps = append(steps, step{Name: policyCORS})
	}
	if p.SpikeArrest != "" {
		b.add(spikeArrestPolicy(p.SpikeArrest))
		steps = append(steps, step{Name: policySpikeArrest})
	}
	b.add(id.policies...)
	steps = append(steps, id.steps...)
	b.add(groupsPolicy())
	b.scripts = append(b.scripts, artifact.File{Path: groupsResourceFile, Data: groupsSource(id, ms)})
	steps = append(steps, step{Name: policyGroups})
	grants, refuse := grantPolicies(p, ms, id.caller)
	b.add(grants...)
	b.add(forbidden())
	return append(steps, refuse...)
}

// placement is the PostFlow request: quotas, request headers, and the
// caller's tier (last, so no header transform can undo it).
func (b *proxy) placement(env *schema.Environment, p *schema.Product, ms []member, id identity) []step {
	quotas, steps := quotaPolicies(p, ms, id.caller)
	b.add(quotas...)
	if file, ok := headersPolicy(policyRequestHeaders, p.Headers.Request); ok {
		b.add(file)
		steps = append(steps, step{Name: policyRequestHeaders})
	}
	tiers, tierSteps := tierPolicies(env, p, ms)
	b.add(tiers...)
	return append(steps, tierSteps...)
}

// document is one XML file of a bundle, before rendering.
type document struct {
	path string
	doc  any
}

// render writes the proxy's files, paths relative to the bundle root and
// sorted. Each document is first offered to reuse, when given, which may
// return the bytes of an equal document rendered before.
func (b proxy) render(reuse ...func(document) ([]byte, bool)) ([]artifact.File, error) {
	docs := []document{
		{"apiproxy/" + b.base.Name + ".xml", b.base},
		{"apiproxy/proxies/" + b.endpoint.Name + ".xml", b.endpoint},
	}
	for _, t := range b.targets {
		docs = append(docs, document{"apiproxy/targets/" + t.Name + ".xml", t})
	}
	for _, f := range b.policies {
		docs = append(docs, document{"apiproxy/policies/" + f.name + ".xml", f.doc})
	}
	files := make([]artifact.File, len(docs))
	for i, d := range docs {
		data, err := renderDoc(d, reuse)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.path, err)
		}
		files[i] = artifact.File{Path: d.path, Data: data}
	}
	files = append(files, b.scripts...)
	sortFiles(files)
	return files, nil
}

// renderDoc is the bytes of d: reused when a reuse function has them,
// else rendered.
func renderDoc(d document, reuse []func(document) ([]byte, bool)) ([]byte, error) {
	for _, r := range reuse {
		if data, ok := r(d); ok {
			return data, nil
		}
	}
	return marshalXML(d.doc)
}
