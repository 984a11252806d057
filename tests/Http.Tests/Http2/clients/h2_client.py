"""An independent HTTP/2 client (python3-h2) for the connection's black-box tests.

Usage: h2_client.py HOST PORT
Runs: a GET; a POST with a body and trailers; 20 concurrent streams; a 1 MiB download with a 16 KiB
stream window, crediting only as it reads (flow-control bound). Prints one "OK <case>" line per case,
exits 0 when all pass, 1 (with the reason) otherwise, 2 when the h2 module is missing.
"""
import socket
import sys

try:
    import h2.config
    import h2.connection
    import h2.events
    import h2.settings
except ImportError:
    print("SKIP python3-h2 is not installed")
    sys.exit(2)


class Client:
    def __init__(self, host, port, window=None):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        if window is not None:
            self.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
        self.flush()
        self.responses = {}

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, method, path, body=None, trailers=None, extra=()):
        stream_id = self.conn.get_next_available_stream_id()
        headers = [(":method", method), (":scheme", "http"), (":authority", "localhost"), (":path", path)] + list(extra)
        end = body is None and trailers is None
        self.conn.send_headers(stream_id, headers, end_stream=end)
        if body is not None:
            self.conn.send_data(stream_id, body, end_stream=trailers is None)
        if trailers is not None:
            self.conn.send_headers(stream_id, trailers, end_stream=True)
        self.flush()
        self.responses[stream_id] = {"headers": None, "body": bytearray(), "trailers": None, "done": False}
        return stream_id

    def run_until_done(self, stream_ids, credit=True):
        while not all(self.responses[s]["done"] for s in stream_ids):
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("server closed the connection")
            for event in self.conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    self.responses[event.stream_id]["headers"] = dict(event.headers)
                elif isinstance(event, h2.events.DataReceived):
                    self.responses[event.stream_id]["body"] += event.data
                    if credit:
                        self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.TrailersReceived):
                    self.responses[event.stream_id]["trailers"] = dict(event.headers)
                elif isinstance(event, h2.events.StreamEnded):
                    self.responses[event.stream_id]["done"] = True
                elif isinstance(event, h2.events.StreamReset):
                    raise RuntimeError("stream %d reset with %s" % (event.stream_id, event.error_code))
                elif isinstance(event, h2.events.ConnectionTerminated):
                    raise RuntimeError("GOAWAY %s" % event.error_code)
            self.flush()

    def close(self):
        self.conn.close_connection()
        self.flush()
        self.sock.close()


def expect(condition, message):
    if not condition:
        print("FAIL " + message)
        sys.exit(1)


def main():
    host, port = sys.argv[1], int(sys.argv[2])

    c = Client(host, port)
    s = c.request("GET", "/hello?x=1")
    c.run_until_done([s])
    r = c.responses[s]
    expect(r["headers"][":status"] == "200", "GET status %r" % r["headers"])
    expect(r["headers"]["x-path"] == "/hello", "GET x-path %r" % r["headers"])
    print("OK get")

    s = c.request("POST", "/echo", body=b"hello h2", trailers=[("x-sum", "42")], extra=[("content-length", "8")])
    c.run_until_done([s])
    r = c.responses[s]
    expect(bytes(r["body"]) == b"hello h2", "POST body %r" % bytes(r["body"]))
    expect(r["trailers"] == {"x-sum": "42"}, "POST trailers %r" % r["trailers"])
    print("OK post-trailers")

    ids = [c.request("POST", "/c%d" % i, body=("body%d" % i).encode()) for i in range(20)]
    c.run_until_done(ids)
    for i, s in enumerate(ids):
        expect(bytes(c.responses[s]["body"]) == ("body%d" % i).encode(), "concurrent stream %d" % s)
    print("OK concurrent")
    c.close()

    d = Client(host, port, window=16384)
    s = d.request("GET", "/download/1048576")
    d.run_until_done([s])
    body = bytes(d.responses[s]["body"])
    expect(len(body) == 1048576, "download length %d" % len(body))
    expect(body == bytes(i % 251 for i in range(1048576)), "download content")
    print("OK download")
    d.close()


if __name__ == "__main__":
    main()
