# Sourced by instructions-ab.sh and cpu-ab.sh: what both need to run two FastProxy builds against the peers harness's
# setup without the harness itself. The caller sets `root` (the repository), `name` (for messages), `conns`, and
# optionally AB_PROXY_PIN / AB_LOAD_PIN (command prefixes such as "taskset -c 0"), then calls ab_init.
#   ab_init                     work dir, RS256 keys and the `valid` token (mint_tokens.py), the upstream nginx; cleanup on exit
#   ab_copy_binary LABEL PATH   the build as $work/bin-LABEL/fastproxy (pgrep tells the two builds apart by that path)
#   ab_start_proxy LABEL MODE [EXECUTABLE]   the proxy through fastproxy-peers.sh (EXECUTABLE: a wrapper; default the build)
#   ab_proxy_pid LABEL          the pid of the running build's process
#   ab_stop_proxy
#   ab_load REQUESTS LOG        h2load --h1 on /api/orders with the token; fails unless every answer is a 2xx
# Modes, as the peers runs quote FastProxy: cache-on, cache-off (--token-cache-size 0), noauth (--no-auth).

port=9041
peers=$root/../shared/bench/peers
proxy_pid=""
upstream_pid=""

ab_cleanup() {
  [ -n "$proxy_pid" ] && kill -- -"$proxy_pid" 2> /dev/null || true
  [ -n "$upstream_pid" ] && kill "$upstream_pid" 2> /dev/null || true
  rm -rf "$work"
}

ab_init() {
  work=$(mktemp -d)
  trap ab_cleanup EXIT
  # Keys, tokens and the upstream as the peers harness makes them (bench.py).
  mkdir "$work/keys"
  local key
  for key in priv other; do
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/keys/$key.pem" 2> /dev/null
  done
  openssl pkey -in "$work/keys/priv.pem" -pubout -out "$work/keys/pub.pem"
  /usr/bin/python3 "$peers/mint_tokens.py" "$work/keys/priv.pem" "$work/keys/other.pem" "$work/tokens" \
    https://idp.test orders-api > /dev/null
  token=$(cat "$work/tokens/valid")
  sed -e "s#@RUN@#$work#g" -e "s/@UP_H1_PORT@/9001/" -e "s/@UP_H2C_PORT@/9002/" -e "s/@UP_TLS@/# no TLS/" \
    "$peers/conf/nginx-upstream.conf.in" > "$work/upstream.conf"
  # shellcheck disable=SC2086 # the pin is a command prefix
  PATH="$PATH:/usr/sbin" setsid ${AB_LOAD_PIN:-} nginx -p "$work" -c "$work/upstream.conf" > "$work/upstream.log" 2>&1 &
  upstream_pid=$!
}

ab_copy_binary() { # label path
  mkdir "$work/bin-$1"
  cp "$2" "$work/bin-$1/fastproxy"
}

ab_mode_args() { # mode
  case $1 in
    cache-on) echo "" ;;
    cache-off) echo "--token-cache-size 0" ;;
    noauth) echo "--no-auth" ;;
    *) echo "$name: unknown mode $1" >&2; return 1 ;;
  esac
}

ab_start_proxy() { # label mode [executable]
  local label=$1 args
  args=$(ab_mode_args "$2")
  mkdir -p "$work/run"
  # shellcheck disable=SC2086 # the pin is a command prefix
  FASTPROXY_BINARY=${3:-$work/bin-$label/fastproxy} FASTPROXY_ARGS=$args PEERS_RUN_DIR="$work/run" \
    PEERS_PUBKEY="$work/keys/pub.pem" FASTPROXY_H2C_PORT=0 \
    setsid ${AB_PROXY_PIN:-} "$root/bench/load/fastproxy-peers.sh" > "$work/proxy.log" 2>&1 < /dev/null &
  proxy_pid=$!
  local i
  for i in $(seq 120); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 0.5
  done
  echo "$name: the proxy did not start, see its log:" >&2
  cat "$work/proxy.log" >&2
  exit 1
}

# Under valgrind, the valgrind process itself (the launcher execs the wrapper, the wrapper execs valgrind).
ab_proxy_pid() { pgrep -f "bin-$1/fastproxy run" | head -1; }

ab_stop_proxy() {
  kill -- -"$proxy_pid" 2> /dev/null || true
  wait "$proxy_pid" 2> /dev/null || true
  proxy_pid=""
  while curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.2; done
}

ab_load() { # requests log
  # shellcheck disable=SC2086 # the pin is a command prefix
  ${AB_LOAD_PIN:-} h2load --h1 -n "$1" -c "$conns" -H "authorization: Bearer $token" "http://127.0.0.1:$port/api/orders" > "$2" 2>&1
  grep -q "status codes: $1 2xx" "$2" || { echo "$name: not every request got a 2xx, see $2" >&2; exit 1; }
}
