package schema

import "cuelang.org/go/cue"

// Config is the whole policy configuration of a repository, decoded from the
// unified CUE value after every rule passed. Map keys are the names users gave.
type Config struct {
	Environments map[string]*Environment `json:"environments"`
	Tiers        map[string]*Tier        `json:"tiers"`
	Products     map[string]*Product     `json:"products"`
	Roles        map[string]*Role        `json:"roles"`
	Release      *Release                `json:"release,omitempty"`

	// src answers position queries; nil for configs built in Go.
	src positioner
	// index is built on the first query that needs it.
	index index
	// guardrails is the guardrails section as written (see guardrails.go).
	guardrails cue.Value
}

// Environment is a place products are deployed to: one Apigee organization
// and environment, and one LINSTOR cluster.
type Environment struct {
	Name    string        `json:"-"`
	Sandbox bool          `json:"sandbox"`
	Apigee  ApigeeTarget  `json:"apigee"`
	Linstor LinstorTarget `json:"linstor"`
	// Prune deletes managed objects that left the configuration.
	Prune bool `json:"prune"`
	// AllowHTTP lets the URLs of an environment that is not a sandbox
	// use plain HTTP.
	AllowHTTP bool `json:"allowHTTP,omitempty"`
	// Observability tunes the monitoring compile writes.
	Observability Observability `json:"observability"`
	// Placement is the placement service products with a placement key
	// ask (nil: none).
	Placement *PlacementService `json:"placement,omitempty"`
}

// Observability names the API latency series the Grafana dashboard shows
// beside tier health.
type Observability struct {
	// LatencyMetric is a Prometheus histogram's _bucket series of API
	// latency in seconds (DefaultLatencyMetric when unset).
	LatencyMetric string `json:"latencyMetric,omitempty"`
	// ProxyLabel is its label naming the proxy ("proxy" when unset).
	ProxyLabel string `json:"proxyLabel,omitempty"`
}

// DefaultLatencyMetric is observability.latencyMetric unless an
// environment sets it.
const DefaultLatencyMetric = "apigee_proxy_latency_seconds_bucket"

// ApigeeTarget names the Apigee organization and environment to deploy to.
type ApigeeTarget struct {
	Organization string `json:"organization"`
	Environment  string `json:"environment"`
	// Endpoint is the management API base URL; empty means Google's.
	Endpoint string `json:"endpoint,omitempty"`
	// KeepRevisions is how many of lingate's revisions of each proxy are
	// kept besides the deployed one (DefaultKeepRevisions when unset).
	KeepRevisions int `json:"keepRevisions,omitempty"`
}

// DefaultKeepRevisions is apigee.keepRevisions unless an environment sets it.
const DefaultKeepRevisions = 5

// LinstorTarget names the LINSTOR controllers of an environment.
type LinstorTarget struct {
	Controllers []string `json:"controllers,omitempty"`
	// ResourceGroupPrefix is prepended to every tier's resource group name.
	ResourceGroupPrefix string `json:"resourceGroupPrefix"`
	// Remotes are where tiers' backups go, by the name tiers use.
	Remotes map[string]*Remote `json:"remotes,omitempty"`
}

// Tier is a class of replicated block storage: one LINSTOR resource group
// and its volume groups in every environment that uses it.
type Tier struct {
	Name                string            `json:"-"`
	Description         string            `json:"description"`
	Replicas            int               `json:"replicas"`
	StoragePools        []string          `json:"storagePools"`
	DisklessPools       []string          `json:"disklessPools,omitempty"`
	Providers           []string          `json:"providers,omitempty"`
	Layers              []string          `json:"layers"`
	ReplicasOnSame      []string          `json:"replicasOnSame,omitempty"`
	ReplicasOnDifferent []string          `json:"replicasOnDifferent,omitempty"`
	NotPlaceWith        []string          `json:"notPlaceWith,omitempty"`
	DisklessOnRemaining *bool             `json:"disklessOnRemaining,omitempty"`
	DRBD                DRBD              `json:"drbd"`
	Encrypted           bool              `json:"encrypted"`
	Volumes             []Volume          `json:"volumes"`
	Properties          map[string]string `json:"properties,omitempty"`
	// Backup schedules copies of the tier's data to a remote; nil for none.
	Backup *Backup `json:"backup,omitempty"`
}

// DRBD holds a tier's DRBD replication options. Fields the user left out
// carry the language's defaults (protocol C, quorum majority).
type DRBD struct {
	Protocol string `json:"protocol"`
	// Quorum is "off", "majority", "all" or a number of nodes, as text.
	Quorum     Quorum `json:"quorum"`
	OnNoQuorum string `json:"onNoQuorum,omitempty"`
}

// Volume is one volume group of a tier.
type Volume struct {
	// Size is a size such as "10GiB"; empty when the tier leaves it open.
	Size string `json:"size,omitempty"`
}

// Product is one Apigee API proxy plus one API product of the same name.
type Product struct {
	Name         string             `json:"-"`
	DisplayName  string             `json:"displayName"`
	Description  string             `json:"description,omitempty"`
	BasePath     string             `json:"basePath"`
	Environments []string           `json:"environments"`
	Target       *Target            `json:"target,omitempty"`
	Targets      map[string]*Target `json:"targets,omitempty"`
	Auth         Auth               `json:"auth"`
	Quota        *Quota             `json:"quota,omitempty"`
	SpikeArrest  string             `json:"spikeArrest,omitempty"`
	CORS         *CORS              `json:"cors,omitempty"`
	Operations   []Operation        `json:"operations,omitempty"`
	Headers      Headers            `json:"headers"`
	Tier         string             `json:"tier"`
	Approval     string             `json:"approval"`
	Attributes   map[string]string  `json:"attributes,omitempty"`
	// Placement opts the product into placement lookups (nil: none).
	Placement *Placement `json:"placement,omitempty"`
}

// Target is a backend: a URL, or an Apigee TargetServer by name.
type Target struct {
	URL    string `json:"url,omitempty"`
	Server string `json:"server,omitempty"`
	// Nodes are per-node backends, by LINSTOR node name, that calls placed
	// on that node go to (products with placement only).
	Nodes map[string]*Target `json:"nodes,omitempty"`
}

// Auth holds exactly one of the three ways a product authenticates callers.
type Auth struct {
	OIDC   *OIDC    `json:"oidc,omitempty"`
	APIKey *KeyAuth `json:"apiKey,omitempty"`
	OAuth2 *KeyAuth `json:"oauth2,omitempty"`
}

// Kind names the auth method in use: "oidc", "apiKey" or "oauth2".
func (a Auth) Kind() string {
	switch {
	case a.OIDC != nil:
		return "oidc"
	case a.APIKey != nil:
		return "apiKey"
	default:
		return "oauth2"
	}
}

// Claim is the claim or developer app attribute that role membership is read from.
func (a Auth) Claim() string {
	switch {
	case a.OIDC != nil:
		return a.OIDC.Claim
	case a.APIKey != nil:
		return a.APIKey.Claim
	case a.OAuth2 != nil:
		return a.OAuth2.Claim
	}
	return DefaultClaim
}

// DefaultClaim is the claim role membership is read from unless a product says otherwise.
const DefaultClaim = "groups"

// OIDC verifies JSON Web Tokens from an OpenID Connect issuer.
type OIDC struct {
	Issuer   string `json:"issuer"`
	Audience string `json:"audience"`
	// JWKSURI is where the issuer's keys are; empty means issuer discovery.
	JWKSURI string `json:"jwksUri,omitempty"`
	Claim   string `json:"claim"`
}

// KeyAuth is API key or OAuth 2 access token verification; Claim names the
// developer app attribute holding the caller's groups.
type KeyAuth struct {
	Claim string `json:"claim"`
}

// Quota is a number of calls allowed per time unit.
type Quota struct {
	Limit int `json:"limit"`
	// Per is second, minute, hour, day or month.
	Per string `json:"per"`
}

// CORS is a product's cross-origin policy.
type CORS struct {
	Origins []string `json:"origins"`
	Methods []string `json:"methods,omitempty"`
	Headers []string `json:"headers,omitempty"`
}

// Operation is a path and the methods allowed on it.
type Operation struct {
	Path    string   `json:"path"`
	Methods []string `json:"methods"`
	Scopes  []string `json:"scopes,omitempty"`
}

// Headers are the header transforms on requests and responses.
type Headers struct {
	Request  HeaderOps `json:"request"`
	Response HeaderOps `json:"response"`
}

// HeaderOps sets and removes headers. Set values are literal text;
// FromVariable sets headers to the values of flow variables, by name.
type HeaderOps struct {
	Set          map[string]string `json:"set,omitempty"`
	FromVariable map[string]string `json:"fromVariable,omitempty"`
	Remove       []string          `json:"remove,omitempty"`
}

// Role ties identities to what they may call, how much, and their tier.
type Role struct {
	Name        string            `json:"-"`
	Description string            `json:"description,omitempty"`
	Members     Members           `json:"members"`
	Grants      map[string]*Grant `json:"grants"`
	Tier        string            `json:"tier"`
}

// Members says who belongs to a role.
type Members struct {
	Claims Claims `json:"claims"`
}

// Claims lists the group values that make a caller a member.
type Claims struct {
	Groups []string `json:"groups"`
}

// Grant is what a role may do on one product.
type Grant struct {
	Scopes []string `json:"scopes"`
	// Methods is empty when the role may use every method of the product.
	Methods []string `json:"methods,omitempty"`
	Quota   *Quota   `json:"quota,omitempty"`
}

// Release says who must approve an apply.
type Release struct {
	Approvers    Approvers `json:"approvers"`
	MinApprovals int       `json:"minApprovals"`
	// Environments the rule holds in; empty means every environment.
	Environments []string `json:"environments,omitempty"`
}

// Approvers are GitHub team slugs and user logins.
type Approvers struct {
	Teams []string `json:"teams,omitempty"`
	Users []string `json:"users,omitempty"`
}
