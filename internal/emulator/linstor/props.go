package linstor

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ruleKind is a whitelist property type (Property.PropertyType).
type ruleKind uint8

const (
	ruleRegex ruleKind = iota
	ruleSymbol
	ruleBoolYesNo     // "boolean": yes/no in any case, stored lower-cased
	ruleBoolTrueFalse // "boolean_true_false": true/false/yes/no, stored true/false
	ruleRange
	ruleString
	ruleLong
	ruleNumericOrSymbol
)

// Keys with side effects or special treatment in CtrlPropsHelper and the
// resource group handler.
const (
	keyQuorum      = "DrbdOptions/Resource/quorum"
	keyQuorumSetBy = "Internal/Drbd/QuorumSetBy"
	keyAutoQuorum  = "DrbdOptions/auto-quorum"
	keyExactSize   = "DrbdOptions/ExactSize"
	propPathMax    = 256
)

// propRule is one whitelisted key and the values it accepts.
type propRule struct {
	key      string
	kind     ruleKind
	pattern  string
	values   []string
	min, max int64
	re       *regexp.Regexp
}

// whitelist maps a full property key to its rule.
type whitelist map[string]*propRule

// whitelists are the rule sets of the two levels the emulator checks.
type whitelists struct{ rscDfn, vlmDfn whitelist }

func compileWhitelists() (whitelists, error) {
	rd, err := compileRules(rscDfnRules())
	if err != nil {
		return whitelists{}, err
	}
	vd, err := compileRules(vlmDfnRules())
	if err != nil {
		return whitelists{}, err
	}
	return whitelists{rscDfn: rd, vlmDfn: vd}, nil
}

func compileRules(rules []propRule) (whitelist, error) {
	wl := make(whitelist, len(rules))
	for i := range rules {
		r := &rules[i]
		if p := r.regex(); p != "" {
			re, err := regexp.Compile("^(?:" + p + ")$")
			if err != nil {
				return nil, fmt.Errorf("whitelist rule %s: %w", r.key, err)
			}
			r.re = re
		}
		wl[r.key] = r
	}
	return wl, nil
}

// regex is the Java pattern a rule matches values against, if any.
func (r *propRule) regex() string {
	switch r.kind {
	case ruleRegex:
		return r.pattern
	case ruleSymbol, ruleNumericOrSymbol:
		return "(?:" + strings.Join(r.values, "|") + ")"
	case ruleBoolYesNo:
		return "(?i)(?:yes|no)"
	case ruleBoolTrueFalse:
		return "(?i)(?:true|false|yes|no)"
	}
	return ""
}

// valid reports whether the rule accepts v (Property.isValid).
func (r *propRule) valid(v string) bool {
	switch r.kind {
	case ruleString:
		return true
	case ruleLong:
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case ruleRange:
		n, err := strconv.ParseInt(v, 10, 64)
		return err == nil && n >= r.min && n <= r.max
	case ruleNumericOrSymbol:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n >= r.min && n <= r.max
		}
	}
	return r.re.MatchString(v)
}

// normalize stores a value in canonical form (Property.normalize).
func (r *propRule) normalize(v string) string {
	switch r.kind {
	case ruleBoolYesNo:
		return strings.ToLower(v)
	case ruleBoolTrueFalse:
		l := strings.ToLower(v)
		return strconv.FormatBool(l == "true" || l == "yes")
	}
	return v
}

// errMsg is the rule's Property.getErrorMsg.
func (r *propRule) errMsg() string {
	switch r.kind {
	case ruleLong:
		return "This value has to be of type Long."
	case ruleBoolYesNo:
		return "This value must be either 'yes' or 'no'."
	case ruleBoolTrueFalse:
		return "This value must be either 'yes', 'no', 'true' or 'false'."
	case ruleRange:
		return fmt.Sprintf("This value has to match (%d - %d).", r.min, r.max)
	case ruleNumericOrSymbol:
		return fmt.Sprintf("This value has to match (%d - %d) or %s.", r.min, r.max, r.regex())
	}
	return "This value has to match " + r.regex() + "."
}

// propsChange is the override/delete part of a modify request.
type propsChange struct {
	override         map[string]string
	deleteKeys       []string
	deleteNamespaces []string
}

func (c propsChange) empty() bool {
	return len(c.override) == 0 && len(c.deleteKeys) == 0 && len(c.deleteNamespaces) == 0
}

// applyProps validates and applies c to props in the controller's order
// (override, delete keys, delete namespaces) and returns the entries
// CtrlPropsHelper reports; objMask is the mask of the whitelist's level. On
// error props is left untouched.
func applyProps(wl whitelist, props map[string]string, c propsChange, objMask int64) ([]apiCallRc, error) {
	work := copyProps(props)
	var rcs []apiCallRc
	set, err := overrideProps(wl, work, c.override, &rcs)
	if err != nil {
		return nil, err
	}
	deleted, err := deleteProps(wl, work, c.deleteKeys)
	if err != nil {
		return nil, err
	}
	if err := deleteNamespaces(wl, work, c.deleteNamespaces); err != nil {
		return nil, err
	}
	if len(set) > 0 {
		rcs = append(rcs, apiCallRc{RetCode: objMask | maskCrt | rcCreated,
			Message: "Successfully set property key(s): " + strings.Join(set, ",")})
	}
	if len(deleted) > 0 {
		rcs = append(rcs, apiCallRc{RetCode: objMask | maskDel | rcDeleted,
			Message: "Successfully deleted property key(s): " + strings.Join(deleted, ",")})
	}
	clear(props)
	for k, v := range work {
		props[k] = v
	}
	return rcs, nil
}

func overrideProps(wl whitelist, work, override map[string]string, rcs *[]apiCallRc) ([]string, error) {
	keys := sortedKeys(override)
	for _, k := range keys {
		stored, v, err := checkProp(wl, k, override[k])
		if err != nil {
			return nil, err
		}
		work[stored] = v
		if strings.EqualFold(k, keyAutoQuorum) {
			*rcs = append(*rcs, apiCallRc{RetCode: warnDeprecated,
				Message: k + " is deprecated, please use " + keyQuorum})
		}
		if strings.EqualFold(k, keyQuorum) {
			work[keyQuorumSetBy] = "user"
		}
	}
	return keys, nil
}

// checkProp returns the key as stored and the normalised value, or the
// FAIL_INVLD_PROP the controller answers with.
func checkProp(wl whitelist, k, v string) (string, string, error) {
	if bypassed(k) {
		stored, ok := sanitizeKey(k)
		if !ok {
			return "", "", fail(failInvldProp, "Invalid key: "+k).with("The key '"+k+"' is invalid.", "", "").reported()
		}
		return stored, v, nil
	}
	r, ok := wl[k]
	if !ok {
		return "", "", fail(failInvldProp, "Invalid property key: "+k).
			with("The key '"+k+"' is not whitelisted.", "", "").reported()
	}
	if !r.valid(v) {
		return "", "", fail(failInvldProp, fmt.Sprintf("Invalid property(%s) value: %s", k, v)).
			with(fmt.Sprintf("The value '%s' is not valid for the key '%s'", v, k), r.errMsg(), "").reported()
	}
	return k, r.normalize(v), nil
}

func deleteProps(wl whitelist, work map[string]string, keys []string) ([]string, error) {
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	for _, k := range sorted {
		if !allowedKey(wl, k) {
			return nil, notWhitelisted(k)
		}
		stored, _ := sanitizeKey(k)
		delete(work, stored)
		if strings.EqualFold(k, keyQuorum) {
			delete(work, keyQuorumSetBy)
		}
	}
	return sorted, nil
}

// deleteNamespaces removes every key below each namespace; each of them must
// be one a client may delete.
func deleteNamespaces(wl whitelist, work map[string]string, namespaces []string) error {
	for _, ns := range namespaces {
		clean, _ := sanitizeKey(ns)
		prefix := clean + "/"
		for _, k := range sortedKeys(work) {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			if !allowedKey(wl, k) {
				return notWhitelisted(k)
			}
			delete(work, k)
		}
	}
	return nil
}

func notWhitelisted(k string) error {
	return fail(failInvldProp, "Invalid property key").with("The key '"+k+"' is not whitelisted.", "", "").reported()
}

func allowedKey(wl whitelist, k string) bool {
	_, ok := wl[k]
	return ok || bypassed(k)
}

// bypassed reports whether k is below a prefix the controller accepts without
// a whitelist rule (Aux/ and EBS/Tags/).
func bypassed(k string) bool {
	return strings.HasPrefix(k, "Aux/") || strings.HasPrefix(k, "EBS/Tags/")
}

// sanitizeKey collapses empty path segments like PropsContainer does and
// rejects paths longer than 256 characters or without a key.
func sanitizeKey(k string) (string, bool) {
	if len(k) > propPathMax {
		return "", false
	}
	var parts []string
	for _, p := range strings.Split(k, "/") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "", false
	}
	return strings.Join(parts, "/"), true
}

// matchesPropFilters implements the "props" list filter: "key" needs the
// key, "key=value" the exact value; all filters must match.
func matchesPropFilters(props map[string]string, filters []string) bool {
	for _, f := range filters {
		k, v, hasValue := strings.Cut(f, "=")
		got, ok := props[k]
		if !ok || (hasValue && got != v) {
			return false
		}
	}
	return true
}
