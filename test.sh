#!/usr/bin/env bash
# Runs every FastProxy test on a machine with the .NET SDK: installs the Debian packages the
# tests drive as independent clients and servers (curl, openssl, python3 with h2, grpcio and h11, nghttp/h2load, wrk,
# promtool, nginx, afl++), builds, publishes the native AOT binary, runs all test projects (the integration tests against
# the AOT binary) and a short fuzzing smoke run.
#   ./test.sh            everything
#   ./test.sh --no-aot   skip the native AOT publish; the integration tests run the JIT-built host (faster local loop)
set -euo pipefail
cd "$(dirname "$0")"

aot=1
[ "${1:-}" = "--no-aot" ] && aot=0

need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v nghttp >/dev/null 2>&1 || need+=(nghttp2-client)
command -v h2load >/dev/null 2>&1 || need+=(nghttp2-client)
# HTTP/2 and gRPC tests drive Debian's python3 (/usr/bin/python3) with its h2 and grpcio modules.
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import h2' >/dev/null 2>&1 || need+=(python3-h2)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || need+=(python3-grpcio)
# haproxy: the independent PROXY protocol v2 sender of the listener tests (and gRPC load comparisons).
[ -x /usr/sbin/haproxy ] || need+=(haproxy)
# The HTTP/1.1 parser's differential test compares it with Python's h11 (tests/Fuzz.Tests).
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import h11' >/dev/null 2>&1 || need+=(python3-h11)
# Fuzzing smoke run below (tools/fuzz/run.sh installs it too when run alone).
command -v afl-fuzz >/dev/null 2>&1 || need+=(afl++)
# nginx: the independent TLS upstream of the upstream TLS tests (Debian installs it under /usr/sbin).
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  echo "test.sh: installing ${need[*]}"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "${need[@]}" >/dev/null; fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results=$(mktemp)
trap 'rm -f "$results"' EXIT
dotnet build FastProxy.sln -c Release -nologo -v q

# The integration tests run once: against the native AOT binary (what ships) unless --no-aot, then against the
# JIT-built host. Publishing first keeps the whole run inside CI's time budget.
if [ "$aot" = 1 ]; then
  out="$(pwd)/artifacts/aot"
  echo "test.sh: native AOT publish of src/Host -> $out"
  log=$(mktemp)
  dotnet publish src/Host/FastProxy.Host.csproj -c Release -r linux-x64 -o "$out" -nologo -v q 2>&1 | tee "$log"
  if grep -E 'warning (IL[0-9]+|IL[23][0-9]{3})' "$log"; then
    echo "test.sh: native AOT publish produced trim/AOT warnings" >&2
    exit 1
  fi
  export FASTPROXY_BINARY="$out/fastproxy"
  echo "test.sh: integration tests run against the native AOT binary $FASTPROXY_BINARY"
fi

# -m:1: one test project at a time. The integration tests put real load on the machine (wrk,
# key rotation under traffic, drains); running the suites side by side on 2 cores makes
# timing-based assertions flaky for no gain in coverage.
dotnet test FastProxy.sln -c Release --no-build -nologo -v q -m:1 --logger "console;verbosity=minimal" | tee -a "$results"

# Fuzzing smoke: every target under AFL++ for 15 s with a fixed seed (about 2 minutes); a crash or a broken property
# fails the run. The corpus replay and the h11 differential test ran above with the other tests.
echo "test.sh: fuzzing smoke run (tools/fuzz/run.sh smoke)"
tools/fuzz/run.sh smoke 15

echo "test.sh: all tests passed"
# One closing line with the totals of every test run above.
awk '/(Passed|Failed)! +- +Failed:/ { gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1) } }
     END { printf "%d passed, %d failed\n", p, f }' "$results"
