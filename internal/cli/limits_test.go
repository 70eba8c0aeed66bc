package cli

import "testing"

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]uint64{"1048576": 1 << 20, "64MiB": 64 << 20, "2GiB": 2 << 30, "512KiB": 512 << 10, "10B": 10} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "1.5GiB", "12 MiB", "1e9", "MiB", "64mb"} {
		if got, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", in, got)
		}
	}
}

func TestCommandLineNamesNoFlagValue(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lingate", "--policies", "secret-dir", "plan", "--base", "main"}, "lingate plan"},
		{[]string{"lingate", "validate"}, "lingate validate"},
		{[]string{"lingate", "--version"}, "lingate"},
	}
	for _, tt := range tests {
		if got := commandLine(tt.args); got != tt.want {
			t.Errorf("commandLine(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}
