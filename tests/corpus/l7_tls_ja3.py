# SPDX-License-Identifier: BSD-2-Clause
"""l7_tls_ja3.py - JA3 and JA3S of `analyze --eve` against tshark (run by
test_l7_tls.sh: python3 l7_tls_ja3.py PKTLENS CAPTURE...).

For each capture, tshark's tls.handshake.ja3 (ClientHello) and tls.handshake.ja3s
(ServerHello), keyed by the client's address and port, and pktlens's tls events'
tls.ja3.hash / tls.ja3s.hash, keyed the same: every hash tshark computes must be in
the flow's tls event, which has app_proto "tls" (nDPI 4.2 names TLS on the mail ports
IMAPS, POPS, SMTPS; Suricata calls them tls). Captures given as quic:PATH: the quic
events' quic.version must be tshark's quic.version (or gquic.version) in Suricata's
form (hex without 0x; gQUIC Q039-Q046 by name). Captures given as cat:PATH: the text report's "categories:"
lines (flows and packets per nDPI category) against the categories and packets of the
flows `ndpiReader -v 2` lists on the same file.
"""
import ipaddress
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from results import ok, fail, summary  # noqa: E402


def addr(s):
    return str(ipaddress.ip_address(s))


def tshark(path):
    """(client addr, client port) -> {"ja3": set, "ja3s": set}."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y", "tls.handshake.ja3 || tls.handshake.ja3s",
                          "-T", "fields", "-E", "separator=/t", "-e", "ip.src", "-e", "ipv6.src",
                          "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
                          "-e", "tls.handshake.ja3", "-e", "tls.handshake.ja3s"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120).stdout
    want = {}
    for line in out.decode().splitlines():
        f = line.split("\t")
        if len(f) < 8 or not f[2]:
            continue
        src, dst = addr(f[0] or f[1]), addr(f[3] or f[4])
        for h in f[6].split(","):
            if h:
                want.setdefault((src, int(f[2])), {"ja3": set(), "ja3s": set()})["ja3"].add(h)
        for h in f[7].split(","):
            if h:
                want.setdefault((dst, int(f[5])), {"ja3": set(), "ja3s": set()})["ja3s"].add(h)
    return want


EVE = {}  # capture path -> its EVE events: one analyze (-r F1 -r F2 ...) for all


def eve_of(pk, paths):
    args = []
    for p in paths:
        args += ["-r", p]
    out = subprocess.run([pk, "-q", "analyze"] + args + ["--eve", "-"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=300).stdout
    for line in out.decode().splitlines():
        e = json.loads(line)
        EVE.setdefault(e.get("pcap_filename"), []).append(e)


def pktlens(path):
    got = {}
    for e in EVE.get(path, []):
        if e.get("event_type") != "tls":
            continue
        t = e["tls"]
        got[(addr(e["src_ip"]), e["src_port"])] = (
            t.get("ja3", {}).get("hash"), t.get("ja3s", {}).get("hash"), e.get("app_proto"))
    return got


def suricata_quic(v):
    if v.startswith("Q"):
        return v if v in ("Q039", "Q043", "Q044", "Q045", "Q046") else "%x" % int(v.encode().hex(), 16)
    return "%x" % int(v, 16)


def quic(path):
    name = os.path.basename(path)
    out = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-e", "quic.version",
                          "-e", "gquic.version"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=120).stdout.decode()
    vals = [x.split(",")[0] for x in out.replace("\t", "\n").split() if x]
    got = [e["quic"].get("version") for e in EVE.get(path, []) if e.get("event_type") == "quic"]
    if not vals or not got:
        fail(name + " quic.version", "tshark %s, pktlens quic events %s" % (vals[:1], got))
    elif all(g == suricata_quic(vals[0]) for g in got):
        ok("%s: quic.version %s (tshark %s)" % (name, got[0], vals[0]))
    else:
        fail(name + " quic.version", "pktlens %s, tshark %s" % (got, vals[0]))


def categories(pk, path):
    name = os.path.basename(path)
    out = subprocess.run(["ndpiReader", "-q", "-v", "2", "-i", path], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=120).stdout.decode(errors="replace")
    want = {}
    for line in out.splitlines():
        m = re.search(r"\[cat: ([^/\]]+)/\d+\].*?\[(\d+) pkts/\d+ bytes (?:<->|->) (\d+) pkts", line)
        if m and re.match(r"\s+\d+\s+\S+ ", line):
            w = want.setdefault(m.group(1), [0, 0])
            w[0] += 1
            w[1] += int(m.group(2)) + int(m.group(3))
    txt = subprocess.run([pk, "-q", "analyze", "-r", path, "--top", "100"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=120).stdout.decode(errors="replace")
    got, on = {}, False
    for line in txt.splitlines():
        if line == "categories:":
            on = True
        elif on:
            m = re.match(r"  (.+?)\s+(\d+) flows\s+(\d+) pkts", line)
            if not m:
                break
            got[m.group(1)] = [int(m.group(2)), int(m.group(3))]
    if want and got == want:
        ok("%s: text report categories (flows, packets) as ndpiReader's: %s" % (name, got))
    else:
        fail(name + " categories", "pktlens %s, ndpiReader %s" % (got, want))
    # The top-flow table's app column: ndpiReader's "master.app" name of the same flow.
    names = {}
    for m in re.finditer(r"^\s+\d+\s+\S+ (\S+):(\d+) <?-> (\S+):(\d+) \[proto: [\d.]+/([^\]]+)\]",
                         out, re.M):
        names[frozenset([(addr(m.group(1).strip("[]")), int(m.group(2))),
                         (addr(m.group(3).strip("[]")), int(m.group(4)))])] = m.group(5)
    rows, bad, on = 0, [], False
    for line in txt.splitlines():
        if line == "top flows by bytes":
            on = True
            continue
        f = line.split()
        if on and f and f[0] == "proto":
            continue
        if on and len(f) >= 7 and f[0] in ("tcp", "udp"):
            ends = frozenset((addr(e.rsplit(".", 1)[0]), int(e.rsplit(".", 1)[1])) for e in f[1:3])
            rows += 1
            if names.get(ends) != f[-1]:
                bad.append("%s: pktlens %s, ndpiReader %s" % (" ".join(f[1:3]), f[-1], names[ends]))
        elif on:
            break
    if rows and not bad:
        ok("%s: app column of %d top flows as ndpiReader names them" % (name, rows))
    else:
        fail(name + " app column", "%d rows; %s" % (rows, "; ".join(bad[:3])))


def main():
    pk = sys.argv[1]
    eve_of(pk, [a.split(":", 1)[1] if a.startswith("quic:") else a for a in sys.argv[2:]
                if not a.startswith("cat:")])
    for path in sys.argv[2:]:
        if path.startswith("cat:"):
            categories(pk, path[4:])
            continue
        if path.startswith("quic:"):
            quic(path[5:])
            continue
        name = os.path.basename(path)
        want, got = tshark(path), pktlens(path)
        bad, n = [], 0
        for k, w in sorted(want.items()):
            g = got.get(k)
            for i, kind in ((0, "ja3"), (1, "ja3s")):
                if not w[kind]:
                    continue
                n += 1
                if not g or g[i] not in w[kind]:
                    bad.append("%s:%d %s pktlens %s, tshark %s" % (k[0], k[1], kind,
                               g[i] if g else "no tls event", sorted(w[kind])))
            if g and g[2] != "tls":
                bad.append("%s:%d app_proto %s" % (k[0], k[1], g[2]))
        if not n:
            fail(name, "tshark computed no JA3 (is this tshark too old?)")
        elif bad:
            fail(name, "%d of %d hashes differ: %s" % (len(bad), n, "; ".join(bad[:3])))
        else:
            ok("%s: %d JA3/JA3S hashes as tshark's, app_proto tls" % (name, n))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
