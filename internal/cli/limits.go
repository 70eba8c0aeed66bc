package cli

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/lingate/lingate/schema"
)

// Limits on evaluating policies, from the environment.
const (
	evalTimeoutEnv = "LINGATE_EVAL_TIMEOUT" // a Go duration, e.g. 30s
	memoryLimitEnv = "LINGATE_MEMORY_LIMIT" // bytes, or with a KiB, MiB or GiB suffix
)

// applyLimits sets schema.DefaultLimits from the environment, and the Go
// runtime's soft memory limit to the same bound, so the collector works
// harder before the bound is reached. A value that cannot be read is
// reported and the default kept.
func applyLimits(getenv func(string) string) {
	if v := getenv(evalTimeoutEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fmt.Fprintf(os.Stderr, "warning: %s=%q is not a positive duration (expected e.g. 2m); keeping %s\n", evalTimeoutEnv, v, schema.DefaultLimits.Time)
		} else {
			schema.DefaultLimits.Time = d
		}
	}
	if v := getenv(memoryLimitEnv); v != "" {
		n, err := parseBytes(v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "warning: %s=%q: %v; keeping %d bytes\n", memoryLimitEnv, v, err, schema.DefaultLimits.Memory)
		} else {
			schema.DefaultLimits.Memory = n
		}
	}
	if os.Getenv("GOMEMLIMIT") == "" && schema.DefaultLimits.Memory > 0 {
		debug.SetMemoryLimit(int64(schema.DefaultLimits.Memory))
	}
}

// parseBytes reads "512MiB", "2GiB", "1048576".
func parseBytes(s string) (uint64, error) {
	units := []struct {
		suffix string
		mult   uint64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := uint64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	var n uint64
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n == 0 || fmt.Sprint(n) != s {
		return 0, fmt.Errorf("not a size (expected bytes, or a number with KiB, MiB or GiB)")
	}
	return n * mult, nil
}
