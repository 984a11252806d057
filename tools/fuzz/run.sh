#!/usr/bin/env bash
# Coverage-guided fuzzing of one FastProxy parser (or all of them) with AFL++ and SharpFuzz.
#   tools/fuzz/run.sh TARGET [MINUTES]        one target for MINUTES (default 10)
#   tools/fuzz/run.sh all MINUTES             every target, MINUTES each, one after the other
#   tools/fuzz/run.sh smoke [SECONDS]         CI: a self-test (the canary's crash is reported), then every target for
#                                             SECONDS (default 20) with a fixed seed; fails on a finding
# Targets: http1-request http1-response chunked jwt config h2-frames hpack (tests/Fuzz/FastProxy.Fuzz/Targets).
# Installs what it needs on Debian (afl++ from apt, SharpFuzz.CommandLine as a local dotnet tool), publishes the
# harness, instruments the FastProxy assemblies, and fuzzes from the committed seed corpus (tests/Fuzz/corpus/TARGET).
# Results: artifacts/fuzz/results/TARGET (smoke: artifacts/fuzz/results-smoke/TARGET) (AFL++'s output dir; findings in crashes/ and hangs/). Replay a finding:
#   dotnet artifacts/fuzz/bin/FastProxy.Fuzz.dll TARGET --replay artifacts/fuzz/results/TARGET/default/crashes
# Environment: FUZZ_SEED (fixed AFL++ seed), FUZZ_NICE (nice level, default 10), FUZZ_TIMEOUT_MS (per input, default 5000).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
targets=(http1-request http1-response chunked jwt config h2-frames hpack)
work="$root/artifacts/fuzz"
sharpfuzz_version=2.3.0

usage() { sed -n '2,13p' "$0" >&2; exit 2; }
[ $# -ge 1 ] || usage
what=$1
mode=run
seconds=$(( ${2:-10} * 60 ))
if [ "$what" = smoke ]; then mode=smoke; seconds=${2:-20}; fi

install_tools() {
  if ! command -v afl-fuzz >/dev/null 2>&1; then
    echo "fuzz: installing afl++"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq afl++ >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq afl++ >/dev/null; fi
  fi
  if [ ! -x "$work/tools/sharpfuzz" ]; then
    echo "fuzz: installing SharpFuzz.CommandLine $sharpfuzz_version into $work/tools"
    dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$work/tools" >/dev/null
  fi
}

# Publishes the harness into a fresh folder and instruments the assemblies under test (only once per build: SharpFuzz
# refuses to instrument an assembly twice, and the stamp says which commit's sources were instrumented).
build_harness() {
  local stamp="$work/bin/.instrumented"
  local sources
  sources=$(cd "$root" && { git ls-files -s -- src tests/Fuzz Directory.Packages.props 2>/dev/null; git status --porcelain -- src tests/Fuzz 2>/dev/null; } | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sources" ]; then return; fi
  rm -rf "$work/bin"
  echo "fuzz: publishing the harness"
  dotnet publish tests/Fuzz/FastProxy.Fuzz/FastProxy.Fuzz.csproj -c Release -o "$work/bin" -nologo -v q
  # Not FastProxy.Fuzz: SharpFuzz's own entry point must stay uninstrumented (its fork server dies otherwise).
  for dll in FastProxy.Core FastProxy.Http FastProxy.Policy fastproxy; do
    "$work/tools/sharpfuzz" "$work/bin/$dll.dll" >/dev/null
  done
  echo "$sources" > "$stamp"
}

# Runs AFL++ on one target for $2 seconds; prints executions and findings; returns 1 when it found something.
fuzz_one() {
  local target=$1 duration=$2 out="$results/$1"
  local seed_args=()
  [ -n "${FUZZ_SEED:-}" ] && seed_args=(-s "$FUZZ_SEED")
  rm -rf "$out"
  mkdir -p "$out"
  echo "fuzz: $target for ${duration}s -> $out"
  # dotnet is not instrumented itself (SharpFuzz instruments the assemblies): skip AFL++'s binary check.
  # -V ends the run after the given seconds; AFL_NO_UI keeps the log readable in CI.
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
  AFL_FORKSRV_INIT_TMOUT=60000 AFL_AUTORESUME=0 \
    nice -n "${FUZZ_NICE:-10}" afl-fuzz -i "$root/tests/Fuzz/corpus/$target" -o "$out" -t "${FUZZ_TIMEOUT_MS:-5000}" -m none \
      -V "$duration" "${seed_args[@]}" -- dotnet "$work/bin/FastProxy.Fuzz.dll" "$target" > "$out/afl.log" 2>&1 || {
        echo "fuzz: afl-fuzz failed for $target; last lines of $out/afl.log:" >&2
        tail -20 "$out/afl.log" >&2
        return 2
      }
  local stats="$out/default/fuzzer_stats"
  local execs crashes hangs
  execs=$(awk -F': *' '$1 ~ /^execs_done/ { print $2 }' "$stats")
  crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
  hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  printf 'fuzz: %-15s executions %s, paths %s, crashes %s, hangs %s\n' "$target" "$execs" \
    "$(awk -F': *' '$1 ~ /^corpus_count/ { print $2 }' "$stats")" "$crashes" "$hangs"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $target ${duration}s execs=$execs crashes=$crashes hangs=$hangs" >> "$results/summary.log"
  if [ "$crashes" -gt 0 ]; then
    echo "fuzz: $target found $crashes crashing inputs; replaying them:" >&2
    dotnet "$work/bin/FastProxy.Fuzz.dll" "$target" --replay "$out/default/crashes" >&2 || true
    return 1
  fi
  return 0
}

# Proves the pipeline reports a broken property: the canary target fails on "crash"; given it as a seed, AFL++'s dry
# run must call it a crash (it then stops: it needs a seed that does not crash).
selftest() {
  local out="$work/results-selftest" seeds="$work/results-selftest-seeds"
  rm -rf "$out" "$seeds"
  mkdir -p "$out" "$seeds"
  printf 'crash' > "$seeds/crash"
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
  AFL_FORKSRV_INIT_TMOUT=60000 \
    nice -n "${FUZZ_NICE:-10}" afl-fuzz -i "$seeds" -o "$out" -t "${FUZZ_TIMEOUT_MS:-5000}" -m none -V 5 \
      -- dotnet "$work/bin/FastProxy.Fuzz.dll" canary > "$out/afl.log" 2>&1 || true
  if ! grep -q "results in a crash" "$out/afl.log"; then
    echo "fuzz: selftest failed: AFL++ did not report the canary's crash (see $out/afl.log)" >&2
    tail -20 "$out/afl.log" >&2
    return 1
  fi
  echo "fuzz: selftest: AFL++ reports a broken property as a crash"
}

# Everything runs from main, so bash has read the whole script before a long run starts (editing it mid-run is safe).
main() {
case "$what" in
  all) selected=("${targets[@]}") ;;
  smoke) selected=("${targets[@]}") ;;
  *)
    selected=("$what")
    [[ " ${targets[*]} " == *" $what "* ]] || { echo "fuzz: unknown target $what (targets: ${targets[*]})" >&2; exit 2; }
    ;;
esac
# The smoke run keeps its results apart, so CI never overwrites a long run's findings.
results="$work/results"
if [ "$mode" = smoke ]; then export FUZZ_SEED=${FUZZ_SEED:-1515}; results="$work/results-smoke"; fi

install_tools
build_harness
mkdir -p "$results"
failed=0
if [ "$mode" = smoke ]; then selftest || exit 1; fi
for target in "${selected[@]}"; do
  fuzz_one "$target" "$seconds" || failed=1
done
[ "$failed" = 0 ] && echo "fuzz: no findings" || { echo "fuzz: findings above ($results)" >&2; exit 1; }
}

main; exit $?
