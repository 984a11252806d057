#!/usr/bin/python3
"""Writes the seed corpus under tests/Fuzz/corpus/<target>/ (committed; rerun after editing this file).

Seeds are small on purpose: AFL++ works best from short, diverse inputs. The names say what each one is.
Target input conventions (see tests/Fuzz/FastProxy.Fuzz/Targets): http1-response and config take a selector byte
first (response: request method GET/HEAD/POST/CONNECT = 0/1/2/3; config: even = YAML, odd = JSON).
"""
import base64, json, os, struct, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
corpus = os.path.join(root, "tests", "Fuzz", "corpus")


def write(target, name, data):
    path = os.path.join(corpus, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("latin-1"))


# --- HTTP/1.1 requests: real ones, RFC 9112 shapes, and the smuggling cases (docs/security.md) -----------------------
requests = {
    "get-simple": "GET / HTTP/1.1\r\nHost: api.test\r\n\r\n",
    "get-query-headers": "GET /api/orders/7?expand=items&x= HTTP/1.1\r\nHost: api.test\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nAuthorization: Bearer abc.def.ghi\r\nX-Request-Id: 42\r\n\r\n",
    "get-http10": "GET /index.html HTTP/1.0\r\n\r\n",
    "get-absolute-form": "GET http://api.test:8080/a/b?c HTTP/1.1\r\nHost: api.test:8080\r\n\r\n",
    "options-asterisk": "OPTIONS * HTTP/1.1\r\nHost: api.test\r\n\r\n",
    "connect-authority": "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n",
    "post-content-length": "POST /api/orders HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"qty\":12345}",
    "post-chunked": "POST /upload HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "post-chunked-trailers": "POST /upload HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\nTrailer: Digest\r\nTE: trailers\r\n\r\n4;ext=1\r\nabcd\r\n0\r\nDigest: sha-256=xyz\r\n\r\n",
    "expect-continue": "PUT /blob HTTP/1.1\r\nHost: api.test\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    "upgrade-websocket": "GET /ws HTTP/1.1\r\nHost: api.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    "connection-named": "GET / HTTP/1.1\r\nHost: api.test\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\nX-Secret: 1\r\nProxy-Authorization: Basic eA==\r\n\r\n",
    "leading-crlf": "\r\nGET / HTTP/1.1\r\nHost: api.test\r\n\r\n",
    "pipelined": "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
    "empty-value": "GET / HTTP/1.1\r\nHost: api.test\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n",
    "obs-text-value": "GET / HTTP/1.1\r\nHost: api.test\r\nX-Name: caf\xc3\xa9\r\n\r\n",
    "forwarded-spoof": "GET / HTTP/1.1\r\nHost: api.test\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Host: evil\r\nForwarded: for=1.2.3.4\r\nX-Auth-Subject: admin\r\n\r\n",
    # smuggling cases
    "smuggle-cl-te": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
    "smuggle-te-cl": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
    "smuggle-duplicate-cl-differ": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "smuggle-duplicate-cl-same": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "smuggle-cl-list": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello",
    "smuggle-cl-plus": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello",
    "smuggle-cl-hex": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello",
    "smuggle-cl-huge": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    "smuggle-obs-fold": "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
    "smuggle-obs-fold-te": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
    "smuggle-bare-lf": "GET / HTTP/1.1\nHost: a\n\n",
    "smuggle-bare-lf-header": "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n",
    "smuggle-bare-cr": "GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n",
    "smuggle-te-identity": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
    "smuggle-te-gzip-chunked": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "smuggle-te-chunked-gzip": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    "smuggle-te-double": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "smuggle-te-case": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n",
    "smuggle-te-space-before-colon": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "smuggle-te-vtab": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n",
    "smuggle-te-xchunked": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "smuggle-te-quoted": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n",
    "smuggle-te-http10": "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "smuggle-chunk-size-overflow": "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\nx\r\n0\r\n\r\n",
    "smuggle-double-host": "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "smuggle-no-host": "GET / HTTP/1.1\r\n\r\n",
    "smuggle-host-mismatch-absolute": "GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n",
    "smuggle-nul-in-value": "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n",
    "smuggle-space-in-target": "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
    "smuggle-http09": "GET /\r\n\r\n",
    "smuggle-version-http2": "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
    "smuggle-lowercase-version": "GET / http/1.1\r\nHost: a\r\n\r\n",
    "smuggle-two-spaces": "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
    "smuggle-underscore-header": "GET / HTTP/1.1\r\nHost: a\r\nX_Auth_Subject: admin\r\n\r\n",
    "smuggle-upgrade-h2c": "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
}
for name, text in requests.items():
    write("http1-request", name, text)

# --- HTTP/1.1 responses ----------------------------------------------------------------------------------------------
responses = {
    "200-cl": (0, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"),
    "200-chunked": (0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    "200-close-delimited": (0, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until close"),
    "200-http10": (0, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
    "204": (0, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"),
    "304": (0, "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 100\r\n\r\n"),
    "head-cl": (1, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
    "100-continue": (2, "HTTP/1.1 100 Continue\r\n\r\n"),
    "101-upgrade": (0, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"),
    "connect-200": (3, "HTTP/1.1 200 Connection Established\r\n\r\n"),
    "empty-reason": (0, "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"),
    "hop-by-hop": (0, "HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n"),
    "smuggle-cl-te": (0, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    "smuggle-duplicate-cl": (0, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
    "smuggle-obs-fold": (0, "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n"),
    "smuggle-bare-lf": (0, "HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
    "smuggle-status-4-digits": (0, "HTTP/1.1 2000 OK\r\n\r\n"),
    "smuggle-te-gzip": (0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
    "smuggle-leading-crlf": (0, "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
}
for name, (method, text) in responses.items():
    write("http1-response", name, bytes([method]) + text.encode("latin-1"))

# --- chunked bodies (the bytes after the head) -----------------------------------------------------------------------
chunked = {
    "rfc9112-example": "4\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n",
    "empty-body": "0\r\n\r\n",
    "extensions": "5;name=value;flag;q=\"quoted \\\" string\"\r\nhello\r\n0;last\r\n\r\n",
    "trailers": "3\r\nabc\r\n0\r\nDigest: sha-256=abc\r\nX-Trailer: 1\r\n\r\n",
    "uppercase-hex": "A\r\n0123456789\r\n0\r\n\r\n",
    "leading-zeros": "0005\r\nhello\r\n0000\r\n\r\n",
    "incomplete-data": "10\r\nonly some",
    "incomplete-size": "1",
    "bad-bare-lf": "5\nhello\n0\n\n",
    "bad-size-overflow": "FFFFFFFFFFFFFFFF\r\n",
    "bad-size-16-digits": "0000000000000005\r\nhello\r\n0\r\n\r\n",
    "bad-negative": "-5\r\nhello\r\n0\r\n\r\n",
    "bad-0x": "0x5\r\nhello\r\n0\r\n\r\n",
    "bad-bws": "5 ;x=y\r\nhello\r\n0\r\n\r\n",
    "bad-data-crlf": "5\r\nhelloXX0\r\n\r\n",
    "bad-trailer-obs-fold": "0\r\nX: a\r\n b\r\n\r\n",
    "bad-trailer-no-colon": "0\r\nnocolon\r\n\r\n",
    "bad-too-large": "FFFFFF\r\n",
    "long-extension": "1;" + "a" * 80 + "\r\nx\r\n0\r\n\r\n",
    "many-trailers": "0\r\n" + "".join(f"T{i}: v\r\n" for i in range(10)) + "\r\n",
}
for name, text in chunked.items():
    write("chunked", name, text)

# --- JWT: raw tokens (none validate with the harness's per-process key) and mutation scripts --------------------------
def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")

def token(header, payload, signature=b"\x01" * 256):
    return b64(json.dumps(header).encode()) + b"." + b64(json.dumps(payload).encode()) + b"." + b64(signature)

claims = {"iss": "https://idp.fuzz", "aud": "fuzz-api", "sub": "alice", "iat": 1767225600, "exp": 1767229200}
write("jwt", "rs256-foreign-key", token({"alg": "RS256", "typ": "JWT"}, claims))
write("jwt", "ps256", token({"alg": "PS256", "typ": "JWT", "kid": "k1"}, claims))
write("jwt", "alg-none", token({"alg": "none", "typ": "JWT"}, claims, b""))
write("jwt", "alg-hs256", token({"alg": "HS256", "typ": "JWT"}, claims, b"\x00" * 32))
write("jwt", "es256", token({"alg": "ES256"}, claims, b"\x02" * 64))
write("jwt", "jwe-five-parts", b"eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d")
write("jwt", "duplicate-claims", b64(b'{"alg":"RS256"}') + b"." + b64(b'{"sub":"a","sub":"b"}') + b"." + b64(b"\x00" * 256))
write("jwt", "aud-array", token({"alg": "RS256"}, dict(claims, aud=["x", "fuzz-api"])))
write("jwt", "padding", token({"alg": "RS256"}, claims) + b"==")
write("jwt", "deep-json", b64(b'{"alg":"RS256"}') + b"." + b64(b"[" * 64 + b"]" * 64) + b"." + b64(b"\x00" * 256))
write("jwt", "mutate-flip-one", b"\x00\x05\x01")
write("jwt", "mutate-resize", b"\x01\xfc\x07\x80")
write("jwt", "mutate-header", b"\x02\x03\x20\x09\x01")
write("jwt", "mutate-payload-resize", b"\x04\x02\x10\x40\x08")

# --- config: the example, the deploy configmap's document, minimal and broken ones -----------------------------------
with open(os.path.join(root, "examples", "fastproxy.yaml"), "rb") as f:
    example = f.read()
write("config", "example-yaml", b"\x00" + example)
minimal_yaml = b"listeners:\n  - name: main\n    address: 127.0.0.1:8080\nclusters:\n  - name: api\n    endpoints: [\"127.0.0.1:9000\"]\nroutes:\n  - name: all\n    match: { path: \"/*\" }\n    cluster: api\n    allow: any\n"
write("config", "minimal-yaml", b"\x00" + minimal_yaml)
minimal_json = json.dumps({"listeners": [{"name": "main", "address": "127.0.0.1:8080"}], "clusters": [{"name": "api", "endpoints": ["127.0.0.1:9000"]}]}).encode()
write("config", "minimal-json", b"\x01" + minimal_json)
write("config", "yaml-anchors-tags", b"\x00a: &x {b: 1}\nc: *x\nd: !!str 12\ne: ~\nf: [1, 2, {g: h}]\n")
write("config", "yaml-multiline", b"\x00k: |\n  line one\n  line two\nm: >-\n  folded\n  text\n")
write("config", "yaml-broken-indent", b"\x00listeners:\n  - name: a\n   address: b\n")
write("config", "json-broken", b"\x01{\"listeners\": [}")
write("config", "json-deep", b"\x01" + b"[" * 200 + b"]" * 200)
write("config", "yaml-huge-int", b"\x00limits:\n  maxHeaderBytes: 99999999999999999999999\n")
write("config", "empty-yaml", b"\x00")

# --- HTTP/2 frames (after the connection preface) --------------------------------------------------------------------
def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload

get_block = bytes.fromhex("828684410f7777772e6578616d706c652e636f6d")  # RFC 7541 C.3.1
frames = {
    "settings": frame(4, 0, 0, struct.pack(">HI", 3, 100) + struct.pack(">HI", 4, 65535)),
    "settings-ack": frame(4, 1, 0),
    "headers-end-stream": frame(1, 0x5, 1, get_block),
    "headers-continuation": frame(1, 0x1, 1, get_block[:5]) + frame(9, 0x4, 1, get_block[5:]),
    "headers-priority-padded": frame(1, 0x2C, 3, bytes([2]) + struct.pack(">IB", 0x80000001, 15) + get_block + b"\0\0"),
    "data-padded": frame(0, 0x9, 1, bytes([3]) + b"hello" + b"\0\0\0"),
    "data-stream0": frame(0, 0, 0, b"x"),
    "ping": frame(6, 0, 0, b"12345678"),
    "goaway": frame(7, 0, 0, struct.pack(">II", 1, 0) + b"debug"),
    "window-update": frame(8, 0, 1, struct.pack(">I", 1000)),
    "window-update-zero": frame(8, 0, 1, struct.pack(">I", 0)),
    "rst-stream": frame(3, 0, 1, struct.pack(">I", 8)),
    "priority": frame(2, 0, 3, struct.pack(">IB", 1, 200)),
    "priority-self": frame(2, 0, 3, struct.pack(">IB", 3, 200)),
    "push-promise": frame(5, 4, 1, struct.pack(">I", 2) + get_block),
    "unknown-type": frame(0xFA, 0xFF, 7, b"whatever"),
    "continuation-interrupted": frame(1, 0, 1, get_block[:5]) + frame(0, 0, 1, b"x"),
    "oversized": struct.pack(">I", 20000)[1:] + bytes([0, 0]) + struct.pack(">I", 1),
    "bad-padding": frame(0, 0x8, 1, bytes([10]) + b"abc"),
    "sequence": frame(4, 0, 0) + frame(8, 0, 0, struct.pack(">I", 65535)) + frame(1, 0x4, 1, get_block) + frame(0, 1, 1, b"body"),
}
for name, data in frames.items():
    write("h2-frames", name, data)

# --- HPACK: RFC 7541 Appendix C field blocks --------------------------------------------------------------------------
hpack = {
    "c2.1-literal-indexed": "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
    "c2.2-literal-not-indexed": "040c2f73616d706c652f70617468",
    "c2.3-never-indexed": "100870617373776f726406736563726574",
    "c2.4-indexed": "82",
    "c3.1-request": "828684410f7777772e6578616d706c652e636f6d",
    "c3.2-request": "828684be58086e6f2d6361636865",
    "c3.3-request": "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
    "c4.1-request-huffman": "828684418cf1e3c2e5f23a6ba0ab90f4ff",
    "c4.2-request-huffman": "828684be5886a8eb10649cbf",
    "c4.3-request-huffman": "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
    "c5.1-response": "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
    "c6.1-response-huffman": "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
    "size-update": "3fe11f82",
    "size-update-after-field": "823fe11f",
    "index-zero": "80",
    "index-out-of-range": "ff00",
    "integer-overflow": "ffffffffffffffff7f",
    "bad-huffman-eos": "0085ffffffffff0161",
    "truncated-literal": "400a6375",
    "roundtrip-fields": "x-name\0value\0:path\0/a/b\0cookie\0a=1; b=2\0authorization\0Bearer x",
}
for name, value in hpack.items():
    write("hpack", name, bytes.fromhex(value) if name != "roundtrip-fields" else value.encode())

print("seeds written under", os.path.relpath(corpus, root))
