#!/usr/bin/env python3
"""make_sample.py [CORPUS]: print the fast tier's fixed sample of the shared corpus.

`make test` runs the corpus tests on this sample (tests/corpus/sample.txt, one path
relative to CORPUS a line); `make test-full` sweeps every capture. The sample holds,
chosen from MANIFEST.tsv in its order so that it is the same on every machine:
  - up to 3 captures of every link type (every file format: pcap, pcapng, cap),
  - one capture for each feature flag the manifest marks (VLAN, QinQ, MPLS, tunnel,
    IPv6 extension headers, fragments, IPsec, ARP, ICMP, malformed, snaplen-cut, ...),
    one from each source folder,
  - every 12th capture besides.
Regenerate after the corpus changes: tests/corpus/make_sample.py > tests/corpus/sample.txt
"""
import csv
import os
import sys

corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "shared", "corpus")
with open(os.path.join(corpus, "MANIFEST.tsv"), newline="") as f:
    rows = [r for r in csv.DictReader(f, delimiter="\t") if not r["dup_of"]]
rows.sort(key=lambda r: r["path"])

picked = {}
def pick(r):
    picked[r["path"]] = True

per_kind = {}
for r in rows:
    kind = (r["link_type"], r["path"].rsplit(".", 1)[-1])
    if per_kind.get(kind, 0) < 3:
        per_kind[kind] = per_kind.get(kind, 0) + 1
        pick(r)
flags = [k for k in rows[0] if k.startswith(("has_", "is_"))] + [
    "malformed_frames", "snaplen_truncated_frames"]
for flag in flags:
    for source in ("tcpdump", "ndpi"):
        for r in rows:
            if r["source"] == source and r[flag] not in ("", "0"):
                pick(r)
                break
for i, r in enumerate(rows):
    if i % 12 == 0:
        pick(r)
for p in sorted(picked):
    print(p)
