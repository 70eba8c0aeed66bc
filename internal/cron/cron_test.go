package cron

import (
	"strings"
	"testing"
	"time"
)

func TestParseRejects(t *testing.T) {
	for in, want := range map[string]string{
		"0 2 * *":       "has 4 fields",
		"60 2 * * *":    `minute field "60": value "60" (expected a number from 0 to 59)`,
		"0 24 * * *":    "hour field",
		"0 2 0 * *":     "day of month field",
		"0 2 * 13 *":    "month field",
		"0 2 * * 8":     "day of week field",
		"0 2 * * 5-1":   "runs backwards",
		"*/0 * * * *":   `step "0"`,
		"0 2 ? * *":     `value "?"`,
		"0 0 2 * * *":   "has 6 fields",
		"@daily":        "has 1 fields",
		"0 2 * * MON-X": `value "X"`,
	} {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestNext(t *testing.T) {
	start := time.Date(2026, 12, 1, 6, 15, 0, 0, time.UTC) // a Tuesday
	for in, want := range map[string]string{
		"0 2 * * 0":      "2026-12-06T02:00:00Z",
		"0 2 * * 7":      "2026-12-06T02:00:00Z",
		"0 2 * * 1-6":    "2026-12-02T02:00:00Z",
		"*/20 * * * *":   "2026-12-01T06:20:00Z",
		"30 6 * * *":     "2026-12-01T06:30:00Z",
		"0 0 1 JAN *":    "2027-01-01T00:00:00Z",
		"0 0 13 * FRI":   "2026-12-04T00:00:00Z",
		"15 6 1 12 *":    "2027-12-01T06:15:00Z",
		"0 12 * * sun,3": "2026-12-02T12:00:00Z",
	} {
		e, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if got := e.Next(start).Format(time.RFC3339); got != want {
			t.Errorf("%q.Next(%s) = %s, want %s", in, start, got, want)
		}
		if !e.Matches(e.Next(start)) {
			t.Errorf("%q does not match its own next time", in)
		}
	}
	if e, _ := Parse("0 0 31 2 *"); !e.Next(start).IsZero() {
		t.Errorf("31 February fires")
	}
}

// FuzzParse: Parse never panics, and what it accepts fires, when it fires,
// at a minute it matches.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0 2 * * 0", "*/15 1-5,7 1 JAN-MAR sun", "0 0 31 2 *", "5/10 * * * 7", "- - - - -"} {
		f.Add(s)
	}
	start := time.Date(2026, 12, 1, 6, 15, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		if next := e.Next(start); !next.IsZero() && (!e.Matches(next) || !next.After(start)) {
			t.Fatalf("%q: next %s does not match or is not after %s", s, next, start)
		}
	})
}
