package apigee

import (
	"encoding/json"
	"net/http"

	"github.com/lingate/lingate/internal/emulator"
)

// Faults is how the Apigee management API fails, for emulator.Options: a
// Google JSON error (google.rpc.Status in "error") with 429
// RESOURCE_EXHAUSTED and Retry-After, 500 INTERNAL or 503 UNAVAILABLE.
var Faults = &emulator.Profile{
	Name:     "apigee",
	Statuses: []int{http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable},
	Respond:  respondFault,
}

// faultErrors are the status strings and messages Google front ends answer.
var faultErrors = map[int]struct{ status, message string }{
	http.StatusTooManyRequests:     {"RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Apigee API requests' and limit 'Apigee API requests per minute per user' of service 'apigee.googleapis.com'."},
	http.StatusInternalServerError: {"INTERNAL", "Internal error encountered."},
	http.StatusServiceUnavailable:  {"UNAVAILABLE", "The service is currently unavailable."},
}

func respondFault(w http.ResponseWriter, status int) {
	fe, ok := faultErrors[status]
	if !ok {
		fe = faultErrors[http.StatusInternalServerError]
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": status, "message": fe.message, "status": fe.status}})
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
