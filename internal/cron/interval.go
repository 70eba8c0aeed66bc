package cron

import "time"

// intervalStart is where Interval starts looking: a Monday, 1 January of a
// leap year, so that weekly, monthly and 29 February schedules all show
// their longest gap within the window.
var intervalStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// intervalWindow and maxFirings bound Interval's search: eight years (two
// leap cycles, so that a 29 February schedule fires twice) or that many
// firings, whichever comes first.
const (
	intervalWindow = 8 * 366 * 24 * time.Hour
	maxFirings     = 100_000
)

// Interval is the longest time between two consecutive firings of the
// expressions taken together (a backup schedule's full and incremental
// crons): how long data may go without a copy when every run succeeds.
// It looks at eight years of firings, or the first 100,000 of them for
// expressions that fire more often than every 20 minutes; 0 when none of
// the expressions ever fires.
func Interval(exprs ...Expr) time.Duration {
	var longest time.Duration
	prev, end := time.Time{}, intervalStart.Add(intervalWindow)
	for t, n := intervalStart.Add(-time.Minute), 0; n < maxFirings; n++ {
		next := nextOf(exprs, t)
		if next.IsZero() || next.After(end) {
			break
		}
		if !prev.IsZero() && next.Sub(prev) > longest {
			longest = next.Sub(prev)
		}
		prev, t = next, next
	}
	return longest
}

// nextOf is the first firing of any of exprs strictly after t; zero when
// none fires.
func nextOf(exprs []Expr, t time.Time) time.Time {
	var first time.Time
	for _, e := range exprs {
		if n := e.Next(t); !n.IsZero() && (first.IsZero() || n.Before(first)) {
			first = n
		}
	}
	return first
}
