package linstor

import (
	"encoding/json"
	"net/http"

	"github.com/lingate/lingate/internal/emulator"
)

// Faults is how the LINSTOR controller fails, for emulator.Options: only
// 500, always with an ApiCallRc JSON array (never 429 or 503, which the
// controller does not send).
var Faults = &emulator.Profile{
	Name:     "linstor",
	Statuses: []int{http.StatusInternalServerError},
	Respond:  respondFault,
}

func respondFault(w http.ResponseWriter, status int) {
	b, _ := json.Marshal([]apiCallRc{{
		RetCode:        failUnknownError,
		Message:        "Injected fault: the controller failed to handle the request.",
		Cause:          "An unexpected error occurred in the controller.",
		ErrorReportIDs: []string{"00000000-00000-000000"},
	}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
