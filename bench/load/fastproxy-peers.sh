#!/usr/bin/env bash
# Starts FastProxy for the peers harness (../shared/bench/peers, see its README):
#   ../shared/bench/peers/run.sh --proto h1 --fastproxy 'exec bench/load/fastproxy-peers.sh'
# Reads PEERS_* / FASTPROXY_* from the harness, writes a config into $PEERS_RUN_DIR and execs the
# proxy built by `dotnet build -c Release FastProxy.sln` (or $FASTPROXY_BINARY, e.g. the native
# AOT publish) in the foreground. Words of $FASTPROXY_ARGS are appended to the command line
# (e.g. FASTPROXY_ARGS='--no-auth' for plain proxying, '--token-cache-size 0' for no token cache).
# FASTPROXY_API_UPSTREAM=h2c (ours, not the harness's) forwards the api route over HTTP/2 cleartext to
# PEERS_UPSTREAM_H2C instead of HTTP/1.1 to PEERS_UPSTREAM: the h2 -> h2 figure beside the usual h2 -> h1 one
# (the other peers stay on HTTP/1.1 upstreams, so only FastProxy's two runs compare with each other).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)

: "${PEERS_RUN_DIR:?run this from the peers harness (PEERS_RUN_DIR unset)}"
listen_host=${PEERS_LISTEN_HOST:-127.0.0.1}
h1_port=${FASTPROXY_H1_PORT:-9041}
# HTTP/2 cleartext with prior knowledge (the harness's h2 proto): its own port by default; the HTTP/1.1 port when
# both are the same number (that listener then serves both, told apart by the preface); 0 for none.
h2c_port=${FASTPROXY_H2C_PORT:-9042}
upstream=${PEERS_UPSTREAM:-http://127.0.0.1:9001}
upstream=${upstream#http://}
prefix=${PEERS_ROUTE_PREFIX:-/api/}
prefix=${prefix%/}
methods=${PEERS_METHODS:-GET,HEAD}
methods_json=$(printf '%s' "$methods" | sed 's/[^,][^,]*/"&"/g')

bin=${FASTPROXY_BINARY:-$here/src/Host/bin/Release/net10.0/fastproxy}
if [ ! -x "$bin" ]; then
  echo "fastproxy-peers.sh: $bin not found; run 'dotnet build -c Release FastProxy.sln' first" >&2
  exit 1
fi

# Optional: FASTPROXY_AUDIT_PATH turns the file audit sink on at that path (off otherwise, so the
# plain scenario measures the gate alone); FASTPROXY_ADMIN_PORT binds the admin endpoint there.
if [ -n "${FASTPROXY_AUDIT_PATH:-}" ]; then
  audit_json="\"audit\": { \"enabled\": true, \"sink\": \"file\", \"path\": \"$FASTPROXY_AUDIT_PATH\" },"
else
  audit_json="\"audit\": { \"enabled\": false },"
fi
admin_json=""
if [ -n "${FASTPROXY_ADMIN_PORT:-}" ]; then
  admin_json="\"admin\": { \"address\": \"127.0.0.1:$FASTPROXY_ADMIN_PORT\" },"
fi

# Optional: PEERS_JWKS_URL takes the provider's keys from that JWKS URL (fetched at start, refetched on an
# unknown kid, last good keys kept while it fails) instead of the static PEERS_PUBKEY.
if [ -n "${PEERS_JWKS_URL:-}" ]; then
  keys_json="\"jwks_uri\": \"$PEERS_JWKS_URL\","
else
  keys_json="\"keys\": [ \"${PEERS_PUBKEY:-}\" ],"
fi

# Paths from the environment may be relative to the directory the harness was started from; the config file
# lives in PEERS_RUN_DIR and FastProxy resolves its paths relative to it, so hand it absolute ones.
abs() { realpath -m -- "$1"; }

# Optional TLS listener (FASTPROXY_TLS_PORT, set with --proto h1s/h2s): default certificate PEERS_TLS_CERT/KEY,
# more by SNI from PEERS_TLS_SNI ('NAME=CERT:KEY NAME=CERT:KEY', NAME exact or '*.' wildcard), client certificates
# verified against PEERS_CLIENT_CA (mode PEERS_CLIENT_CERT_MODE: required|optional, default optional).
# ALPN offers h2 and http/1.1 and the client's choice holds (no ALPN: HTTP/1.1), as the harness expects.
tls_listener_json=""
if [ -n "${FASTPROXY_TLS_PORT:-}" ]; then
  : "${PEERS_TLS_CERT:?FASTPROXY_TLS_PORT is set but PEERS_TLS_CERT is not}"
  : "${PEERS_TLS_KEY:?FASTPROXY_TLS_PORT is set but PEERS_TLS_KEY is not}"
  sni_json=""
  # read -a splits on spaces without expanding '*.' wildcards against the file system.
  read -r -a sni_entries <<< "${PEERS_TLS_SNI:-}"
  for entry in "${sni_entries[@]}"; do
    name=${entry%%=*}
    files=${entry#*=}
    if [ "$name" = "$entry" ] || [ "${files%%:*}" = "$files" ]; then
      echo "fastproxy-peers.sh: PEERS_TLS_SNI entry '$entry' is not NAME=CERT:KEY" >&2
      exit 1
    fi
    sni_json="$sni_json${sni_json:+, }{ \"certificate\": \"$(abs "${files%%:*}")\", \"key\": \"$(abs "${files#*:}")\", \"names\": [ \"$name\" ] }"
  done
  client_json=""
  if [ -n "${PEERS_CLIENT_CA:-}" ]; then
    mode=${PEERS_CLIENT_CERT_MODE:-optional}
    case "$mode" in
      required|optional) ;;
      *) echo "fastproxy-peers.sh: PEERS_CLIENT_CERT_MODE must be required or optional, not '$mode'" >&2; exit 1 ;;
    esac
    client_json=", \"client_certificate\": \"$mode\", \"client_ca\": \"$(abs "$PEERS_CLIENT_CA")\""
  fi
  tls_listener_json=", { \"address\": \"$listen_host:$FASTPROXY_TLS_PORT\", \"protocol\": \"auto\", \"tls\": { \"certificate\": \"$(abs "$PEERS_TLS_CERT")\", \"key\": \"$(abs "$PEERS_TLS_KEY")\", \"sni\": [ $sni_json ]$client_json } }"
fi

# Optional: PEERS_CLIENT_SAN makes the api route also require a verified client certificate with that URI SAN (403 otherwise).
role_rule="{ \"claim\": \"${PEERS_ROLE_CLAIM:-roles}\", \"contains\": \"${PEERS_ROLE:-reader}\" }"
if [ -n "${PEERS_CLIENT_SAN:-}" ]; then
  allow_json="{ \"all\": [ $role_rule, { \"client_cert\": { \"uri_san\": \"$PEERS_CLIENT_SAN\" } } ] }"
else
  allow_json="$role_rule"
fi

# Optional: PEERS_UPSTREAM_TLS (https://HOST:PORT) makes the api route's cluster that TLS upstream instead of
# PEERS_UPSTREAM: HTTP/1.1 over TLS, SNI (and the name verified) 'localhost', the certificate verified against the
# CA bundle PEERS_UPSTREAM_CA (required with it: never an unverified or cleartext stand-in).
cluster_options_json=""
case "${FASTPROXY_API_UPSTREAM:-http1}" in
  http1) ;;
  h2c)
    upstream=${PEERS_UPSTREAM_H2C:-http://127.0.0.1:9002}
    upstream=${upstream#http://}
    upstream=${upstream%/}
    cluster_options_json=", \"protocol\": \"h2c\""
    ;;
  *) echo "fastproxy-peers.sh: FASTPROXY_API_UPSTREAM must be http1 or h2c, not '$FASTPROXY_API_UPSTREAM'" >&2; exit 1 ;;
esac
if [ -n "${PEERS_UPSTREAM_TLS:-}" ]; then
  : "${PEERS_UPSTREAM_CA:?PEERS_UPSTREAM_TLS is set but PEERS_UPSTREAM_CA (the CA bundle to verify it against) is not}"
  case "$PEERS_UPSTREAM_TLS" in
    https://*) ;;
    *) echo "fastproxy-peers.sh: PEERS_UPSTREAM_TLS must be https://HOST:PORT, not '$PEERS_UPSTREAM_TLS'" >&2; exit 1 ;;
  esac
  upstream=${PEERS_UPSTREAM_TLS#https://}
  upstream=${upstream%/}
  cluster_options_json=", \"tls\": { \"server_name\": \"localhost\", \"ca\": \"$(abs "$PEERS_UPSTREAM_CA")\" }"
fi

# Optional: PEERS_GRPC_PREFIX (e.g. /echo.Echo/) adds a second route `grpc`: that path prefix, method POST, the same JWT +
# role rule as `api`, forwarded over HTTP/2 cleartext (prior knowledge) to PEERS_UPSTREAM_H2C (default
# http://127.0.0.1:9002), refusals answered the gRPC way (HTTP 200 + grpc-status 16 / 7).
grpc_cluster_json=""
grpc_route_json=""
if [ -n "${PEERS_GRPC_PREFIX:-}" ]; then
  case "$PEERS_GRPC_PREFIX" in
    /*) ;;
    *) echo "fastproxy-peers.sh: PEERS_GRPC_PREFIX must start with '/', not '$PEERS_GRPC_PREFIX'" >&2; exit 1 ;;
  esac
  upstream_h2c=${PEERS_UPSTREAM_H2C:-http://127.0.0.1:9002}
  case "$upstream_h2c" in
    http://*) ;;
    *) echo "fastproxy-peers.sh: PEERS_UPSTREAM_H2C must be http://HOST:PORT (h2c), not '$upstream_h2c'" >&2; exit 1 ;;
  esac
  upstream_h2c=${upstream_h2c#http://}
  upstream_h2c=${upstream_h2c%/}
  grpc_prefix=${PEERS_GRPC_PREFIX%/}
  grpc_cluster_json=", \"grpc_upstream\": { \"endpoints\": [ \"$upstream_h2c\" ], \"protocol\": \"h2c\" }"
  grpc_route_json=", {
    \"id\": \"grpc\",
    \"match\": { \"path\": \"$grpc_prefix/**\", \"methods\": [ \"POST\" ] },
    \"cluster\": \"grpc_upstream\",
    \"grpc\": true,
    \"allow\": [ $allow_json ]
  }"
fi

h1_protocol=http1
h2c_listener_json=""
if [ "$h2c_port" = "$h1_port" ]; then
  h1_protocol=auto
elif [ "$h2c_port" != 0 ]; then
  h2c_listener_json=", { \"address\": \"$listen_host:$h2c_port\", \"protocol\": \"h2c\" }"
fi

config="$PEERS_RUN_DIR/fastproxy.json"
cat > "$config" <<JSON
{
  "listeners": [ { "address": "$listen_host:$h1_port", "protocol": "$h1_protocol" }$h2c_listener_json$tls_listener_json ],
  "clusters": { "upstream": { "endpoints": [ "$upstream" ]$cluster_options_json }$grpc_cluster_json },
  "identity": {
    "providers": [ {
      "name": "peers",
      "issuer": "${PEERS_ISSUER:-https://idp.test}",
      "audiences": [ "${PEERS_AUDIENCE:-orders-api}" ],
      $keys_json
      "algorithms": [ "RS256" ]
    } ]
  },
  "routes": [ {
    "id": "api",
    "match": { "path": "$prefix/**", "methods": [ $methods_json ] },
    "cluster": "upstream",
    "allow": [ $allow_json ]
  }$grpc_route_json ],
  $audit_json
  $admin_json
  "log": { "level": "warning" }
}
JSON

# One CPU is what the harness gives each proxy; size the runtime for it.
export DOTNET_TieredPGO=1 DOTNET_gcServer=0 DOTNET_GCHeapCount=1
# shellcheck disable=SC2086
exec "$bin" run --config "$config" ${FASTPROXY_ARGS:-}
