package cli

import "runtime/debug"

// buildVersion is set at link time: -ldflags "-X github.com/lingate/lingate/internal/cli.buildVersion=v1.2.3".
var buildVersion = ""

// version is what --version prints, from the build information of the
// running binary.
func version() string {
	info, _ := debug.ReadBuildInfo() // nil when the binary has none
	return versionOf(buildVersion, info)
}

// versionOf is the link-time version when set, else the module version
// that go install recorded (v1.2.3, or a pseudo-version), else the VCS
// revision go build stamped from the work tree ("devel+0123456789ab",
// "-dirty" when it held uncommitted changes), else "devel".
func versionOf(linked string, info *debug.BuildInfo) string {
	if linked != "" {
		return linked
	}
	if info == nil {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			rev = "+" + s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return "devel"
	}
	return "devel" + rev + dirty
}
