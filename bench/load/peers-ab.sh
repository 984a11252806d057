#!/usr/bin/env bash
# Two FastProxy builds on the peers harness (../shared/bench/peers), run after run in alternation, in
# the three ways FastProxy is quoted: token cache on, cache off, plain proxying (--no-auth). Every run
# measures nginx and HAProxy too, so each FastProxy number has peer ratios from its own run; the
# alternation (A, B, A, B, ...) lets a slow drift of the machine hit both builds alike.
#   bench/load/peers-ab.sh BINARY_A BINARY_B RESULTS_DIR [extra run.sh args, e.g. --rounds 5]
# PEERS_AB_MODES picks modes (default "cache-on cache-off noauth"); PEERS_AB_PAIRS runs each mode's A, B pair
# that many times (default 1), as runs <mode>-A1, <mode>-B1, ... (plain <mode>-A, <mode>-B when 1);
# PEERS_AB_PROTO picks the protocol (default h1; h1s measures HTTP/1.1 over TLS).
# BINARY_x: native AOT publishes (dotnet publish src/Host -c Release -r linux-x64 -o DIR). Each run's
# results.md and raw.json go to RESULTS_DIR/<mode>-<A|B>/; a summary table is printed at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
a=${1:?usage: peers-ab.sh BINARY_A BINARY_B RESULTS_DIR [run.sh args]}
b=${2:?usage: peers-ab.sh BINARY_A BINARY_B RESULTS_DIR [run.sh args]}
out=${3:?usage: peers-ab.sh BINARY_A BINARY_B RESULTS_DIR [run.sh args]}
shift 3
peers=$root/../shared/bench/peers/run.sh
mkdir -p "$out"
cd "$root"

# run.sh probes `haproxy -v | head -1` under pipefail: when haproxy is still writing its second line as head
# exits, the probe dies of SIGPIPE (141) and run.sh with it, before it starts anything (on a busy machine, nearly
# always). A shim first on PATH answers -v with the one line head reads, and runs the real haproxy otherwise.
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
real_haproxy=$(PATH="$PATH:/usr/sbin:/sbin" command -v haproxy || true)
if [ -n "$real_haproxy" ]; then
  printf '#!/bin/sh\nif [ "$1" = -v ]; then "%s" -v | head -1; exit 0; fi\nexec "%s" "$@"\n' "$real_haproxy" "$real_haproxy" > "$shim/haproxy"
  chmod +x "$shim/haproxy"
  export PATH="$shim:$PATH"
fi

run() { # mode label binary args...
  local mode=$1 label=$2 bin=$3
  shift 3
  echo "peers-ab: $mode $label ($bin)"
  # run.sh's version probe (`haproxy -v | head -1` under pipefail) now and then dies of SIGPIPE (141)
  # before it starts anything: such a run is simply started again.
  local try status
  for try in 1 2 3; do
    status=0
    FASTPROXY_BINARY=$bin FASTPROXY_ARGS="${MODE_ARGS:-}" "$peers" --proto "$proto" --fastproxy-h2c-port 0 --no-install \
      --peers direct,nginx,haproxy,fastproxy --results "$out/$mode-$label" "$@" \
      --fastproxy 'exec bench/load/fastproxy-peers.sh' > "$out/$mode-$label.log" 2>&1 || status=$?
    [ "$status" = 141 ] && [ ! -s "$out/$mode-$label.log" ] || break
    echo "peers-ab: run.sh died of SIGPIPE before starting (try $try); again"
  done
  return "$status"
}

modes=${PEERS_AB_MODES:-cache-on cache-off noauth}
proto=${PEERS_AB_PROTO:-h1}
pairs=${PEERS_AB_PAIRS:-1}
labels() { # A B, or A1 B1 A2 B2 ...
  if [ "$pairs" = 1 ]; then echo A B; else for i in $(seq "$pairs"); do echo "A$i B$i"; done; fi
}

for mode in $modes; do
  case $mode in
    cache-on) MODE_ARGS=""; extra=() ;;
    cache-off) MODE_ARGS="--token-cache-size 0"; extra=() ;;
    noauth) MODE_ARGS="--no-auth"; extra=(--fastproxy-no-auth) ;;
  esac
  export MODE_ARGS
  for label in $(labels); do
    case $label in A*) bin=$a ;; *) bin=$b ;; esac
    run "$mode" "$label" "$bin" "${extra[@]}" "$@"
  done
done

echo "| mode | build | FastProxy req/s | FastProxy req per proxy core-s | p99 ms | nginx req/s | HAProxy req/s | FastProxy / nginx req/s (per-round median) | FastProxy / HAProxy req/s (per-round median) | FastProxy / HAProxy per proxy core-s (per-round median) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for mode in $modes; do
  for label in $(labels); do
    python3 - "$out/$mode-$label/raw.json" "$mode" "$label" "$proto" <<'PY'
import json, statistics, sys
samples = json.load(open(sys.argv[1]))["samples"]
def rounds(peer):
    return {s["round"]: s for s in samples.get(f"{peer}/{sys.argv[4]}", []) if s.get("rps")}
fp, ng, ha = rounds("fastproxy"), rounds("nginx"), rounds("haproxy")
med = lambda d, key: statistics.median(s[key] for s in d.values())
ratio = lambda other: statistics.median(fp[r]["rps"] / other[r]["rps"] for r in fp if r in other) if other else float("nan")
core = lambda s: s["rps"] / (s["proxy_cpu"] / 100.0) if s.get("proxy_cpu") else float("nan")
core_ratio = lambda other: statistics.median(core(fp[r]) / core(other[r]) for r in fp if r in other) if other else float("nan")
fp_core = statistics.median(core(s) for s in fp.values())
med_or_nan = lambda d, key: med(d, key) if d else float("nan")
print(f"| {sys.argv[2]} | {sys.argv[3]} | {med(fp, 'rps'):,.0f} | {fp_core:,.0f} | {med(fp, 'p99_ms'):.2f} | {med_or_nan(ng, 'rps'):,.0f} | {med_or_nan(ha, 'rps'):,.0f} | {ratio(ng):.3f} | {ratio(ha):.2f} | {core_ratio(ha):.2f} |")
PY
  done
done
