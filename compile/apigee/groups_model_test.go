package apigee

import (
	"encoding/json"
	"slices"
	"strings"
)

// This file is a Go model of jsc/groups.js, for the request simulator;
// TestGroupsScriptAgreesWithModel runs the script itself under Node on
// the same inputs and requires the same result.

// scriptData is the data a compiled groups script starts with.
type scriptData struct {
	Source string
	Listed bool
	Roles  map[string][]string
}

// parseScriptData reads the three `var x = JSON;` lines groupsSource writes.
func parseScriptData(src []byte) (scriptData, error) {
	var d scriptData
	lines := strings.SplitN(string(src), "\n", 4)
	var pairs [][2]json.RawMessage
	for i, dst := range []any{&d.Source, &d.Listed, &pairs} {
		_, js, _ := strings.Cut(lines[i], " = ")
		if err := json.Unmarshal([]byte(strings.TrimSuffix(js, ";")), dst); err != nil {
			return d, err
		}
	}
	d.Roles = map[string][]string{}
	for _, p := range pairs {
		var name string
		var groups []string
		if err := json.Unmarshal(p[0], &name); err != nil {
			return d, err
		}
		if err := json.Unmarshal(p[1], &groups); err != nil {
			return d, err
		}
		d.Roles[name] = groups
	}
	return d, nil
}

// modelGroups is lingateGroups: the caller's groups in raw (set false
// when the variable is unset).
func modelGroups(raw string, set, listed bool) []string {
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

// modelMembers is lingateMark: the roles, sorted, one of whose groups is
// one of the caller's.
func modelMembers(caller []string, roles map[string][]string) []string {
	var out []string
	for role, groups := range roles {
		if slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(caller, g) }) {
			out = append(out, role)
		}
	}
	slices.Sort(out)
	return out
}
