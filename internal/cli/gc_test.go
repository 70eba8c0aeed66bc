package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestLowerGCCapsMemoryAtWhatLoadingTook: after loading, GOGC is 100 and
// the memory limit what the process holds (so a compile's peak stays near
// validate's); both are restored after. A GOGC of the user's leaves both
// alone, and a lower GOMEMLIMIT of theirs is kept.
func TestLowerGCCapsMemoryAtWhatLoadingTook(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	noEnv := &env{getenv: func(string) string { return "" }}

	restore := lowerGC(noEnv)
	limit, percent := debug.SetMemoryLimit(-1), debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	if percent != 100 || limit == math.MaxInt64 || limit <= 0 {
		t.Errorf("after lowerGC: GOGC %d, limit %d; want 100 and what the process holds", percent, limit)
	}
	restore()
	if limit, percent := debug.SetMemoryLimit(-1), debug.SetGCPercent(400); percent != 400 || limit != math.MaxInt64 {
		t.Errorf("restored: GOGC %d, limit %d; want 400 and no limit", percent, limit)
	}

	debug.SetMemoryLimit(1 << 20)
	lowerGC(noEnv)()
	if limit := debug.SetMemoryLimit(-1); limit != 1<<20 {
		t.Errorf("a lower limit of the user's became %d", limit)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	userGOGC := &env{getenv: func(k string) string { return map[string]string{"GOGC": "50"}[k] }}
	lowerGC(userGOGC)
	if limit, percent := debug.SetMemoryLimit(-1), debug.SetGCPercent(400); percent != 400 || limit != math.MaxInt64 {
		t.Errorf("with GOGC set by the user: GOGC %d, limit %d; want both untouched", percent, limit)
	}
}
