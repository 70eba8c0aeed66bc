// Package apigee compiles products and roles into Apigee X/hybrid proxy
// bundles and API products, one of each per product deployed to an
// environment.
//
// A proxy bundle enforces its product and the roles granted on it. The
// ProxyEndpoint runs, in order:
//
//   - PreFlow: CORS (answers preflights first), SpikeArrest, authentication
//     (VerifyJWT against the OIDC issuer's keys, VerifyAPIKey, or OAuthV2
//     VerifyAccessToken), JS-Groups (a JavaScript policy that parses the
//     caller's groups claim or attribute and marks lingate.member.<role>
//     for each role one of whose groups is exactly one of the caller's),
//     one AM-Role-<role> per role marked, and RF-Forbidden (403) when no
//     role admits the caller;
//   - one conditional flow per operation path and method, answering 403 when
//     none of the caller's roles allows the method or holds a scope the
//     operation asks for, then one unconditional flow (404 for a request no
//     operation declares, or the method check of a product without
//     operations);
//   - PostFlow: the product quota, the quota of the caller's role, the
//     request header transforms, and AM-Tier-<tier>, which resolves the
//     caller's tier and sets X-Storage-Tier and X-Resource-Group on the
//     request to the target; the response header transforms on the way back.
//
// RouteRules send callers to targets.<tier> by the resolved tier, everyone
// else to target (or to the target of the product's tier).
//
// Role semantics: a caller in several roles granted on the product gets the
// union of their scopes and methods, the largest of their quotas, and the
// tier of the first such role in name order. Apart from
// membership, the role policies implement this without code: every
// matching AM-Role-<role> sets flags
// (lingate.role.<role>, lingate.method.<METHOD>, lingate.scope.op<N>), and
// the role policies run in ascending quota order, so the quota variables
// left behind are those of the largest quota. Tier steps run in role name
// order and only while lingate.tier is unset.
//
// All XML is written through encoding/xml, so no value from the policies can
// break a file. Output is deterministic: the same Config compiles to the
// same bytes, zip archives included.
package apigee
