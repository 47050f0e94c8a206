#!/usr/bin/env python3
"""l7_agree.py - per-flow application verdicts of pktlens against ndpiReader's.

usage: l7_agree.py [--min PCT] NDPI_DIR PKTLENS_DIR
NDPI_DIR holds FILE.csv (ndpiReader -C), PKTLENS_DIR FILE.json: pktlens's EVE
events (analyze --eve), of which the flow events count: proto, src_ip, src_port,
dest_ip, dest_port and ndpi.protocol (nDPI's "master.app" name; "Unknown" without). Flows are matched by protocol and both endpoints (either order). Prints the
disagreements by file and the agreement over the flows ndpiReader lists; exits 1
when it is below --min (default 95) or when no flow was compared.
"""
import csv
import ipaddress
import json
import os
import sys
from collections import defaultdict


PROTOS = {"TCP": 6, "UDP": 17, "ICMP": 1, "IPv6-ICMP": 58, "SCTP": 132}


def addr(s):
    """One text per address: ndpiReader's IPv6 forms ("::25de" for ":0:25de") differ
    from pktlens's RFC 5952 ones; a form no parser takes stays as it is."""
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        return s


def key(proto, a, ap, b, bp):
    return (int(proto), frozenset([(addr(a), int(ap)), (addr(b), int(bp))]))


def read_ndpi(path):
    flows = defaultdict(list)
    with open(path, newline="", errors="replace") as f:
        for row in csv.reader(f):
            if not row or row[0].startswith("#"):
                continue
            try:
                k = key(row[1], row[5], row[6], row[7], row[8])
            except (ValueError, IndexError):
                continue
            flows[k].append(row[10])
    return flows


def read_ours(path):
    flows = defaultdict(list)
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            o = json.loads(line)
            if o.get("event_type") != "flow":
                continue
            proto = PROTOS.get(o["proto"]) or int(o["proto"])
            k = key(proto, o["src_ip"], o.get("src_port", 0), o["dest_ip"],
                    o.get("dest_port", 0))
            flows[k].append(o.get("ndpi", {}).get("protocol", "Unknown"))
    return flows


def main(argv):
    min_pct = 95.0
    if len(argv) > 1 and argv[1] == "--min":
        min_pct = float(argv[2])
        argv = argv[:1] + argv[3:]
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    nd_dir, pl_dir = argv[1], argv[2]
    total = agree = missing = 0
    for name in sorted(os.listdir(nd_dir)):
        if not name.endswith(".csv"):
            continue
        base = name[:-4]
        ours_path = os.path.join(pl_dir, base + ".json")
        nd = read_ndpi(os.path.join(nd_dir, name))
        ours = read_ours(ours_path) if os.path.exists(ours_path) else {}
        bad = []
        for k, verdicts in nd.items():
            mine = list(ours.get(k, []))
            for v in verdicts:
                total += 1
                if v in mine:
                    agree += 1
                    mine.remove(v)
                elif not ours.get(k):
                    missing += 1
                    bad.append((k, v, "(no flow)"))
                else:
                    bad.append((k, v, "/".join(mine) or "(fewer flows)"))
        for k, v, m in bad:
            ends = " ".join(sorted("%s.%d" % e for e in k[1]))
            print("%s: proto %d %s: ndpiReader %s, pktlens %s" % (base, k[0], ends, v, m))
    if not total:
        print("no flow compared")
        return 1
    pct = 100.0 * agree / total
    print("agreement: %d of %d flows (%.2f %%), %d flows pktlens did not have"
          % (agree, total, pct, missing))
    return 0 if pct >= min_pct else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
