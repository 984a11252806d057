#!/usr/bin/python3
"""Unary gRPC through the gate: FastProxy against HAProxy doing the same JWT rule, in one run.

Run with Debian's /usr/bin/python3 (python3-jwt, python3-cryptography, python3-grpcio):
  bench/load/grpc-unary.py --fastproxy-binary artifacts/aot/fastproxy --results /tmp/grpc-bench

What it does, all on this machine (2 cores: the proxy under test on CPU 0, everything else on CPU 1):
  - a fresh RS256 key pair and tokens (iss https://idp.test, aud orders-api, roles ["reader"], kid bench-1);
  - the gRPC test server (tests/GrpcTestServer, h2c) as the upstream;
  - HAProxy 2.6 (nbthread 1): POST on the gRPC prefix needs a valid RS256 token with the role (jwt_verify +
    json_query, as the peers harness's HAProxy does), forwarded over h2c (`proto h2`) with the forwarding
    headers FastProxy adds;
  - FastProxy through bench/load/fastproxy-peers.sh with PEERS_GRPC_PREFIX / PEERS_UPSTREAM_H2C (its `grpc`
    route: same JWT + role rule, h2c upstream);
  - checks first that each answers a real gRPC client (python3-grpcio) with OK for a valid token and refuses
    a missing one;
  - then h2load with a prebuilt gRPC frame (content-type application/grpc, te: trailers) against direct,
    haproxy and fastproxy, ROUNDS times each, interleaved; req/s from h2load, p50/p99 from its per-request
    log, and the proxy's CPU time (utime + stime of its process group) for requests per proxy core-second.
Writes results.md (and raw outputs) into --results.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

import jwt  # python3-jwt

from procs import start, stop, wait_port

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PROXY_CPU = "0"
OTHER_CPU = "1"
PREFIX = "/echo.Echo/"
METHOD = "/echo.Echo/Unary"
PORTS = {"upstream": 9102, "haproxy": 9122, "fastproxy": 9142, "fastproxy_h1": 9141}
ISSUER = "https://idp.test"
AUDIENCE = "orders-api"


def sh(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)








def group_cpu_ticks(pgid):
    """utime + stime (clock ticks) of every live process in process group pgid."""
    total = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command: state(0) ppid(1) pgrp(2) ... utime(11) stime(12)
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total


def grpc_frame(message: bytes) -> bytes:
    """One gRPC length-prefixed message: compressed flag 0, 4-byte big-endian length, the protobuf bytes."""
    return b"\x00" + len(message).to_bytes(4, "big") + message


def echo_request(text: str) -> bytes:
    """echo.EchoRequest { string message = 1; } as protobuf bytes (field 1, wire type 2)."""
    data = text.encode()
    return b"\x0a" + bytes([len(data)]) + data


def mint(priv_pem, roles):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 3600, "roles": roles}
    return jwt.encode(claims, priv_pem, algorithm="RS256", headers={"kid": "bench-1"})


def haproxy_config(pubkey_path):
    return f"""global
    nbthread 1
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client  60s
    timeout server  60s
    option http-keep-alive

frontend fe
    bind 127.0.0.1:{PORTS['haproxy']} proto h2
    http-request deny deny_status 403 unless {{ method POST }} {{ path_beg {PREFIX} }}
    http-request set-var(txn.bearer) http_auth_bearer
    http-request return status 401 unless {{ var(txn.bearer) -m found }}
    http-request set-var(txn.alg) var(txn.bearer),jwt_header_query('$.alg')
    http-request return status 401 unless {{ var(txn.alg) -m str RS256 }}
    http-request return status 401 unless {{ var(txn.bearer),jwt_verify("RS256","{pubkey_path}") -m int 1 }}
    http-request set-var(txn.payload) var(txn.bearer),field(2,.),ub64dec
    http-request set-var(txn.iss) var(txn.payload),json_query('$.iss')
    http-request set-var(txn.aud) var(txn.payload),json_query('$.aud')
    http-request set-var(txn.exp) var(txn.payload),json_query('$.exp','int')
    http-request set-var(txn.now) date()
    http-request set-var(txn.ttl) var(txn.exp),sub(txn.now)
    http-request return status 401 unless {{ var(txn.iss) -m str {ISSUER} }}
    http-request return status 401 unless {{ var(txn.aud) -m str {AUDIENCE} }}
    http-request return status 401 unless {{ var(txn.exp) -m found }} {{ var(txn.ttl) -m int gt 0 }}
    http-request set-var(txn.role0) var(txn.payload),json_query('$.roles[0]')
    http-request deny deny_status 403 unless {{ var(txn.role0) -m str reader }}
    default_backend be

backend be
    http-reuse always
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    http-request set-var(txn.reqid) uuid,regsub(-,,g)
    http-request set-header X-Request-Id %[var(txn.reqid)]
    http-request set-header traceparent 00-%[var(txn.reqid)]-%[var(txn.reqid),bytes(0,16)]-00
    server up1 127.0.0.1:{PORTS['upstream']} proto h2 maxconn 1000
"""


CHECK_SCRIPT = r"""
import sys, grpc
port, token = sys.argv[1], sys.argv[2]
ch = grpc.insecure_channel(f"127.0.0.1:{port}")
call = ch.unary_unary("/echo.Echo/Unary", request_serializer=None, response_deserializer=None)
msg = b"\x0a\x05hello"
out = []
try:
    call(msg, metadata=[("authorization", "Bearer " + token)], timeout=10)
    out.append("valid=OK")
except grpc.RpcError as e:
    out.append("valid=" + e.code().name)
try:
    call(msg, timeout=10)
    out.append("none=OK")
except grpc.RpcError as e:
    out.append("none=" + e.code().name)
print(" ".join(out))
"""


def check(port, token):
    r = subprocess.run(["/usr/bin/python3", "-c", CHECK_SCRIPT, str(port), token], capture_output=True, text=True, timeout=60)
    return (r.stdout.strip() or r.stderr.strip()[-300:])


def run_h2load(port, token, body_path, a, workdir, tag):
    logf = os.path.join(workdir, f"{tag}.h2load.log")
    argv = ["taskset", "-c", OTHER_CPU, "h2load", "-t1", f"-c{a.conns}", f"-m{a.streams}", f"-D{a.duration}",
            "--warm-up-time=1", "-d", body_path,
            "-H", "content-type: application/grpc", "-H", "te: trailers",
            "-H", f"authorization: Bearer {token}", f"--log-file={logf}",
            f"http://127.0.0.1:{port}{METHOD}"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=a.duration + 60)
    with open(os.path.join(workdir, f"{tag}.h2load.txt"), "w") as f:
        f.write(r.stdout + r.stderr)
    res = {"rps": 0.0, "p50": None, "p99": None, "ok": 0, "failed": 0}
    for line in r.stdout.splitlines():
        if line.startswith("finished in"):
            res["rps"] = float(line.split(",")[1].split()[0])
        if line.startswith("status codes:"):
            res["ok"] = int(line.split()[2])
        if line.startswith("requests:"):
            parts = line.replace(",", "").split()
            res["failed"] = int(parts[parts.index("failed") - 1]) + int(parts[parts.index("errored") - 1])
    lat = []
    try:
        with open(logf) as f:
            for line in f:
                cols = line.split()
                if len(cols) >= 3 and cols[1] == "200":
                    lat.append(int(cols[2]))
    except OSError:
        pass
    if lat:
        lat.sort()
        res["p50"] = lat[len(lat) // 2] / 1000.0
        res["p99"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1000.0
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fastproxy-binary", required=True)
    p.add_argument("--upstream-dll", default=os.path.join(REPO, "tests/GrpcTestServer/bin/Release/net10.0/FastProxy.GrpcTestServer.dll"))
    p.add_argument("--results", required=True)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--conns", type=int, default=8)
    p.add_argument("--streams", type=int, default=10)
    p.add_argument("--fastproxy-args", default="")
    a = p.parse_args()

    os.makedirs(a.results, exist_ok=True)
    work = os.path.abspath(a.results)
    keys = os.path.join(work, "keys")
    os.makedirs(keys, exist_ok=True)
    priv = os.path.join(keys, "priv.pem")
    pub = os.path.join(keys, "pub.pem")
    sh(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", priv])
    sh(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub])
    with open(priv, "rb") as f:
        token = mint(f.read(), ["reader"])
    body = os.path.join(work, "unary.bin")
    with open(body, "wb") as f:
        f.write(grpc_frame(echo_request("hello")))
    with open(os.path.join(work, "haproxy.cfg"), "w") as f:
        f.write(haproxy_config(pub))

    procs = {}
    try:
        procs["upstream"] = start("upstream", ["dotnet", a.upstream_dll, "--port", str(PORTS["upstream"])], work, cpu=OTHER_CPU)
        procs["haproxy"] = start("haproxy", ["/usr/sbin/haproxy", "-f", os.path.join(work, "haproxy.cfg")], work, cpu=PROXY_CPU)
        env = dict(os.environ)
        env.update({
            "PEERS_RUN_DIR": work, "PEERS_PUBKEY": pub, "PEERS_ISSUER": ISSUER, "PEERS_AUDIENCE": AUDIENCE,
            "PEERS_ROLE_CLAIM": "roles", "PEERS_ROLE": "reader", "PEERS_GRPC_PREFIX": PREFIX,
            "PEERS_UPSTREAM_H2C": f"http://127.0.0.1:{PORTS['upstream']}",
            "PEERS_UPSTREAM": "http://127.0.0.1:9", "FASTPROXY_H1_PORT": str(PORTS["fastproxy_h1"]),
            "FASTPROXY_H2C_PORT": str(PORTS["fastproxy"]), "FASTPROXY_BINARY": os.path.abspath(a.fastproxy_binary),
            "FASTPROXY_ARGS": a.fastproxy_args,
        })
        procs["fastproxy"] = start("fastproxy", [os.path.join(HERE, "fastproxy-peers.sh")], work, env=env, cpu=PROXY_CPU)
        for name in ("upstream", "haproxy", "fastproxy"):
            if not wait_port(PORTS[name]):
                sys.exit(f"{name} did not listen on {PORTS[name]} (see {work}/{name}.log)")

        checks = {name: check(PORTS[name], token) for name in ("upstream", "haproxy", "fastproxy")}
        rows = {name: [] for name in ("upstream", "haproxy", "fastproxy")}
        for rnd in range(a.rounds):
            for name in ("upstream", "haproxy", "fastproxy"):
                pg = procs[name].pid
                t0 = group_cpu_ticks(pg)
                res = run_h2load(PORTS[name], token, body, a, work, f"{name}-r{rnd}")
                t1 = group_cpu_ticks(pg)
                res["cpu_s"] = (t1 - t0) / os.sysconf("SC_CLK_TCK")
                rows[name].append(res)
                print(name, rnd, res, flush=True)
    finally:
        for proc in procs.values():
            stop(proc, timeout=10)

    def med(name, key):
        vals = [r[key] for r in rows[name] if r[key] is not None]
        return statistics.median(vals) if vals else None

    def fmt(v, d=2):
        return "-" if v is None else f"{v:.{d}f}"

    def per_core(name):
        vals = [r["ok"] / r["cpu_s"] for r in rows[name] if r["cpu_s"] > 0]
        return statistics.median(vals) if vals else None

    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [f"# Unary gRPC through the gate: FastProxy vs HAProxy ({time.strftime('%Y-%m-%d')}, commit {commit})", "",
             f"h2load -t1 -c{a.conns} -m{a.streams} -D{a.duration} (warm-up 1 s), {a.rounds} rounds, medians; "
             "proxy on CPU 0, h2load and the gRPC upstream on CPU 1. Requests per proxy core-second = 2xx responses / "
             "(utime+stime of the proxy process) during the run.", "",
             "Client check (python3-grpcio, valid token / no token): " +
             "; ".join(f"{k}: {v}" for k, v in checks.items()), "",
             "| target | req/s | p50 ms | p99 ms | proxy CPU s | req per proxy core-s | failed |",
             "|---|---|---|---|---|---|---|"]
    for name in ("upstream", "haproxy", "fastproxy"):
        pc = per_core(name) if name != "upstream" else None
        lines.append(f"| {'direct' if name == 'upstream' else name} | {fmt(med(name, 'rps'), 0)} | {fmt(med(name, 'p50'))} | "
                     f"{fmt(med(name, 'p99'))} | {fmt(med(name, 'cpu_s') if name != 'upstream' else None)} | {fmt(pc, 0)} | "
                     f"{sum(r['failed'] for r in rows[name])} |")
    fp, hp = per_core("fastproxy"), per_core("haproxy")
    if fp and hp:
        lines += ["", f"FastProxy / HAProxy per proxy core-second: **{fp / hp:.2f}**; "
                      f"p99 {fmt(med('fastproxy', 'p99'))} ms vs {fmt(med('haproxy', 'p99'))} ms."]
    lines += ["", "Raw rounds:", "```"] + [f"{n} {i} {r}" for n in rows for i, r in enumerate(rows[n])] + ["```"]
    with open(os.path.join(work, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
