// Package apigee compiles products and roles into Apigee X/hybrid proxy
// bundles and API products, one of each per product deployed to an
// environment.
//
// A proxy bundle enforces its product and the roles granted on it; see
// docs/runtime.md for the full trace. The ProxyEndpoint runs, in order:
//
//   - PreFlow: CORS (answers preflights first), SpikeArrest, authentication
//     (VerifyJWT against the OIDC issuer's keys, found by a hardened
//     discovery; VerifyAPIKey; or OAuthV2 VerifyAccessToken), JS-Groups (a
//     JavaScript policy that marks lingate.member.<role> for each role one
//     of whose groups is exactly one of the caller's), AM-Member, and
//     RF-Forbidden (403) for callers in no role;
//   - one conditional flow per operation path and method (HEAD implied by
//     GET, a trailing slash allowed), in which the first grant, in
//     precedence order (largest quota, then role name), that authorises the
//     request (its method and one of the operation's scopes, from the same
//     grant) runs AM-Grant-<role>, recording the role, its tier and its
//     quota; RF-Forbidden (403) when none does; then one flow per declared
//     path answering 405 with Allow; then the unconditional flow (404, or
//     the grants of a product without operations);
//   - PostFlow: SpikeArrests paired with per-second quotas, the grant's
//     quota, the product's quota, the request header transforms, and
//     AM-Tier-<tier>, which sets X-Storage-Tier and X-Resource-Group on the
//     request to the target; the response header transforms on the way back.
//
// RouteRules send callers to targets.<tier> by the grant's tier, everyone
// else to target (or to the target of the product's tier). FaultRules and a
// DefaultFaultRule (AlwaysEnforce) give every error the same minimal JSON
// body and the response header transforms (faults.go).
//
// All XML is written through encoding/xml, so no value from the policies can
// break a file. Output is deterministic: the same Config compiles to the
// same bytes, zip archives included.
//
// MembershipOf, PathCondition, EqualsCondition and RenderXML (probe.go)
// give the runtime probes (internal/emulator/apigee) the pieces of a
// bundle whose runtime behaviour only a real Apigee can confirm, built by
// the same code.
package apigee
