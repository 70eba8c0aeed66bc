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
		// A quoted item is one group, commas and all: the group
		// "Sales, ops" is not the group ops, whichever end ops is at.
		{[]string{"ops"}, `["Sales, ops"]`, false},
		{[]string{"ops"}, `["ops, dev"]`, false},
		{[]string{"ops"}, `["x","Sales, ops"]`, false},
		{[]string{"ops"}, `"ops, dev"`, false},
		{[]string{"ops"}, `["a\", \"ops"]`, false},
		{[]string{"ops"}, `[dev, ops]`, true},
	}
	for _, tt := range tests {
		patterns := groupPatterns(tt.groups)
		if got := matchesAny(patterns, tt.value); got != tt.want {
			t.Errorf("%q against %s = %v, want %v (patterns %s)", tt.groups, tt.value, got, tt.want, patterns)
		}
	}
}

// matchesAny reports whether any of patterns matches value.
func matchesAny(patterns []string, value string) bool {
	for _, p := range patterns {
		if regexp.MustCompile(p).MatchString(value) {
			return true
		}
	}
	return false
}

func TestGroupPatternQuotesEverything(t *testing.T) {
	for _, p := range groupPatterns([]string{`a"b<c&d]]>{e}'f`}) {
		if strings.ContainsAny(strings.TrimSuffix(strings.TrimPrefix(p, "^"), "$"), `"<&`) {
			t.Errorf("pattern %s holds a character a condition could misread", p)
		}
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
			for _, value := range []string{`["` + g + `"]`, "a, " + g} {
				if regexp.MustCompile(pattern).MatchString(value) {
					found++
				}
			}
		}
	}
	if found != 2*len(groups) {
		t.Errorf("%d matches of %d groups, quoted and listed; want each matched by exactly one condition", found, len(groups))
	}
}

func TestConditionBuilders(t *testing.T) {
	tests := map[string]string{
		and(equals("a", "x"), not(isTrue("b"))):          `(a = "x") and not (b = "true")`,
		or(isUnset("a"), equals("b", "y")):               `(a = null) or (b = "y")`,
		and(equals("a", "x")):                            `a = "x"`,
		not(and(isTrue("a"), isTrue("b"))):               `not ((a = "true") and (b = "true"))`,
		operationCondition("/a/*", "GET"):                `(proxy.pathsuffix MatchesPath "/a/*") and (request.verb = "GET")`,
		matchesGroups([]string{"a"})[0][:len(varGroups)]: varGroups,
		matchesGroups([]string{"a"})[1][:len(varGroups)]: varGroups,
	}
	for got, want := range tests {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}

// Apigee's condition grammar has no escape sequences: a literal is what
// stands between two double quotes. A path holding a character Go would
// escape (a soft hyphen, a zero-width space) must appear as itself, as it
// does in the API product's resource.
func TestConditionLiteralsAreNotGoEscaped(t *testing.T) {
	path := "/a\u00adb\u200bc"
	want := `(proxy.pathsuffix MatchesPath "` + path + `") and (request.verb = "GET")`
	if got := operationCondition(path, "GET"); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := equals("v", "é\u200b"); got != "v = \"é\u200b\"" {
		t.Errorf("got %s", got)
	}
}
