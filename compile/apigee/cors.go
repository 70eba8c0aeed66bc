package apigee

import (
	"encoding/xml"
	"strings"

	"github.com/lingate/lingate/schema"
)

// corsPolicy is the CORS policy (Apigee X and hybrid).
type corsPolicy struct {
	XMLName                   xml.Name    `xml:"CORS"`
	Name                      string      `xml:"name,attr"`
	Lint                      xml.Comment `xml:",comment"`
	AllowOrigins              string      `xml:"AllowOrigins"`
	AllowMethods              string      `xml:"AllowMethods"`
	AllowHeaders              string      `xml:"AllowHeaders"`
	ExposeHeaders             string      `xml:"ExposeHeaders"`
	MaxAge                    int         `xml:"MaxAge"`
	AllowCredentials          bool        `xml:"AllowCredentials"`
	GeneratePreflightResponse bool        `xml:"GeneratePreflightResponse"`
	IgnoreUnresolvedVariables bool        `xml:"IgnoreUnresolvedVariables"`
}

// corsMaxAge is how long browsers may keep a preflight answer, in seconds.
const corsMaxAge = 86400

// defaultCORSHeaders are the request headers allowed when the product
// lists none: the usual ones and the credential its auth kind reads.
var defaultCORSHeaders = []string{"origin", "x-requested-with", "accept", "content-type", "authorization"}

// suppressPO032 is the apigeelint directive for a deliberate "*" origin.
const suppressPO032 = " apigeelint disable=PO032 "

// cors builds the CORS policy: the product's origins, its methods (or
// those of its operations, or all), its headers (or the usual ones).
func cors(p *schema.Product) policyFile {
	c := p.CORS
	methods := c.Methods
	if len(methods) == 0 {
		methods = allMethods
		if len(p.Operations) > 0 {
			methods = p.Methods()
		}
	}
	headers := c.Headers
	if len(headers) == 0 {
		headers = defaultCORSHeaders
		if p.Auth.APIKey != nil {
			headers = append(headers[:len(headers):len(headers)], apiKeyHeader)
		}
	}
	policy := corsPolicy{
		Name:                      policyCORS,
		AllowOrigins:              strings.Join(c.Origins, ", "),
		AllowMethods:              strings.Join(methods, ", "),
		AllowHeaders:              strings.Join(headers, ", "),
		ExposeHeaders:             "*",
		MaxAge:                    corsMaxAge,
		GeneratePreflightResponse: true,
		IgnoreUnresolvedVariables: true,
	}
	if len(c.Origins) == 1 && c.Origins[0] == "*" {
		policy.Lint = xml.Comment(suppressPO032)
	}
	return policyFile{policyCORS, policy}
}
