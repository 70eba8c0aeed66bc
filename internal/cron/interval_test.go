package cron

import (
	"testing"
	"time"
)

// TestInterval checks the longest gap between firings of schedules taken
// together, including a weekly full with daily incrementals, a schedule
// whose gaps differ and one that only fires on 29 February.
func TestInterval(t *testing.T) {
	const day = 24 * time.Hour
	for _, tc := range []struct {
		exprs []string
		want  time.Duration
	}{
		{[]string{"0 2 * * 0"}, 7 * day},
		{[]string{"0 2 * * 0", "0 2 * * 1-6"}, day},
		{[]string{"0 */6 * * *"}, 6 * time.Hour},
		{[]string{"0 2 * * 1-5"}, 3 * day}, // Friday to Monday
		{[]string{"0 2,8 * * *"}, 18 * time.Hour},
		{[]string{"*/5 * * * *"}, 5 * time.Minute},
		{[]string{"0 0 29 2 *"}, (4*365 + 1) * day},
		{[]string{"0 0 1 * *"}, 31 * day},
	} {
		var es []Expr
		for _, s := range tc.exprs {
			e, err := Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			es = append(es, e)
		}
		if got := Interval(es...); got != tc.want {
			t.Errorf("Interval(%q) = %v, want %v", tc.exprs, got, tc.want)
		}
	}
}
