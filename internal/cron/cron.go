// Package cron parses the five-field UNIX cron expressions LINSTOR takes for
// backup schedules (full_cron, inc_cron) and finds the times they fire.
// LINSTOR parses them with cron-utils' UNIX definition: minute (0-59), hour
// (0-23), day of month (1-31), month (1-12 or JAN-DEC), day of week (0-7,
// 0 and 7 both Sunday, or SUN-SAT); each field is *, a value, a range a-b,
// a list of those, or one of them with a /step. Nothing else (no seconds,
// no year, no ?, L, W or #, no @daily) is accepted. Times are in UTC.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Expr is a parsed cron expression.
type Expr struct {
	src    string
	fields [5]uint64 // bit i set: value i matches
	// domStar and dowStar record a * day field: as in cron, when both day
	// fields are restricted a day matches if either does.
	domStar, dowStar bool
}

type field struct {
	name     string
	min, max int
	names    []string // names[i] is the name of value min+i
}

var fields = [5]field{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day of week", min: 0, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

// Parse parses s, or says which field is wrong and what was expected.
func Parse(s string) (Expr, error) {
	parts := strings.Fields(s)
	if len(parts) != 5 {
		return Expr{}, fmt.Errorf("cron expression %q has %d fields (expected 5: minute hour day-of-month month day-of-week)", s, len(parts))
	}
	e := Expr{src: s, domStar: parts[2] == "*", dowStar: parts[4] == "*"}
	for i, p := range parts {
		bits, err := fields[i].parse(p)
		if err != nil {
			return Expr{}, fmt.Errorf("cron expression %q: %s field %q: %w", s, fields[i].name, p, err)
		}
		e.fields[i] = bits
	}
	if e.fields[4]&(1<<7) != 0 { // 7 is Sunday too
		e.fields[4] |= 1
	}
	return e, nil
}

// String is the expression as written.
func (e Expr) String() string { return e.src }

func (f field) parse(s string) (uint64, error) {
	var bits uint64
	for _, part := range strings.Split(s, ",") {
		b, err := f.parsePart(part)
		if err != nil {
			return 0, err
		}
		bits |= b
	}
	return bits, nil
}

func (f field) parsePart(s string) (uint64, error) {
	rng, stepText, hasStep := strings.Cut(s, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("step %q (expected a whole number of at least 1)", stepText)
		}
		step = n
	}
	lo, hi := f.min, f.max
	switch {
	case rng == "*":
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		var err error
		if lo, err = f.value(a); err != nil {
			return 0, err
		}
		if hi, err = f.value(b); err != nil {
			return 0, err
		}
		if lo > hi {
			return 0, fmt.Errorf("range %s runs backwards (expected the lower bound first)", rng)
		}
	default:
		v, err := f.value(rng)
		if err != nil {
			return 0, err
		}
		lo = v
		if !hasStep {
			hi = v
		}
	}
	var bits uint64
	for v := lo; v <= hi; v += step {
		bits |= 1 << v
	}
	return bits, nil
}

func (f field) value(s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < f.min || v > f.max {
		expected := fmt.Sprintf("a number from %d to %d", f.min, f.max)
		if len(f.names) > 0 {
			expected += " or " + f.names[0] + "-" + f.names[len(f.names)-1]
		}
		return 0, fmt.Errorf("value %q (expected %s)", s, expected)
	}
	return v, nil
}

// Matches reports whether the expression fires at t's minute (UTC).
func (e Expr) Matches(t time.Time) bool {
	t = t.UTC()
	has := func(i, v int) bool { return e.fields[i]&(1<<v) != 0 }
	if !has(0, t.Minute()) || !has(1, t.Hour()) || !has(3, int(t.Month())) {
		return false
	}
	dom, dow := has(2, t.Day()), has(4, int(t.Weekday()))
	if e.domStar || e.dowStar {
		return dom && dow
	}
	return dom || dow
}

// Next is the first minute strictly after t at which the expression fires,
// or the zero time when it fires never within five years (31 February).
func (e Expr) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	end := t.AddDate(5, 0, 0)
	for t.Before(end) {
		switch {
		case e.fields[3]&(1<<int(t.Month())) == 0:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !e.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case e.fields[1]&(1<<t.Hour()) == 0:
			t = t.Truncate(time.Hour).Add(time.Hour)
		case e.fields[0]&(1<<t.Minute()) == 0:
			t = t.Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

func (e Expr) dayMatches(t time.Time) bool {
	dom, dow := e.fields[2]&(1<<t.Day()) != 0, e.fields[4]&(1<<int(t.Weekday())) != 0
	if e.domStar || e.dowStar {
		return dom && dow
	}
	return dom || dow
}
