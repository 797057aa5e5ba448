#!/usr/bin/env bash
# bench_compare.sh C_BENCH GO_TEST_BINARY [ROUNDS]
# Alternates the C-ABI benchmark (tests/capi/bench.c) and the Go-API benchmark
# (capi/ffi_bench_test.go) for several rounds and compares the fastest batch of 1000 queries of
# each side (the minimum is the figure least disturbed by other load on the machine).
set -euo pipefail
cbench=$1
gotest=$2
rounds=${3:-3}
declare -A cmin gmin
for ((r = 1; r <= rounds; r++)); do
  while read -r name ms; do
    if [[ -z ${cmin[$name]:-} ]] || awk -v a="$ms" -v b="${cmin[$name]}" 'BEGIN{exit !(a<b)}'; then cmin[$name]=$ms; fi
  done < <("$cbench" | tee /dev/stderr | sed -nE 's/^([a-z_]+): batch of 1000 queries via C ABI: .*\(min ([0-9.]+) ms.*/\1 \2/p')
  while read -r name ns; do
    ms=$(awk -v n="$ns" 'BEGIN{printf "%.3f", n/1e6}')
    if [[ -z ${gmin[$name]:-} ]] || awk -v a="$ms" -v b="${gmin[$name]}" 'BEGIN{exit !(a<b)}'; then gmin[$name]=$ms; fi
  done < <("$gotest" -test.run '^$' -test.bench 'BenchmarkGoAPI/batch' -test.benchtime 1x -test.count 7 \
             | tee /dev/stderr | sed -nE 's/^BenchmarkGoAPI\/batch1000\/([a-z_]+)-[0-9]+[[:space:]]+[0-9]+[[:space:]]+([0-9.]+) ns\/op.*/\1 \2/p')
done
echo "batch of 1000 queries, fastest of $rounds rounds:"
for name in "${!cmin[@]}"; do
  g=${gmin[$name]:-}
  [[ -z $g ]] && continue
  awk -v n="$name" -v c="${cmin[$name]}" -v g="$g" \
    'BEGIN{printf "  %-12s C ABI %8.3f ms   Go API %8.3f ms   C/Go %.3f (%+.1f%%)\n", n, c, g, c/g, (c/g-1)*100}'
done
