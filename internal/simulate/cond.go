package simulate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/lingate/lingate/internal/access"
)

// cond is a parsed condition, evaluated against flow variables.
type cond func(vars map[string]string) bool

// parseConditions parses every condition of the endpoint once.
func (p *Proxy) parseConditions() error {
	var texts []string
	add := func(steps []step) {
		for _, s := range steps {
			texts = append(texts, s.Condition)
		}
	}
	add(p.endpoint.PreFlow.Request)
	add(p.endpoint.PostFlow.Request)
	for _, f := range p.endpoint.Flows {
		texts = append(texts, f.Condition)
		add(f.Request)
	}
	for _, r := range p.endpoint.RouteRules {
		texts = append(texts, r.Condition)
	}
	for _, r := range p.endpoint.FaultRules {
		texts = append(texts, r.Condition)
		add(r.Steps)
	}
	if d := p.endpoint.DefaultRule; d != nil {
		add(d.Steps)
	}
	for _, t := range texts {
		if _, done := p.conds[t]; done || strings.TrimSpace(t) == "" {
			continue
		}
		c, err := parseCondition(t)
		if err != nil {
			return err
		}
		p.conds[t] = c
	}
	return nil
}

// holds evaluates a condition; an empty one always holds.
func (p *Proxy) holds(text string, vars map[string]string) bool {
	c, ok := p.conds[text]
	return !ok || c(vars)
}

// parseCondition parses the forms of Apigee's condition language the
// compiler writes: comparisons (=, !=, ~~, MatchesPath) of a variable
// with a quoted literal, null, true or false, and >= with a number; not; and, or (left to
// right, as lingate always parenthesizes); parentheses.
func parseCondition(text string) (cond, error) {
	cp := &condParser{in: text}
	c, err := cp.expr()
	if err == nil && strings.TrimSpace(cp.in) != "" {
		err = fmt.Errorf("unexpected %q", cp.in)
	}
	if err != nil {
		return nil, fmt.Errorf("condition %q: %w", text, err)
	}
	return c, nil
}

type condParser struct{ in string }

func (p *condParser) expr() (cond, error) {
	left, err := p.term()
	for err == nil {
		p.in = strings.TrimSpace(p.in)
		var op string
		switch {
		case strings.HasPrefix(p.in, "and "):
			op = "and"
		case strings.HasPrefix(p.in, "or "):
			op = "or"
		default:
			return left, nil
		}
		p.in = p.in[len(op)+1:]
		var right cond
		if right, err = p.term(); err != nil {
			break
		}
		l := left
		if op == "and" {
			left = func(v map[string]string) bool { return l(v) && right(v) }
		} else {
			left = func(v map[string]string) bool { return l(v) || right(v) }
		}
	}
	return nil, err
}

func (p *condParser) term() (cond, error) {
	p.in = strings.TrimSpace(p.in)
	switch {
	case strings.HasPrefix(p.in, "not "):
		p.in = p.in[4:]
		c, err := p.term()
		if err != nil {
			return nil, err
		}
		return func(v map[string]string) bool { return !c(v) }, nil
	case strings.HasPrefix(p.in, "("):
		p.in = p.in[1:]
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.in = strings.TrimSpace(p.in)
		if !strings.HasPrefix(p.in, ")") {
			return nil, fmt.Errorf("missing ) at %q", p.in)
		}
		p.in = p.in[1:]
		return c, nil
	}
	return p.comparison()
}

// comparisonPattern is one comparison; literals hold no escaped quotes in
// what the compiler writes.
var comparisonPattern = regexp.MustCompile(`^([A-Za-z0-9_.-]+) (=|!=|>=|~~|MatchesPath) ("[^"]*"|null|false|true|[0-9]+)`)

func (p *condParser) comparison() (cond, error) {
	m := comparisonPattern.FindStringSubmatch(p.in)
	if m == nil {
		return nil, fmt.Errorf("expected a comparison at %q", p.in)
	}
	p.in = p.in[len(m[0]):]
	name, op, lit := varName(m[1]), m[2], strings.Trim(m[3], `"`)
	isNull := m[3] == "null"
	switch op {
	case "=":
		return func(v map[string]string) bool { val, set := v[name]; return isNull != set && (isNull || val == lit) }, nil
	case "!=":
		return func(v map[string]string) bool { val, set := v[name]; return isNull == set || !isNull && val != lit }, nil
	case ">=":
		least, err := strconv.Atoi(lit)
		if err != nil {
			return nil, fmt.Errorf("%s >= %s: expected a number", name, lit)
		}
		return func(v map[string]string) bool { n, err := strconv.Atoi(v[name]); return err == nil && n >= least }, nil
	case "~~":
		re, err := regexp.Compile(lit)
		if err != nil {
			return nil, err
		}
		return func(v map[string]string) bool { val, set := v[name]; return set && re.MatchString(val) }, nil
	}
	return func(v map[string]string) bool { val, set := v[name]; return set && access.MatchesPath(lit, val) }, nil
}
