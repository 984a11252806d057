#!/usr/bin/python3
"""What an idle keep-alive client connection costs a proxy in RSS: FastProxy, nginx or HAProxy, over
HTTP/1.1 or HTTP/2, in cleartext or TLS.

Starts a tiny keep-alive upstream (asyncio), the proxy on a catch-all route to it (one worker / thread
for nginx and HAProxy, as in the peers harness), warms it up, records the proxy's RSS (all its processes),
opens N connections that each send one request and read the response, waits for the proxy to settle,
records RSS again and prints the per-connection delta as one JSON line.

    bench/load/idle-memory.py --proxy fastproxy|nginx|haproxy --mode h1|h1s|h2c|h2s [--connections 5000]
                              [--binary PATH]

TLS modes use a fresh ECDSA P-256 certificate (openssl) and TLS 1.3, ALPN http/1.1 (h1s) or h2 (h2s).
HTTP/2 modes need Debian's python3-h2 (run with /usr/bin/python3). Everything runs on 127.0.0.1.
"""
import argparse, asyncio, json, os, re, resource, signal, shutil, ssl, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def process_tree(pid):
    """The pid and its descendants (nginx and HAProxy keep workers as children)."""
    pids = [pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                if ppid == pid:
                    pids.extend(process_tree(int(entry)))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return pids


async def upstream_handler(reader, writer):
    try:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def make_certificate(work):
    key, cert = os.path.join(work, "server.key"), os.path.join(work, "server.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    with open(os.path.join(work, "server-haproxy.pem"), "w") as f:
        f.write(open(cert).read() + open(key).read())
    return cert, key


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_fastproxy(a, work, up_port, tls, cert, key):
    listener = {"address": "127.0.0.1:0", "protocol": "auto" if a.mode.startswith("h2") else "http1"}
    if a.mode == "h2c":
        listener["protocol"] = "h2c"
    if tls:
        listener["tls"] = {"certificate": cert, "key": key}
    config = {
        "listeners": [listener],
        "limits": {"max_connections": a.connections + 100},
        "timeouts": {"idle_seconds": 600, "header_seconds": 30},
        "clusters": {"app": {"endpoints": [f"127.0.0.1:{up_port}"]}},
        "routes": [{"id": "all", "match": {"path": "/**"}, "cluster": "app", "public": True}],
        "log": {"level": "warning"},
        "audit": {"enabled": False},
    }
    path = os.path.join(work, "fastproxy.json")
    with open(path, "w") as f:
        json.dump(config, f)
    proc = subprocess.Popen([a.binary, "run", "--config", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        m = re.match(r"fastproxy: listening on https?://[^:]+:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    raise SystemExit("fastproxy did not start")


def start_nginx(a, work, up_port, tls, cert, key):
    port = free_port()
    listen = f"127.0.0.1:{port}" + (" ssl" if tls else "") + (" http2" if a.mode.startswith("h2") else "")
    ssl_conf = f"ssl_certificate {cert}; ssl_certificate_key {key}; ssl_protocols TLSv1.2 TLSv1.3;" if tls else ""
    conf = f"""
worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx.err warn;
worker_rlimit_nofile {4 * a.connections + 1024};
events {{ worker_connections {2 * a.connections + 1024}; }}
http {{
  access_log off; keepalive_timeout 600s; keepalive_requests 100000; http2_idle_timeout 600s;
  client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work};
  upstream app {{ server 127.0.0.1:{up_port}; keepalive 64; }}
  server {{ listen {listen}; {ssl_conf}
    location / {{ proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}
}}
"""
    path = os.path.join(work, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    proc = subprocess.Popen(["nginx", "-c", path, "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_port(port, proc)
    return proc, port


def start_haproxy(a, work, up_port, tls, cert, key):
    port = free_port()
    bind = f"127.0.0.1:{port}"
    if tls:
        alpn = "h2,http/1.1" if a.mode == "h2s" else "http/1.1"
        bind += f" ssl crt {work}/server-haproxy.pem alpn {alpn}"
    elif a.mode == "h2c":
        bind += " proto h2"
    conf = f"""
global
  nbthread 1
  maxconn {a.connections + 1024}
defaults
  mode http
  timeout connect 5s
  timeout client 600s
  timeout server 600s
  timeout http-keep-alive 600s
frontend fe
  bind {bind}
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:{up_port}
"""
    path = os.path.join(work, "haproxy.cfg")
    with open(path, "w") as f:
        f.write(conf)
    proc = subprocess.Popen(["haproxy", "-f", path, "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_port(port, proc)
    return proc, port


def wait_port(port, proc):
    import socket
    deadline = time.time() + 15
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"proxy exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("proxy did not start listening")


def client_tls(alpn):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols([alpn])
    return ctx


async def one_h1(port, ctx, keep):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    writer.write(b"GET /idle HTTP/1.1\r\nHost: bench\r\n\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    await reader.readexactly(3)
    keep.append(writer)


async def one_h2(port, ctx, keep):
    import h2.config, h2.connection, h2.events
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    conn.send_headers(1, [(":method", "GET"), (":scheme", "https" if ctx else "http"), (":authority", "bench"), (":path", "/idle")], end_stream=True)
    writer.write(conn.data_to_send())
    await writer.drain()
    done = False
    while not done:
        data = await reader.read(65536)
        if not data:
            raise RuntimeError("connection closed before the response")
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                status = dict(event.headers).get(":status")
                assert status == "200", event.headers
            elif isinstance(event, h2.events.StreamEnded):
                done = True
        writer.write(conn.data_to_send())
    await writer.drain()
    keep.append(writer)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", choices=["fastproxy", "nginx", "haproxy"], default="fastproxy")
    ap.add_argument("--mode", choices=["h1", "h1s", "h2c", "h2s"], default="h1")
    ap.add_argument("--connections", type=int, default=5000)
    ap.add_argument("--binary", default=os.path.join(ROOT, "src/Host/bin/Release/net10.0/fastproxy"))
    ap.add_argument("--batch", type=int, default=100, help="connections opened (each sending its request) at once")
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * a.connections + 1024)), hard))

    server = await asyncio.start_server(upstream_handler, "127.0.0.1", 0, backlog=4096)
    up_port = server.sockets[0].getsockname()[1]
    work = tempfile.mkdtemp(prefix="idle-memory-")
    tls = a.mode in ("h1s", "h2s")
    cert, key = make_certificate(work) if tls else (None, None)
    start = {"fastproxy": start_fastproxy, "nginx": start_nginx, "haproxy": start_haproxy}[a.proxy]
    proc, port = start(a, work, up_port, tls, cert, key)
    ctx = client_tls("h2" if a.mode == "h2s" else "http/1.1") if tls else None
    one = one_h2 if a.mode.startswith("h2") else one_h1
    try:
        warm = []
        for _ in range(200):
            await one(port, ctx, warm)
        for w in warm:
            w.close()
        await asyncio.sleep(3)
        pids = process_tree(proc.pid)
        before = rss_kib(pids)

        keep = []
        for first in range(0, a.connections, a.batch):
            await asyncio.gather(*(one(port, ctx, keep) for _ in range(min(a.batch, a.connections - first))))
        await asyncio.sleep(5)
        after = rss_kib(process_tree(proc.pid))
        print(json.dumps({"proxy": a.proxy, "mode": a.mode, "connections": len(keep), "rss_before_kib": before,
                          "rss_after_kib": after, "per_connection_kib": round((after - before) / a.connections, 2)}))
        for w in keep:
            w.close()
    finally:
        proc.send_signal(signal.SIGTERM if a.proxy != "nginx" else signal.SIGQUIT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
