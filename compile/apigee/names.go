package apigee

import (
	"strings"
)

// Policy names. Each is also its file name (apigeelint PO006) and starts
// with a prefix apigeelint knows for its type (PO007).
const (
	policyCORS            = "CORS-Allow"
	policySpikeArrest     = "SA-SpikeArrest"
	policyVerifyJWT       = "JWT-Verify"
	policyVerifyAPIKey    = "VA-Verify"
	policyVerifyToken     = "OA-Verify"
	policyLookupJWKS      = "LC-OIDCDiscovery"
	policyCallDiscovery   = "SC-OIDCDiscovery"
	policyExtractJWKS     = "EV-OIDCDiscovery"
	policyPopulateJWKS    = "PC-OIDCDiscovery"
	policyLookupFailure   = "LC-OIDCFailure"
	policyPopulateFailure = "PC-OIDCFailure"
	policyAcceptJWKS      = "AM-OIDCDiscovery"
	policyDiscoveryDown   = "RF-IdentityProvider"
	policyGroups          = "JS-Groups"
	policyForbidden       = "RF-Forbidden"
	policyMember          = "AM-Member"
	policyNotFound        = "RF-NotFound"
	policyProductQuota    = "Q-Product"
	policyRoleQuota       = "Q-Role"
	policyProductRate     = "SA-ProductRate"
	policyRoleRate        = "SA-RoleRate"
	policyRequestHeaders  = "AM-RequestHeaders"
	policyResponseHeaders = "AM-ResponseHeaders"

	policyErrorUnauthenticated = "AM-Error-Unauthenticated"
	policyErrorRateLimited     = "AM-Error-RateLimited"
	policyErrorBackend         = "AM-Error-Backend"
	policyErrorInternal        = "AM-Error-Internal"
)

// grantPolicy is the AssignMessage that records that role's grant
// authorised the request.
func grantPolicy(role string) string { return "AM-Grant-" + role }

// notAllowedPolicy is the RaiseFault answering 405 on a path whose
// operations allow methods (joined by dashes: "RF-NotAllowed-GET-HEAD").
func notAllowedPolicy(methods []string) string {
	return "RF-NotAllowed-" + strings.Join(methods, "-")
}

// tierPolicy is the AssignMessage that places a caller on tier.
func tierPolicy(tier string) string { return "AM-Tier-" + tier }

// Flow variables the bundle sets. They all live under "lingate." so they
// cannot clash with Apigee's own.
const (
	varRole         = "lingate.role"           // the role whose grant authorised the request; unset until one has
	varTier         = "lingate.tier"           // that grant's tier
	varJWKSURI      = "lingate.jwks_uri"       // the issuer's key set, found by OIDC discovery
	varQuotaLimited = "lingate.quota.limited"  // "true" when the caller's role has a quota
	varQuotaLimit   = "lingate.quota.limit"    // that quota's count
	varQuotaUnit    = "lingate.quota.timeunit" // and its time unit
	varQuotaKey     = "lingate.quota.key"      // the counter: role and caller
	varMember       = "lingate.member"         // "true" when the caller is in a role granted on the product
	varError        = "lingate.error"          // the short code of an error response already written
	varQuotaRate    = "lingate.quota.rate"     // a per-second quota's SpikeArrest rate ("10ps")
)

// Endpoint names.
const (
	proxyEndpointName  = "default"
	defaultTargetName  = "default"
	catchAllFlowName   = "catch-all"
	resourceGroupTitle = "X-Resource-Group"
	storageTierTitle   = "X-Storage-Tier"
)

// tierTargetName is the TargetEndpoint (and RouteRule) of targets.<tier>.
func tierTargetName(tier string) string { return "tier-" + tier }

// slug lowers s and joins its runs of letters and digits with dashes, for
// readable flow names: "/orders/{id}" becomes "orders-id".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}
