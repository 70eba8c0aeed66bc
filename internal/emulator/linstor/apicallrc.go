package linstor

import (
	"math"
	"net/http"
	"strings"
)

// Return-code bit layout of linstor-common's consts.json (mirrored by
// golinstor's apiconsts.go). Values are signed because the controller sends
// them as Java longs.
const (
	maskError   int64 = -0x4000000000000000 // 0xC000000000000000
	maskWarn    int64 = math.MinInt64       // 0x8000000000000000
	maskInfo    int64 = 0x4000000000000000
	maskBitsOp  int64 = 0x03000000
	maskCrt     int64 = 0x01000000
	maskDel     int64 = 0x03000000
	maskBitsObj int64 = 0x007C0000
	maskBits    int64 = 0x7FFF

	maskVlmGrp int64 = 0x480000
	maskRscGrp int64 = 0x440000
	maskRscDfn int64 = 0x380000
	maskRsc    int64 = 0x340000
	maskVlmDfn int64 = 0x300000
)

// Codes, already combined with their type mask.
const (
	rcCreated  int64 = 1
	rcDeleted  int64 = 2
	rcModified int64 = 3

	failInvldRscName                = 202 | maskError
	failInvldVlmNr                  = 205 | maskError
	failInvldVlmSize                = 206 | maskError
	failInvldStorPoolName           = 208 | maskError
	failInvldProp                   = 213 | maskError
	failInvldPlaceCount             = 219 | maskError
	failInvldLayerKind              = 224 | maskError
	failInvldLayerStack             = 225 | maskError
	failInvldVlmSizes               = 228 | maskError
	failInvldRscGrpName             = 237 | maskError
	failNotFoundNode                = 300 | maskError
	failNotFoundRscDfn              = 301 | maskError
	failNotFoundStorPool            = 310 | maskError
	failNotFoundRscGrp              = 317 | maskError
	failNotFoundVlmGrp              = 318 | maskError
	failExistsRscDfn                = 501 | maskError
	failExistsRscGrp                = 522 | maskError
	failExistsVlmGrp                = 523 | maskError
	failUndecidableAutoplace        = 985 | maskError
	failNotEnoughNodes              = 996 | maskError
	failUnknownError                = 998 | maskError
	warnRscAlreadyDeployed          = 1006 | maskWarn
	warnStorageKindAdded            = 1012 | maskWarn
	warnNotEnoughNodesForTieBreaker = 1013 | maskWarn
	infoTieBreakerCreated           = 10003 | maskInfo
	infoTieBreakerDeleting          = 10004 | maskInfo
	warnNotFound                    = 3000 | maskWarn
	warnDeprecated                  = 4000 | maskWarn
	infoNoRscSpawned                = 10000 | maskInfo
	apiCallParseError               = 0x0FFFFFFFFFFFFFFD | maskError
)

// apiCallRc is one entry of the JSON array every mutating call answers with.
type apiCallRc struct {
	RetCode        int64             `json:"ret_code"`
	Message        string            `json:"message"`
	Cause          string            `json:"cause,omitempty"`
	Details        string            `json:"details,omitempty"`
	Correction     string            `json:"correction,omitempty"`
	ErrorReportIDs []string          `json:"error_report_ids,omitempty"`
	ObjRefs        map[string]string `json:"obj_refs,omitempty"`
	CreatedAt      string            `json:"created_at,omitempty"`

	// report asks for an error report id, as the controller files one for
	// every failure not marked "skip error report".
	report bool
	// noObjDescr keeps the context's object description out of Details.
	noObjDescr bool
}

func (rc apiCallRc) isError() bool { return rc.RetCode&maskError == maskError }

// rcError is the emulator's ApiRcException: entries that abort a call.
type rcError struct{ rcs []apiCallRc }

func (e *rcError) Error() string {
	msgs := make([]string, len(e.rcs))
	for i, rc := range e.rcs {
		msgs[i] = rc.Message
	}
	return strings.Join(msgs, "; ")
}

// fail builds an rcError with one entry.
func fail(code int64, msg string) *rcError {
	return &rcError{rcs: []apiCallRc{{RetCode: code, Message: msg}}}
}

// with sets cause, details and correction of the first entry.
func (e *rcError) with(cause, details, correction string) *rcError {
	e.rcs[0].Cause, e.rcs[0].Details, e.rcs[0].Correction = cause, details, correction
	return e
}

// reported marks the first entry as one the controller files an error report for.
func (e *rcError) reported() *rcError {
	e.rcs[0].report = true
	return e
}

// respCtx mirrors the controller's ResponseContext: the operation and object
// masks and object references ORed into entries that lack them.
type respCtx struct {
	op, obj int64
	descr   string
	objRefs map[string]string
}

// add applies the context as ResponseConverter.addContext does. failure
// appends the object description to the details.
func (c respCtx) add(rc apiCallRc, failure bool) apiCallRc {
	if rc.RetCode&maskBitsOp == 0 {
		rc.RetCode |= c.op
	}
	if rc.RetCode&maskBitsObj == 0 {
		rc.RetCode |= c.obj
	}
	if failure && !rc.noObjDescr && c.descr != "" {
		rc.Details = joinLines(rc.Details, c.descr)
	}
	refs := make(map[string]string, len(rc.ObjRefs)+len(c.objRefs))
	for k, v := range rc.ObjRefs {
		refs[k] = v
	}
	for k, v := range c.objRefs {
		refs[k] = v
	}
	rc.ObjRefs = refs
	return rc
}

// all applies the context to every entry.
func (c respCtx) all(rcs []apiCallRc, failure bool) []apiCallRc {
	out := make([]apiCallRc, len(rcs))
	for i, rc := range rcs {
		out[i] = c.add(rc, failure)
	}
	return out
}

func joinLines(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}

// statusFor computes the HTTP status as ApiCallRcRestUtils.toResponse does:
// the first error entry decides, warnings never change the success status.
func statusFor(success int, rcs []apiCallRc) int {
	for _, rc := range rcs {
		if !rc.isError() {
			continue
		}
		code := rc.RetCode & maskBits
		switch {
		case code >= 300 && code <= 399:
			return http.StatusNotFound
		case code >= 400 && code <= 499:
			return http.StatusForbidden
		default:
			return http.StatusInternalServerError
		}
	}
	return success
}
