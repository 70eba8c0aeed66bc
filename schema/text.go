package schema

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// One rule for every string of the policies, since each reaches an
// artifact (a bundle's XML, an API product, a LINSTOR resource group or
// property) or a plan a reviewer reads:
//
//   - no control characters (C0, DEL, C1), except line breaks and tabs in
//     descriptions;
//   - no bidirectional formatting characters (U+061C, U+200E, U+200F,
//     U+202A to U+202E, U+2066 to U+2069), which reorder what a reviewer
//     sees;
//   - at most MaxText characters (LINSTOR property keys: MaxPropertyKey).
//
// Errors show a long value shortened (Shorten), never the whole value.

// MaxText is the longest string lingate accepts anywhere in the policies,
// in characters: room for any description, and small enough that no value
// bloats a bundle, a plan or an error.
const MaxText = 4096

// MaxPropertyKey is the longest LINSTOR property key path LINSTOR accepts.
const MaxPropertyKey = 256

// checkText applies the rule to every string of cfg, map keys included.
func checkText(cfg *Config) Errors {
	var errs Errors
	walkStrings(reflect.ValueOf(cfg).Elem(), nil, func(path []any, s string, key bool) {
		if why := textProblem(path, s, key); why != "" {
			errs = append(errs, cfg.Errorf(Path(path...), "%s", why))
		}
	})
	return errs
}

// textProblem says what breaks the rule in s at path, or "".
func textProblem(path []any, s string, key bool) string {
	what := "value"
	if key {
		what = "name"
	}
	if !utf8.ValidString(s) {
		return what + " is not valid UTF-8 (expected text)"
	}
	description := !key && len(path) > 0 && path[len(path)-1] == "description"
	for _, r := range s {
		switch {
		case description && (r == '\n' || r == '\t'):
		case isControl(r):
			return fmt.Sprintf("%s %s holds the control character %U (expected text without control characters%s)", what, quoteShort(s), r, map[bool]string{true: "; line breaks and tabs are allowed in descriptions"}[description])
		case isBidi(r):
			return fmt.Sprintf("%s %s holds the bidirectional formatting character %U (expected text that reads as written)", what, quoteShort(s), r)
		}
	}
	limit := MaxText
	if key && len(path) >= 3 && path[0] == SectionTiers && path[2] == "properties" {
		limit = MaxPropertyKey
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return fmt.Sprintf("%s %s has %d characters (expected at most %d)", what, quoteShort(s), n, limit)
	}
	return ""
}

// isControl reports a C0 or C1 control character, or DEL.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7F && r <= 0x9F }

// isBidi reports a bidirectional formatting character.
func isBidi(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// walkStrings calls fn for every string in v, with its path of JSON field
// names, map keys and indexes; a map key is passed with key true and the
// path of its entry.
func walkStrings(v reflect.Value, path []any, fn func(path []any, s string, key bool)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, fn)
		}
	case reflect.String:
		fn(path, v.String(), false)
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(v.Index(i), append(path[:len(path):len(path)], i), fn)
		}
	case reflect.Map:
		keys := v.MapKeys()
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = k.String()
		}
		slices.Sort(names)
		for _, name := range names {
			at := append(path[:len(path):len(path)], name)
			fn(at, name, true)
			walkStrings(v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key())), at, fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			walkStrings(v.Field(i), append(path[:len(path):len(path)], name), fn)
		}
	}
}

// Shorten is s for a message: as it is up to 64 characters, otherwise its
// first 48 and how long it is.
func Shorten(s string) string {
	const most, keep = 64, 48
	if utf8.RuneCountInString(s) <= most {
		return s
	}
	r := []rune(s)
	return fmt.Sprintf("%s... (%d characters)", string(r[:keep]), len(r))
}

// quoteShort is s shortened and quoted for a message, control characters
// escaped.
func quoteShort(s string) string { return fmt.Sprintf("%q", Shorten(s)) }
