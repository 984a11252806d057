#!/usr/bin/env bash
# Runs every [BenchmarkCategory("HotPath")] benchmark and writes the result tables to
# perf-results/YYYY-MM-DD_<shortsha>_hotpath.md. Fails when any of them allocates (the budget
# for the hot path is 0 B/op).
#   bench/run-hotpath.sh [extra BenchmarkDotNet args, e.g. --job short]
set -euo pipefail
cd "$(dirname "$0")/.."
sha=$(git rev-parse --short HEAD)
day=$(date -u +%Y-%m-%d)
out="perf-results/${day}_${sha}_hotpath.md"
art=$(mktemp -d)
dotnet run -c Release --project bench/FastProxy.Benchmarks -- --allCategories HotPath --filter '*' \
  --exporters github --artifacts "$art" "$@" | tee "$art/console.txt"
{
  echo "# Hot-path benchmarks ($day, commit $sha)"
  echo
  echo "Command: \`bench/run-hotpath.sh $*\`"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(dotnet --version) SDK"
  echo
  for f in "$art"/results/*-report-github.md; do
    sed -n '/^|/p' "$f"
    echo
  done
} > "$out"
echo "wrote $out"
if grep -E '^\|' "$out" | awk -F'|' 'NR>0' | grep -vE 'Allocated|---' | grep -qE '\| *[0-9]+(\.[0-9]+)? (B|KB|MB) *\|$'; then
  echo "run-hotpath.sh: a HotPath benchmark allocates (see $out)" >&2
  exit 1
fi
