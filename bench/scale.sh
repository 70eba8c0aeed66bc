#!/usr/bin/env bash
# Measures lingate validate, compile and plan against `cue export` of the
# same files, at several sizes of a generated repository (3 roles per
# product, 52 tiers; sandbox, staging and prod), and writes the medians,
# their ratios to cue export, peak memory, CPU time, and the machine's
# description to bench/results/scale.txt.
#
#   bash bench/scale.sh [-r RUNS] [-o FILE] [SIZE...]
#   (default: -r 3 -o bench/results/scale.txt 100 1000 5000)
#
# Every round runs each command once, one after another, so load on a shared
# machine weighs on all of them alike: compare the ratios, not the times.
#   compile         compile --out into a fresh folder (what a user needs: zips,
#                   products, resource groups and their call bodies, manifest)
#   compile-again   compile --out over the previous output (the usual case)
#   plan            plan between two commits that differ in one product's quota
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
out=bench/results/scale.txt
while [ $# -gt 1 ]; do
	case $1 in
	-r) runs=$2 ;;
	-o) out=$2 ;;
	*) break ;;
	esac
	shift 2
done
sizes=("${@:-100 1000 5000}")
read -r -a sizes <<<"${sizes[*]}"
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/bin/lingate" ./cmd/lingate
GOBIN="$work/bin" go install cuelang.org/go/cmd/cue@v0.17.1
go build -o "$work/bin/gen" ./bench/gen
lingate=$work/bin/lingate

# measure NAME CMD...: run once, append "NAME seconds peak-KB cpu-seconds"
# (user + system) to $work/raw.
measure() {
	local name=$1
	shift
	/usr/bin/time -f "$name %e %M %U %S" -a -o "$work/raw" "$@" >/dev/null 2>"$work/err" || {
		cat "$work/err" >&2
		exit 1
	}
}

# repo N: a git repository of N products in two commits that differ in one product.
repo() {
	local n=$1 dir=$work/repo-$1
	"$work/bin/gen" -products "$n" -roles $((3 * n)) -tiers 52 -out "$dir"
	git -C "$dir" init -q -b main
	git -C "$dir" add -A
	git -C "$dir" -c user.name=bench -c user.email=bench@example.com commit -qm base
	sed -i '0,/quota: {limit: 1000, per: "minute"}/s//quota: {limit: 2000, per: "minute"}/' "$dir/policies/products/products-00000.cue"
	git -C "$dir" -c user.name=bench -c user.email=bench@example.com commit -qam "one product"
	echo "$dir"
}

: >"$work/raw"
for n in "${sizes[@]}"; do
	dir=$(repo "$n")
	mapfile -t files < <(cd "$dir" && find policies -name '*.cue' | sort)
	(cd "$dir" && "$lingate" validate >/dev/null) # warm the page cache
	for _ in $(seq "$runs"); do
		cd "$dir"
		rm -rf "$work/out"
		measure "$n cue-export" "$work/bin/cue" export "${files[@]}"
		measure "$n validate" "$lingate" validate
		measure "$n compile" "$lingate" compile --out "$work/out"
		measure "$n compile-again" "$lingate" compile --out "$work/out"
		measure "$n plan" "$lingate" plan --base HEAD~1 --head HEAD
		cd "$root"
	done
	rm -rf "$dir" "$work/out"
done

mkdir -p "$(dirname "$out")"
{
	echo "# lingate vs cue export: medians of $runs runs; ratios to cue export at the same size"
	echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "go:      $(go env GOVERSION)   cue: $("$work/bin/cue" version | head -1)"
	echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr)"
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the end"
	echo "repo:    N products, 3N roles, 52 tiers, 3 environments (sandbox, staging, prod); plan: two commits differing in one product"
	echo
	awk '
		{ t[$1 " " $2] = t[$1 " " $2] " " $3; m[$1 " " $2] = m[$1 " " $2] " " $4; u[$1 " " $2] = u[$1 " " $2] " " ($5 + $6); if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
		function median(list,   a, k, i, j, x) {
			k = split(list, a, " ")
			for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
			return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
		}
		END {
			printf "| products | cue export | validate | compile | compile again | plan | peak RSS cue / validate / compile / plan |\n"
			printf "| ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
			for (i = 0; i < n; i++) {
				s = order[i]; c = median(t[s " cue-export"])
				printf "| %s | %.2f s | %.2fx | %.2fx | %.2fx | %.2fx | %d / %d / %d / %d MB (compile %.2fx validate) |\n", s, c,
					median(t[s " validate"]) / c, median(t[s " compile"]) / c, median(t[s " compile-again"]) / c, median(t[s " plan"]) / c,
					median(m[s " cue-export"]) / 1024, median(m[s " validate"]) / 1024, median(m[s " compile"]) / 1024, median(m[s " plan"]) / 1024,
					median(m[s " compile"]) / median(m[s " validate"])
			}
			printf "\nCPU time (user + system), less sensitive to load than wall time, though it does not show compile using both CPUs:\n\n"
			printf "| products | cue export | validate | compile | compile again | plan |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n"
			for (i = 0; i < n; i++) {
				s = order[i]; c = median(u[s " cue-export"])
				printf "| %s | %.2f s | %.2fx | %.2fx | %.2fx | %.2fx |\n", s, c,
					median(u[s " validate"]) / c, median(u[s " compile"]) / c, median(u[s " compile-again"]) / c, median(u[s " plan"]) / c
			}
		}' "$work/raw"
	echo
	echo "# raw: size command seconds peak-KB user-seconds system-seconds"
	cat "$work/raw"
} >"$out"
cat "$out"
