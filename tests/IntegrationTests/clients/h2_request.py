#!/usr/bin/python3
"""An HTTP/2 client on python3-h2 (hyper-h2) that sends exactly the fields it is given.

Outbound validation and normalisation are switched off, so it can send what a conforming client never would
(CR/LF in a value, an uppercase name, connection-specific fields, a content-length the DATA does not match): the
integration tests use it to check how the proxy refuses such requests.

Usage: h2_request.py PORT SPEC_JSON [--tls CAFILE]
SPEC_JSON: {"streams": [{"headers": [[name, value], ...], "body": "text or null"}, ...],
            "drain": false, "timeout": 10}
With "drain": true the first stream is sent, then after "term_after" seconds SIGTERM goes to the process "term_pid"
(the proxy), and the other streams are sent only after the server's GOAWAY arrives (a graceful shutdown test).

Prints one JSON document: per stream id its status, response fields, body, reset code and whether it ended; the
GOAWAY received (code and last stream id), and whether the connection was closed by the server.
"""
import json
import os
import select
import signal
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events
from h2.connection import ConnectionInputs, ConnectionState, H2ConnectionStateMachine

# RFC 9113 §6.8: streams up to the GOAWAY's last stream id still complete. h2 4.1 treats a received GOAWAY as the end
# of the connection and refuses every later frame, so let it go on receiving (and acknowledging) in that state.
for _input in (ConnectionInputs.RECV_HEADERS, ConnectionInputs.RECV_DATA, ConnectionInputs.RECV_WINDOW_UPDATE,
               ConnectionInputs.RECV_RST_STREAM, ConnectionInputs.RECV_PING, ConnectionInputs.RECV_SETTINGS,
               ConnectionInputs.SEND_WINDOW_UPDATE, ConnectionInputs.SEND_PING, ConnectionInputs.SEND_SETTINGS):
    H2ConnectionStateMachine._transitions[(ConnectionState.CLOSED, _input)] = (None, ConnectionState.CLOSED)


def main():
    port = int(sys.argv[1])
    spec = json.loads(sys.argv[2])
    cafile = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--tls" else None
    deadline = time.monotonic() + float(spec.get("timeout", 10))

    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if cafile is not None:
        context = ssl.create_default_context(cafile=cafile)
        context.set_alpn_protocols(["h2"])
        sock = context.wrap_socket(sock, server_hostname="localhost")

    config = h2.config.H2Configuration(
        client_side=True,
        header_encoding=None,
        validate_outbound_headers=False,
        normalize_outbound_headers=False,
        validate_inbound_headers=False,
        normalize_inbound_headers=False,
    )
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())

    result = {"streams": {}, "goaway": None, "closed": False}
    pending = []

    def send(stream_spec):
        stream_id = conn.get_next_available_stream_id()
        headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in stream_spec["headers"]]
        body = stream_spec.get("body")
        conn.send_headers(stream_id, headers, end_stream=body is None)
        if body is not None:
            conn.send_data(stream_id, body.encode("latin-1"), end_stream=True)
        result["streams"][str(stream_id)] = {"status": None, "headers": [], "body": "", "reset": None, "ended": False}
        pending.append(stream_id)
        sock.sendall(conn.data_to_send())

    streams = spec["streams"]
    if spec.get("drain"):
        send(streams[0])
        # Shut the proxy down while the first stream is in flight (sent from here: no handshake with the test needed).
        time.sleep(float(spec.get("term_after", 0.5)))
        os.kill(int(spec["term_pid"]), signal.SIGTERM)
        later = streams[1:]
    else:
        for stream_spec in streams:
            send(stream_spec)
        later = []

    # A drain test reads on until the server closes: a late stream must stay unanswered to the end.
    while (pending or spec.get("drain")) and time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.1)
        if not ready and not (cafile and sock.pending()):
            continue
        try:
            data = sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            data = b""
        if not data:
            result["closed"] = True
            break
        try:
            events = conn.receive_data(data)
        except Exception as ex:  # the server broke the protocol (e.g. answered a stream it should have ignored)
            result["client_error"] = type(ex).__name__ + ": " + str(ex)
            break
        for event in events:
            sid = str(getattr(event, "stream_id", 0))
            if sid not in result["streams"]:
                if sid != "0":
                    result["unexpected_stream_event"] = type(event).__name__ + " on stream " + sid
                if not isinstance(event, h2.events.ConnectionTerminated):
                    continue
            if isinstance(event, h2.events.ResponseReceived):
                fields = [[n.decode("latin-1"), v.decode("latin-1")] for n, v in event.headers]
                result["streams"][sid]["headers"] = fields
                result["streams"][sid]["status"] = int(dict(fields)[":status"])
            elif isinstance(event, h2.events.DataReceived):
                result["streams"][sid]["body"] += event.data.decode("latin-1")
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                result["streams"][sid]["ended"] = True
                pending.remove(event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                result["streams"][sid]["reset"] = int(event.error_code)
                if event.stream_id in pending:
                    pending.remove(event.stream_id)
            elif isinstance(event, h2.events.ConnectionTerminated):
                result["goaway"] = {"code": int(event.error_code), "last_stream_id": event.last_stream_id}
                for stream_spec in later:
                    # The server said it takes no new stream; h2 will not open one any more, so the frame is built by
                    # hand. A server that answered it would make receive_data fail below.
                    result["late_stream"] = send_raw_headers(sock, conn, stream_spec)
                later = []
        outgoing = conn.data_to_send()
        if outgoing:
            try:
                sock.sendall(outgoing)
            except OSError:
                result["closed"] = True
                break

    result["pending"] = pending
    print(json.dumps(result), flush=True)


def send_raw_headers(sock, conn, stream_spec):
    """Sends a HEADERS frame (END_STREAM | END_HEADERS) on the next odd stream id and returns that id."""
    stream_id = conn.highest_outbound_stream_id + 2
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in stream_spec["headers"]]
    block = conn.encoder.encode(headers)
    frame = len(block).to_bytes(3, "big") + bytes([0x1, 0x5]) + stream_id.to_bytes(4, "big") + block
    try:
        sock.sendall(frame)
    except OSError:
        pass
    return stream_id


if __name__ == "__main__":
    main()
