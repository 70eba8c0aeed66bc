#!/usr/bin/env bash
# Compares `lingate validate` with a plain `cue export` of the same generated
# repository (1,000 products, 3,000 roles), CLI against CLI, and writes the
# medians and their ratio to bench/results/validate.txt. Target: <= 1.5x.
#
#   bash bench/validate.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/bin/lingate" ./cmd/lingate
GOBIN="$work/bin" go install cuelang.org/go/cmd/cue@v0.17.1
go run ./bench/gen -products 1000 -roles 3000 -out "$work/repo"
cd "$work/repo"
mapfile -t files < <(find policies -name '*.cue' | sort)

# elapsed CMD...: wall seconds of one run.
elapsed() {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null
	end=$(date +%s%N)
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

"$work/bin/lingate" validate >/dev/null # warm the page cache
lingate_times=() cue_times=()
for _ in $(seq "$runs"); do
	lingate_times+=("$(elapsed "$work/bin/lingate" validate)")
	cue_times+=("$(elapsed "$work/bin/cue" export "${files[@]}")")
done
l=$(printf '%s\n' "${lingate_times[@]}" | median)
c=$(printf '%s\n' "${cue_times[@]}" | median)
ratio=$(awk -v l="$l" -v c="$c" 'BEGIN { printf "%.2f", l / c }')

cd - >/dev/null
# The same comparison in-process, at Go's default GC setting.
go test ./schema -run XXX -bench '^(BenchmarkValidate|BenchmarkCueExport)$' -benchtime 5x -count 3 >"$work/go.txt"
gomedian() { awk -v b="$1" '$1 ~ "^"b"-" {print $3}' "$work/go.txt" | median; }
gv=$(gomedian BenchmarkValidate)
gc=$(gomedian BenchmarkCueExport)
goratio=$(awk -v l="$gv" -v c="$gc" 'BEGIN { printf "%.2f", l / c }')
mkdir -p bench/results
{
	echo "# lingate validate vs cue export, 1,000 products and 3,000 roles ($runs runs each, median)"
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  go: $(go env GOVERSION)  cpus: $(nproc)"
	echo "lingate validate: ${l}s"
	echo "cue export:       ${c}s"
	echo "ratio:            ${ratio}x (target <= 1.5x)"
	echo "in-process (go test -bench, default GC): validate ${gv} ns/op, cue export ${gc} ns/op, ratio ${goratio}x"
} | tee bench/results/validate.txt
