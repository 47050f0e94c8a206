# SPDX-License-Identifier: BSD-2-Clause
"""analyze_fields.py - every field of `pktlens analyze --json`, held against a model.

Run by test_analyze_fields.sh: python3 analyze_fields.py PKTLENS TMPDIR.

The captures are built here byte by byte (tests/lib/pcapgen.py). Each frame carries
what it is expected to count as, written down when the frame is made (L3/L4 class,
tunnel and inner classes, VLAN tags, fragment, options, TCP flags, malformed reason,
header cut, flow 5-tuple); the model adds those up into the report the man pages
(pktlens-monitor(8), pktlens-analyze(8)) describe, and every key of pktlens's JSON is
compared with it. A key the model does not know is a failure, so a new field must
get its check here. tshark, when installed, checks that the frames are what their
annotations say (flags, IPv4 header lengths, fragments, IPv6 next headers).

Prints "ok NAME" / "FAIL NAME: why" / "skip NAME: why" lines, then
"N passed, N failed[, N skipped]".
"""
import collections
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pcapgen import *  # noqa: E402,F401,F403  (builders, flag bits, write_pcap)
from results import ok, fail, skip, summary  # noqa: E402

PKTLENS, TMP = sys.argv[1], sys.argv[2]


def check(name, got, want):
    if got == want:
        ok("%s (%s)" % (name, short(got)))
    else:
        fail(name, "got %s, want %s" % (short(got), short(want)))


def short(v, n=300):
    s = json.dumps(v) if not isinstance(v, str) else v
    return s if len(s) <= n else s[:n] + "..."


# ---- names, as the man pages give them --------------------------------------------

L3 = ["other", "ipv4", "ipv6", "arp"]
L4 = ["none", "tcp", "udp", "icmp", "icmpv6", "sctp", "gre", "fragment", "other"]
ENCAP = ["none", "gre", "vxlan"]
SIZES = [("0-64", 64), ("65-127", 127), ("128-255", 255), ("256-511", 511),
         ("512-1023", 1023), ("1024-1518", 1518), ("1519-", None)]
MALFORMED = ["truncated_ethernet", "truncated_vlan", "vlan_too_deep", "truncated_arp",
             "truncated_ipv4", "bad_ipv4_version", "bad_ipv4_ihl", "bad_ipv4_total_length",
             "truncated_ipv6", "bad_ipv6_version", "bad_ipv6_payload_length",
             "bad_ipv6_ext_chain", "truncated_tcp", "bad_tcp_data_offset", "truncated_udp",
             "bad_udp_length", "truncated_icmp", "truncated_icmpv6", "truncated_sctp",
             "truncated_gre", "bad_gre_version", "truncated_vxlan", "truncated_pppoe",
             "truncated_mpls", "mpls_too_deep", "truncated_ah"]
LINK = ["pppoe_session", "pppoe_discovery", "mpls"]
PROTO_NAME = {1: "icmp", 6: "tcp", 17: "udp", 47: "gre", 58: "icmpv6", 132: "sctp"}


def flag_letters(f):
    """tcpdump's letters in the man page's order; ACK is '.', nothing is 'none'."""
    s = "".join(c for bit, c in ((SYN, "S"), (FIN, "F"), (PSH, "P"), (RST, "R"), (URG, "U"),
                                 (ECE, "E"), (CWR, "W"), (ACK, ".")) if f & bit)
    return s or "none"


def size_class(n):
    for name, upper in SIZES:
        if upper is None or n <= upper:
            return name


def iso(ns):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + \
        ".%06dZ" % (ns % 10**9 // 1000)


def num3(v):
    return "%.3f" % v


# ---- frames and what each is expected to count as ----------------------------------

class F:
    """One frame. Expectations: l3/l4 (outer class or None when parsing stopped before
    it), enc, il3/il4 (inside a tunnel), tags (complete VLAN tags read), frag4/frag6
    ("first"/"later"), opt4, ext6, mal (reason), cut (headers cut), flow
    (proto, src, sport, dst, dport, vlan), flags (outer TCP flags byte)."""

    def __init__(self, data, wire=None, ts=None, l3=None, l4=None, enc="none", il3=None,
                 il4=None, tags=0, frag4=None, frag6=None, opt4=False, ext6=False, mal=None,
                 cut=False, flow=None, flags=None, what="", link=None, tso=False, noaddr=False):
        self.data, self.wire, self.ts = data, len(data) if wire is None else wire, ts
        self.l3, self.l4, self.enc, self.il3, self.il4 = l3, l4, enc, il3, il4
        self.tags, self.frag4, self.frag6, self.opt4, self.ext6 = tags, frag4, frag6, opt4, ext6
        self.mal, self.cut, self.flow, self.flags, self.what = mal, cut, flow, flags, what
        self.link, self.tso, self.noaddr = link, tso, noaddr


def vid(tags):
    return tags[-1][1] & 0xFFF if tags else 0


def t4(src, sp, dst, dp, flags, pay=b"", tags=(), opts=b"", tcpopts=b"", **kw):
    d = eth(ETH_IP4, ipv4(src, dst, 6, tcp(sp, dp, flags, pay, tcpopts), opts=opts), tags)
    return F(d, l3="ipv4", l4="tcp", tags=len(tags), opt4=bool(opts), flags=flags,
             flow=(6, src, sp, dst, dp, vid(tags)), **kw)


def t6(src, sp, dst, dp, flags, pay=b"", tags=(), **kw):
    d = eth(ETH_IP6, ipv6(src, dst, 6, tcp(sp, dp, flags, pay)), tags)
    return F(d, l3="ipv6", l4="tcp", tags=len(tags), flags=flags,
             flow=(6, src, sp, dst, dp, vid(tags)), **kw)


def u4(src, sp, dst, dp, pay=b"", tags=(), opts=b"", **kw):
    d = eth(ETH_IP4, ipv4(src, dst, 17, udp(sp, dp, pay), opts=opts), tags)
    return F(d, l3="ipv4", l4="udp", tags=len(tags), opt4=bool(opts),
             flow=(17, src, sp, dst, dp, vid(tags)), **kw)


def u6(src, sp, dst, dp, pay=b"", tags=(), **kw):
    d = eth(ETH_IP6, ipv6(src, dst, 17, udp(sp, dp, pay)), tags)
    return F(d, l3="ipv6", l4="udp", tags=len(tags), flow=(17, src, sp, dst, dp, vid(tags)), **kw)


def tcp_flows():
    """Every TCP flag combination once, both directions, plus one flow per state."""
    out = []
    perm = [(c * 37 + 11) % 256 for c in range(256)]  # a permutation of 0..255
    for i in range(128):
        v6 = i % 4 == 3
        cli = ("2001:db8:a::%x" if v6 else "198.18.10.%d") % (1 + i % 16)
        srv = "2001:db8:b::1" if v6 else "198.18.20.1"
        sp, dp = 20000 + i, 80 + i % 3
        tags = ((TPID_8021Q, 0x2000 | (i + 1)),) if i % 5 == 0 else ()
        fwd, rev = perm[2 * i], perm[2 * i + 1]
        mk = t6 if v6 else t4
        out.append(mk(cli, sp, srv, dp, fwd, bytes(i % 7 * 10), tags))
        out.append(mk(srv, dp, cli, sp, rev, bytes((i * 3) % 11 * 17 + 1), tags))
    A, B = "198.18.0.1", "198.18.0.2"
    A6, B6 = "2001:db8::1", "2001:db8::2"
    # closed: a whole conversation, FIN both ways
    for src, sp, dst, dp, fl, n in [(A, 40001, B, 443, SYN, 0), (B, 443, A, 40001, SYN | ACK, 0),
                                    (A, 40001, B, 443, ACK, 0), (A, 40001, B, 443, PSH | ACK, 100),
                                    (B, 443, A, 40001, ACK, 0),
                                    (B, 443, A, 40001, PSH | ACK, 1000),
                                    (A, 40001, B, 443, FIN | ACK, 0),
                                    (B, 443, A, 40001, FIN | ACK, 0),
                                    (A, 40001, B, 443, ACK, 0)]:
        out.append(t4(src, sp, dst, dp, fl, bytes(n)))
    # established (IPv6)
    for src, sp, dst, dp, fl, n in [(A6, 40002, B6, 22, SYN, 0), (B6, 22, A6, 40002, SYN | ACK, 0),
                                    (A6, 40002, B6, 22, ACK, 0), (A6, 40002, B6, 22, PSH | ACK, 300),
                                    (B6, 22, A6, 40002, ACK, 0)]:
        out.append(t6(src, sp, dst, dp, fl, bytes(n)))
    # syn_sent (a retransmitted SYN; the second one priority-tagged, VLAN id 0: same flow)
    out.append(t4(A, 40003, B, 8080, SYN))
    out.append(t4(A, 40003, B, 8080, SYN, tags=((TPID_8021Q, 0x6000),)))
    # syn_received
    out.append(t4(A, 40004, B, 8080, SYN))
    out.append(t4(B, 8080, A, 40004, SYN | ACK))
    # reset
    out.append(t4(A, 40005, B, 25, SYN))
    out.append(t4(B, 25, A, 40005, RST | ACK))
    # midstream, untagged and the same 5-tuple on VLAN 100: two flows
    for tags in ((), ((TPID_8021Q, 100),)):
        out.append(t4(A, 40006, B, 993, PSH | ACK, bytes(700), tags))
        out.append(t4(B, 993, A, 40006, ACK, tags=tags))
    # closing: FIN one way
    out.append(t4(A, 40007, B, 995, ACK))
    out.append(t4(A, 40007, B, 995, FIN | ACK))
    out.append(t4(B, 995, A, 40007, ACK))
    # the responder's SYN-ACK seen first: it is the initiator
    out.append(t4(B, 8443, A, 40008, SYN | ACK))
    out.append(t4(A, 40008, B, 8443, ACK, bytes(50)))
    # QinQ (802.1ad outer 200, 802.1Q inner 300): the flow's VLAN is the inner one
    qq = ((TPID_8021AD, 200), (TPID_8021Q, 300))
    out.append(t4(A, 40009, B, 3306, SYN, tags=qq))
    out.append(t4(B, 3306, A, 40009, SYN | ACK, tags=qq))
    # IPv4 options (router alert; 40 bytes of NOPs: IHL 15) on TCP
    out.append(t4(A, 40010, B, 179, SYN, opts=b"\x94\x04\x00\x00"))
    out.append(t4(B, 179, A, 40010, SYN | ACK, opts=b"\x01" * 40))
    return out


def udp_icmp_sctp():
    out = []
    A, B, C = "198.18.0.1", "198.18.0.2", "198.18.0.3"
    A6, B6 = "2001:db8::1", "2001:db8::2"
    for k in range(3):  # DNS-like, both ways, different sizes
        out.append(u4(A, 33000, B, 53, bytes(40 + k)))
        out.append(u4(B, 53, A, 33000, bytes(200 + 7 * k)))
    for k in range(10):  # one way
        out.append(u4(A, 34000, C, 9999, bytes(100 * k)))
    for k in range(2):
        out.append(u6(A6, 5000, B6, 6000, bytes(64)))
        out.append(u6(B6, 6000, A6, 5000, bytes(1300)))
    out.append(u4(A, 34001, B, 161, bytes(30), opts=b"\x01" * 40))  # IHL 15
    out.append(u4(A, 34002, B, 162, bytes(10), tags=((TPID_9100, 10), (TPID_8021Q, 20))))
    out.append(u4(A, 34003, B, 514, bytes(10), tags=((TPID_8021AD, 30),)))
    f = u4(A, 34004, B, 123)  # 42 bytes padded to 60: the padding is not UDP payload
    f.data = pad(f.data, 60)
    f.wire = 60
    out.append(f)
    # ICMP echo: the identifier is both ports; another ICMP type has port 0
    for k in range(2):
        out.append(F(eth(ETH_IP4, ipv4(A, B, 1, icmp(8, 0, 0x1234, k, bytes(56)))), l3="ipv4",
                     l4="icmp", flow=(1, A, 0x1234, B, 0x1234, 0)))
        out.append(F(eth(ETH_IP4, ipv4(B, A, 1, icmp(0, 0, 0x1234, k, bytes(56)))), l3="ipv4",
                     l4="icmp", flow=(1, B, 0x1234, A, 0x1234, 0)))
    out.append(F(eth(ETH_IP4, ipv4(B, A, 1, icmp(3, 3, 0, 0, bytes(28)))), l3="ipv4", l4="icmp",
                 flow=(1, B, 0, A, 0, 0)))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 58, icmp(128, 0, 7, 1, bytes(16)))), l3="ipv6",
                 l4="icmpv6", flow=(58, A6, 7, B6, 7, 0)))
    out.append(F(eth(ETH_IP6, ipv6(B6, A6, 58, icmp(129, 0, 7, 1, bytes(16)))), l3="ipv6",
                 l4="icmpv6", flow=(58, B6, 7, A6, 7, 0)))
    # an echo request of 6 bytes: ICMPv6 (4 are enough) without its identifier: ports 0
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 58, icmp(128, 0, 7, 1)[:6])), l3="ipv6",
                 l4="icmpv6", flow=(58, A6, 0, B6, 0, 0)))
    # payload length 0 without a jumbo option (TSO, BIG TCP): the rest of the frame
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 17, udp(5001, 6001, bytes(30)), plen=0)), l3="ipv6",
                 l4="udp", flow=(17, A6, 5001, B6, 6001, 0), tso=True))
    out.append(F(eth(ETH_IP6, ipv6(A6, "ff02::1:ff00:2", 58, icmp(135, 0, 0, 0, a6(B6)))),
                 l3="ipv6", l4="icmpv6", flow=(58, A6, 0, "ff02::1:ff00:2", 0, 0)))
    # SCTP, IPv4 both ways and IPv6
    out.append(F(eth(ETH_IP4, ipv4(A, B, 132, sctp(5000, 38412, 0, bytes(20)))), l3="ipv4",
                 l4="sctp", flow=(132, A, 5000, B, 38412, 0)))
    out.append(F(eth(ETH_IP4, ipv4(B, A, 132, sctp(38412, 5000, 7, bytes(36)))), l3="ipv4",
                 l4="sctp", flow=(132, B, 38412, A, 5000, 0)))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 132, sctp(2905, 2905, 1, bytes(16)))), l3="ipv6",
                 l4="sctp", flow=(132, A6, 2905, B6, 2905, 0)))
    # IPv4 protocols that are not opened
    out.append(F(eth(ETH_IP4, ipv4(A, B, 50, bytes(40))), l3="ipv4", l4="other"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 4, ipv4(C, B, 17, udp(1, 2)))), l3="ipv4", l4="other"))
    # ARP and other EtherTypes
    out.append(F(pad(eth(ETH_ARP, arp(1, A, B), dst=b"\xff" * 6), 60), l3="arp", l4="none"))
    out.append(F(pad(eth(ETH_ARP, arp(2, B, A)), 60), l3="arp", l4="none"))
    out.append(F(eth(0x88CC, bytes(46)), l3="other", l4="none"))
    out.append(F(eth(0x88B5, b"", ), l3="other", l4="none", what="14 bytes: Ethernet only"))
    out.append(F(eth(0x88B5, bytes(1), tags=((TPID_8021Q, 5),)), l3="other", l4="none", tags=1))
    return out


def fragments_and_ext():
    out = []
    A, B = "198.18.0.1", "198.18.0.2"
    A6, B6 = "2001:db8::1", "2001:db8::2"
    # IPv4: a first fragment whose UDP length covers the whole datagram, the later one,
    # a later one with options, a first fragment of TCP with options, DF only
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, udp(7000, 7001, bytes(1000), ulen=2008), mf=True)),
                 l3="ipv4", l4="udp", frag4="first", flow=(17, A, 7000, B, 7001, 0)))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, bytes(1000), frag_off=126)), l3="ipv4",
                 l4="fragment", frag4="later"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, bytes(64), frag_off=300, mf=True,
                                   opts=b"\x94\x04\x00\x00")),
                 l3="ipv4", l4="fragment", frag4="later", opt4=True))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 6, tcp(7002, 80, PSH | ACK, bytes(400)), mf=True,
                                   opts=b"\x07\x07\x04" + bytes(4))),
                 l3="ipv4", l4="tcp", frag4="first", opt4=True, flags=PSH | ACK,
                 flow=(6, A, 7002, B, 80, 0)))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, udp(7003, 7004, bytes(20)), df=True)), l3="ipv4",
                 l4="udp", flow=(17, A, 7003, B, 7004, 0)))
    # IPv6 extension headers: each kind, then all of them (8) in one chain
    HOP, RT, FRAG, DST, AH, MOB = 0, 43, 44, 60, 51, 135
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, HOP, ext6(6) + tcp(7100, 80, SYN))), l3="ipv6",
                 l4="tcp", ext6=True, flags=SYN, flow=(6, A6, 7100, B6, 80, 0)))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, RT, ext6(17, 2) + udp(7101, 53, bytes(9)))),
                 l3="ipv6", l4="udp", ext6=True, flow=(17, A6, 7101, B6, 53, 0)))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, DST, ext6(58, 1) + icmp(128, 0, 9, 1, bytes(8)))),
                 l3="ipv6", l4="icmpv6", ext6=True, flow=(58, A6, 9, B6, 9, 0)))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, AH, ah6(6) + tcp(7102, 443, ACK, bytes(5)))),
                 l3="ipv6", l4="tcp", ext6=True, flags=ACK, flow=(6, A6, 7102, B6, 443, 0)))
    chain = ext6(DST) + ext6(RT) + ext6(DST, 1) + ah6(DST) + ext6(FRAG) + frag6(DST) + \
        ext6(17)
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, HOP, chain + udp(7103, 53, bytes(3)))), l3="ipv6",
                 l4="udp", ext6=True, flow=(17, A6, 7103, B6, 53, 0),
                 what="8 extension headers, an atomic fragment among them"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, FRAG, frag6(17, 0, True) +
                                   udp(7104, 53, bytes(100), ulen=3000))),
                 l3="ipv6", l4="udp", ext6=True, frag6="first", flow=(17, A6, 7104, B6, 53, 0)))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, FRAG, frag6(17, 100) + bytes(200))), l3="ipv6",
                 l4="fragment", ext6=True, frag6="later"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, HOP, ext6(FRAG) + frag6(6, 50, True) + bytes(48))),
                 l3="ipv6", l4="fragment", ext6=True, frag6="later"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, MOB, ext6(59, 1))), l3="ipv6", l4="other", ext6=True))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 59, b"")), l3="ipv6", l4="other"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 50, bytes(32))), l3="ipv6", l4="other"))
    return out


def tunnels():
    out = []
    O1, O2 = "198.18.50.1", "198.18.50.2"
    O61, O62 = "2001:db8:50::1", "2001:db8:50::2"
    I1, I2 = "198.18.60.1", "198.18.60.2"
    I61, I62 = "2001:db8:60::1", "2001:db8:60::2"
    inner_tcp4 = ipv4(I1, I2, 6, tcp(1000, 80, SYN))
    inner_udp6 = ipv6(I61, I62, 17, udp(1000, 53, bytes(20)))
    g = (47, O1, 0, O2, 0, 0)

    def gre4(payload, **kw):
        return F(eth(ETH_IP4, ipv4(O1, O2, 47, payload)), l3="ipv4", l4="gre", flow=g, **kw)
    out.append(gre4(gre(ETH_IP4, inner_tcp4), enc="gre", il3="ipv4", il4="tcp"))
    out.append(gre4(gre(ETH_IP6, inner_udp6, csum_=True, key=5, seq=9), enc="gre", il3="ipv6",
                    il4="udp"))
    out.append(gre4(gre(0x6558, eth(ETH_IP4, ipv4(I1, I2, 17, udp(1, 2, bytes(4))))),
                    enc="gre", il3="ipv4", il4="udp", what="GRE TEB"))
    out.append(gre4(gre(0x8847, bytes(24)), enc="gre", il3="other", il4="none", what="MPLS"))
    out.append(gre4(gre(ETH_IP4, ipv4(I1, I2, 17, bytes(30), frag_off=10)), enc="gre",
                    il3="ipv4", il4="fragment"))
    out.append(gre4(gre(0x880B, bytes(20), key=1, ver=1), what="PPTP: not opened"))
    out.append(gre4(gre(ETH_IP4, inner_tcp4, routing=True), what="source routing: not opened"))
    # the reply direction of the GRE flow, over IPv4 with an inner ICMP echo
    out.append(F(eth(ETH_IP4, ipv4(O2, O1, 47, gre(ETH_IP4, ipv4(I2, I1, 1, icmp(0, 0, 1, 1))))),
                 l3="ipv4", l4="gre", enc="gre", il3="ipv4", il4="icmp", flow=(47, O2, 0, O1, 0, 0)))
    out.append(F(eth(ETH_IP6, ipv6(O61, O62, 47, gre(ETH_IP4, ipv4(I1, I2, 1, icmp(8, 0, 1, 1))))),
                 l3="ipv6", l4="gre", enc="gre", il3="ipv4", il4="icmp",
                 flow=(47, O61, 0, O62, 0, 0)))
    # VXLAN over IPv4 and IPv6: the outer UDP flow; inner IPv4 TCP, IPv6 UDP, ARP, SCTP
    v = (17, O1, 49152, O2, 4789, 0)

    def vx4(inner_eth, **kw):
        return F(eth(ETH_IP4, ipv4(O1, O2, 17, udp(49152, 4789, vxlan(42, inner_eth)))),
                 l3="ipv4", l4="udp", flow=v, **kw)
    out.append(vx4(eth(ETH_IP4, inner_tcp4), enc="vxlan", il3="ipv4", il4="tcp"))
    out.append(vx4(eth(ETH_IP6, inner_udp6), enc="vxlan", il3="ipv6", il4="udp"))
    out.append(vx4(eth(ETH_ARP, arp(1, I1, I2)), enc="vxlan", il3="arp", il4="none"))
    out.append(vx4(eth(ETH_IP6, ipv6(I61, I62, 132, sctp(1, 2))), enc="vxlan", il3="ipv6",
                   il4="sctp"))
    no_i = vxlan(42, eth(ETH_IP4, inner_tcp4), flags=0)
    out.append(F(eth(ETH_IP4, ipv4(O1, O2, 17, udp(49152, 4789, no_i))), l3="ipv4", l4="udp",
                 flow=v, what="VXLAN port without the I flag: not opened"))
    in6 = vxlan(7, eth(ETH_IP4, ipv4(I1, I2, 47, gre(ETH_IP4, b""))))
    out.append(F(eth(ETH_IP6, ipv6(O61, O62, 17, udp(50000, 4789, in6))), l3="ipv6", l4="udp",
                 enc="vxlan", il3="ipv4", il4="gre", flow=(17, O61, 50000, O62, 4789, 0),
                 what="VXLAN over IPv6, GRE inside: counted, not opened"))
    out.append(vx4(eth(ETH_IP4, ipv4(I1, I2, 50, bytes(16))), enc="vxlan", il3="ipv4",
                   il4="other"))
    out.append(gre4(gre(ETH_IP6, ipv6(I61, I62, 58, icmp(128, 0, 3, 3)), key=77), enc="gre",
                    il3="ipv6", il4="icmpv6"))
    # malformed inside: an inner IPv4 IHL of 4, an inner Ethernet header of 10 bytes
    out.append(gre4(gre(ETH_IP4, ipv4(I1, I2, 6, tcp(1, 2, 0), ihl=4)), enc="gre", il3="ipv4",
                    il4="none", mal="bad_ipv4_ihl"))
    out.append(vx4(bytes(10), enc="vxlan", mal="truncated_ethernet",
                   what="inner Ethernet header cut at 10 bytes"))
    out.append(vx4(eth(ETH_IP6, ipv6(I61, I62, 6, tcp(1, 2, ACK, doff=3))), enc="vxlan",
                   il3="ipv6", il4="tcp", mal="bad_tcp_data_offset"))
    return out


def link_shims():
    """PPPoE session and discovery, MPLS stacks, IPv4 AH, RARP, TSO frames (issue 17)."""
    out = []
    A, B = "198.18.70.1", "198.18.70.2"
    A6, B6 = "2001:db8:70::1", "2001:db8:70::2"
    out.append(F(eth(ETH_PPPOE_SES, pppoe(0x0021, ipv4(A, B, 17, udp(3000, 53, bytes(30))))),
                 l3="ipv4", l4="udp", link="pppoe_session", flow=(17, A, 3000, B, 53, 0)))
    out.append(F(eth(ETH_PPPOE_SES, pppoe(0x0057, ipv6(A6, B6, 6, tcp(3001, 443, ACK, bytes(9))))),
                 l3="ipv6", l4="tcp", link="pppoe_session", flags=ACK,
                 flow=(6, A6, 3001, B6, 443, 0)))
    out.append(F(eth(ETH_PPPOE_SES, pppoe(0xC021, bytes(10)), tags=((TPID_8021Q, 7),)),
                 l3="other", l4="none", link="pppoe_session", tags=1, what="LCP in a VLAN"))
    out.append(F(pad(eth(ETH_PPPOE_DISC, pppoe(None, bytes(4), code=0x09)), 60), l3="other",
                 l4="none", link="pppoe_discovery", what="PADI"))
    out.append(F(eth(ETH_PPPOE_SES, pppoe(0x0021, b"")[:5]), mal="truncated_pppoe"))
    out.append(F(eth(ETH_MPLS, mpls([16, 17], ipv4(A, B, 1, icmp(8, 0, 9, 1, bytes(20))))),
                 l3="ipv4", l4="icmp", link="mpls", flow=(1, A, 9, B, 9, 0)))
    out.append(F(eth(ETH_MPLS_MC, mpls([100], ipv6(A6, B6, 17, udp(3002, 123, bytes(48))))),
                 l3="ipv6", l4="udp", link="mpls", flow=(17, A6, 3002, B6, 123, 0)))
    out.append(F(eth(ETH_MPLS, mpls([1, 2], bytes(4) + eth(ETH_IP4, ipv4(A, B, 17, udp(1, 2))))),
                 l3="other", l4="none", link="mpls", what="pseudowire control word"))
    out.append(F(eth(ETH_MPLS, mpls(list(range(9)), ipv4(A, B, 17, udp(1, 2)))), link="mpls",
                 mal="mpls_too_deep", what="9 labels"))
    out.append(F(eth(ETH_MPLS, mpls([5], b"")[:2]), link="mpls", mal="truncated_mpls"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 51, ah4(6, tcp(3003, 22, PSH | ACK, bytes(40))))),
                 l3="ipv4", l4="tcp", flags=PSH | ACK, flow=(6, A, 3003, B, 22, 0),
                 what="IPv4 AH"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 51, ah4(17, b"", words=20)[:12])), l3="ipv4", l4="none",
                 mal="truncated_ah"))
    out.append(F(pad(eth(ETH_RARP, arp(3, A, B)), 60), l3="arp", l4="none", what="RARP"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 6, tcp(3004, 443, ACK, bytes(1460)), tot=0)), l3="ipv4",
                 l4="tcp", flags=ACK, flow=(6, A, 3004, B, 443, 0), tso=True,
                 what="TSO: IPv4 total length 0"))
    return out


def malformed():
    """Every reason, outside a tunnel; and frames under 14 bytes. Parsing stops at the
    first problem: a bad IP header counts in l3 and as l4 none, a bad transport header
    in its l4 class, a bad link header in neither; no flow unless the ports were read."""
    out = []
    A, B = "198.18.0.1", "198.18.0.2"
    A6, B6 = "2001:db8::1", "2001:db8::2"
    out.append(F(b"\x02" * 13, mal="truncated_ethernet", what="13 bytes"))
    out.append(F(b"\x02", mal="truncated_ethernet", what="1 byte"))
    out.append(F(b"", mal="truncated_ethernet", what="0 bytes"))
    out.append(F(eth(TPID_8021Q, b"\x00\x05"), mal="truncated_vlan"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, udp(1, 2)), tags=((TPID_8021AD, 1), (TPID_8021Q, 2),
                                                              (TPID_8021Q, 3))),
                 tags=2, mal="vlan_too_deep"))
    out.append(F(eth(ETH_ARP, arp(1, A, B)[:27]), l3="arp", l4="none", mal="truncated_arp"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, b"")[:19]), l3="ipv4", l4="none",
                 mal="truncated_ipv4"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, b"", opts=bytes(40))[:40]), l3="ipv4", l4="none",
                 mal="truncated_ipv4", what="IHL 15, 40 bytes held"))
    out.append(F(eth(ETH_IP4, ipv6(A6, B6, 59, b"")), l3="ipv4", l4="none",
                 mal="bad_ipv4_version"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, udp(1, 2), ihl=4)), l3="ipv4", l4="none",
                 mal="bad_ipv4_ihl"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, udp(1, 2), tot=29)), l3="ipv4", l4="none",
                 mal="bad_ipv4_total_length", what="one byte past the frame"))
    out.append(F(pad(eth(ETH_IP4, ipv4(A, B, 17, udp(1, 2), tot=19)), 60), l3="ipv4", l4="none",
                 mal="bad_ipv4_total_length", what="under the header length"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 59, b"")[:39]), l3="ipv6", l4="none",
                 mal="truncated_ipv6"))
    out.append(F(eth(ETH_IP6, ipv4(A, B, 17, udp(1, 2)) + bytes(20)), l3="ipv6", l4="none",
                 mal="bad_ipv6_version"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 17, udp(1, 2), plen=9)), l3="ipv6", l4="none",
                 mal="bad_ipv6_payload_length"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 0, b"".join(ext6(0) for _ in range(8)) + ext6(17) +
                                   udp(1, 2))),
                 l3="ipv6", l4="none", ext6=True, mal="bad_ipv6_ext_chain", what="9 headers"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 0, ext6(17, 1) + udp(1, 2), plen=8)), l3="ipv6",
                 l4="none", ext6=True, mal="bad_ipv6_ext_chain", what="past the payload length"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 60, ext6(17, 5)[:20])), l3="ipv6", l4="none",
                 ext6=True, mal="bad_ipv6_ext_chain", what="past the frame"))
    out.append(F(pad(eth(ETH_IP4, ipv4(A, B, 6, tcp(1, 2, SYN), tot=30)), 60), l3="ipv4",
                 l4="tcp", mal="truncated_tcp", what="10 bytes of TCP, the rest padding"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 6, tcp(1, 2, SYN, doff=15))), l3="ipv4", l4="tcp",
                 mal="truncated_tcp", what="options past the IP packet"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 6, tcp(1, 2, SYN, doff=4))), l3="ipv6", l4="tcp",
                 mal="bad_tcp_data_offset"))
    out.append(F(pad(eth(ETH_IP4, ipv4(A, B, 17, udp(1, 2), tot=26)), 60), l3="ipv4", l4="udp",
                 mal="truncated_udp"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, udp(1, 2, bytes(4), ulen=7))), l3="ipv4", l4="udp",
                 mal="bad_udp_length", what="under 8"))
    out.append(F(eth(ETH_IP6, ipv6(A6, B6, 17, udp(1, 2, bytes(12), ulen=21))), l3="ipv6",
                 l4="udp", mal="bad_udp_length", what="past the IP packet"))
    out.append(F(pad(eth(ETH_IP4, ipv4(A, B, 1, icmp(8, 0, 1, 1), tot=26)), 60), l3="ipv4",
                 l4="icmp", mal="truncated_icmp"))
    out.append(F(pad(eth(ETH_IP6, ipv6(A6, B6, 58, icmp(128, 0, 1, 1), plen=3)), 60), l3="ipv6",
                 l4="icmpv6", mal="truncated_icmpv6"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 132, sctp(1, 2)[:8])), l3="ipv4", l4="sctp",
                 mal="truncated_sctp"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 47, gre(ETH_IP4, b"")[:3])), l3="ipv4", l4="gre",
                 mal="truncated_gre", what="3 bytes"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 47, gre(ETH_IP4, b"", key=1, seq=2)[:8])), l3="ipv4",
                 l4="gre", mal="truncated_gre", flow=(47, A, 0, B, 0, 0),
                 what="sequence number missing: the flow still counts"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 47, gre(ETH_IP4, bytes(20), ver=2))), l3="ipv4",
                 l4="gre", mal="bad_gre_version"))
    out.append(F(eth(ETH_IP4, ipv4(A, B, 17, udp(5555, 4789, bytes(4)))), l3="ipv4", l4="udp",
                 mal="truncated_vxlan", flow=(17, A, 5555, B, 4789, 0)))
    return out


def sizes_and_cuts():
    """Frame lengths on each side of every size-class boundary; snap lengths."""
    out = []
    S, D = "198.18.30.1", "198.18.30.2"
    for n in (42, 60, 64, 65, 127, 128, 255, 256, 511, 512, 1023, 1024, 1518, 1519, 9018):
        out.append(u4(S, 7000, D, 7001, bytes(n - 42), what="%d bytes" % n))
    for n in (15, 41):
        out.append(F(eth(0x88B5, bytes(n - 14)), l3="other", l4="none"))
    # held: 64 bytes of a 1519-byte frame: counted by its length on the wire
    f = u4(S, 7000, D, 7001, bytes(1519 - 42))
    f.wire, f.data = 1519, f.data[:64]
    out.append(f)
    # headers cut by a snap length: not malformed
    out.append(F(b"\x02" * 6, wire=60, cut=True, what="6 of 60 bytes"))
    out.append(F(b"\x02" * 13, wire=65, cut=True, what="13 of 65 bytes"))
    f = F(eth(TPID_8021Q, b"\x00\x05"), wire=100, cut=True, what="tag cut")
    out.append(f)
    full = eth(ETH_IP4, ipv4(S, D, 6, tcp(7002, 443, PSH | ACK, bytes(500),
                                          opts=b"\x01\x01\x08\x0a" + bytes(8))))
    out.append(F(full[:60], wire=len(full), l3="ipv4", l4="tcp", cut=True, flags=PSH | ACK,
                 flow=(6, S, 7002, D, 443, 0), what="TCP options cut"))
    full = eth(ETH_IP4, ipv4(S, D, 17, udp(7003, 7004, bytes(300))))
    out.append(F(full[:38], wire=len(full), l3="ipv4", l4="udp", cut=True, what="UDP cut"))
    full = eth(ETH_IP6, ipv6("2001:db8::30", "2001:db8::31", 0, ext6(17, 3) + udp(1, 2)))
    out.append(F(full[:64], wire=len(full), l3="ipv6", l4="none", ext6=True, cut=True,
                 what="IPv6 hop-by-hop cut"))
    full = eth(ETH_IP4, ipv4(S, D, 17, b"", opts=bytes(20)))
    out.append(F(full[:40], wire=len(full), l3="ipv4", l4="none", cut=True, noaddr=True,
                 what="IPv4 options cut"))
    return out


BASE_NS = 1700000000 * 10**9 + 123456000
STEP_NS = 15625000  # 1/64 s: times, the span and the rates are exact in binary


def stamp(frames, base=BASE_NS):
    for i, f in enumerate(frames):
        if f.ts is None:
            f.ts = base + i * STEP_NS
    return frames


# ---- the model -----------------------------------------------------------------

def flow_state(fwd, rev):
    """TCP state from the flags each side sent (pktlens-monitor(8))."""
    if (fwd | rev) & RST:
        return "reset"
    if fwd & FIN and rev & FIN:
        return "closed"
    if (fwd | rev) & FIN:
        return "closing"
    if fwd & SYN and rev & SYN:
        return "established" if fwd & ACK else "syn_received"
    if fwd & SYN:
        return "syn_sent"
    return "midstream"


def model_flows(frames):
    """Flows in first-seen order: key -> record (both directions, as the man page says)."""
    flows = collections.OrderedDict()
    for f in frames:
        if not f.flow:
            continue
        proto, src, sp, dst, dp, vlan = f.flow
        key = (proto, vlan, frozenset([(src, sp), (dst, dp)]))
        r = flows.get(key)
        if r is None:
            r = flows[key] = dict(proto=proto, src=src, sport=sp, dst=dst, dport=dp, vlan=vlan,
                                  pk=[0, 0], by=[0, 0], fl=[0, 0], first=f.ts, last=f.ts)
        d = 0 if (src, sp) == (r["src"], r["sport"]) else 1
        r["pk"][d] += 1
        r["by"][d] += f.wire
        r["fl"][d] |= f.flags or 0
        r["first"], r["last"] = min(r["first"], f.ts), max(r["last"], f.ts)
    return flows


def flow_json(r):
    o = collections.OrderedDict()
    o["proto"] = PROTO_NAME.get(r["proto"], r["proto"])
    o["src"], o["sport"], o["dst"], o["dport"] = r["src"], r["sport"], r["dst"], r["dport"]
    o["vlan"] = r["vlan"]
    o["packets"], o["bytes"] = r["pk"][0], r["by"][0]
    o["packets_reply"], o["bytes_reply"] = r["pk"][1], r["by"][1]
    o["first_seen"], o["last_seen"] = iso(r["first"]), iso(r["last"])
    o["duration_s"] = num3((r["last"] - r["first"]) / 1e9)
    if r["proto"] == 6:
        o["tcp_flags"], o["tcp_flags_reply"] = flag_letters(r["fl"][0]), flag_letters(r["fl"][1])
        o["state"] = flow_state(r["fl"][0], r["fl"][1])
    else:
        o["state"] = "bidirectional" if r["pk"][0] and r["pk"][1] else "unidirectional"
    return o


def sources_json(flows):
    t = collections.OrderedDict()
    for r in flows:
        for d, addr in ((0, r["src"]), (1, r["dst"])):
            if not r["pk"][d]:
                continue
            s = t.setdefault(addr, [0, 0, 0])
            s[0] += r["pk"][d]
            s[1] += r["by"][d]
            s[2] += 1
    return [collections.OrderedDict([("addr", a), ("packets", p), ("bytes", b), ("flows", n)])
            for a, (p, b, n) in t.items()]


IP_BAD = {"truncated_ipv4", "bad_ipv4_version", "bad_ipv4_ihl", "bad_ipv4_total_length",
          "truncated_ipv6", "bad_ipv6_version", "bad_ipv6_payload_length"}


def ip_offset(d):
    """Offset of the outer IP header: past Ethernet, its tags, PPPoE and MPLS."""
    off, et = 12, None
    while True:
        et = struct.unpack("!H", d[off:off + 2])[0]
        off += 2
        if et in (TPID_8021Q, TPID_8021AD, TPID_9100):
            off += 2
            continue
        break
    if et == ETH_PPPOE_SES:
        off += 8
    elif et in (ETH_MPLS, ETH_MPLS_MC):
        while not d[off + 2] & 1:
            off += 4
        off += 4
    return off


def outer_ip(f):
    """(family, src, dst, offset) of a frame whose outer IP header pktlens read (the
    annotations say so: an IPv4/IPv6 class without an IP header reason), else None."""
    if f.l3 not in ("ipv4", "ipv6") or (f.mal in IP_BAD and f.enc == "none") or f.noaddr:
        return None
    off = ip_offset(f.data)
    if f.l3 == "ipv4":
        d = f.data[off:off + 20]
        return (4, socket.inet_ntop(socket.AF_INET, d[12:16]),
                socket.inet_ntop(socket.AF_INET, d[16:20]), off)
    d = f.data[off:off + 40]
    return (6, socket.inet_ntop(socket.AF_INET6, d[8:24]),
            socket.inet_ntop(socket.AF_INET6, d[24:40]), off)


def icmp_key(f):
    """(proto, type, code) of an outer ICMP/ICMPv6 header that was accepted."""
    if f.l4 not in ("icmp", "icmpv6") or f.mal or f.cut:
        return None
    fam, _, _, off = outer_ip(f)
    if fam == 4:
        off += (f.data[off] & 0xF) * 4
    else:
        nh, off = f.data[off + 6], off + 40
        while nh in (0, 43, 44, 51, 60, 135):
            n = 8 if nh == 44 else (f.data[off + 1] + 2) * 4 if nh == 51 else \
                (f.data[off + 1] + 1) * 8
            nh, off = f.data[off], off + n
    return (f.l4, f.data[off], f.data[off + 1])


def talkers_json(frames, flows):
    """The kernel's address, port and ICMP tables as the report gives them; the spread
    (distinct peers and ports) exact here, estimated there."""
    src, dst = collections.OrderedDict(), collections.OrderedDict()
    ports, icmps = collections.OrderedDict(), collections.Counter()
    for f in frames:
        ip = outer_ip(f)
        if ip:
            fam, a, b, _ = ip
            dport = f.flow[4] if f.flow and f.flow[0] in (6, 17, 132) else None
            for tab, me, peer in ((src, a, b), (dst, b, a)):
                r = tab.setdefault(me, dict(packets=0, bytes=0, peers=set(), ports=set()))
                r["packets"] += 1
                r["bytes"] += f.wire
                r["peers"].add(peer)
                if dport is not None:
                    r["ports"].add((f.flow[0], dport))
        if f.flow and f.flow[0] in (6, 17, 132):
            proto = PROTO_NAME[f.flow[0]]
            keys = [(proto, "dst", f.flow[4])] + ([(proto, "src", f.flow[2])] if proto == "udp"
                                                 else [])
            for k in keys:
                r = ports.setdefault(k, [0, 0])
                r[0] += 1
                r[1] += f.wire
        k = icmp_key(f)
        if k:
            icmps[k] += 1
    nflows = collections.Counter()
    for r in flows:
        for d, me, peer in ((0, r["src"], r["dst"]), (1, r["dst"], r["src"])):
            if r["pk"][d]:
                nflows[("s", me)] += 1
                nflows[("d", peer)] += 1

    def addr_list(tab, side):
        out = []
        for a, r in tab.items():
            o = collections.OrderedDict([("addr", a), ("packets", r["packets"]),
                                         ("bytes", r["bytes"]), ("flows", nflows[(side, a)])])
            o["sources" if side == "d" else "destinations"] = len(r["peers"])
            o["ports"] = len(r["ports"])
            out.append(o)
        return out
    e = collections.OrderedDict()
    e["top_sources"] = e["top_sources_by_packets"] = addr_list(src, "s")
    e["top_destinations"] = e["top_destinations_by_packets"] = addr_list(dst, "d")
    pl = [collections.OrderedDict([("proto", p), ("side", sd), ("port", n), ("service", None),
                                   ("packets", v[0]), ("bytes", v[1])])
          for (p, sd, n), v in ports.items()]
    e["top_ports_by_bytes"] = e["top_ports_by_packets"] = pl
    e["icmp"] = [collections.OrderedDict([("proto", p), ("type", t), ("code", c),
                                          ("type_name", None), ("code_name", None),
                                          ("packets", icmps[(p, t, c)])])
                 for p, t, c in sorted(icmps, key=lambda k: (k[0] == "icmpv6", k[1], k[2]))]
    t = collections.OrderedDict()
    for side, tab in (("sources", src), ("destinations", dst)):
        t[side] = collections.OrderedDict([("active", len(tab)), ("capacity", 65536),
                                           ("created", len(tab)), ("evicted", 0)])
    t["update_failures"] = 0
    e["talkers"] = t
    return e


def model(frames, source, capacity):
    z = lambda names: collections.OrderedDict((n, 0) for n in names)  # noqa: E731
    pb = lambda names: collections.OrderedDict(  # noqa: E731
        (n, collections.OrderedDict([("packets", 0), ("bytes", 0)])) for n in names)
    e = collections.OrderedDict()
    pk = sum(1 for f in frames)
    by = sum(f.wire for f in frames)
    ts = [f.ts for f in frames]
    span = (max(ts) - min(ts)) / 1e9 if ts else 0.0
    e["timestamp"] = iso(max(ts)) if ts else None
    e["source"] = source
    e["mode"] = "offline"
    e["interval_s"] = num3(span)
    e["rx"] = collections.OrderedDict([
        ("packets", pk), ("bytes", by),
        ("pps", num3(pk / span if span > 0 else 0)),
        ("bps", num3(by * 8 / span if span > 0 else 0))])
    e["total"] = collections.OrderedDict([("packets", pk), ("bytes", by)])
    e["l3"], e["l4"], e["encap"] = pb(L3), pb(L4), z(ENCAP)
    e["inner_l3"], e["inner_l4"] = z(L3), z(L4)
    e["size_hist"] = z(n for n, _ in SIZES)
    e["vlan"] = z(["tagged", "qinq"])
    e["link"] = z(LINK)
    e["ip"] = z(["ipv4_fragments_first", "ipv4_fragments_later", "ipv6_fragments_first",
                 "ipv6_fragments_later", "ipv4_options", "ipv6_ext_headers", "tso"])
    flags = collections.Counter()
    mal = z(["total"] + MALFORMED)
    cut = 0
    for f in frames:
        if f.l3:
            e["l3"][f.l3]["packets"] += 1
            e["l3"][f.l3]["bytes"] += f.wire
        if f.l4:
            e["l4"][f.l4]["packets"] += 1
            e["l4"][f.l4]["bytes"] += f.wire
        e["encap"][f.enc] += 1
        if f.il3:
            e["inner_l3"][f.il3] += 1
        if f.il4:
            e["inner_l4"][f.il4] += 1
        e["size_hist"][size_class(f.wire)] += 1
        e["vlan"]["tagged"] += f.tags >= 1
        e["vlan"]["qinq"] += f.tags >= 2
        ip = e["ip"]
        ip["ipv4_fragments_first"] += f.frag4 == "first"
        ip["ipv4_fragments_later"] += f.frag4 == "later"
        ip["ipv6_fragments_first"] += f.frag6 == "first"
        ip["ipv6_fragments_later"] += f.frag6 == "later"
        ip["ipv4_options"] += f.opt4
        ip["ipv6_ext_headers"] += f.ext6
        ip["tso"] += f.tso
        if f.link:
            e["link"][f.link] += 1
        if f.flags is not None and not f.mal:
            flags[f.flags] += 1
        if f.mal:
            mal[f.mal] += 1
            mal["total"] += 1
        cut += f.cut
    # only combinations seen, in the order of the flags byte
    e["tcp_flags"] = collections.OrderedDict((flag_letters(k), flags[k]) for k in sorted(flags))
    e["malformed"] = mal
    e["headers_cut"] = cut
    flows = list(model_flows(frames).values())
    e["flows"] = collections.OrderedDict([
        ("active", len(flows)), ("capacity", capacity), ("created", len(flows)), ("evicted", 0),
        ("update_failures", 0)])
    fj = [flow_json(r) for r in flows]
    e["top_flows_by_bytes"] = fj
    e["top_flows_by_packets"] = fj
    e.update(talkers_json(frames, flows))
    e["cost"] = None
    return e


# Keys of the report, in the documented order; (key, kind): kind is a nested list
# for objects whose keys are fixed, "flows"/"sources" for the lists, "flags" for the
# TCP flag combinations (keys only as seen), "scalar" otherwise.
FLOW_KEYS = ["proto", "src", "sport", "dst", "dport", "vlan", "packets", "bytes",
             "packets_reply", "bytes_reply", "first_seen", "last_seen", "duration_s",
             "tcp_flags", "tcp_flags_reply", "state"]
SOURCE_KEYS = ["addr", "packets", "bytes", "flows", "destinations", "ports"]
DEST_KEYS = ["addr", "packets", "bytes", "flows", "sources", "ports"]
TALKER_KEYS = ("top_sources", "top_sources_by_packets", "top_destinations",
               "top_destinations_by_packets", "top_ports_by_bytes", "top_ports_by_packets",
               "icmp", "talkers")


# ---- comparison ------------------------------------------------------------------

def parse(text):
    """JSON with numbers of three decimals kept as text, keys in order, no duplicates."""
    def pairs(kv):
        keys = [k for k, _ in kv]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key in %s" % keys)
        return collections.OrderedDict(kv)
    return json.loads(text, object_pairs_hook=pairs, parse_float=lambda s: s)


def check_keys(name, got, want):
    """Exactly the model's keys, in its order; says which are unknown or missing."""
    if got == want:
        ok("%s (%s)" % (name, short(got, 120)))
        return
    extra = [k for k in got if k not in want]
    missing = [k for k in want if k not in got]
    fail(name, "unknown %s, missing %s%s" % (extra, missing,
                                            "" if extra or missing else ", order %s" % got))


def compare_obj(path, got, want):
    """Leaf by leaf; the keys (and their order) must be exactly the model's."""
    if not isinstance(got, dict):
        fail(path, "not an object: %s" % short(got))
        return
    check_keys(path + " keys", list(got.keys()), list(want.keys()))
    for k, w in want.items():
        if k not in got:
            continue
        g = got[k]
        if isinstance(w, dict) and not (path == "" and k == "tcp_flags"):
            compare_obj((path + "." if path else "") + k, g, w)
        else:
            check((path + "." if path else "") + k, g, w)


def ranked(name, got, want, key, top):
    """A top list: min(len, top) entries, each one of the model's (all fields equal),
    none twice, largest first, and every entry larger than the last one listed is in."""
    if not isinstance(got, list):
        fail(name, "not a list: %s" % short(got))
        return
    check(name + " length", len(got), min(len(want), top))
    canon = lambda o: json.dumps(o)  # noqa: E731  (key order included)
    bad = []
    pool = collections.Counter(canon(w) for w in want)
    for g in got:
        c = canon(g)
        if pool[c] > 0:
            pool[c] -= 1
        else:
            bad.append(g)
    if bad:
        near = []
        ident = ("proto", "src", "sport", "dst", "dport", "vlan", "addr")
        for g in bad[:3]:
            m = [w for w in want if all(w.get(k) == g.get(k) for k in ident)]
            if not isinstance(g, dict) or not m:
                near.append("%s (no such entry in the model)" % short(g, 400))
                continue
            diff = ["%s %s, model %s" % (k, json.dumps(g.get(k)), json.dumps(v))
                    for k, v in m[0].items() if g.get(k) != v]
            diff += ["unknown key %s" % k for k in g if k not in m[0]]
            near.append("%s: %s" % (" ".join(str(g.get(k)) for k in ident if k in g),
                                    ", ".join(diff) or "key order"))
        fail(name + " entries", "%d not in the model, e.g. %s" % (len(bad), "; ".join(near)))
    else:
        ok(name + " entries (%d, each equal to the model's)" % len(got))
    vals = [key(g) for g in got]
    if vals == sorted(vals, reverse=True):
        ok(name + " order (largest first)")
    else:
        fail(name + " order", "not largest first: %s" % vals[:20])
    if got and not bad:
        last = key(got[-1])
        gs = set(canon(g) for g in got)
        missing = [w for w in want if key(w) > last and canon(w) not in gs]
        if missing:
            fail(name + " cut", "left out larger entries: %s" % short(missing, 400))
        else:
            ok(name + " cut (no larger entry left out)")


def flow_bytes(o):
    return o["bytes"] + o["bytes_reply"]


def flow_pkts(o):
    return o["packets"] + o["packets_reply"]


def compare_report(tag, got, want, top):
    """The whole report: every key of the model, and no key the model lacks."""
    check_keys(tag + " report keys", list(got.keys()), list(want.keys()))
    for k, w in want.items():
        if k in ("top_flows_by_bytes", "top_flows_by_packets") or k in TALKER_KEYS:
            continue
        g = got.get(k)
        if isinstance(w, dict) and k != "tcp_flags":
            compare_obj(tag + " " + k, g, w)
        elif k == "tcp_flags" and isinstance(g, dict):
            check(tag + " " + k, dict(g), dict(w))  # keys as seen, in no documented order
        else:
            check(tag + " " + k, g, w)
    for g in got.get("top_flows_by_bytes", []) + got.get("top_flows_by_packets", []):
        keys = list(g.keys()) if isinstance(g, dict) else None
        want_keys = [k for k in FLOW_KEYS if g.get("proto") == "tcp" or not k.startswith("tcp_")]
        if keys != want_keys:
            fail(tag + " flow keys", "got %s, want %s" % (keys, want_keys))
            break
    else:
        ok(tag + " flow keys (TCP flows with tcp_flags and tcp_flags_reply, others without)")
    ranked(tag + " top_flows_by_bytes", got.get("top_flows_by_bytes"),
           want["top_flows_by_bytes"], flow_bytes, top)
    ranked(tag + " top_flows_by_packets", got.get("top_flows_by_packets"),
           want["top_flows_by_packets"], flow_pkts, top)
    compare_talkers(tag, got, want, top)


def spread_ok(got, n):
    """An estimate of n distinct items within the sketch's stated error (3 standard
    errors of 9.2 %, or 1 for small sets)."""
    return isinstance(got, int) and abs(got - n) <= max(1, 3 * 0.092 * n)


def without(o, keys):
    return collections.OrderedDict((k, v) for k, v in o.items() if k not in keys) \
        if isinstance(o, dict) else o


SPREAD = ("destinations", "sources", "ports")
NAMES = ("service", "type_name", "code_name")


def compare_talkers(tag, got, want, top):
    """The kernel's address, port and ICMP tables: counts exact, the spread within the
    sketch's error, the names where this test knows them."""
    for k, key, lst in (("top_sources", "bytes", SOURCE_KEYS),
                        ("top_sources_by_packets", "packets", SOURCE_KEYS),
                        ("top_destinations", "bytes", DEST_KEYS),
                        ("top_destinations_by_packets", "packets", DEST_KEYS)):
        g = got.get(k)
        if not isinstance(g, list) or any(list(o.keys()) != lst for o in g):
            fail(tag + " " + k + " keys", "got %s" % short(g))
            continue
        ranked(tag + " " + k, [without(o, SPREAD) for o in g],
               [without(o, SPREAD) for o in want[k]], lambda o, key=key: o[key], top)
        exact = {o["addr"]: o for o in want[k]}
        bad = [(o["addr"], s_, o[s_], exact[o["addr"]][s_]) for o in g if o["addr"] in exact
               for s_ in SPREAD if s_ in o and not spread_ok(o[s_], exact[o["addr"]][s_])]
        if bad:
            fail(tag + " " + k + " spread", "estimates off: %s" % short(bad))
        else:
            ok(tag + " " + k + " spread (%d estimates within the stated error)" % len(g))
    for k, key in (("top_ports_by_bytes", "bytes"), ("top_ports_by_packets", "packets")):
        ranked(tag + " " + k, [without(o, NAMES) for o in got.get(k, [])],
               [without(o, NAMES) for o in want[k]], lambda o, key=key: o[key], top)
    check(tag + " icmp", [without(o, NAMES) for o in got.get("icmp", [])],
          [without(o, NAMES) for o in want["icmp"]])
    names = {(o["proto"], o["port"]): o["service"] for o in got.get("top_ports_by_bytes", [])}
    for (p, n), name in ((("udp", 53), "domain"), (("udp", 161), "snmp"), (("tcp", 22), "ssh"),
                         (("tcp", 20000), None)):
        if (p, n) in names:
            check(tag + " service of %s %d" % (p, n), names[(p, n)], name)
    names = {(o["proto"], o["type"], o["code"]): (o["type_name"], o["code_name"])
             for o in got.get("icmp", [])}
    for k, name in ((("icmp", 8, 0), ("echo-request", None)),
                    (("icmp", 3, 3), ("destination-unreachable", "port-unreachable")),
                    (("icmpv6", 135, 0), ("neighbor-solicitation", None))):
        if k in names:
            check(tag + " icmp names of %s %d/%d" % k, list(names[k]), list(name))
    compare_obj(tag + " talkers", got.get("talkers"), want["talkers"])


def run(tag, path, *args):
    # The model is of the L2-L4 report; the L7 keys ("app", "l7") have their own tests
    # (test_l7_analyze.sh, tests/corpus/test_l7_ndpi.sh), and so do TCP RTT and health
    # ("tcp": tests/bpf/test_tcp_rtt.c, test_tcp_rtt.sh's capture), the protocol
    # hierarchy (tests/corpus/test_phs.sh, against tshark's) and detection's "alerts"
    # (test_detect_*.sh): they are taken out here.
    cmd = [PKTLENS, "analyze", "--read", path, "--json", "--l7-packets", "0",
           "--no-tcp", "--no-detect"] + list(args)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        fail(tag + " run", "%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                p.stderr.decode(errors="replace")[:500]))
        return None, p
    try:
        got = parse(p.stdout.decode())
        if isinstance(got, dict):
            got.pop("protocol_hierarchy", None)
        return got, p
    except ValueError as e:
        fail(tag + " json", "%s: %s" % (e, p.stdout[:300]))
        return None, p


# ---- cross-check of the frames with tshark ----------------------------------------

def tshark_check(path, frames):
    """The annotations describe the bytes: outer TCP flags, IPv4 header lengths and
    fragment fields, IPv6 next headers, as tshark decodes them."""
    if not shutil.which("tshark"):
        skip("tshark cross-check", "tshark not installed")
        return
    fields = ["frame.number", "eth.type", "ip.hdr_len", "ip.flags.mf", "ip.frag_offset",
              "ipv6.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "tcp.flags"]
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f",
           "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]
    for fl in fields:
        cmd += ["-e", fl]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    rows = [l.split("\t") for l in p.stdout.decode().splitlines()]
    if len(rows) != len(frames):
        fail("tshark frames", "tshark read %d frames, the test wrote %d" % (len(rows), len(frames)))
        return
    bad = []
    ext = {"0", "43", "44", "60", "51", "135"}
    for f, r in zip(frames, rows):
        v = dict(zip(fields, r))
        outer_v4 = f.l3 == "ipv4" and not f.tags and f.mal is None and not f.cut
        if f.flags is not None and not f.mal:
            if not v["tcp.flags"] or int(v["tcp.flags"], 16) & 0xFF != f.flags:
                bad.append("frame %s: tcp.flags %s, annotated %#x" % (v["frame.number"],
                                                                     v["tcp.flags"], f.flags))
        if outer_v4:
            hl = int(v["ip.hdr_len"] or 0)
            if (hl > 20) != f.opt4:
                bad.append("frame %s: ip.hdr_len %d, options %s" % (v["frame.number"], hl, f.opt4))
            off = int(v["ip.frag_offset"] or 0)
            mf = v["ip.flags.mf"] in ("1", "True")
            fr = "later" if off else ("first" if mf else None)
            if fr != f.frag4:
                bad.append("frame %s: fragment %s, annotated %s" % (v["frame.number"], fr,
                                                                   f.frag4))
        if f.l3 == "ipv6" and f.mal is None and not f.cut:
            if (v["ipv6.nxt"] in ext) != f.ext6:
                bad.append("frame %s: ipv6.nxt %s, ext %s" % (v["frame.number"], v["ipv6.nxt"],
                                                              f.ext6))
            off = int(v["ipv6.fraghdr.offset"] or 0)
            more = v["ipv6.fraghdr.more"] in ("1", "True")
            fr = "later" if off else ("first" if more else None)
            if fr != f.frag6:
                bad.append("frame %s: IPv6 fragment %s, annotated %s" % (v["frame.number"], fr,
                                                                        f.frag6))
    if bad:
        fail("tshark cross-check", "; ".join(bad[:5]))
    else:
        ok("tshark cross-check: flags, IPv4 header lengths and fragments, IPv6 next headers "
           "of %d frames as annotated" % len(frames))


# ---- the runs --------------------------------------------------------------------

def write(name, frames, **kw):
    path = os.path.join(TMP, name)
    write_pcap(path, [(f.ts, f.data, f.wire) for f in frames], **kw)
    return path


def main():
    frames = tcp_flows() + udp_icmp_sctp() + fragments_and_ext() + tunnels() + link_shims() + \
        malformed() + sizes_and_cuts()
    stamp(frames)
    # Time stamps that go back: one flow's later packet carries the capture's earliest
    # time and another's the latest; the span is earliest to latest, not first to last.
    back = [f for f in frames if f.flow and f.flow[2] == 34000]
    back[5].ts = BASE_NS - 3 * STEP_NS - 250000
    frames[-1].ts = frames[-1].ts + 1000 * STEP_NS + 777000
    main_pcap = write("main.pcap", frames)
    tshark_check(main_pcap, frames)
    # every combination of TCP flags is in the capture, as counted by the model
    allc = collections.Counter(f.flags for f in frames if f.flags is not None and not f.mal)
    check("the capture holds every TCP flag combination", len(allc), 256)

    want = model(frames, main_pcap, 65536)
    # the capture exercises every class, reason and counter the report has
    unused = []
    for k in ("l3", "l4"):
        unused += ["%s.%s" % (k, n) for n, v in want[k].items() if not v["packets"]]
    for k in ("encap", "inner_l3", "inner_l4", "size_hist", "vlan", "link", "ip", "malformed"):
        unused += ["%s.%s" % (k, n) for n, v in want[k].items() if not v]
    if want["headers_cut"] == 0:
        unused.append("headers_cut")
    check("the capture has frames for every class and reason", unused, [])
    states = set(f["state"] for f in want["top_flows_by_bytes"])
    check("the capture has flows in every state",
          sorted(set(["syn_sent", "syn_received", "established", "closing", "closed", "reset",
                      "midstream", "unidirectional", "bidirectional"]) - states), [])
    check("the capture has flows of every named protocol",
          sorted(set(PROTO_NAME.values()) - set(f["proto"] for f in want["top_flows_by_bytes"])),
          [])
    got, _ = run("main", main_pcap, "--top", "10000")
    if got is not None:
        compare_report("main", got, want, 10000)
    # --pretty: the same object over several lines
    pretty, p = run("pretty", main_pcap, "--top", "10000", "--pretty")
    if got is not None and pretty is not None:
        lines = p.stdout.decode().count("\n")
        if pretty == got and lines > 100:
            ok("--pretty: the same report on %d lines" % lines)
        else:
            fail("--pretty", "%d lines, same report: %s" % (lines, pretty == got))

    # the default --top (10): the ten largest of each list; the flows of a 3-entry table
    got, _ = run("top10", main_pcap)
    if got is not None:
        for k, key in (("top_flows_by_bytes", flow_bytes), ("top_flows_by_packets", flow_pkts),
                       ("top_sources", lambda o: o["bytes"]),
                       ("top_destinations_by_packets", lambda o: o["packets"]),
                       ("top_ports_by_bytes", lambda o: o["bytes"])):
            ranked("top10 " + k, [without(o, SPREAD + NAMES) for o in got.get(k, [])],
                   [without(o, SPREAD + NAMES) for o in want[k]], key, 10)

    # A small flow table: 300 one-packet flows into 16 entries. Which ones stay depends
    # on the kernel's LRU (per-CPU lists); what is fixed: every flow was created once,
    # the table holds at most 16, evicted = created - active, no update failed, every
    # flow listed is one of those sent with its packet, and the counters do not change.
    ev = []
    for i in range(300):
        src = "198.19.%d.%d" % (i // 200, 1 + i % 200)
        ev.append(u4(src, 1024 + i, "198.18.99.1", 53, bytes(i % 50)))
    stamp(ev)
    ev_pcap = write("evict.pcap", ev, nsec=True)
    want = model(ev, ev_pcap, 16)
    got, p = run("evict", ev_pcap, "--flows", "16", "--top", "10000")
    if got is not None:
        fl = got.get("flows", {})
        check("evict flows keys", list(fl.keys()), list(want["flows"].keys()))
        check("evict flows.capacity", fl.get("capacity"), 16)
        check("evict flows.created", fl.get("created"), 300)
        act = fl.get("active")
        if isinstance(act, int) and 1 <= act <= 16:
            ok("evict flows.active (%d, within 1..16)" % act)
        else:
            fail("evict flows.active", "got %s, want 1..16" % act)
        check("evict flows.evicted", fl.get("evicted"), 300 - act if isinstance(act, int) else 0)
        check("evict flows.update_failures", fl.get("update_failures"), 0)
        for k in ("top_flows_by_bytes", "top_flows_by_packets"):
            lst = got.get(k, [])
            check("evict %s length" % k, len(lst), act)
            pool = set(json.dumps(w) for w in want[k])
            check("evict %s entries are flows sent" % k,
                  sum(json.dumps(g) in pool for g in lst), len(lst))
        # the kernel counted the sources on their own: all 300 whole, whatever was evicted;
        # each one's flows are those left in the table
        left = set(g["src"] for g in got.get("top_flows_by_bytes", []))
        for w in want["top_sources"]:
            w["flows"] = 1 if w["addr"] in left else 0
        check("evict top_sources (every source, counted in the kernel)",
              sorted(json.dumps(without(s_, SPREAD)) for s_ in got.get("top_sources", [])),
              sorted(json.dumps(without(s_, SPREAD)) for s_ in want["top_sources"]))
        for k, w in want.items():
            if k in ("flows", "top_flows_by_bytes", "top_flows_by_packets") or k in TALKER_KEYS:
                continue
            check("evict " + k, got.get(k), w)
        err = p.stderr.decode(errors="replace")
        if "%d older flows were evicted" % (300 - act if isinstance(act, int) else -1) in err:
            ok("evict warning names the evicted count")
        else:
            fail("evict warning", "stderr: %s" % err[:300])

    # A capture without packets: no time, every counter 0, empty lists.
    empty = write("empty.pcap", [])
    got, _ = run("empty", empty)
    if got is not None:
        compare_report("empty", got, model([], empty, 65536), 10)

    print()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
