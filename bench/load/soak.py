#!/usr/bin/python3
"""Soak: the peers scenario with mixed traffic and periodic reloads for a long run, watching for growth.

Run with Debian's /usr/bin/python3 (python3-jwt):
  bench/load/soak.py --fastproxy-binary artifacts/aot/fastproxy --minutes 30 --results /tmp/soak

What it does (2 cores: FastProxy on CPU 0, nginx upstream and wrk on CPU 1):
  - nginx (Debian) as the HTTP/1.1 upstream, answering 200 "upstream-ok";
  - FastProxy through bench/load/fastproxy-peers.sh (the peers' policy: GET/HEAD /api/** with an RS256 token
    carrying role reader), with its admin endpoint for /metrics;
  - wrk with a Lua script cycling through allowed (valid token), denied (token without the role: 403),
    invalid (bad signature / expired: 401), unauthenticated (no token: 401) and unrouted (404) requests,
    counting statuses; 5xx are the failures (the scenario causes none on purpose);
  - a SIGHUP reload of the unchanged configuration every --reload-seconds;
  - every --sample-seconds: RSS, open descriptors, threads, GC collections and managed heap from /metrics.
Fails (exit 1) when, after the warm-up, RSS or descriptors grew more than --max-growth-percent (last samples
against the first ones after warm-up), or when any 5xx was answered. Writes results.md into --results.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

import jwt  # python3-jwt

from procs import start, stop, wait_port

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PROXY_PORT = 19441
ADMIN_PORT = 19449
UPSTREAM_PORT = 19401
ISSUER = "https://idp.test"
AUDIENCE = "orders-api"

WRK_SCRIPT = r"""
local requests = {}
local statuses = {}
local function add(path, token)
  local headers = {}
  if token ~= nil and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  table.insert(requests, wrk.format("GET", path, headers))
end
function init(args)
  -- args: valid norole badsig expired
  for i = 1, 6 do add("/api/orders", args[1]) end
  add("/api/orders", args[2])
  add("/api/orders", args[3])
  add("/api/orders", args[4])
  add("/api/orders", nil)
  add("/nowhere", args[1])
  idx = 0
end
function request()
  idx = idx % #requests + 1
  return requests[idx]
end
"""


def sh(argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True)










def metrics():
    with urllib.request.urlopen(f"http://127.0.0.1:{ADMIN_PORT}/metrics", timeout=5) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                values[name] = float(value)
            except ValueError:
                pass
    return values


def status_totals(values):
    """Requests answered per status class from fastproxy_requests_total."""
    classes = {"2xx": 0, "4xx": 0, "5xx": 0}
    for name, value in values.items():
        if name.startswith("fastproxy_requests_total{") and 'status="' in name:
            status = name.split('status="')[1][:3]
            key = status[0] + "xx"
            if key in classes:
                classes[key] += value
    return classes


def mint(priv, roles, exp_delta=3600, key=None):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + exp_delta, "roles": roles}
    return jwt.encode(claims, key or priv, algorithm="RS256", headers={"kid": "bench-1"})


def nginx_conf(work):
    return f"""worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx-tmp;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{UPSTREAM_PORT};
        location / {{ default_type text/plain; return 200 "upstream-ok\\n"; }}
    }}
}}
"""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fastproxy-binary", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--warmup-minutes", type=float, default=3)
    p.add_argument("--sample-seconds", type=float, default=10)
    p.add_argument("--reload-seconds", type=float, default=60)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--max-growth-percent", type=float, default=5)
    a = p.parse_args()

    work = os.path.abspath(a.results)
    os.makedirs(os.path.join(work, "nginx-tmp"), exist_ok=True)
    priv, other, pub = (os.path.join(work, n) for n in ("priv.pem", "other.pem", "pub.pem"))
    sh(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", priv])
    sh(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", other])
    sh(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub])
    priv_pem, other_pem = open(priv, "rb").read(), open(other, "rb").read()
    tokens = [mint(priv_pem, ["reader"], 24 * 3600), mint(priv_pem, ["writer"], 24 * 3600),
              mint(priv_pem, ["reader"], 24 * 3600, key=other_pem), mint(priv_pem, ["reader"], -7200)]
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write(nginx_conf(work))
    with open(os.path.join(work, "mix.lua"), "w") as f:
        f.write(WRK_SCRIPT)

    procs = {}
    samples = []
    try:
        procs["nginx"] = start("nginx", ["/usr/sbin/nginx", "-p", work, "-c", os.path.join(work, "nginx.conf")], work, cpu="1")
        env = dict(os.environ)
        env.update({
            "PEERS_RUN_DIR": work, "PEERS_PUBKEY": pub, "PEERS_ISSUER": ISSUER, "PEERS_AUDIENCE": AUDIENCE,
            "PEERS_UPSTREAM": f"http://127.0.0.1:{UPSTREAM_PORT}", "FASTPROXY_H1_PORT": str(PROXY_PORT),
            "FASTPROXY_H2C_PORT": "0", "FASTPROXY_ADMIN_PORT": str(ADMIN_PORT),
            "FASTPROXY_BINARY": os.path.abspath(a.fastproxy_binary),
        })
        procs["fastproxy"] = start("fastproxy", [os.path.join(HERE, "fastproxy-peers.sh")], work, env=env, cpu="0")
        for port in (UPSTREAM_PORT, PROXY_PORT, ADMIN_PORT):
            if not wait_port(port):
                sys.exit(f"nothing listens on {port} (see {work}/*.log)")

        duration = int(a.minutes * 60)
        procs["wrk"] = start("wrk", ["wrk", "-t1", f"-c{a.connections}", f"-d{duration}s", "-s", os.path.join(work, "mix.lua"),
                                     f"http://127.0.0.1:{PROXY_PORT}/", "--"] + tokens, work, cpu="1")
        started = time.time()
        next_reload = started + a.reload_seconds
        reloads = 0
        while time.time() - started < duration:
            time.sleep(a.sample_seconds)
            now = time.time()
            if now >= next_reload:
                os.kill(procs["fastproxy"].pid, signal.SIGHUP)
                reloads += 1
                next_reload += a.reload_seconds
            m = metrics()
            sample = {
                "t": round(now - started),
                "rss_mib": m.get("process_resident_memory_bytes", 0) / 1048576,
                "fds": m.get("process_open_fds", 0),
                "threads": m.get("process_threads", 0),
                "gc0": m.get('dotnet_gc_collections_total{generation="0"}', 0),
                "gc2": m.get('dotnet_gc_collections_total{generation="2"}', 0),
                "heap_mib": m.get("dotnet_gc_heap_size_bytes", 0) / 1048576,
                "reloads_ok": m.get('fastproxy_config_reloads_total{result="success"}', 0),
                **status_totals(m),
            }
            samples.append(sample)
            print(sample, flush=True)
        procs["wrk"].wait(timeout=60)
    finally:
        for name in ("wrk", "fastproxy", "nginx"):
            stop(procs.get(name))

    warm = [s for s in samples if s["t"] >= a.warmup_minutes * 60]
    if len(warm) < 6:
        sys.exit("too few samples after the warm-up")
    first, last = warm[:3], warm[-3:]

    def growth(key):
        before = statistics.median(s[key] for s in first)
        after = statistics.median(s[key] for s in last)
        return before, after, (after - before) * 100.0 / before if before else 0.0

    rss, fds, threads = growth("rss_mib"), growth("fds"), growth("threads")
    total = samples[-1]
    failures = []
    if rss[2] > a.max_growth_percent:
        failures.append(f"RSS grew {rss[2]:.1f}%")
    if fds[2] > a.max_growth_percent:
        failures.append(f"descriptors grew {fds[2]:.1f}%")
    if total["5xx"] > 0:
        failures.append(f"{int(total['5xx'])} responses were 5xx")
    expected_reloads = int(a.minutes * 60 // a.reload_seconds) - 1
    if total["reloads_ok"] < max(1, expected_reloads):
        failures.append(f"only {int(total['reloads_ok'])} reloads succeeded (SIGHUP every {a.reload_seconds:g} s)")
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [f"# Soak: {a.minutes:g} minutes of mixed traffic with reloads ({time.strftime('%Y-%m-%d')}, commit {commit})", "",
             f"Command: `bench/load/soak.py --fastproxy-binary {a.fastproxy_binary} --minutes {a.minutes:g}` "
             f"(wrk -t1 -c{a.connections}, per 11 requests: 6 allowed, 1 wrong role (403), 1 bad signature and 1 expired (401), "
             f"1 without a token (401), 1 unrouted (404); SIGHUP reload every {a.reload_seconds:g} s; sample every {a.sample_seconds:g} s; "
             f"FastProxy on CPU 0, nginx and wrk on CPU 1).", "",
             f"Result: **{'PASS' if not failures else 'FAIL: ' + '; '.join(failures)}**", "",
             f"After the {a.warmup_minutes:g}-minute warm-up (median of the first three samples against the last three):", "",
             "| measure | after warm-up | at the end | growth |", "|---|---|---|---|",
             f"| RSS (MiB) | {rss[0]:.1f} | {rss[1]:.1f} | {rss[2]:+.1f}% |",
             f"| open descriptors | {fds[0]:.0f} | {fds[1]:.0f} | {fds[2]:+.1f}% |",
             f"| threads | {threads[0]:.0f} | {threads[1]:.0f} | {threads[2]:+.1f}% |", "",
             f"Answered: {int(total['2xx'])} 2xx, {int(total['4xx'])} 4xx, {int(total['5xx'])} 5xx; "
             f"reloads that succeeded: {int(total['reloads_ok'])}; GC gen0 {int(total['gc0'])}, gen2 {int(total['gc2'])}.", "",
             "Samples:", "", "| t (s) | RSS MiB | fds | threads | heap MiB | gen0 | gen2 | 2xx | 4xx | 5xx | reloads |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in samples:
        lines.append(f"| {s['t']} | {s['rss_mib']:.1f} | {s['fds']:.0f} | {s['threads']:.0f} | {s['heap_mib']:.1f} | {s['gc0']:.0f} | "
                     f"{s['gc2']:.0f} | {s['2xx']:.0f} | {s['4xx']:.0f} | {s['5xx']:.0f} | {s['reloads_ok']:.0f} |")
    with open(os.path.join(work, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[:16]))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
