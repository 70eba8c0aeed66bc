package schema

import (
	"cuelang.org/go/cue"
)

// SectionGuardrails is the top-level field holding guardrails: invariants
// over the access matrix that internal/access checks (docs/policies.md).
// The schema does not bind it; its shape is checked where the guardrails
// are evaluated.
const SectionGuardrails = "guardrails"

// Guardrails returns the guardrails section as the user wrote it, and
// whether there is one.
func (c *Config) Guardrails() (cue.Value, bool) {
	if c == nil || !c.guardrails.Exists() {
		return cue.Value{}, false
	}
	return c.guardrails, true
}

// PosOf is where the user wrote v: the first of its positions in a
// policy file, else the nearest field above it the user wrote.
func (c *Config) PosOf(v cue.Value) Position {
	if p, ok := userPos(v); ok {
		return tokenPos(p)
	}
	return c.Pos(v.Path().String())
}
