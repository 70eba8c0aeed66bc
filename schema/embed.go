// Package schema owns the policy language: the embedded CUE schema, the Go
// model decoded from it, the loader, and every validation rule, each error
// at the user's own file:line:col.
package schema

import (
	_ "embed"
)

// Source is the embedded CUE schema, as `lingate schema` prints it.
//
//go:embed schema.cue
var Source string

// SchemaFile is the file name positions inside the embedded schema carry.
const SchemaFile = "lingate:schema.cue"

// PackageName is the package clause every policy file must have.
const PackageName = "policies"

// Top-level sections of a configuration, and the schema definition each
// entry of a section is checked against.
const (
	SectionEnvironments = "environments"
	SectionTiers        = "tiers"
	SectionProducts     = "products"
	SectionRoles        = "roles"
	SectionRelease      = "release"
)

// section ties a top-level field to its definition; entries marks sections
// that hold named entries rather than one value.
type section struct {
	name    string
	def     string
	entries bool
}

// sections lists the top-level fields in the order they are checked.
var sections = []section{
	{SectionEnvironments, "#Environment", true},
	{SectionTiers, "#Tier", true},
	{SectionProducts, "#Product", true},
	{SectionRoles, "#Role", true},
	{SectionRelease, "#Release", false},
}
