# SPDX-License-Identifier: BSD-2-Clause
"""detect_frames.py OUT.pcap OUT.json - a capture of crafted attacks for test_detect_crafted.

Two parts on the capture's clock, with what analyze must alert (and must not) in
OUT.json, written from the frames as they are built here:

 - baselines (0-12 s): 480 TCP data packets/s of a few established flows for 10 s (the
   warm-up: 40 ticks of 0.25 s), then 1.5 s with SYNs to port 80 from 256 sources
   (4 a tick each, each SYN a new flow) and 1400-byte UDP datagrams of one source on
   top: packet rate, bit rate, new flows/s, SYN share and source entropy all rise far
   above what was learned. OUT.json holds each metric's value in that phase as the
   frames make it (per tick: packets, bits, flows, SYNs over TCP packets, the Shannon
   entropy of the counted sources' packets).
 - attacks (from 20 s), each in a slot of its own, with controls next to them:
   invalid TCP flag pairs (SYN+FIN, SYN+RST, FIN+RST, one source each, 15 in 0.5 s;
   valid flags at the same rate and 5 bad ones in a window are none), land packets
   (IPv4 TCP SYN, IPv6 UDP with the same port both ways; 127.0.0.1 and a UDP packet
   to itself with other ports are none), tiny first fragments of TCP (8 bytes of the
   header; 24 bytes, and 5 tiny ones, are none), large UDP answers from 161, 389,
   1900 and 11211 never asked for (one victim per port, 20 reflectors; the same from
   port 5000, answers to requests sent first, and short answers are none), ICMPv6 echo
   floods from one source and from 500 (replies at the same rate are none), and a DNS
   query and an HTTP request whose names are under a listed domain (a name that only
   ends with the listed one, and another host, are none).
"""
import json
import math
import os
import struct
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pcapgen import (eth, ipv4, ipv6, tcp, udp, icmp, write_pcap, ETH_IP4, ETH_IP6,  # noqa: E402
                     SYN, ACK, FIN, RST, PSH)

S = 10**9
T0 = 1700000000 * S
V4, V6 = "198.18.0.2", "2001:db8::2"
recs = []
expect = {"alerts": [], "absent": [], "baselines": {}}


def put(t, frame):
    recs.append((T0 + int(t), frame, None))


def e4(src, dst, proto, payload, **kw):
    return eth(ETH_IP4, ipv4(src, dst, proto, payload, **kw))


def e6(src, dst, nh, payload):
    return eth(ETH_IP6, ipv6(src, dst, nh, payload))


def want(sid, src=None, dst=None, proto=None, **more):
    a = {"sid": sid, "src": src, "dst": dst, "proto": proto}
    a.update(more)
    expect["alerts"].append(a)


def never(sid, src=None, dst=None, why=""):
    expect["absent"].append({"sid": sid, "src": src, "dst": dst, "why": why})


def spread(t, dur, frames):
    """frames evenly over [t, t + dur)."""
    for i, f in enumerate(frames):
        put(t + dur * i / len(frames), f)


# ---- baselines -------------------------------------------------------------------------

def baselines():
    bg = [("198.18.0.%d" % (200 + i), "198.18.0.%d" % (210 + i)) for i in range(4)]
    bg_frame = [e4(c, s, 6, tcp(50000 + i, 443, ACK | PSH, bytes(46), seq=1, ack=1))
                for i, (c, s) in enumerate(bg)]
    # warm-up: 120 TCP packets a tick (every 1/480 s), 12 s with the rise in it
    n = 480 * 12
    for k in range(n):
        put(k * S / 480, bg_frame[k % 4])
    # the rise, 10.0-11.5 s: 6 ticks of 1024 SYNs (256 sources x 4) + 256 UDP
    t0, ticks = 10 * S, 6
    per_tick = []
    for tk in range(ticks):
        fr = []
        for j in range(4):
            for s in range(256):
                src = "198.18.%d.%d" % (100 + s // 250, s % 250 + 1)
                fr.append(e4(src, V4, 6, tcp(1024 + tk * 4 + j, 80, SYN)))
                if s % 4 == 3:  # a UDP datagram after every 4 SYNs: 256 a tick
                    fr.append(e4("198.18.0.99", V4, 17, udp(7000, 9, bytes(1400 - 42))))
        spread(t0 + tk * S // 4, S // 4, fr)
        per_tick.append(fr)
    fr = per_tick[0]
    bg_tick = [bg_frame[k % 4] for k in range(120)]  # 120 background a tick
    pkts = len(fr) + len(bg_tick)
    byts = sum(len(f) for f in fr) + sum(len(f) for f in bg_tick)
    syn, tcp_n = 1024, 1024 + 120
    # the counted sources' packets in a tick: 4 SYNs from each of 256, 256 UDP from one
    shares = [4] * 256 + [256]
    tot = sum(shares)
    ent = -sum(c / tot * math.log2(c / tot) for c in shares)
    expect["baselines"] = {
        "pps": pkts * 4, "bps": byts * 8 * 4, "new_flows_per_s": 1024 * 4,
        "syn_ratio": syn / tcp_n, "source_entropy_bits": ent,
    }
    # the 1024 SYNs a tick from 256 sources: also a SYN flood from many sources
    want(9100004, dst=V4, proto="TCP", dest_port=80)


# ---- attacks ---------------------------------------------------------------------------

def bad_flags(t):
    combos = [("198.18.0.30", SYN | FIN), ("198.18.0.33", SYN | RST), ("198.18.0.34", FIN | RST)]
    for src, fl in combos:
        spread(t, S // 2, [e4(src, V4, 6, tcp(30000 + i, 80, fl)) for i in range(15)])
        want(9100030, src, V4, "TCP", style="invalid-tcp-flags")
    # valid flags from one source at the same rate, and 5 bad ones in the window
    ok = [SYN | ACK, ACK, FIN | ACK, RST, RST | ACK, PSH | ACK]
    spread(t, S // 2, [e4("198.18.0.31", V4, 6, tcp(31000 + i, 80, ok[i % 6])) for i in range(30)])
    never(9100030, "198.18.0.31", why="valid flag pairs")
    spread(t, S // 2, [e4("198.18.0.32", V4, 6, tcp(32000 + i, 80, SYN | FIN)) for i in range(5)])
    never(9100030, "198.18.0.32", why="5 in a window: below 10/s")


def land(t):
    put(t, e4("198.18.0.40", "198.18.0.40", 6, tcp(80, 80, SYN)))
    want(9100031, "198.18.0.40", "198.18.0.40", "TCP", style="land")
    put(t + S // 10, e6("2001:db8::40", "2001:db8::40", 17, udp(53, 53, bytes(20))))
    want(9100031, "2001:db8::40", "2001:db8::40", "UDP", style="land")
    put(t + S // 5, e4("127.0.0.1", "127.0.0.1", 6, tcp(5000, 80, SYN)))
    never(9100031, "127.0.0.1", why="loopback")
    put(t + S // 4, e4("198.18.0.41", "198.18.0.41", 17, udp(3784, 3785, bytes(20))))
    never(9100031, "198.18.0.41", why="UDP to itself with other ports")


def tiny(t):
    def frags(src, n, first_len, ident0):
        out = []
        seg = tcp(40000, 80, SYN, bytes(16))  # 36 bytes
        for i in range(n):
            out.append(e4(src, V4, 6, seg[:first_len], ident=ident0 + i, mf=True))
            out.append(e4(src, V4, 6, seg[first_len:], ident=ident0 + i,
                          frag_off=first_len // 8))
        return out
    spread(t, S // 2, frags("198.18.0.50", 15, 8, 500))
    want(9100032, "198.18.0.50", V4, "TCP", style="tiny-fragment")
    spread(t, S // 2, frags("198.18.0.51", 15, 24, 600))
    never(9100032, "198.18.0.51", why="24 bytes of TCP header in the first fragment")
    spread(t, S // 2, frags("198.18.0.52", 5, 8, 700))
    never(9100032, "198.18.0.52", why="5 in a window: below 10/s")


def amplification(t):
    refl = ["198.18.4.%d" % i for i in range(1, 21)]

    def answers(victim, sport, size, n=150):
        return [e4(refl[i % 20], victim, 17, udp(sport, 20000 + i, bytes(size - 42)))
                for i in range(n)]
    for k, port in enumerate((161, 389, 1900, 11211)):
        victim = "198.18.3.%d" % (k + 1)
        spread(t + k * S // 2, S // 2, answers(victim, port, 600))
        want(9100010, None, victim, "UDP", style="udp-amplification", reflectors=20)
    spread(t + 2 * S, S // 2, answers("198.18.3.5", 5000, 600))
    never(9100010, dst="198.18.3.5", why="port 5000 is no amplifier")
    # the victim asks first on each flow, then the same answers come
    fr = []  # from 10 reflectors: 20 would be a horizontal UDP scan's shape
    for i, a in enumerate(answers("198.18.3.6", 161, 600)):
        a = e4(refl[i % 10], "198.18.3.6", 17, udp(161, 20000 + i, bytes(600 - 42)))
        fr.append(e4("198.18.3.6", refl[i % 10], 17, udp(20000 + i, 161, bytes(40))))
        fr.append(a)
    spread(t + 3 * S, S // 2, fr)
    never(9100010, dst="198.18.3.6", why="answers to requests")
    spread(t + 4 * S, S // 2, answers("198.18.3.7", 161, 200))
    never(9100010, dst="198.18.3.7", why="200-byte answers: below 400")


def icmp6_floods(t):
    def echo(src, dst, typ, i):
        return e6(src, dst, 58, icmp(typ, 0, 0x4242, i, bytes(32)))
    spread(t, S * 3 // 4, [echo("2001:db8::60", V6, 128, i) for i in range(1500)])
    want(9100003, "2001:db8::60", V6, "IPv6-ICMP", style="icmp")
    # replies at the same rate from another address: no flood
    spread(t + 2 * S, S * 3 // 4, [echo("2001:db8::61", V6, 129, i) for i in range(1500)])
    never(9100003, "2001:db8::61", why="echo replies")
    # 500 sources, 5 each, 2500 in 0.5 s, to another victim
    srcs = ["2001:db8:6::%x" % (i + 1) for i in range(500)]
    spread(t + 4 * S, S // 2, [echo(srcs[i % 500], "2001:db8::3", 128, i) for i in range(2500)])
    want(9100006, None, "2001:db8::3", "IPv6-ICMP", style="icmp")
    for s in (srcs[0], srcs[499]):
        never(9100003, s, why="5 requests from one of 500")


def dns_query(qid, name, answer=None):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    q += struct.pack("!HH", 1, 1)
    if answer is None:
        return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes(answer)
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + rr


def http_flow(t, cli, srv, sport, host):
    req = ("GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n" % host).encode()
    rsp = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
    c, s = 1000, 5000
    seq = [(cli, srv, sport, 80, SYN, c, 0, b""),
           (srv, cli, 80, sport, SYN | ACK, s, c + 1, b""),
           (cli, srv, sport, 80, ACK, c + 1, s + 1, b""),
           (cli, srv, sport, 80, PSH | ACK, c + 1, s + 1, req),
           (srv, cli, 80, sport, ACK, s + 1, c + 1 + len(req), b""),
           (srv, cli, 80, sport, PSH | ACK, s + 1, c + 1 + len(req), rsp),
           (cli, srv, sport, 80, ACK, c + 1 + len(req), s + 1 + len(rsp), b"")]
    for i, (a, b, sp, dp, fl, sq, ak, pl) in enumerate(seq):
        put(t + i * S // 1000, e4(a, b, 6, tcp(sp, dp, fl, pl, seq=sq, ack=ak)))


def domains(t):
    for i, (cli, name) in enumerate((("198.18.0.70", "c2.bad-domain.test"),
                                     ("198.18.0.72", "notbad-domain.test"))):
        put(t + i * S // 10, e4(cli, "198.18.0.53", 17, udp(33000 + i, 53, dns_query(7 + i, name))))
        put(t + i * S // 10 + S // 1000,
            e4("198.18.0.53", cli, 17, udp(53, 33000 + i, dns_query(7 + i, name, (198, 18, 0, 9)))))
    want(9100051, "198.18.0.70", "198.18.0.53", "UDP", name="c2.bad-domain.test",
         listed="bad-domain.test", field="dns.query")
    never(9100051, "198.18.0.72", why="notbad-domain.test only ends like a listed name")
    http_flow(t + S // 2, "198.18.0.71", "198.18.0.80", 41000, "www.evil-host.test")
    want(9100051, "198.18.0.71", "198.18.0.80", "TCP", name="www.evil-host.test",
         listed="evil-host.test", field="http.host")
    http_flow(t + S, "198.18.0.73", "198.18.0.80", 41001, "www.good-host.test")
    never(9100051, "198.18.0.73", why="a host not listed")
    expect["domain_list"] = ["bad-domain.test", "*.evil-host.test"]


def main():
    baselines()
    t = 20 * S
    for part in (bad_flags, land, tiny, amplification, icmp6_floods, domains):
        part(t)
        t += 8 * S  # a quiet gap: each part's windows see that part only
    recs.sort(key=lambda r: r[0])
    write_pcap(sys.argv[1], recs, nsec=True)
    with open(sys.argv[2], "w") as f:
        json.dump(expect, f, indent=1)


main()
