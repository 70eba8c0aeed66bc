package apigee

import (
	"strconv"
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
	policyGroups          = "JS-Groups"
	policyForbidden       = "RF-Forbidden"
	policyNotFound        = "RF-NotFound"
	policyProductQuota    = "Q-Product"
	policyRoleQuota       = "Q-Role"
	policyRequestHeaders  = "AM-RequestHeaders"
	policyResponseHeaders = "AM-ResponseHeaders"
)

// rolePolicy is the AssignMessage that marks a caller as a member of role.
func rolePolicy(role string) string { return "AM-Role-" + role }

// tierPolicy is the AssignMessage that places a caller on tier.
func tierPolicy(tier string) string { return "AM-Tier-" + tier }

// Flow variables the bundle sets. They all live under "lingate." so they
// cannot clash with Apigee's own.
const (
	varRole         = "lingate.role"           // the role whose quota applies; unset when no role admits the caller
	varTier         = "lingate.tier"           // the caller's tier
	varJWKSURI      = "lingate.jwks_uri"       // the issuer's key set, found by OIDC discovery
	varQuotaLimited = "lingate.quota.limited"  // "true" when the caller's role has a quota
	varQuotaLimit   = "lingate.quota.limit"    // that quota's count
	varQuotaUnit    = "lingate.quota.timeunit" // and its time unit
	varQuotaKey     = "lingate.quota.key"      // the counter: role and caller
)

// roleVar is "true" when the caller is a member of role.
func roleVar(role string) string { return "lingate.role." + role }

// methodVar is "true" when one of the caller's roles allows method.
func methodVar(method string) string { return "lingate.method." + method }

// scopeVar is "true" when the caller's roles hold a scope that operation
// number n (counted from 1) asks for.
func scopeVar(n int) string { return "lingate.scope.op" + strconv.Itoa(n) }

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
