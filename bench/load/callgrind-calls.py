#!/usr/bin/python3
"""Calls made to functions whose names start with one of PREFIXES, summed over a callgrind dump.

Usage: callgrind-calls.py DUMP PREFIX...   (prints one number)
Used by instructions-ab.sh to count allocations (RhpNew*, the native AOT runtime's allocation helpers) per request.
A dump names a function in full once and by its number after that: "cfn=(12) Name", then "cfn=(12)".
"""
import re
import sys

dump, prefixes = sys.argv[1], tuple(sys.argv[2:])
names = {}
target = None
total = 0
cfn = re.compile(r"^cfn=\((\d+)\)(?: (.*))?$")
with open(dump, encoding="utf-8", errors="replace") as f:
    for line in f:
        m = cfn.match(line)
        if m:
            number, name = m.group(1), m.group(2)
            if name is not None:
                names[number] = name
            target = names.get(number, "")
            continue
        if line.startswith("fn="):
            m = re.match(r"^fn=\((\d+)\)(?: (.*))?$", line)
            if m and m.group(2) is not None:
                names[m.group(1)] = m.group(2)
            continue
        if line.startswith("calls=") and target is not None:
            if target.startswith(prefixes):
                total += int(line.split("=", 1)[1].split()[0])
            target = None
print(total)
