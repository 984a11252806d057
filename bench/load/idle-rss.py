#!/usr/bin/env python3
"""Measures what an idle keep-alive connection costs the proxy in RSS.

Starts a tiny keep-alive upstream (asyncio) and the built proxy on a public catch-all route,
warms it up, records the proxy's VmRSS, opens N connections that each send one request and read
the response, waits for the proxy to settle, records VmRSS again and prints the per-connection
delta. Usage (after `dotnet build -c Release FastProxy.sln`):

    bench/load/idle-rss.py [--connections 5000] [--binary PATH]

Everything runs on 127.0.0.1 and stops by itself.
"""
import argparse, asyncio, json, os, re, resource, signal, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def upstream_handler(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def one_request(port, keep):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /idle HTTP/1.1\r\nHost: bench\r\n\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    await reader.readexactly(3)
    keep.append(writer)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=5000)
    ap.add_argument("--binary", default=os.path.join(ROOT, "src/Host/bin/Release/net10.0/fastproxy"))
    ap.add_argument("--batch", type=int, default=200, help="connections opened (each sending its request) at once")
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * a.connections + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    server = await asyncio.start_server(upstream_handler, "127.0.0.1", 0, backlog=4096)
    up_port = server.sockets[0].getsockname()[1]
    work = tempfile.mkdtemp(prefix="fastproxy-idle-")
    config = {
        "listeners": [{"address": "127.0.0.1:0"}],
        "limits": {"max_connections": a.connections + 100},
        "timeouts": {"idle_seconds": 600, "header_seconds": 30},
        "clusters": {"app": {"endpoints": [f"127.0.0.1:{up_port}"]}},
        "routes": [{"id": "all", "match": {"path": "/**"}, "cluster": "app", "public": True}],
        "log": {"level": "warning"},
        # The audit ring's slots fill as requests pass, whatever the number of connections:
        # measured separately, so it does not count as connection cost here.
        "audit": {"enabled": False},
    }
    path = os.path.join(work, "fastproxy.json")
    with open(path, "w") as f:
        json.dump(config, f)
    proc = subprocess.Popen([a.binary, "run", "--config", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = await asyncio.get_running_loop().run_in_executor(None, proc.stdout.readline)
            m = re.match(r"fastproxy: listening on http://[^:]+:(\d+)", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            raise SystemExit("proxy did not start")

        # Warm up: JIT, pools, first buffers.
        warm = []
        for _ in range(200):
            await one_request(port, warm)
        for w in warm:
            w.close()
        await asyncio.sleep(3)
        before = rss_kib(proc.pid)

        keep = []
        batch = max(1, a.batch)
        for start in range(0, a.connections, batch):
            await asyncio.gather(*(one_request(port, keep) for _ in range(min(batch, a.connections - start))))
        await asyncio.sleep(5)
        after = rss_kib(proc.pid)
        per = (after - before) / a.connections
        print(json.dumps({"connections": len(keep), "rss_before_kib": before, "rss_after_kib": after,
                          "per_connection_kib": round(per, 2), "binary": a.binary}))
        for w in keep:
            w.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
