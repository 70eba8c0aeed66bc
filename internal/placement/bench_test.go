package placement

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// benchView is a tier of n resources with 2 replicas each over 3 nodes.
func benchView(b *testing.B, n int) *View {
	b.Helper()
	nodes := []string{"node-a", "node-b", "node-c"}
	rs := make([]Resource, n)
	for i := range rs {
		rs[i] = Resource{Name: fmt.Sprintf("r-%05d", i), Nodes: []string{nodes[i%3], nodes[(i+1)%3]}}
	}
	v := NewView([]Tier{gold})
	if err := v.Set(gold, rs, time.Now()); err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkLookup10k measures lookups from the cache with 10,000
// resources in the tier, through the HTTP handler (token check, query,
// hashing, JSON), and reports lookups/s and the p99 of one lookup.
func BenchmarkLookup10k(b *testing.B) {
	h := NewHandler(benchView(b, 10000), testToken)
	reqs := make([]*http.Request, 1024)
	for i := range reqs {
		reqs[i] = httptest.NewRequest(http.MethodGet, fmt.Sprintf("%s?env=sandbox&tier=gold&key=customer-%d", Path, i), nil)
		reqs[i].Header.Set("Authorization", "Bearer "+testToken)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, reqs[i%len(reqs)])
		lat = append(lat, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	var total time.Duration
	for _, d := range lat {
		total += d
	}
	b.ReportMetric(float64(len(lat))/total.Seconds(), "lookups/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
