#!/usr/bin/env bash
# Full TLS handshakes per second, a new connection per request, FastProxy against nginx (issue 12: "a full-handshake
# rate (new connection per request, ECDSA P-256) against nginx in the same run").
#   bench/load/tls-handshake-rate.sh [SECONDS] [ROUNDS]
# Each round: `openssl s_time -new -www /x` (TLS 1.3, no session reuse: every connection is a full ECDHE + ECDSA
# P-256 handshake, then one HTTP request) against each proxy in turn, the proxy on CPU 0 and the client on CPU 1,
# both proxies forwarding to the same nginx upstream answering 200. Needs nginx, openssl and a built proxy
# ($FASTPROXY_BINARY or the Release build). Prints one line per proxy and round, then the medians.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-10}
rounds=${2:-3}
bin=${FASTPROXY_BINARY:-$here/src/Host/bin/Release/net10.0/fastproxy}
work=$(mktemp -d /tmp/tls-rate.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$work"; }
trap cleanup EXIT

up_port=19611; ngx_port=19612; fp_port=19613
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/server.key" -out "$work/server.pem" \
  -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null

cat > "$work/upstream.conf" <<EOF
worker_processes 1; daemon off; pid $work/upstream.pid; error_log $work/upstream.err warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server { listen 127.0.0.1:$up_port; location / { return 200 "upstream-ok\n"; } } }
EOF
cat > "$work/nginx.conf" <<EOF
worker_processes 1; daemon off; pid $work/nginx.pid; error_log $work/nginx.err warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  upstream app { server 127.0.0.1:$up_port; keepalive 32; }
  server { listen 127.0.0.1:$ngx_port ssl; ssl_certificate $work/server.pem; ssl_certificate_key $work/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
EOF
cat > "$work/fastproxy.json" <<EOF
{ "listeners": [ { "address": "127.0.0.1:$fp_port", "tls": { "certificate": "$work/server.pem", "key": "$work/server.key" } } ],
  "clusters": { "app": { "endpoints": [ "127.0.0.1:$up_port" ] } },
  "routes": [ { "id": "all", "match": { "path": "/**" }, "cluster": "app", "public": true } ],
  "audit": { "enabled": false }, "log": { "level": "warning" } }
EOF

taskset -c 1 nginx -c "$work/upstream.conf" -p "$work" & pids+=($!)
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" & pids+=($!)
taskset -c 0 "$bin" run --config "$work/fastproxy.json" > "$work/fastproxy.log" 2>&1 & pids+=($!)
for port in $up_port $ngx_port $fp_port; do
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done

rate() {
  # "N connections in T real seconds" -> N / T
  taskset -c 1 openssl s_time -connect "127.0.0.1:$1" -new -time "$seconds" -www /x -tls1_3 2>/dev/null \
    | awk '/connections in .* real seconds/ { printf "%.0f\n", $1 / $4 }' | head -1
}

declare -A all
for round in $(seq 1 "$rounds"); do
  for peer in nginx fastproxy; do
    port=$ngx_port; [ "$peer" = fastproxy ] && port=$fp_port
    r=$(rate "$port")
    echo "round $round $peer: $r handshakes/s"
    all[$peer]="${all[$peer]:-} $r"
  done
done
for peer in nginx fastproxy; do
  median=$(printf '%s\n' ${all[$peer]} | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  echo "median $peer: $median handshakes/s"
done
