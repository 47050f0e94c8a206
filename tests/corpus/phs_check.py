#!/usr/bin/env python3
"""phs_check.py - pktlens's protocol hierarchy against tshark's.

usage: phs_check.py TSHARK_PHS PKTLENS_JSON
TSHARK_PHS is `tshark -q -z io,phs -r FILE`; PKTLENS_JSON is `pktlens analyze --json -r
FILE`. Every node of pktlens's link, network and transport levels must be in tshark's
tree at the same path with the same frames and bytes, and so must tshark's nodes of
those levels be in pktlens's; at the application level, UDP's DNS (every DNS packet
is one tshark decodes) must have tshark's frames and bytes. Prints one line per node
compared ("ok" or "bad"), exits 1 on any difference.
"""
import json
import re
import sys

L3 = {"ip", "ipv6", "arp"}
L4 = {"tcp", "udp", "icmp", "icmpv6", "sctp", "gre"}
APPS = {("udp", "DNS"): "dns"}


def tshark_tree(path):
    """{path tuple: (frames, bytes)} from tshark's indented text."""
    out, stack = {}, []
    for line in open(path):
        m = re.match(r"^( *)(\S+) +frames:(\d+) bytes:(\d+)", line)
        if not m:
            continue
        depth = len(m.group(1)) // 2
        stack = stack[:depth] + [m.group(2)]
        key = tuple(stack)
        f, b = out.get(key, (0, 0))
        out[key] = (f + int(m.group(3)), b + int(m.group(4)))
    return out


def ours_tree(path):
    out = {}

    def walk(n, prefix):
        key = prefix + (n["protocol"],)
        out[key] = (n["frames"], n["bytes"])
        for c in n["children"]:
            walk(c, key)
    j = json.load(open(path))
    for n in j["protocol_hierarchy"]:
        walk(n, ())
    return out


def main():
    ts, ours = tshark_tree(sys.argv[1]), ours_tree(sys.argv[2])
    bad = 0
    want = {}
    for k, v in ts.items():
        if len(k) == 1 or (len(k) == 2 and k[1] in L3) or \
           (len(k) == 3 and k[1] in L3 and k[2] in L4):
            want[k] = v
    for k, v in ours.items():
        if len(k) == 4:
            name = APPS.get((k[2], k[3]))
            if not name:
                continue
            want_v = ts.get(k[:3] + (name,), (0, 0))
            ok = want_v == v
        elif len(k) == 1 or (len(k) == 2 and k[1] in L3) or (len(k) == 3 and k[2] in L4):
            want_v = want.pop(k, None)
            ok = want_v == v
        else:
            continue  # pktlens's own classes (fragment, other): tshark has none
        print("%s %s: pktlens %s, tshark %s" % ("ok " if ok else "bad", "/".join(k), v, want_v))
        bad += not ok
    for k, v in want.items():
        print("bad %s: pktlens none, tshark %s" % ("/".join(k), v))
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
