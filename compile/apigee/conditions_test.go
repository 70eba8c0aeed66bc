package apigee

import (
	"regexp"
	"strings"
	"testing"
)

// Go's regexp (RE2) reads \x{..}, \x22, [\[,] and anchors like Java's
// java.util.regex, so the patterns can be checked here.
func TestGroupPatternMatchesWholeItems(t *testing.T) {
	tests := []struct {
		groups []string
		value  string
		want   bool
	}{
		{[]string{"ops"}, `["payments-eng","ops"]`, true},
		{[]string{"ops"}, `["ops"]`, true},
		{[]string{"ops"}, `[ "a" , "ops" ]`, true},
		{[]string{"ops"}, `"ops"`, true},
		{[]string{"ops"}, `ops`, true},
		{[]string{"ops"}, `dev, ops`, true},
		{[]string{"ops"}, `ops,dev`, true},
		{[]string{"ops"}, `["devops"]`, false},
		{[]string{"ops"}, `["ops-team"]`, false},
		{[]string{"ops"}, `opsx`, false},
		{[]string{"ops"}, ``, false},
		{[]string{"a.b"}, `["aXb"]`, false},
		{[]string{"a.b"}, `["a.b"]`, true},
		{[]string{"Payments Engineers"}, `["Payments Engineers"]`, true},
		{[]string{"Engineers"}, `["Payments Engineers"]`, false},
		{[]string{"x", "Ünï/€"}, `["Ünï/€"]`, true},
		{[]string{"(a)|b*"}, `["b"]`, false},
		{[]string{"(a)|b*"}, `["(a)|b*"]`, true},
		{[]string{"CN=x/y:z@w!%~'#"}, `["CN=x/y:z@w!%~'#"]`, true},
		{[]string{"a^b$"}, `["a^b$"]`, true},
		{[]string{"a^b$"}, `["ab"]`, false},
	}
	for _, tt := range tests {
		re := regexp.MustCompile(groupPattern(tt.groups))
		if got := re.MatchString(tt.value); got != tt.want {
			t.Errorf("%q against %s = %v, want %v (pattern %s)", tt.groups, tt.value, got, tt.want, re)
		}
	}
}

func TestGroupPatternQuotesEverything(t *testing.T) {
	p := groupPattern([]string{`a"b<c&d]]>{e}'f`})
	if strings.ContainsAny(strings.TrimSuffix(strings.TrimPrefix(p, "^"), "$"), `"<&`) {
		t.Errorf("pattern %s holds a character a condition could misread", p)
	}
}

func TestGroupConditionsStayShort(t *testing.T) {
	var groups []string
	for i := 0; i < 30; i++ {
		groups = append(groups, strings.Repeat("g", 20)+string(rune('a'+i%26))+strings.Repeat("x", i))
	}
	conds := groupConditions(groups)
	if len(conds) < 2 {
		t.Fatalf("30 long groups fit one condition? %v", conds)
	}
	found := 0
	for _, c := range conds {
		if len(c) > maxCondition {
			t.Errorf("condition of %d characters: %s", len(c), c)
		}
		pattern := c[strings.Index(c, `"`)+1 : len(c)-1]
		for _, g := range groups {
			if regexp.MustCompile(pattern).MatchString(`["` + g + `"]`) {
				found++
			}
		}
	}
	if found != len(groups) {
		t.Errorf("%d of %d groups matched by exactly the conditions", found, len(groups))
	}
}

func TestConditionBuilders(t *testing.T) {
	tests := map[string]string{
		and(equals("a", "x"), not(isTrue("b"))):       `(a = "x") and not (b = "true")`,
		or(isUnset("a"), equals("b", "y")):            `(a = null) or (b = "y")`,
		and(equals("a", "x")):                         `a = "x"`,
		not(and(isTrue("a"), isTrue("b"))):            `not ((a = "true") and (b = "true"))`,
		operationCondition("/a/*", "GET"):             `(proxy.pathsuffix MatchesPath "/a/*") and (request.verb = "GET")`,
		matchesGroups([]string{"a"})[:len(varGroups)]: varGroups,
	}
	for got, want := range tests {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
