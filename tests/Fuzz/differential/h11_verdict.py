#!/usr/bin/python3
"""Differential oracle: how Python's h11 (a parser we did not write) reads each HTTP/1.1 request file.

Usage: h11_verdict.py FILE...   prints one JSON object per line:
  {"file": name, "verdict": "accept"|"reject"|"incomplete", "method", "target", "version",
   "headers": [[lower-case name, value], ...], "body": hex of the body bytes, "complete": bool, "error": text}
Only the first request of each file is read. Run with Debian's python3 (python3-h11).
"""
import json
import os
import sys

import h11


def verdict(data):
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
    conn.receive_data(data)
    conn.receive_data(b"")  # the peer closed: lets h11 finish or fail a close-delimited read
    out = {"verdict": "incomplete"}
    body = bytearray()
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                break
            if isinstance(event, h11.Request):
                out = {
                    "verdict": "accept",
                    "method": event.method.decode("latin-1"),
                    "target": event.target.decode("latin-1"),
                    "version": event.http_version.decode("latin-1"),
                    "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in event.headers],
                    "complete": False,
                }
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                out["complete"] = True
                break
    except h11.RemoteProtocolError as e:
        if out["verdict"] == "accept":
            out["body_error"] = str(e)
        else:
            out = {"verdict": "reject", "error": str(e)}
    if out["verdict"] == "accept":
        out["body"] = body.hex()
    return out


for path in sys.argv[1:]:
    with open(path, "rb") as f:
        result = verdict(f.read())
    result["file"] = os.path.basename(path)
    print(json.dumps(result, sort_keys=True))
