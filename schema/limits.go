package schema

import (
	"fmt"
	"io/fs"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Limits bound the evaluation of policies: CUE can be made to compute for
// ever or to allocate without end (a comprehension over a huge range), and
// a crash would be reported by the Go runtime rather than as an error.
type Limits struct {
	Time   time.Duration // longest evaluation; 0 for none
	Memory uint64        // largest heap of the process during evaluation, in bytes; 0 for none
}

// DefaultLimits are the limits Load applies; lingate's command line sets
// them from LINGATE_EVAL_TIMEOUT and LINGATE_MEMORY_LIMIT.
var DefaultLimits = Limits{Time: 5 * time.Minute, Memory: 4 << 30}

// limitPoll is how often the heap is measured during evaluation.
const limitPoll = 20 * time.Millisecond

// heapMetric is the live heap, read without stopping the world.
const heapMetric = "/memory/classes/heap/objects:bytes"

// LoadWithin is Load bounded by lim: evaluation runs on its own goroutine,
// and LoadWithin returns an error naming the limit as soon as it is
// exceeded (the evaluation is abandoned; lingate then exits). A panic
// while evaluating is returned as an error naming dir.
func LoadWithin(fsys fs.FS, dir string, lim Limits) (*Config, error) {
	type result struct {
		cfg *Config
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("evaluating the policies in %s: internal error (a bug; please report it): %v\n%s", dir, r, debug.Stack())}
			}
		}()
		cfg, err := load(fsys, dir)
		done <- result{cfg, err}
	}()
	var timeout <-chan time.Time
	if lim.Time > 0 {
		t := time.NewTimer(lim.Time)
		defer t.Stop()
		timeout = t.C
	}
	tick := time.NewTicker(limitPoll)
	defer tick.Stop()
	sample := []metrics.Sample{{Name: heapMetric}}
	for {
		select {
		case r := <-done:
			return r.cfg, r.err
		case <-timeout:
			return nil, fmt.Errorf("evaluating the policies in %s: took longer than %s, lingate's limit (expected policies that evaluate in less; raise LINGATE_EVAL_TIMEOUT if they really need more)", dir, lim.Time)
		case <-tick.C:
			if lim.Memory == 0 {
				continue
			}
			metrics.Read(sample)
			if used := sample[0].Value.Uint64(); used > lim.Memory {
				return nil, fmt.Errorf("evaluating the policies in %s: used more than %d MiB of memory, lingate's limit (expected policies that evaluate in less; raise LINGATE_MEMORY_LIMIT if they really need more)", dir, lim.Memory>>20)
			}
		}
	}
}
