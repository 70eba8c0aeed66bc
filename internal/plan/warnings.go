package plan

import (
	"github.com/lingate/lingate/apply"
	"github.com/lingate/lingate/compile/artifact"
	"github.com/lingate/lingate/internal/gitsrc"
	"github.com/lingate/lingate/schema"
)

// warnings are what the plan shows before everything else: the policies'
// own warnings at head, an environment removed with prune on (everything
// lingate manages there is deleted), and a proxy kept in place (prune off)
// on the base path of a proxy the plan creates, which Apigee refuses to
// deploy.
func warnings(rng gitsrc.Range, envs []string, base, head side, cs apply.ChangeSet) schema.Errors {
	var atBase, atHead schema.Errors
	for _, env := range envs {
		if w, ok := removedWithPrune(env, base, head, cs); ok {
			atBase = append(atBase, w)
		}
		atHead = append(atHead, basePathsShared(env, base, head, cs)...)
	}
	if head.cfg != nil {
		atHead = append(atHead, head.cfg.Warnings()...)
	}
	return append(gitsrc.LocateAll(atBase, rng.Base), gitsrc.LocateAll(atHead.Sort(), rng.Head)...)
}

// removedWithPrune warns when env, declared with prune at base, is gone at
// head: every object lingate manages there is deleted.
func removedWithPrune(env string, base, head side, cs apply.ChangeSet) (schema.Error, bool) {
	if base.cfg == nil || head.cfg == nil {
		return schema.Error{}, false
	}
	e, atBase := base.cfg.Environments[env]
	if _, atHead := head.cfg.Environments[env]; !atBase || atHead || !e.Prune {
		return schema.Error{}, false
	}
	n := len(cs.In(env).Destructive())
	return base.cfg.Errorf(schema.Path(schema.SectionEnvironments, env),
		"environment %s is removed from the policies and has prune: true: all %d objects lingate manages there are deleted (keep the environment with prune: false to leave them in place)", env, n), true
}

// basePathsShared warns about a proxy created in env on the base path of
// a proxy that stays there because env does not prune (a renamed product).
func basePathsShared(env string, base, head side, cs apply.ChangeSet) schema.Errors {
	if base.cfg == nil || head.cfg == nil {
		return nil
	}
	kept := map[string]string{} // base path -> kept proxy
	for _, k := range cs.In(env).Kept {
		if p, ok := base.cfg.Products[k.Name]; ok && isProxy(k) {
			kept[p.BasePath] = k.Name
		}
	}
	var ws schema.Errors
	for _, c := range cs.In(env).Changes {
		p, ok := head.cfg.Products[c.Name]
		if c.Action != apply.Create || !isProxy(c.Ref) || !ok {
			continue
		}
		if old, clash := kept[p.BasePath]; clash {
			ws = append(ws, head.cfg.Errorf(schema.Path(schema.SectionProducts, c.Name, "basePath"),
				"proxy %s is created in environment %s on base path %s, where proxy %s stays deployed because the environment does not prune: Apigee refuses two deployments on one base path (undeploy %s, or set prune: true)", c.Name, env, p.BasePath, old, old))
		}
	}
	return ws
}

// isProxy reports whether r is an Apigee proxy.
func isProxy(r apply.Ref) bool {
	return r.System == artifact.SystemApigee && r.Kind == artifact.KindProxy
}
