package access

import (
	"reflect"

	"github.com/lingate/lingate/schema"
)

// Same tells, without computing them, whether a product has the same rows
// in an environment of two configurations (the policies at two commits):
// a product's rows read the product, the environment, the roles granting
// the product and the tiers (roleRows), so when those are equal at both
// so are its rows. Keep it so when roleRows reads more.
type Same struct {
	a, b  *schema.Config
	tiers bool
}

// NewSame compares configurations a and b (either may be nil: nothing is
// the same then).
func NewSame(a, b *schema.Config) Same {
	return Same{a: a, b: b, tiers: a != nil && b != nil && (a == b || reflect.DeepEqual(a.Tiers, b.Tiers))}
}

// Rows reports whether product is deployed to env in both configurations
// with the same rows there.
func (s Same) Rows(env, product string) bool {
	if !s.tiers {
		return false
	}
	pa, pb := s.a.Products[product], s.b.Products[product]
	ea, eb := s.a.Environments[env], s.b.Environments[env]
	if pa == nil || pb == nil || ea == nil || eb == nil {
		return false
	}
	return s.a == s.b || reflect.DeepEqual(pa, pb) && reflect.DeepEqual(ea, eb) &&
		reflect.DeepEqual(s.a.RolesFor(product), s.b.RolesFor(product))
}
