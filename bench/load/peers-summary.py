#!/usr/bin/python3
"""One table per peers run (../shared/bench/peers/run.sh --results DIR): for each protocol, every peer's median
req/s, req per proxy core-second and p99, and FastProxy's ratios to HAProxy (per proxy core-second, the issues'
measure) and to nginx (req/s). Medians over rounds, as the harness's own results.md.

    bench/load/peers-summary.py RESULTS_DIR [RESULTS_DIR ...]
"""
import json
import statistics
import sys

PEERS = ["nginx", "haproxy", "yarp", "fastproxy"]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def per_core(sample):
    cpu = sample.get("proxy_cpu")
    return sample["rps"] / (cpu / 100.0) if cpu else None


def summarize(path):
    with open(f"{path}/raw.json") as f:
        raw = json.load(f)
    args = raw["args"]
    mode = "plain (--no-auth)" if args.get("fastproxy_no_auth") else "auth"
    print(f"\n### {path} ({mode}; peers {args['peers']}; {args['rounds']} rounds x {args['duration']} s)\n")
    print("| proto | peer | req/s | req per proxy core-s | p50 ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|")
    ratios = []
    for proto in raw["protos"]:
        stats = {}
        for peer in PEERS:
            samples = raw["samples"].get(f"{peer}/{proto}")
            if not samples:
                continue
            stats[peer] = {
                "rps": median([s["rps"] for s in samples]),
                "core": median([per_core(s) for s in samples]),
                "p50": median([s["p50_ms"] for s in samples]),
                "p99": median([s["p99_ms"] for s in samples]),
            }
            st = stats[peer]
            core = f"{st['core']:,.0f}" if st["core"] else "-"
            print(f"| {proto} | {peer} | {st['rps']:,.0f} | {core} | {st['p50']:.2f} | {st['p99']:.2f} |")
        fp, ha, ng = stats.get("fastproxy"), stats.get("haproxy"), stats.get("nginx")
        if fp and ha and fp["core"] and ha["core"]:
            ratios.append(f"- {proto}: FastProxy / HAProxy per proxy core-s {fp['core'] / ha['core']:.2f}, "
                          f"req/s {fp['rps'] / ha['rps']:.2f}; p99 {fp['p99']:.2f} vs {ha['p99']:.2f} ms"
                          + (f"; FastProxy / nginx req/s {fp['rps'] / ng['rps']:.2f}" if ng else ""))
    print()
    print("\n".join(ratios))


for d in sys.argv[1:]:
    summarize(d.rstrip("/"))
