#!/usr/bin/python3
"""A gRPC client on python3-grpcio (Debian) for the echo test service, without generated code.

The EchoRequest / EchoReply protobuf messages (tests/GrpcTestServer/Protos/echo.proto) are encoded and decoded here by
hand, and the channel's generic unary_unary / unary_stream / stream_stream calls carry the bytes unchanged.

Usage: grpc_echo.py TARGET SPEC_JSON        (TARGET: 127.0.0.1:PORT, h2c)
SPEC_JSON: {"shape": "unary" | "server_stream" | "client_stream" | "bidi",
            "request": {"message": "hi", "responses": 0, "payload_size": 0, "delay_ms": 0, "fail_status": 0,
                        "fail_message": "", "echo_metadata": false, "payload_len": 0},
            "count": 1,                  (requests sent by client_stream / bidi)
            "metadata": [[key, value], ...]   (a key ending in -bin takes a value in hex),
            "timeout": 10,               (the call's deadline in seconds)
            "repeat": 1}                 (unary only: that many calls one after another on the same channel, so on
                                          one HTTP/2 connection; their status names are listed in "codes")
Prints one JSON document: code (the status name, e.g. "OK", "UNAUTHENTICATED"), details, replies (their count),
messages (the first three reply messages), payload_bytes (summed), initial_metadata and trailing_metadata
([key, value] with -bin values in hex).
"""
import json
import sys

import grpc


def varint(value):
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire_type, payload):
    return varint((number << 3) | wire_type) + payload


def encode_request(spec):
    out = bytearray()
    text = spec.get("message", "").encode("utf-8")
    if text:
        out += field(1, 2, varint(len(text)) + text)
    for number, key in ((2, "responses"), (3, "payload_size"), (4, "delay_ms"), (5, "fail_status")):
        if spec.get(key, 0):
            out += field(number, 0, varint(spec[key]))
    fail = spec.get("fail_message", "").encode("utf-8")
    if fail:
        out += field(6, 2, varint(len(fail)) + fail)
    if spec.get("echo_metadata"):
        out += field(7, 0, varint(1))
    payload_len = spec.get("payload_len", 0)
    if payload_len:
        out += field(8, 2, varint(payload_len) + bytes(i % 251 for i in range(payload_len)))
    return bytes(out)


def read_varint(data, pos):
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def decode_reply(data):
    reply = {"message": "", "payload": 0, "index": 0, "received": 0, "received_bytes": 0}
    pos = 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = read_varint(data, pos)
            reply[{3: "index", 4: "received", 5: "received_bytes"}.get(number, "unknown")] = value
        elif wire_type == 2:
            length, pos = read_varint(data, pos)
            chunk = data[pos:pos + length]
            pos += length
            if number == 1:
                reply["message"] = chunk.decode("utf-8")
            elif number == 2:
                reply["payload"] = len(chunk)
        else:
            raise ValueError("unexpected wire type %d" % wire_type)
    return reply


def metadata_out(pairs):
    return [[k, v.hex() if isinstance(v, bytes) else v] for k, v in (pairs or [])]


def main():
    target, spec = sys.argv[1], json.loads(sys.argv[2])
    shape = spec.get("shape", "unary")
    request = encode_request(spec.get("request", {}))
    count = spec.get("count", 1)
    metadata = [(k, bytes.fromhex(v) if k.endswith("-bin") else v) for k, v in spec.get("metadata", [])]
    timeout = spec.get("timeout", 10)
    options = [("grpc.max_receive_message_length", 16 * 1024 * 1024), ("grpc.max_send_message_length", 16 * 1024 * 1024)]
    identity = lambda b: b  # noqa: E731 - the bytes are the message
    result = {"code": "OK", "details": "", "replies": 0, "messages": [], "payload_bytes": 0,
              "initial_metadata": [], "trailing_metadata": []}
    with grpc.insecure_channel(target, options=options) as channel:
        path = {"unary": "/echo.Echo/Unary", "server_stream": "/echo.Echo/ServerStream",
                "client_stream": "/echo.Echo/ClientStream", "bidi": "/echo.Echo/Bidi"}[shape]
        kinds = {"unary": channel.unary_unary, "server_stream": channel.unary_stream,
                 "client_stream": channel.stream_unary, "bidi": channel.stream_stream}
        method = kinds[shape](path, request_serializer=identity, response_deserializer=identity)
        replies = []
        call = None
        codes = []
        for _ in range(spec.get("repeat", 1) - 1):
            try:
                method.with_call(request, timeout=timeout, metadata=metadata)
                codes.append("OK")
            except grpc.RpcError as error:
                codes.append(error.code().name)
        try:
            if shape in ("unary", "client_stream"):
                argument = request if shape == "unary" else iter([request] * count)
                reply, call = method.with_call(argument, timeout=timeout, metadata=metadata)
                replies.append(reply)
            else:
                argument = request if shape == "server_stream" else iter([request] * count)
                call = method(argument, timeout=timeout, metadata=metadata)
                for reply in call:
                    replies.append(reply)
        except grpc.RpcError as error:
            call = error
            result["code"] = error.code().name
            result["details"] = error.details() or ""
        result["codes"] = codes + [result["code"]]
        decoded = [decode_reply(r) for r in replies]
        result["replies"] = len(decoded)
        result["messages"] = [d["message"] for d in decoded[:3]]
        result["payload_bytes"] = sum(d["payload"] for d in decoded)
        result["received"] = decoded[-1]["received"] if decoded else 0
        if call is not None:
            result["initial_metadata"] = metadata_out(call.initial_metadata())
            result["trailing_metadata"] = metadata_out(call.trailing_metadata())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
