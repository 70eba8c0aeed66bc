package apigee

import (
	"fmt"
	"net/http"
)

// apiError is a failure answered in Apigee's google.rpc.Status shape:
// {"error":{"code":N,"message":"...","status":"...","details":[...]}}.
type apiError struct {
	Code    int
	Status  string
	Message string
	Details []any
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Code, e.Status, e.Message)
}

// Detail type URLs Apigee puts in error details.
const (
	typeBadBundle           = "type.googleapis.com/edge.configstore.bundle.BadBundle"
	typePreconditionFailure = "type.googleapis.com/google.rpc.PreconditionFailure"
	typeBadRequest          = "type.googleapis.com/google.rpc.BadRequest"
	typeRequestInfo         = "type.googleapis.com/google.rpc.RequestInfo"
)

// violation is one BadBundle finding: the file and what is wrong with it.
type violation struct {
	Filename    string `json:"filename"`
	Description string `json:"description"`
}

// precondition is one google.rpc.PreconditionFailure violation.
type precondition struct {
	Type        string `json:"type"`
	Subject     string `json:"subject"`
	Description string `json:"description"`
}

// fieldViolation is one google.rpc.BadRequest field violation.
type fieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

func newError(code int, status, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return newError(http.StatusNotFound, "NOT_FOUND", format, args...)
}

func alreadyExists(format string, args ...any) *apiError {
	return newError(http.StatusConflict, "ALREADY_EXISTS", format, args...)
}

func invalidArgument(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "INVALID_ARGUMENT", format, args...)
}

func failedPrecondition(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "FAILED_PRECONDITION", format, args...)
}

// withPrecondition adds a google.rpc.PreconditionFailure detail.
func (e *apiError) withPrecondition(p precondition) *apiError {
	e.Details = append(e.Details, map[string]any{
		"@type":      typePreconditionFailure,
		"violations": []precondition{p},
	})
	return e
}

// badBundle is the 400 Apigee answers for a bundle that fails its checks.
func badBundle(vs []violation) *apiError {
	e := invalidArgument("bundle contains errors")
	e.Details = []any{map[string]any{"@type": typeBadBundle, "violations": vs}}
	return e
}

// badField is the 400 Google's JSON parser answers for a body that does not
// fit the message.
func badField(field, format string, args ...any) *apiError {
	e := invalidArgument(format, args...)
	e.Details = []any{map[string]any{
		"@type":           typeBadRequest,
		"fieldViolations": []fieldViolation{{Field: field, Description: e.Message}},
	}}
	return e
}

// body renders the error as Apigee sends it, with a RequestInfo detail.
func (e *apiError) body(requestID string) map[string]any {
	details := append(append([]any(nil), e.Details...), map[string]any{
		"@type": typeRequestInfo, "requestId": requestID,
	})
	return map[string]any{"error": map[string]any{
		"code": e.Code, "message": e.Message, "status": e.Status, "details": details,
	}}
}
