package apigee

import (
	"strings"
	"testing"
)

// TestStampRoundTrip: stamping a base configuration and removing the
// stamp, with the fields Apigee adds on export, gives back the original.
func TestStampRoundTrip(t *testing.T) {
	s := stamp{Hash: strings.Repeat("ab", 32), Commit: "feature/x-1.2"}
	for _, base := range []string{
		"<APIProxy name=\"a\">\n  <DisplayName>A</DisplayName>\n  <Description>Managed by lingate. Payments &amp; refunds</Description>\n</APIProxy>\n",
		"<APIProxy name=\"a\">\n  <Description/>\n</APIProxy>\n",
	} {
		stamped := string(stampBase([]byte(base), s))
		if got, ok := parseStamp(descriptionOf(t, stamped)); !ok || got != s {
			t.Errorf("stamp read back as %+v (%v) from %s", got, ok, stamped)
		}
		exported := strings.Replace(stamped, `<APIProxy name="a">`, `<APIProxy revision="7" name="a">`, 1)
		exported = strings.Replace(exported, "</APIProxy>", "  <CreatedAt>1764547200000</CreatedAt>\n  <CreatedBy>someone@example.com</CreatedBy>\n  <LastModifiedAt>1764547200000</LastModifiedAt>\n  <LastModifiedBy/>\n</APIProxy>", 1)
		if got := string(unstampBase([]byte(exported))); got != base {
			t.Errorf("unstamped export:\n%s\nwant\n%s", got, base)
		}
	}
}

func descriptionOf(t *testing.T, xml string) string {
	t.Helper()
	_, rest, ok := strings.Cut(xml, "<Description>")
	desc, _, ok2 := strings.Cut(rest, "</Description>")
	if !ok || !ok2 {
		t.Fatalf("no description in %s", xml)
	}
	return desc
}

// TestParseStampRefusesLookalikes: only a whole stamp at the end counts.
func TestParseStampRefusesLookalikes(t *testing.T) {
	hash := strings.Repeat("0", 64)
	for _, desc := range []string{
		"",
		"Managed by lingate.",
		"[lingate sha256:" + hash + " commit:abc] and more",
		"[lingate sha256:" + hash[:63] + " commit:abc]",
		"[lingate sha256:" + hash + " commit:a b]",
	} {
		if s, ok := parseStamp(desc); ok {
			t.Errorf("%q read as stamp %+v", desc, s)
		}
	}
}
