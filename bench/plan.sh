#!/bin/sh
# Measures lingate plan between two commits of a 1,000-product repository
# that differ in one product, against one compile of the same repository,
# and writes the timings and their ratio to bench/results/plan.txt.
# The target: a plan costs less than 2.2 times a single compile.
#
# Usage: bench/plan.sh [ROUNDS]   (default 5; each round runs both benchmarks
# back to back, so load on the machine affects both alike; the ratio reported
# is the median of the rounds' ratios)
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-5}
limit=2.2
out=bench/results/plan.txt
bin=$(mktemp -d)/cli.test
trap 'rm -rf "$(dirname "$bin")"' EXIT

go test -c -o "$bin" ./internal/cli
raw=$(mktemp)
i=0
while [ "$i" -lt "$rounds" ]; do
	"$bin" -test.run '^$' -test.bench '^Benchmark(Compile|Plan)1000Products$' -test.benchtime 3x |
		grep '^Benchmark' >>"$raw"
	i=$((i + 1))
done

# One more round on a single core, for information: there the two commits
# cannot be compiled side by side.
"$bin" -test.run '^$' -test.bench '^Benchmark(Compile|Plan)1000Products$' -test.benchtime 3x -test.cpu 1 |
	grep '^Benchmark' >"$raw.cpu1"

{
	echo "# lingate plan vs compile, 1,000 products, two commits differing in one product"
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(go version)  $(nproc) CPUs  load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
	echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo
	cat "$raw"
	echo
	awk -v limit="$limit" '
		/^BenchmarkCompile/ { c[nc++] = $3 }
		/^BenchmarkPlan/    { p[np++] = $3 }
		END {
			n = nc < np ? nc : np
			for (i = 0; i < n; i++) {
				r[i] = p[i] / c[i]
				printf "round %d: compile %.0f ms, plan %.0f ms, ratio %.2f\n", i + 1, c[i] / 1e6, p[i] / 1e6, r[i]
			}
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
			med = n % 2 ? r[int(n / 2)] : (r[n / 2 - 1] + r[n / 2]) / 2
			printf "median ratio plan/compile: %.2f (limit %.1f): %s\n", med, limit, med < limit ? "PASS" : "FAIL"
		}' "$raw"
	echo
	echo "# single core (informational, not the limit):"
	cat "$raw.cpu1"
	awk '/^BenchmarkCompile/ { c = $3 } /^BenchmarkPlan/ { p = $3 } END { printf "single-core ratio plan/compile: %.2f\n", p / c }' "$raw.cpu1"
} >"$out"
rm -f "$raw" "$raw.cpu1"
cat "$out"
grep -q ': PASS$' "$out"
