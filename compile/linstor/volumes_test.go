package linstor

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in     string
		kib    int64
		normal string
	}{
		{"10GiB", 10 << 20, "10GiB"},
		{"10G", 10 << 20, "10GiB"},
		{"10Gi", 10 << 20, "10GiB"},
		{"10 gib", 10 << 20, "10GiB"},
		{"512M", 512 << 10, "512MiB"},
		{"1TiB", 1 << 30, "1TiB"},
		{"2P", 2 << 40, "2PiB"},
		{"4K", 4, "4KiB"},
		{"1GB", 976563, "1GB"},
		{"1KB", 1, "1KB"},
		{"100B", 1, "100B"},
		{"2048 B", 2, "2048B"},
	}
	for _, tt := range tests {
		kib, normal, err := ParseSize(tt.in)
		if err != nil || kib != tt.kib || normal != tt.normal {
			t.Errorf("ParseSize(%q) = %d, %q, %v; want %d, %q", tt.in, kib, normal, err, tt.kib, tt.normal)
		}
	}
	for _, bad := range []string{"", "10", "GiB", "1.5GiB", "-1GiB", "0M", "10 EiB", "9999999999999999999G", "10000000P"} {
		if kib, normal, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d, %q; want an error", bad, kib, normal)
		}
	}
}
