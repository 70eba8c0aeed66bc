package apigee

import (
	"github.com/lingate/lingate/internal/simulate/jsgroups"
)

// The Go model of jsc/groups.js lives in internal/simulate/jsgroups, where
// the request simulator runs it; TestGroupsScriptAgreesWithModel runs the
// script itself under Node on the same inputs and requires the same
// result. These names keep this package's tests short.

// parseScriptData reads the three `var x = JSON;` lines groupsSource writes.
func parseScriptData(src []byte) (jsgroups.Data, error) { return jsgroups.Parse(src) }

// modelGroups is lingateGroups: the caller's groups in raw (set false
// when the variable is unset).
func modelGroups(raw string, set, listed bool) []string { return jsgroups.Groups(raw, set, listed) }

// modelMembers is lingateMark: the roles, sorted, one of whose groups is
// one of the caller's.
func modelMembers(caller []string, roles map[string][]string) []string {
	return jsgroups.Members(caller, roles)
}
