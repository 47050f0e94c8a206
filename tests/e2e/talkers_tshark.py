# SPDX-License-Identifier: BSD-2-Clause
"""talkers_tshark.py - the kernel's address, port and ICMP tables against tshark.

Run by test_talkers_tshark.sh: python3 talkers_tshark.py PKTLENS TMPDIR CORPUS FULL.

Captures written here (tests/lib/pcapgen.py) - a spoofed SYN flood from 3,000 sources
run with a 64-entry flow table, fragmented datagrams, TSO frames, PPPoE and MPLS, ICMP
and ICMPv6 errors of several types and codes, UDP services answering, and frames of
the link types PPP (9), PPP in HDLC framing (50), Cisco HDLC (104), NFLOG (239),
802.11 with radiotap (127), Linux cooked SLL (113) and SLL2 (276), raw IP (101) and BSD
loopback (0) - and captures of
the shared corpus (tests/corpus/sample.txt: a few in the fast tier, all of it with
FULL=1). For each one, `pktlens analyze --json` is held against tshark on the same file:
  - every address's packets and bytes sent and received as `tshark -z endpoints,ip`
    and `endpoints,ipv6` count them (Tx: top_sources, Rx: top_destinations), on every
    link type: pktlens counts the capture's own frame lengths, also where the program
    sees the frame behind a synthetic Ethernet header;
  - ports as counts of tcp.dstport, udp.dstport, udp.srcport and sctp.dstport of the
    transport header right after the outer IP header (packets and frame bytes);
  - total.bytes as the sum of tshark's frame.len (frame.cap_len where a damaged record
    says fewer bytes than it holds, as pktlens-analyze(8) counts it);
  - ICMP and ICMPv6 (type, code) as counts of icmp.type/icmp.code, icmpv6.type/code;
  - with --addresses 64 (and pktlens.conf's key), address tables of that size that
    evict and count it, the flood's victim and client still as tshark counts them;
  - the text report's (no --json) top ports and ICMP types of two crafted captures: the
    same rows and counts, as printed;
  - l3.ipv4/l3.ipv6 and link.pppoe_session/link.mpls as counts of frames with an
    outer ip/ipv6, pppoes and mpls layer.
tshark counts the addresses of every IP layer of a frame (a tunnel's inner packet, the
header quoted in an ICMP error); pktlens the outer one only: a corpus capture with a
frame of two IP layers is left out of the address check, and a damaged one (malformed
packets, where pktlens stops and tshark reads on) out of all (said, not hidden).
"""
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pcapgen import *  # noqa: E402,F401,F403
from results import ok, fail, skip, summary  # noqa: E402

PKTLENS, TMP, CORPUS, FULL = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
FAST_CORPUS = 8  # captures of the sample compared in the fast tier


def check(name, got, want):
    if got == want:
        ok(name)
    elif isinstance(got, dict) and isinstance(want, dict):
        diff = ["%s: pktlens %s, tshark %s" % (k, got.get(k), want.get(k))
                for k in sorted(set(got) | set(want), key=str) if got.get(k) != want.get(k)]
        fail(name, "%d differ: %s" % (len(diff), "; ".join(diff[:6])))
    else:
        fail(name, "pktlens %s, tshark %s" % (str(got)[:400], str(want)[:400]))


def tshark(path, *args):
    p = subprocess.run(["tshark", "-n", "-r", path, "-o", "ip.defragment:FALSE",
                        "-o", "ipv6.defragment:FALSE"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=300)
    return p.stdout.decode(errors="replace")


def endpoints(path):
    """address -> [tx packets, tx bytes, rx packets, rx bytes], IPv4 and IPv6."""
    out = {}
    for line in tshark(path, "-q", "-z", "endpoints,ip", "-z", "endpoints,ipv6").splitlines():
        f = line.split()
        if len(f) == 7 and all(x.isdigit() for x in f[1:]):
            out[f[0]] = [int(f[3]), int(f[4]), int(f[5]), int(f[6])]
    return out


FIELDS = ["frame.len", "frame.cap_len", "frame.protocols", "tcp.dstport", "udp.srcport", "udp.dstport",
          "sctp.dstport", "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code"]


def per_frame(path):
    """The reference counts of ports, ICMP types and outer layers, frame by frame."""
    args = ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        args += ["-e", f]
    ports, icmp, layers = collections.Counter(), collections.Counter(), collections.Counter()
    two_ip = 0
    for line in tshark(path, *args).splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        protos = v.get("frame.protocols", "").split(":")
        if v.get("frame.len", "").isdigit() and v.get("frame.cap_len", "").isdigit():
            # a damaged record that says fewer bytes than it holds counts what it holds
            layers["frame.len"] += max(int(v["frame.len"]), int(v["frame.cap_len"]))
        ips = [i for i, p in enumerate(protos) if p in ("ip", "ipv6")]
        if len(ips) > 1:
            two_ip += 1
        if not ips:
            continue
        i = ips[0]
        layers[protos[i]] += 1
        if "pppoes" in protos[:i]:
            layers["pppoes"] += 1
        if "mpls" in protos[:i]:
            layers["mpls"] += 1
        j = i + 1
        while j < len(protos) and (protos[j].startswith("ipv6.") or protos[j] == "ah"):
            j += 1
        l4 = protos[j] if j < len(protos) else ""
        n = int(v["frame.len"])
        keys = []
        if l4 == "tcp" and v["tcp.dstport"]:
            keys = [("tcp", "dst", int(v["tcp.dstport"]))]
        elif l4 == "udp" and v["udp.dstport"]:
            keys = [("udp", "dst", int(v["udp.dstport"])), ("udp", "src", int(v["udp.srcport"]))]
        elif l4 == "sctp" and v["sctp.dstport"]:
            keys = [("sctp", "dst", int(v["sctp.dstport"]))]
        elif l4 == "icmp" and v["icmp.code"]:
            icmp[("icmp", int(v["icmp.type"]), int(v["icmp.code"]))] += 1
        elif l4 == "icmpv6" and v["icmpv6.code"]:
            icmp[("icmpv6", int(v["icmpv6.type"]), int(v["icmpv6.code"]))] += 1
        for k in keys:
            ports[k] += 1
            ports[k + ("bytes",)] += n
    return ports, icmp, layers, two_ip


def analyze_many(paths, *args):
    """One `pktlens analyze` over @paths (one program load: -r repeated, a report each);
    path -> its report, None for a link type pktlens does not read (test_analyze_corpus.sh's
    business) or a failure (said)."""
    cmd = [PKTLENS, "analyze", "--json", "--top", "10000"] + list(args)
    for path in paths:
        cmd += ["-r", path]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300 + 5 * len(paths))
    err = p.stderr.decode(errors="replace")
    got = {}
    for line in p.stdout.decode(errors="replace").splitlines():
        if line.startswith("{"):
            j = json.loads(line)
            got[j["source"]] = j
    out = {}
    for path in paths:
        out[path] = got.get(path)
        if out[path] is None and not ("'%s'" % path in err and "is not supported" in err):
            fail(path + " analyze", "exit %d, no report: %s" % (p.returncode, err[:300]))
    if p.returncode not in (0, 1):
        fail("analyze " + " ".join(paths)[:200], "exit %d: %s" % (p.returncode, err[:300]))
    return out


def analyze(path, *args):
    return analyze_many([path], *args)[path]


def compare(tag, path, j, addresses=True):
    """Every figure, bytes included, on every link type."""
    ports, icmp, layers, two_ip = per_frame(path)
    check(tag + " total bytes as the sum of tshark's frame lengths", j["total"]["bytes"],
          layers["frame.len"])
    if addresses and two_ip:
        skip(tag + " addresses", "%d frames with two IP layers: tshark counts both" % two_ip)
    elif addresses:
        want = endpoints(path)
        got = collections.defaultdict(lambda: [0, 0, 0, 0])
        for o in j["top_sources"]:
            got[o["addr"]][0:2] = [o["packets"], o["bytes"]]
        for o in j["top_destinations"]:
            got[o["addr"]][2:4] = [o["packets"], o["bytes"]]
        bad = sorted(a for a in set(got) | set(want) if got.get(a) != want.get(a))
        check(tag + " addresses: packets and bytes sent and received of %d addresses as "
              "tshark's endpoints" % len(want),
              {a: got.get(a) for a in bad[:5]}, {a: want.get(a) for a in bad[:5]})
    got = collections.Counter()
    for o in j["top_ports_by_packets"]:
        k = (o["proto"], o["side"], o["port"])
        got[k] += o["packets"]
        got[k + ("bytes",)] += o["bytes"]
    check(tag + " ports: %d (protocol, side, port) as tshark's" % (len(ports) // 2),
          dict(got), dict(ports))
    got = collections.Counter({(o["proto"], o["type"], o["code"]): o["packets"]
                               for o in j["icmp"]})
    check(tag + " icmp: %d (type, code) as tshark's" % len(icmp), dict(got), dict(icmp))
    check(tag + " l3 and link layers as tshark's outer ip/ipv6, pppoes, mpls",
          [j["l3"]["ipv4"]["packets"], j["l3"]["ipv6"]["packets"],
           j["link"]["pppoe_session"], j["link"]["mpls"]],
          [layers["ip"], layers["ipv6"], layers["pppoes"], layers["mpls"]])
    REFS[path] = (ports, icmp)


REFS = {}  # capture -> tshark's (ports, icmp) counts, for text_report()


def human(v):
    """A count as the text report prints it (src/sinks/timefmt.c: pl_human)."""
    u = 0
    while v >= 1000 and u < 5:
        v /= 1000.0
        u += 1
    return "%.2f%s" % (v, " kMGTP"[u]) if u else "%.0f" % v


def text_report(paths):
    """The text report's "top ports" and "icmp by type and code" lists (analyze without
    --json) against tshark's counts: every row, its packets and bytes as printed, ports
    in order of bytes."""
    cmd = [PKTLENS, "analyze", "--top", "10000"]
    for path in paths:
        cmd += ["-r", path]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=300).stdout.decode(errors="replace")
    for path in paths:
        name = os.path.basename(path)
        ports_ref, icmp_ref = REFS.get(path, ({}, {}))
        rep = out.split("pktlens %s (offline)" % path, 1)[-1].split("\npktlens /", 1)[0]
        sect, ports, order, icmp = "", {}, [], {}
        for line in rep.splitlines():
            if not line.startswith("  "):
                sect = line
                continue
            f = line.split()
            if sect.startswith("top ports") and f[0] in ("tcp", "udp", "sctp") and len(f) == 6:
                ports[(f[0], f[1], int(f[2]))] = (f[4], f[5])
                order.append((f[0], f[1], int(f[2])))
            elif sect.startswith("icmp by type") and f[0] in ("icmp", "icmpv6"):
                t, c = f[1].split("/")
                icmp[(f[0], int(t), int(c))] = int(f[-1])
        want = {k: (human(v), human(ports_ref[k + ("bytes",)]))
                for k, v in ports_ref.items() if k[-1] != "bytes"}
        check("%s text report: top ports, %d rows (packets, bytes) as tshark's" % (name, len(want)),
              ports, want)
        check(name + " text report: top ports in order of bytes",
              [ports_ref.get(k + ("bytes",)) for k in order],
              sorted((ports_ref.get(k + ("bytes",)) for k in order), reverse=True))
        check("%s text report: icmp by type and code, %d rows as tshark's" % (name, len(icmp_ref)),
              icmp, dict(icmp_ref))


# ---- crafted captures --------------------------------------------------------------

def flood():
    """A spoofed SYN flood: 3,000 sources, one packet or two each, onto one victim, and
    a real client; the victim answers some with SYN-ACKs and RSTs."""
    V, C = "198.18.0.10", "198.18.0.1"
    out = []
    for i in range(3000):
        src = "198.19.%d.%d" % (i // 250, 1 + i % 250)
        for _ in range(1 + (i % 7 == 0)):
            out.append(eth(ETH_IP4, ipv4(src, V, 6, tcp(1024 + i % 60000, 80, SYN))))
        if i % 100 == 0:
            out.append(eth(ETH_IP4, ipv4(V, src, 6, tcp(80, 1024 + i % 60000, RST | ACK))))
    for k in range(20):
        out.append(eth(ETH_IP4, ipv4(C, V, 6, tcp(50000, 443, PSH | ACK, bytes(100 + k)))))
    return out


def mixed():
    """Fragments, TSO, PPPoE, MPLS and UDP services."""
    A, B, D = "198.18.1.1", "198.18.1.2", "198.18.1.3"
    A6, B6 = "2001:db8:1::1", "2001:db8:1::2"
    out = []
    for i in range(5):  # a 3-fragment UDP datagram: only the first has ports
        body = udp(4000 + i, 9000, bytes(2000))
        out.append(eth(ETH_IP4, ipv4(A, B, 17, body[:1480], ident=100 + i, mf=True)))
        out.append(eth(ETH_IP4, ipv4(A, B, 17, body[1480:], ident=100 + i, frag_off=185)))
    for i in range(4):  # TSO frames captured on the sender
        out.append(eth(ETH_IP4, ipv4(A, D, 6, tcp(40000, 8443, ACK, bytes(2896 + i)), tot=0)))
    for i in range(6):  # PPPoE sessions and MPLS stacks
        out.append(eth(ETH_PPPOE_SES, pppoe(0x0021, ipv4(D, A, 17, udp(53, 33000 + i, bytes(80 + i))))))
        out.append(eth(ETH_PPPOE_SES, pppoe(0x0057, ipv6(B6, A6, 6, tcp(443, 40000 + i, ACK)))))
        out.append(eth(ETH_MPLS, mpls([100 + i, 200], ipv4(B, D, 17, udp(123, 123, bytes(48))))))
        out.append(eth(ETH_MPLS, mpls([300], ipv6(A6, B6, 132, sctp(2905, 38412)))))
    for i in range(30):  # SNMP answering: UDP source port 161 carries most bytes
        out.append(eth(ETH_IP4, ipv4(D, "198.18.2.%d" % (1 + i % 10), 17, udp(161, 40000 + i, bytes(1200)))))
    return out


def v6_frags():
    """IPv6 later fragments and a payload length 0 (TSO) frame, where tshark 4.0 is no
    reference: it leaves later IPv6 fragments out of its endpoints (IPv4's are in) and
    reads a TSO frame's payload as empty. Held against what the test wrote."""
    A6, B6 = "2001:db8:1::1", "2001:db8:1::2"
    out = []
    for i in range(3):
        out.append(eth(ETH_IP6, ipv6(A6, B6, 44, frag6(17, 0, True, 7 + i) + udp(5000, 53, bytes(600)))))
        out.append(eth(ETH_IP6, ipv6(A6, B6, 44, frag6(17, 76, False, 7 + i) + bytes(300))))
    out.append(eth(ETH_IP6, ipv6(A6, B6, 6, tcp(40001, 8443, ACK, bytes(4000)), plen=0)))
    return out


def v6_frags_tso(out, j):
    A6, B6 = "2001:db8:1::1", "2001:db8:1::2"
    if j is None:
        return
    src = {o["addr"]: (o["packets"], o["bytes"]) for o in j["top_sources"]}
    dst = {o["addr"]: (o["packets"], o["bytes"]) for o in j["top_destinations"]}
    want = (len(out), sum(len(f) for f in out))
    check("v6.pcap: IPv6 later fragments and a TSO frame credited to both addresses",
          (src.get(A6), dst.get(B6)), (want, want))
    ports = {(o["proto"], o["side"], o["port"]): o["packets"] for o in j["top_ports_by_packets"]}
    check("v6.pcap: ports of the first fragments and of the TSO frame",
          ports, {("udp", "dst", 53): 3, ("udp", "src", 5000): 3, ("tcp", "dst", 8443): 1})
    check("v6.pcap: ip.tso", j["ip"]["tso"], 1)


def icmp_errors():
    """ICMP and ICMPv6 of several types and codes; the errors quote an IP header."""
    A, B, D = "198.18.1.1", "198.18.1.2", "198.18.1.3"
    A6, B6 = "2001:db8:1::1", "2001:db8:1::2"
    out = []
    quoted = ipv4(B, A, 17, udp(33000, 161, bytes(8)))
    for typ, code, n in ((3, 1, 2), (3, 3, 5), (3, 13, 1), (11, 0, 4), (8, 0, 3), (0, 0, 3),
                         (5, 1, 1)):
        for _ in range(n):
            body = icmp(typ, code, 0x77, 1, bytes(32)) if typ in (0, 8) else \
                struct.pack("!BBHI", typ, code, 0, 0) + quoted
            out.append(eth(ETH_IP4, ipv4(D, B, 1, body)))
    q6 = ipv6(B6, A6, 17, udp(1, 2, bytes(8)))
    for typ, code, n in ((1, 4, 3), (1, 3, 1), (3, 0, 2), (128, 0, 2), (129, 0, 2), (2, 0, 1)):
        for _ in range(n):
            body = icmp(typ, code, 5, 1, bytes(16)) if typ >= 128 else \
                struct.pack("!BBHI", typ, code, 0, 1500 if typ == 2 else 0) + q6
            out.append(eth(ETH_IP6, ipv6(A6, B6, 58, body)))
    return out


def link_types():
    """Frames of the point-to-point, NFLOG, 802.11, Linux cooked, raw IP and loopback
    link types: (name, DLT, frames)."""
    A, B = "198.18.3.1", "198.18.3.2"
    A6, B6 = "2001:db8:3::1", "2001:db8:3::2"
    p4 = lambda sp, dp, n=20: ipv4(A, B, 17, udp(sp, dp, bytes(n)))  # noqa: E731
    p6 = lambda sp, dp: ipv6(A6, B6, 6, tcp(sp, dp, SYN))  # noqa: E731
    ppp = [b"\xff\x03\x00\x21" + p4(1000, 53), b"\x00\x57" + p6(1001, 443),
           b"\x21" + p4(1002, 123), b"\xff\x03\xc0\x21" + bytes(10),
           b"\xff\x03\x02\x81" + mpls([16], p4(1003, 161, 40)),
           b"\xff\x03\x00\x21" + ipv4(B, A, 1, icmp(0, 0, 3, 1, bytes(20)))]
    serial = [b"\xff\x03\x00\x21" + p4(2000, 53), b"\x0f\x00\x08\x00" + p4(2001, 514),
              b"\xff\x03\x00\x57" + p6(2002, 22)]
    chdlc = [b"\x0f\x00\x08\x00" + p4(3000, 53), b"\x8f\x00\x86\xdd" + p6(3001, 179),
             b"\x0f\x00\x80\x35" + bytes(20)]

    def nf(fam, pkt):
        tlv = lambda t, v: struct.pack("<HH", 4 + len(v), t) + v + bytes(-len(v) % 4)  # noqa
        proto = 0x0800 if fam == 2 else 0x86DD
        return bytes([fam, 0, 0, 0]) + tlv(1, struct.pack("!HBB", proto, 0, 0)) + \
            tlv(10, b"x\0") + tlv(9, pkt)
    nflog = [nf(2, p4(4000, 53)), nf(10, p6(4001, 80)), nf(2, p4(4002, 5353, 33))]
    rt = b"\x00\x00\x08\x00\x00\x00\x00\x00"
    hdr = lambda fc: fc + b"\x00\x00" + mac(1) + mac(2) + mac(3) + b"\x10\x00"  # noqa: E731
    snap = lambda t: b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", t)  # noqa: E731
    wifi = [rt + hdr(b"\x08\x01") + snap(0x0800) + p4(5000, 53),
            rt + hdr(b"\x88\x02") + b"\x00\x00" + snap(0x86DD) + p6(5001, 443),
            rt + hdr(b"\x08\x02") + snap(0x0806) + arp(1, A, B),
            rt + hdr(b"\x80\x00") + bytes(24),
            rt + hdr(b"\x08\x41") + bytes(40),
            rt + hdr(b"\x48\x01")]
    sll_h = lambda t, pt=0: struct.pack("!HHH", pt, 1, 6) + mac(7) + b"\0\0" + struct.pack("!H", t)  # noqa
    sll = [sll_h(0x0800) + p4(6000, 53), sll_h(0x86DD, 4) + p6(6001, 443),
           sll_h(0x0800) + ipv4(B, A, 1, icmp(8, 0, 9, 1, bytes(56)))]
    sll2_h = lambda t: struct.pack("!HHIHBB", t, 0, 2, 1, 0, 6) + mac(8) + b"\0\0"  # noqa
    sll2 = [sll2_h(0x0800) + p4(7000, 123, 48), sll2_h(0x86DD) + p6(7001, 22)]
    raw = [p4(8000, 53), p6(8001, 443), p4(8002, 161, 300)]
    null = [struct.pack("<I", 2) + p4(9000, 53), struct.pack("<I", 30) + p6(9001, 80)]
    return [("ppp.pcap", 9, ppp), ("ppp_serial.pcap", 50, serial), ("chdlc.pcap", 104, chdlc),
            ("nflog.pcap", 239, nflog), ("radiotap.pcap", 127, wifi), ("sll.pcap", 113, sll),
            ("sll2.pcap", 276, sll2), ("rawip.pcap", 101, raw), ("null.pcap", 0, null)]


def write(name, frames, linktype=1):
    path = os.path.join(TMP, name)
    write_pcap(path, [(1700000000 * 10**9 + i * 1000, f, None) for i, f in enumerate(frames)],
               linktype=linktype)
    return path


def crafted(name, frames, *args, addresses=True, linktype=1, j=None):
    """Write @frames, run analyze on them unless @j is their report, compare."""
    path = write(name, frames, linktype)
    if j is None:
        j = analyze(path, *args)
    if j is not None:
        compare(name, path, j, addresses)
    return j


def small_tables(path):
    """--addresses 64 (and pktlens.conf's addresses = 128) on the flood: tables of that
    capacity, which evict and count it; the victim and the real client keep their exact
    counts (tshark's endpoints); sizes other than a power of two in bounds refused."""
    want = endpoints(path)
    j = analyze(path, "--addresses", "64")
    if j is None:
        return
    src, dst = j["talkers"]["sources"], j["talkers"]["destinations"]
    check("flood --addresses 64: capacities, sources active = created - evicted <= 64",
          (src["capacity"], dst["capacity"], src["active"] == src["created"] - src["evicted"],
           src["active"] <= 64), (64, 64, True, True))
    if src["evicted"] >= 3002 - 64:
        ok("flood --addresses 64: %d sources evicted (3,002 distinct)" % src["evicted"])
    else:
        fail("flood --addresses 64: evictions", "%d evicted of 3,002 sources" % src["evicted"])
    v = {o["addr"]: [o["packets"], o["bytes"]] for o in j["top_destinations"]}
    check("flood --addresses 64: the victim received as tshark's endpoints",
          v.get("198.18.0.10"), want["198.18.0.10"][2:4])
    # A source's first packet may be lost to an eviction by another CPU at that moment
    # (bpf/talkers.h): no source counts more than tshark saw it send.
    over = [(o["addr"], o["packets"], want.get(o["addr"], [0])[0]) for o in j["top_sources"]
            if o["packets"] > want.get(o["addr"], [0])[0]]
    check("flood --addresses 64: no source counts more packets than tshark's", over, [])
    conf = os.path.join(TMP, "small.conf")
    with open(conf, "w") as f:
        f.write("[analyze]\naddresses = 128\n")
    j = analyze(path, "--config", conf)
    check("pktlens.conf [analyze] addresses = 128: both tables' capacity",
          j and (j["talkers"]["sources"]["capacity"], j["talkers"]["destinations"]["capacity"]),
          (128, 128))
    for bad in ("100", "32", "2097152", "x"):
        p = subprocess.run([PKTLENS, "analyze", "-r", path, "--addresses", bad],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        check("--addresses %s refused (exit 2, says why)" % bad,
              (p.returncode, b"--addresses" in p.stderr), (2, True))


def main():
    j = crafted("flood.pcap", flood(), "--flows", "64")
    if j is not None:
        fl = j["flows"]
        if fl["evicted"] > 2000:
            ok("flood: the 64-entry flow table evicted %d flows" % fl["evicted"])
        else:
            fail("flood: evictions", "only %d flows evicted" % fl["evicted"])
        v = [o for o in j["top_destinations_by_packets"] if o["addr"] == "198.18.0.10"]
        check("flood: the victim is the top destination by packets, with 3,001 sources",
              (j["top_destinations_by_packets"][0]["addr"],
               bool(v) and abs(v[0]["sources"] - 3001) <= 0.276 * 3001),
              ("198.18.0.10", True))
    small_tables(os.path.join(TMP, "flood.pcap"))
    crafted("mixed.pcap", mixed(), "--flows", "16")
    crafted("icmp.pcap", icmp_errors(), addresses=False)
    text_report([os.path.join(TMP, "mixed.pcap"), os.path.join(TMP, "icmp.pcap")])
    # The link types and the IPv6 capture in one run of analyze
    lts = link_types()
    v6 = v6_frags()
    paths = [write(name, frames, dlt) for name, dlt, frames in lts] + [write("v6.pcap", v6)]
    reports = analyze_many(paths)
    for (name, dlt, frames), path in zip(lts, paths):
        j = crafted(name, frames, linktype=dlt, j=reports[path])
        if j is not None:
            check(name + ": every frame counted (link type %d)" % dlt, j["total"]["packets"],
                  len(frames))
    v6_frags_tso(v6, reports[paths[-1]])

    sample = [l.strip() for l in open(os.path.join(os.path.dirname(__file__), "..", "corpus",
                                                   "sample.txt")) if l.strip()]
    if not os.path.isdir(CORPUS):
        skip("corpus", "%s not found" % CORPUS)
    else:
        done = 0
        # one run of analyze for the captures compared (and a few spare in the fast tier)
        todo = [os.path.join(CORPUS, rel) for rel in (sample if FULL else sample[:FAST_CORPUS + 4])]
        reports = analyze_many(todo)
        for rel in sample:
            if not FULL and done >= FAST_CORPUS:
                break
            path = os.path.join(CORPUS, rel)
            j = reports[path] if path in reports else analyze(path)
            if j is None or "top_destinations" not in j:
                continue
            if not j["total"]["packets"] or (j["l3"]["ipv4"]["packets"] +
                                             j["l3"]["ipv6"]["packets"]) == 0:
                continue
            if j["malformed"]["total"]:
                # damaged or fuzzed: pktlens stops at the bad header, tshark reads on
                skip(rel, "%d malformed packets" % j["malformed"]["total"])
                continue
            compare(rel, path, j)
            done += 1
        print("corpus: %d captures compared%s" % (done, "" if FULL else " (PL_TEST_FULL=1: "
                                                                       "the whole sample)"))
    print()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
