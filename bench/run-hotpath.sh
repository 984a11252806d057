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
# Every table's "Allocated" column must read "-" or "0 B" (BenchmarkDotNet prints a row in bold, **-**, where a parameter changes).
if awk -F'|' '
  /^\|/ { if ($0 ~ /Allocated/) { col = 0; for (i = 1; i <= NF; i++) if ($i ~ /Allocated/) col = i; next }
           if ($0 ~ /---/ || col == 0) next
           v = $col; gsub(/[ *]/, "", v); if (v != "-" && v != "0B") { bad = 1; print "allocates: " $0 } }
  END { exit bad ? 0 : 1 }' "$out"; then
  echo "run-hotpath.sh: a HotPath benchmark allocates (see $out)" >&2
  exit 1
fi
