#!/usr/bin/env bash
# Audit on vs audit off, interleaved in one run on the peers scenario's shape: one proxy core
# (taskset -c 0), nginx upstream + wrk on core 1, RS256 token with the role, cache on.
# Each round runs both variants back to back, so a slow drift of the machine hits both.
# Besides req/s it prints the proxy's CPU time per request (all threads, and the audit writer
# thread alone, from /proc/.../schedstat: exact run time, where utime/stime are tick samples that
# misjudge a thread woken by a timer): on a shared machine other processes steal the proxy's core
# and move req/s by +-10%, while CPU time per request is what the audit trail actually costs.
# AUDIT_AB_OPTIONS adds members to the audit-on variant's `audit:` section, e.g.
#   AUDIT_AB_OPTIONS='"max_file_bytes": 8388608, "max_files": 2,' bench/load/audit-ab.sh
# (small files rotate and are deleted within a run, so the page cache reuses their pages: steady
# state. With the defaults a 13 s run writes ~600 MB into fresh page-cache pages, which on this
# VM cost ~4x more to fill than reused ones; see perf-results/2026-11-29_d9624a3_audit-cost.md.)
#   bench/load/audit-ab.sh [rounds=3] [seconds=10]
# Needs: nginx, wrk, openssl, python3-jwt (Debian), a native AOT publish at artifacts/aot/fastproxy
# (or FASTPROXY_BINARY). Everything on 127.0.0.1; stops by itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-3}
seconds=${2:-10}
bin=${FASTPROXY_BINARY:-$root/artifacts/aot/fastproxy}
work=$(mktemp -d /tmp/fastproxy-audit-ab.XXXXXX)
up_port=19101
fp_port=19102

cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$up_port; keepalive_requests 1000000; location / { return 200 "upstream-ok\n"; } } }
CONF
taskset -c 1 nginx -c "$work/nginx.conf"
trap 'nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; [ -n "${fp:-}" ] && kill "$fp" 2>/dev/null || true' EXIT

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/priv.pem" 2>/dev/null
openssl pkey -in "$work/priv.pem" -pubout -out "$work/pub.pem"
token=$(/usr/bin/python3 - "$work/priv.pem" <<'PY'
import jwt, sys, time
now = int(time.time())
print(jwt.encode({"iss": "https://idp.test", "aud": "orders-api", "sub": "alice", "exp": now + 3600, "iat": now, "roles": ["reader"]},
                 open(sys.argv[1]).read(), algorithm="RS256", headers={"kid": "bench-1"}))
PY
)

config() { # audit-json
  cat > "$work/fp.json" <<CONF
{
  "listeners": [ { "address": "127.0.0.1:$fp_port" } ],
  "clusters": { "up": { "endpoints": [ "127.0.0.1:$up_port" ] } },
  "identity": { "providers": [ { "name": "bench", "issuer": "https://idp.test", "audiences": [ "orders-api" ], "keys": [ "$work/pub.pem" ], "algorithms": [ "RS256" ] } ] },
  "routes": [ { "id": "api", "match": { "path": "/api/**", "methods": [ "GET", "HEAD" ] }, "cluster": "up", "allow": [ { "claim": "roles", "contains": "reader" } ] } ],
  $1
  "log": { "level": "warning" }
}
CONF
}

measure() { # name audit-json
  config "$2"
  taskset -c 0 "$bin" run --config "$work/fp.json" > "$work/$1.log" 2>&1 &
  fp=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$fp_port/" && break; sleep 0.1; done
  taskset -c 1 wrk -t1 -c64 -d3s -H "Authorization: Bearer $token" "http://127.0.0.1:$fp_port/api/orders" > /dev/null
  local out cpu0 cpu1 audit0 audit1 writer
  writer=$(grep -l '^fastproxy-audit$' /proc/"$fp"/task/*/comm 2>/dev/null | head -1 | xargs -r dirname || true)
  cpu0=$(cpu_ns /proc/"$fp")
  audit0=$(cpu_ns "$writer")
  out=$(taskset -c 1 wrk -t1 -c64 -d"${seconds}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$fp_port/api/orders")
  cpu1=$(cpu_ns /proc/"$fp")
  audit1=$(cpu_ns "$writer")
  kill "$fp"; wait "$fp" 2>/dev/null || true
  fp=
  local rps p99 non2xx requests
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$1 $rps $p99 ${non2xx:-0} $(per_request $((cpu1 - cpu0)) "$requests") $(per_request $((audit1 - audit0)) "$requests")"
}

# Run time in nanoseconds: of one thread (/proc/PID/task/TID), or of all threads of a process (/proc/PID); 0 without one.
cpu_ns() {
  if [ -z "$1" ] || [ ! -d "$1" ]; then
    echo 0
  elif [ -d "$1/task" ]; then
    cat "$1"/task/*/schedstat 2>/dev/null | awk '{ sum += $1 } END { printf "%.0f", sum }'
  else
    awk '{ printf "%.0f", $1 }' "$1/schedstat"
  fi
}

# Nanoseconds over requests, as microseconds per request.
per_request() {
  awk -v t="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.2f", t / 1e3 / n; else print "-" }'
}

echo "# audit A/B: $(date -u '+%F %T') UTC, commit $(git -C "$root" rev-parse --short HEAD), $rounds rounds x ${seconds}s, wrk -t1 -c64"
echo "# variant req/s p99 non-2xx cpu-us/req audit-writer-cpu-us/req"
for r in $(seq "$rounds"); do
  measure audit-off '"audit": { "enabled": false },'
  measure audit-on "\"audit\": { ${AUDIT_AB_OPTIONS:-} \"enabled\": true, \"sink\": \"file\", \"path\": \"$work/audit/audit.jsonl\" },"
done
echo "# audit records written in the last audit-on run: $(wc -l < "$work/audit/audit.jsonl" 2>/dev/null || echo 0)"
"$bin" audit verify "$work/audit/audit.jsonl" | tail -1
