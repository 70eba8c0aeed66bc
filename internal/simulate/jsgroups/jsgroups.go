// Package jsgroups is a Go model of the membership script lingate compiles
// into every proxy (compile/apigee/jsc/groups.js, the JS-Groups policy):
// the data the compiler writes above the script, how the script reads the
// caller's groups, and which roles it marks. The request simulator runs
// it in place of JavaScript; tests in compile/apigee and internal/simulate
// run the script itself under Node and require the same answers.
package jsgroups

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Data is what a compiled script starts with: the variable holding the
// caller's groups, whether it may be a comma-separated list (a developer
// app attribute), and each role's groups.
type Data struct {
	Source string
	Listed bool
	Roles  map[string][]string
}

// Parse reads the three `var x = JSON;` lines the compiler writes above
// the script's code: source, listed, and roles as [name, groups] pairs.
func Parse(src []byte) (Data, error) {
	var d Data
	lines := strings.SplitN(string(src), "\n", 4)
	if len(lines) < 4 {
		return d, fmt.Errorf("membership script: expected 3 lines of data above the code")
	}
	var raw [][2]json.RawMessage
	for i, dst := range []any{&d.Source, &d.Listed, &raw} {
		_, js, _ := strings.Cut(lines[i], " = ")
		if err := json.Unmarshal([]byte(strings.TrimSuffix(js, ";")), dst); err != nil {
			return d, fmt.Errorf("membership script line %d: %w", i+1, err)
		}
	}
	d.Roles = make(map[string][]string, len(raw))
	for _, p := range raw {
		var name string
		var groups []string
		if json.Unmarshal(p[0], &name) != nil || json.Unmarshal(p[1], &groups) != nil {
			return d, fmt.Errorf("membership script roles: expected [name, [group, ...]] pairs")
		}
		d.Roles[name] = groups
	}
	return d, nil
}

// Groups is the script's lingateGroups: the caller's groups in raw (set
// false when the variable is unset), listed when it may be a
// comma-separated list.
func Groups(raw string, set, listed bool) []string {
	if !set {
		return nil
	}
	t := strings.Trim(raw, " \t")
	switch {
	case strings.HasPrefix(t, "["):
		var items []any
		if json.Unmarshal([]byte(t), &items) != nil {
			return nil
		}
		var out []string
		for _, it := range items {
			if s, ok := it.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case strings.HasPrefix(t, `"`):
		var s string
		if json.Unmarshal([]byte(t), &s) != nil {
			return nil
		}
		return []string{s}
	case !listed:
		if raw == "" {
			return nil
		}
		return []string{raw}
	}
	var out []string
	for _, item := range strings.Split(raw, ",") {
		if item = strings.Trim(item, " \t"); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Members is the script's lingateMark: the roles, sorted, one of whose
// groups is one of the caller's.
func Members(caller []string, roles map[string][]string) []string {
	var out []string
	for role, groups := range roles {
		if slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(caller, g) }) {
			out = append(out, role)
		}
	}
	slices.Sort(out)
	return out
}

// MembersFor is the roles the script with data d marks for a caller whose
// groups variable holds raw (set false: unset).
func (d Data) MembersFor(raw string, set bool) []string {
	return Members(Groups(raw, set, d.Listed), d.Roles)
}
