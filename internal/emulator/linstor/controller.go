package linstor

// Version facts the emulator reports: the REST API version of the OpenAPI
// spec it follows (linstor-server 1.34).
const (
	emulatedVersion = "1.34.0"
	restAPIVersion  = "1.28.0"
	emulatedGitHash = "lingate-linstor-emulator"
)

// versionOut is a ControllerVersion.
type versionOut struct {
	Version        string `json:"version"`
	GitHash        string `json:"git_hash"`
	BuildTime      string `json:"build_time,omitempty"`
	RestAPIVersion string `json:"rest_api_version"`
}

func handleVersion(_ *Server, _ *request) reply {
	return okJSON(versionOut{Version: emulatedVersion, GitHash: emulatedGitHash, RestAPIVersion: restAPIVersion})
}
