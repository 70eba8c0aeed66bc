package apigee

import (
	"testing"
)

func TestConditionBuilders(t *testing.T) {
	tests := map[string]string{
		and(equals("a", "x"), not(isTrue("b"))): `(a = "x") and not (b = "true")`,
		or(isUnset("a"), equals("b", "y")):      `(a = null) or (b = "y")`,
		and(equals("a", "x")):                   `a = "x"`,
		not(and(isTrue("a"), isTrue("b"))):      `not ((a = "true") and (b = "true"))`,
		operationCondition("/a/**", "GET"):      `(proxy.pathsuffix MatchesPath "/a/**") and (request.verb = "GET")`,
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
	want := `((proxy.pathsuffix MatchesPath "` + path + `") or (proxy.pathsuffix MatchesPath "` + path + `/")) and (request.verb = "GET")`
	if got := operationCondition(path, "GET"); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := equals("v", "é\u200b"); got != "v = \"é\u200b\"" {
		t.Errorf("got %s", got)
	}
}
