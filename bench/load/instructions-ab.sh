#!/usr/bin/env bash
# Two FastProxy builds compared by the work they do per proxied request, not by the wall clock: this 2-core VM
# swings by 10-25% between phases (perf-results/*seams-ab*), far more than the 2% an A/B has to resolve, and it
# has no hardware counters (`perf stat -e instructions`: not supported). Per build and mode it measures
#   - user-space instructions per request: the proxy runs under valgrind's callgrind (every thread counted);
#     after a warm-up, N and then 2N requests are sent, the counters zeroed before and dumped after each; the
#     difference is N requests on open connections. Garbage collections (started by the connections' allocations,
#     in whichever run crosses the budget) are counted apart, as are allocations per request;
#   - system calls and context switches per request: the proxy runs natively, `perf stat` counts the
#     raw_syscalls:sys_enter and context-switches software events of its process over N requests.
# Both are counts of what the code does, repeatable to well under 1% (see the spread of the repetitions).
#   bench/load/instructions-ab.sh BINARY_A BINARY_B RESULTS_DIR
# BINARY_x: native AOT publishes (dotnet publish src/Host -c Release -r linux-x64 -o DIR).
# IAB_MODES (default "cache-on cache-off noauth"), IAB_REPS repetitions per build and mode, alternating A, B
# (default 3), IAB_REQUESTS per measurement (default 10000 under callgrind; 10x that natively), IAB_CONNS
# HTTP/1.1 connections (default 64, as the peers harness's wrk). The load is h2load --h1 with the harness's
# token and path, the upstream the harness's nginx config, the proxy started by fastproxy-peers.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
a=${1:?usage: instructions-ab.sh BINARY_A BINARY_B RESULTS_DIR}
b=${2:?usage: instructions-ab.sh BINARY_A BINARY_B RESULTS_DIR}
out=${3:?usage: instructions-ab.sh BINARY_A BINARY_B RESULTS_DIR}
modes=${IAB_MODES:-cache-on cache-off noauth}
reps=${IAB_REPS:-3}
requests=${IAB_REQUESTS:-10000}
native_requests=$((requests * 10))
conns=${IAB_CONNS:-64}
name=instructions-ab.sh
for tool in valgrind callgrind_control h2load nginx perf openssl objcopy; do
  PATH="$PATH:/usr/sbin" command -v "$tool" > /dev/null || { echo "instructions-ab.sh: $tool not found" >&2; exit 1; }
done
mkdir -p "$out"
out=$(realpath "$out")
# shellcheck source=bench/load/ab-common.sh
. "$root/bench/load/ab-common.sh"
ab_init

# valgrind gives up on the DWARF of the AOT publish's separate debug file (fastproxy.dbg: "Possibly corrupted
# debuginfo file"). Each binary is measured from a folder of its own, beside a copy of its debug file with the
# symbol table only (the dumps then name functions: callgrind_annotate --inclusive=yes RESULTS_DIR/*.callgrind).
for label in A B; do
  src=$a; [ "$label" = B ] && src=$b
  ab_copy_binary "$label" "$src"
  if [ -f "$src.dbg" ]; then
    objcopy --strip-debug "$src.dbg" "$work/bin-$label/fastproxy.dbg"
    objcopy --remove-section=.gnu_debuglink "$work/bin-$label/fastproxy"
    (cd "$work/bin-$label" && objcopy --add-gnu-debuglink=fastproxy.dbg fastproxy)
  fi
done
cat > "$work/callgrind.sh" <<'EOF'
#!/bin/sh
# Non-concurrent GC: a collection runs inside gc_heap::garbage_collect on the allocating thread, where its cost can
# be told apart (see measure_instructions).
export DOTNET_gcConcurrent=0
exec valgrind --tool=callgrind --fair-sched=yes --callgrind-out-file="$IAB_CALLGRIND_OUT" "$IAB_REAL" "$@"
EOF
chmod +x "$work/callgrind.sh"

measure_instructions() { # label mode rep
  local label=$1 mode=$2 rep=$3 dump="$out/$2-$1$3"
  IAB_CALLGRIND_OUT="$work/cg.%p" IAB_REAL="$work/bin-$label/fastproxy" ab_start_proxy "$label" "$mode" "$work/callgrind.sh"
  local pid
  pid=$(ab_proxy_pid "$label")
  ab_load 2000 "$out/$mode-$label$rep.warmup.txt"
  # Each h2load run opens its connections anew: N and then 2N requests, each on fresh connections, and the
  # difference is the cost of N requests on open connections, without the accepts and connection setup.
  callgrind_control -z "$pid" > /dev/null
  ab_load "$requests" "$out/$mode-$label$rep.load1.txt"
  callgrind_control -d "$pid" > /dev/null
  callgrind_control -z "$pid" > /dev/null
  ab_load $((requests * 2)) "$out/$mode-$label$rep.load2.txt"
  callgrind_control -d "$pid" > /dev/null
  mv "$work/cg.$pid.1" "$dump.1.callgrind"
  mv "$work/cg.$pid.2" "$dump.2.callgrind"
  ab_stop_proxy
  rm -f "$work"/cg.*
  # A collection starts when the connections' allocations cross the gen0 budget, in whichever run that happens: its
  # cost is counted apart ("gc"), so that it does not land in one build's figure by chance. Allocations per request
  # (calls to the runtime's RhpNew* helpers) are counted too: 0 in steady state, as the uprobe counts show natively.
  local ir1 ir2 gc1 gc2 new1 new2
  ir1=$(sed -n 's/^summary: //p' "$dump.1.callgrind")
  ir2=$(sed -n 's/^summary: //p' "$dump.2.callgrind")
  gc1=$(gc_instructions "$dump.1.callgrind")
  gc2=$(gc_instructions "$dump.2.callgrind")
  new1=$("$root/bench/load/callgrind-calls.py" "$dump.1.callgrind" RhpNew)
  new2=$("$root/bench/load/callgrind-calls.py" "$dump.2.callgrind" RhpNew)
  local work_ir=$(((ir2 - gc2) - (ir1 - gc1)))
  echo "$mode $label $rep instructions $work_ir $((work_ir / requests))" | tee -a "$out/counts.txt"
  echo "$mode $label $rep gc-instructions $((gc1 + gc2)) $(((gc1 + gc2) / (requests * 3)))" | tee -a "$out/counts.txt"
  echo "$mode $label $rep allocations $((new2 - new1)) $(awk -v a="$((new2 - new1))" -v n="$requests" 'BEGIN { printf "%.3f", a / n }')" | tee -a "$out/counts.txt"
}

# Instructions spent in garbage collections (inclusive), 0 when none ran.
gc_instructions() {
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2> /dev/null \
    | awk '/gc_heap::garbage_collect\(/ { gsub(",", "", $1); sum += $1 } END { print sum + 0 }'
}

measure_syscalls() { # label mode rep
  local label=$1 mode=$2 rep=$3 stat="$out/$2-$1$3.perf-stat.txt"
  ab_start_proxy "$label" "$mode"
  local pid
  pid=$(ab_proxy_pid "$label")
  ab_load 20000 "$out/$mode-$label$rep.native-warmup.txt"
  perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "$pid" -o "$stat" -- \
    h2load --h1 -n "$native_requests" -c "$conns" -H "authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/orders" > "$out/$mode-$label$rep.native-load.txt" 2>&1
  grep -q "status codes: $native_requests 2xx" "$out/$mode-$label$rep.native-load.txt" \
    || { echo "instructions-ab.sh: not every request got a 2xx (native run)" >&2; exit 1; }
  ab_stop_proxy
  local syscalls switches
  syscalls=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' "$stat")
  switches=$(awk -F, '$3 == "context-switches" { print $1 }' "$stat")
  echo "$mode $label $rep syscalls $syscalls $(awk -v s="$syscalls" -v n="$native_requests" 'BEGIN { printf "%.3f", s / n }')" | tee -a "$out/counts.txt"
  echo "$mode $label $rep switches $switches $(awk -v s="$switches" -v n="$native_requests" 'BEGIN { printf "%.3f", s / n }')" | tee -a "$out/counts.txt"
}

: > "$out/counts.txt"
for mode in $modes; do
  for rep in $(seq "$reps"); do
    for label in A B; do
      measure_instructions "$label" "$mode" "$rep"
      measure_syscalls "$label" "$mode" "$rep"
    done
  done
done

# Per mode: the median per-request figure of each build and B's ratio to A.
awk '
  { key = $1 " " $4; v[key, $2, ++n[key, $2]] = $6; modes[$1] = 1; kinds[$4] = 1 }
  function median(key, label,   c, i, j, t, a) {
    c = n[key, label]
    for (i = 1; i <= c; i++) a[i] = v[key, label, i]
    for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
  }
  END {
    printf "| mode | per request | A (median) | B (median) | B / A |\n|---|---|---:|---:|---:|\n"
    for (m in modes) for (k in kinds) {
      key = m " " k
      if (!n[key, "A"]) continue
      ma = median(key, "A"); mb = median(key, "B")
      printf "| %s | %s | %.3f | %.3f | %.4f |\n", m, k, ma, mb, ma ? mb / ma : 0
    }
  }' "$out/counts.txt" | tee "$out/summary.md"
