#!/bin/sh
# Measures lingate apply of 200 generated products (a proxy and an API
# product each, over three resource groups) to an empty sandbox whose every
# call takes 50 ms, against the critical-path bound (per stage: the calls one
# object needs, and its deployment's poll pauses, times ceil(objects / 8)
# rounds at 50 ms), and writes the result to bench/results/apply.txt.
# The target: at most 1.3 times the bound.
#
# Usage: bench/apply.sh [ROUNDS]   (default 3; the ratio reported is the
# median of the rounds)
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-3}
limit=1.3
out=bench/results/apply.txt
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

go test -run '^$' -bench '^BenchmarkApply200Products$' -benchtime 1x -count "$rounds" ./bench/ | grep '^Benchmark' >"$raw"

{
	echo "# lingate apply, 200 products to an empty sandbox, 50 ms per call, concurrency 8"
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(go version)  $(nproc) CPUs  load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
	echo "# commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo
	cat "$raw"
	echo
	awk -v limit="$limit" '
		{ for (i = 1; i <= NF; i++) if ($(i+1) == "x-bound") r[n++] = $i }
		END {
			for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
			m = r[int(n / 2)]
			printf "median: %.3fx the critical-path bound (target at most %.1fx): %s\n", m, limit, (m <= limit ? "met" : "NOT met")
		}' "$raw"
} >"$out"
cat "$out"
