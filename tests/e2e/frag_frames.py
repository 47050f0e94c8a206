# SPDX-License-Identifier: BSD-2-Clause
"""frag_frames.py OUT.pcap [TRAFGEN.cfg DST_MAC SRC_MAC] - fragments for test_detect_frags.

Overlapping fragments (a second fragment starting inside the first, with other bytes)
from 198.18.0.66 and 2001:db8::66, the teardrop shape (a last fragment inside the
first) from 198.18.0.67; well-formed fragmented datagrams from 198.18.0.7 and
2001:db8::7, in order, reversed and with one fragment repeated exactly; then, in the
capture only, 5000 first fragments of datagrams that never complete (198.18.0.70:
more than the 4096 the tracking keeps) followed by one more teardrop from 198.18.0.71.
"""
import sys
import os
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pcapgen import eth, ipv4, ipv6, frag6, udp, write_pcap, ETH_IP4, ETH_IP6  # noqa: E402

V4, V6 = "198.18.0.2", "2001:db8::2"


def frames(dst, src):
    def e4(p):
        return eth(ETH_IP4, p, dst=dst, src=src)

    def e6(p):
        return eth(ETH_IP6, p, dst=dst, src=src)
    out = []
    u = udp(4000, 5000, bytes(range(40)))  # 48 bytes
    for i in range(3):
        out.append(e4(ipv4("198.18.0.66", V4, 17, u, ident=100 + i, mf=True)))
        out.append(e4(ipv4("198.18.0.66", V4, 17, b"\xee" * 60, ident=100 + i, frag_off=5)))
        out.append(e6(ipv6("2001:db8::66", V6, 44, frag6(17, 0, True, 200 + i) + u)))
        out.append(e6(ipv6("2001:db8::66", V6, 44, frag6(17, 5, False, 200 + i) + b"\xee" * 60)))
    out.append(e4(ipv4("198.18.0.67", V4, 17, u[:36], ident=77, mf=True)))
    out.append(e4(ipv4("198.18.0.67", V4, 17, b"\xee" * 4, ident=77, frag_off=3)))
    p = udp(4000, 5000, bytes(1472)) + bytes(520)
    for i in range(3):
        f1 = e4(ipv4("198.18.0.7", V4, 17, p[:1480], ident=300 + i, mf=True))
        f2 = e4(ipv4("198.18.0.7", V4, 17, p[1480:], ident=300 + i, frag_off=185))
        g1 = e6(ipv6("2001:db8::7", V6, 44, frag6(17, 0, True, 400 + i) + p[:1232]))
        g2 = e6(ipv6("2001:db8::7", V6, 44, frag6(17, 154, False, 400 + i) + p[1232:]))
        order = [[f1, f2, g1, g2], [f2, f1, g2, g1], [f1, f1, f2, g1, g2, g2]][i]
        out.extend(order)
    return out


def flood(dst, src):
    out = [eth(ETH_IP4, ipv4("198.18.0.70", V4, 17, udp(4000, 5000, bytes(100)), ident=i,
                             mf=True), dst=dst, src=src) for i in range(5000)]
    u = udp(4000, 5000, bytes(range(40)))
    out.append(eth(ETH_IP4, ipv4("198.18.0.71", V4, 17, u, ident=5, mf=True), dst=dst, src=src))
    out.append(eth(ETH_IP4, ipv4("198.18.0.71", V4, 17, b"\xee" * 60, ident=5, frag_off=5),
                   dst=dst, src=src))
    return out


def main():
    t = 1700000000 * 10**9
    recs = []
    for f in frames(bytes(6), bytes(6)) + flood(bytes(6), bytes(6)):
        t += 1000000
        recs.append((t, f, None))
    write_pcap(sys.argv[1], recs)
    if len(sys.argv) > 4:
        mac = [bytes.fromhex(m.replace(":", "")) for m in sys.argv[3:5]]
        with open(sys.argv[2], "w") as cfg:
            for f in frames(mac[0], mac[1]):
                cfg.write("{ " + ", ".join("0x%02x" % b for b in f) + " }\n")


main()
