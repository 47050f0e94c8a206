# SPDX-License-Identifier: BSD-2-Clause
"""pcapgen.py - frames built byte by byte, and a pcap writer, for the tests.

Python standard library only. Every builder returns bytes; lengths, counts and
checksums are computed from what is given unless a test overrides them to make a
frame malformed on purpose. Addresses are strings ("198.18.0.1", "2001:db8::1").
"""
import socket
import struct

ETH_IP4, ETH_IP6, ETH_ARP = 0x0800, 0x86DD, 0x0806
TPID_8021Q, TPID_8021AD, TPID_9100 = 0x8100, 0x88A8, 0x9100

# TCP flag bits as in byte 13 of the header.
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80


def a4(s):
    return socket.inet_pton(socket.AF_INET, s)


def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(n):
    return bytes([0x02, 0, 0, 0, 0, n & 0xFF])


def eth(ethertype, payload, tags=(), dst=mac(1), src=mac(2)):
    """Ethernet II; tags: (tpid, tci) pairs, outermost first."""
    hdr = dst + src
    for tpid, tci in tags:
        hdr += struct.pack("!HH", tpid, tci)
    return hdr + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, opts=b"", ident=1, df=False, mf=False, frag_off=0,
         ttl=64, tot=None, ihl=None, version=4):
    """IPv4; frag_off in 8-byte units; opts padded to 4 bytes with End of Options."""
    if len(opts) % 4:
        opts += b"\0" * (4 - len(opts) % 4)
    hl = 20 + len(opts)
    if ihl is None:
        ihl = hl // 4
    if tot is None:
        tot = hl + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off & 0x1FFF)
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | (ihl & 0xF), 0, tot & 0xFFFF, ident,
                    flags, ttl, proto, 0, a4(src), a4(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, plen=None, version=6, hlim=64):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB", (version << 28), plen & 0xFFFF, nh, hlim) + a6(src) + a6(dst) \
        + payload


def ext6(nh, units=0):
    """Hop-by-hop, routing, destination options or mobility: (units + 1) * 8 bytes."""
    body = bytes((units + 1) * 8 - 2)
    return struct.pack("!BB", nh, units) + body


def frag6(nh, offset=0, more=False, ident=0x1234):
    """IPv6 fragment header; offset in 8-byte units."""
    return struct.pack("!BBHI", nh, 0, (offset << 3) | (1 if more else 0), ident)


def ah6(nh, words=4):
    """Authentication header: (words + 2) * 4 bytes (words 4: a 12-byte ICV)."""
    return struct.pack("!BBHII", nh, words, 0, 0x100, 1) + bytes((words + 2) * 4 - 12)


def tcp(sp, dp, flags, payload=b"", opts=b"", doff=None, seq=1000, ack=0):
    if len(opts) % 4:
        opts += b"\x01" * (4 - len(opts) % 4)  # NOP padding
    if doff is None:
        doff = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, (doff & 0xF) << 4, flags, 65535, 0, 0) \
        + opts + payload


def udp(sp, dp, payload=b"", ulen=None):
    if ulen is None:
        ulen = 8 + len(payload)
    return struct.pack("!HHHH", sp, dp, ulen & 0xFFFF, 0) + payload


def icmp(typ, code=0, ident=0, seq=0, payload=b""):
    """ICMP or ICMPv6 with the echo layout (id, sequence) in bytes 4-7."""
    h = struct.pack("!BBHHH", typ, code, 0, ident, seq) + payload
    return h


def sctp(sp, dp, vtag=1, chunks=b""):
    return struct.pack("!HHII", sp, dp, vtag, 0) + chunks


def gre(proto, payload, csum_=False, key=None, seq=None, ver=0, routing=False):
    flags = (0x80 if csum_ else 0) | (0x40 if routing else 0) | (0x20 if key is not None else 0) \
        | (0x10 if seq is not None else 0)
    h = struct.pack("!BBH", flags, ver & 7, proto)
    if csum_:
        h += struct.pack("!HH", 0, 0)
    if key is not None:
        h += struct.pack("!I", key)
    if seq is not None:
        h += struct.pack("!I", seq)
    return h + payload


def vxlan(vni, inner, flags=0x08):
    return struct.pack("!B3xI", flags, vni << 8) + inner


def arp(op, spa, tpa, sha=mac(2), tha=bytes(6)):
    return struct.pack("!HHBBH", 1, ETH_IP4, 6, 4, op) + sha + a4(spa) + tha + a4(tpa)


ETH_PPPOE_DISC, ETH_PPPOE_SES, ETH_MPLS, ETH_MPLS_MC, ETH_RARP = 0x8863, 0x8864, 0x8847, 0x8848, 0x8035


def pppoe(ppp_proto, payload, code=0, session=0x1234, plen=None):
    """PPPoE (RFC 2516) header; a session frame (code 0) carries the PPP protocol
    (0x0021 IPv4, 0x0057 IPv6); ppp_proto None: a discovery frame (PADI is code 0x09)."""
    body = (b"" if ppp_proto is None else struct.pack("!H", ppp_proto)) + payload
    return struct.pack("!BBHH", 0x11, code, session, len(body) if plen is None else plen) + body


def mpls(labels, payload, bottom=True, ttl=64):
    """An MPLS label stack (RFC 3032), outermost first; bottom: the last entry has S set."""
    h = b""
    for i, label in enumerate(labels):
        s = 1 if bottom and i == len(labels) - 1 else 0
        h += struct.pack("!I", (label & 0xFFFFF) << 12 | s << 8 | ttl)
    return h + payload


def ah4(nh, payload, words=4):
    """IPv4 authentication header (RFC 4302), as ah6, then its payload."""
    return ah6(nh, words) + payload


def pad(frame, length):
    """Zero bytes after the frame (Ethernet padding) up to length."""
    return frame + bytes(max(0, length - len(frame)))


def write_pcap(path, records, nsec=False, snaplen=262144, linktype=1):
    """records: (ts_ns, data, wire_len or None) in file order."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D if nsec else 0xA1B2C3D4, 2, 4, 0, 0,
                              snaplen, linktype))
        for ts, data, wire in records:
            sec, frac = divmod(ts, 1000000000)
            if not nsec:
                frac //= 1000
            out.write(struct.pack("<IIII", sec, frac, len(data),
                                  len(data) if wire is None else wire))
            out.write(data)
