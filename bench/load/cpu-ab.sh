#!/usr/bin/env bash
# Two FastProxy builds compared by CPU time per proxied request (user + system, `perf stat -e task-clock` on the proxy's
# process), in many short alternating pairs: A, B, A, B, ... Each pair runs within a few seconds, so a slow phase of
# the machine (this VM's run-to-run swings reach 10-25%) mostly hits both halves of a pair; the median of the per-pair
# ratios is the figure. The wall-clock companion to instructions-ab.sh, which counts instructions but not the kernel's
# time or the caches.
#   bench/load/cpu-ab.sh BINARY_A BINARY_B RESULTS_DIR
# CPU_AB_MODES (default "cache-on cache-off noauth"), CPU_AB_PAIRS per mode (default 15), CPU_AB_REQUESTS per
# measurement (default 60000), CPU_AB_CONNS (default 64). The proxy is pinned to CPU 0, load and upstream to CPU 1, as
# in the peers harness; setup (keys, token, upstream nginx, launcher) as in instructions-ab.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
a=${1:?usage: cpu-ab.sh BINARY_A BINARY_B RESULTS_DIR}
b=${2:?usage: cpu-ab.sh BINARY_A BINARY_B RESULTS_DIR}
out=${3:?usage: cpu-ab.sh BINARY_A BINARY_B RESULTS_DIR}
modes=${CPU_AB_MODES:-cache-on cache-off noauth}
pairs=${CPU_AB_PAIRS:-15}
requests=${CPU_AB_REQUESTS:-60000}
conns=${CPU_AB_CONNS:-64}
name=cpu-ab.sh
for tool in h2load nginx perf openssl taskset; do
  PATH="$PATH:/usr/sbin" command -v "$tool" > /dev/null || { echo "cpu-ab.sh: $tool not found" >&2; exit 1; }
done
mkdir -p "$out"
out=$(realpath "$out")
AB_PROXY_PIN="taskset -c 0"
AB_LOAD_PIN="taskset -c 1"
# shellcheck source=bench/load/ab-common.sh
. "$root/bench/load/ab-common.sh"
ab_init
ab_copy_binary A "$a"
ab_copy_binary B "$b"

measure() { # label mode pair
  local label=$1 mode=$2 pair=$3
  ab_start_proxy "$label" "$mode"
  local pid
  pid=$(ab_proxy_pid "$label")
  ab_load 20000 "$work/warmup.txt"
  local stat="$work/stat.txt"
  perf stat -x, -e task-clock -p "$pid" -o "$stat" -- $AB_LOAD_PIN h2load --h1 -n "$requests" -c "$conns" \
    -H "authorization: Bearer $token" "http://127.0.0.1:$port/api/orders" > "$work/load.txt" 2>&1
  grep -q "status codes: $requests 2xx" "$work/load.txt" || { echo "cpu-ab.sh: not every request got a 2xx" >&2; exit 1; }
  ab_stop_proxy
  local ms rps
  ms=$(awk -F, '$3 == "task-clock" { print $1 }' "$stat")
  rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$work/load.txt")
  echo "$mode $label $pair cpu-us-per-request $(awk -v ms="$ms" -v n="$requests" 'BEGIN { printf "%.3f", ms * 1000 / n }') req/s $rps" | tee -a "$out/cpu.txt"
}

: > "$out/cpu.txt"
for mode in $modes; do
  for pair in $(seq "$pairs"); do
    measure A "$mode" "$pair"
    measure B "$mode" "$pair"
  done
done

# Per mode: median CPU per request of each build, and the median of the per-pair ratios B / A.
awk '
  { cpu[$1, $2, $3] = $5; modes[$1] = 1; n[$1] = ($3 > n[$1] ? $3 : n[$1]) }
  function median(arr, c,   i, j, t) {
    for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
    return c % 2 ? arr[(c + 1) / 2] : (arr[c / 2] + arr[c / 2 + 1]) / 2
  }
  END {
    printf "| mode | pairs | A us/request (median) | B us/request (median) | B / A (median of per-pair ratios) | pairs with B / A > 1 |\n|---|---:|---:|---:|---:|---:|\n"
    for (m in modes) {
      c = n[m]; worse = 0
      for (p = 1; p <= c; p++) { ra[p] = cpu[m, "A", p]; rb[p] = cpu[m, "B", p]; rr[p] = cpu[m, "B", p] / cpu[m, "A", p]; if (rr[p] > 1) worse++ }
      printf "| %s | %d | %.2f | %.2f | %.4f | %d |\n", m, c, median(ra, c), median(rb, c), median(rr, c), worse
    }
  }' "$out/cpu.txt" | tee "$out/summary.md"
