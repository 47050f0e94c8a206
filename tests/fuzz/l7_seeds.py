#!/usr/bin/env python3
"""l7_seeds.py OUTDIR PCAP...: seeds for the fuzz_l7_* targets. From the Ethernet
frames of classic pcap files (IPv4/IPv6, one VLAN tag at most), the UDP/TCP payloads
by port go to OUTDIR/dns (53, 5353), http (80, 8080), tls (TCP 443), quic (UDP 443,
long header) and ssh (22); each
file's first 64 IP packets become one flow seed in OUTDIR/flow ([dir:1][len:2][packet]
records, fuzz_l7.c's input). Plus a few crafted messages, so the targets have seeds
without a corpus. At most 500 seeds a kind."""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap_frames  # noqa: E402

PORTS = {53: 'dns', 5353: 'dns', 80: 'http', 8080: 'http', 443: 'tls', 22: 'ssh'}
CRAFTED = {
    'dns': [bytes.fromhex('123401000001000000000000037777770765786d706c6503636f6d0000010001')],
    'http': [b'GET /a?b=1 HTTP/1.1\r\nHost: h.example:81\r\nUser-Agent: x\r\n\r\n',
             b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n'],
    'tls': [bytes.fromhex('16030100310100002d0303' + '11' * 32 + '000002130101000002'
                          '0000')],
    'ssh': [b'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'],
    # a v1 Initial's header (8-byte DCID, no SCID, no token, length 256) and its body
    'quic': [bytes.fromhex('c000000001080102030405060708000041000001') + bytes(255)],
}


def frames(path):
    return pcap_frames.frames(path, 2000)


def ip_of(frame):
    off, et = 14, frame[12:14]
    if et == b'\x81\x00' and len(frame) >= 18:
        off, et = 18, frame[16:18]
    return frame[off:] if et in (b'\x08\x00', b'\x86\xdd') else None


def l4_of(ip):
    if len(ip) >= 20 and ip[0] >> 4 == 4:
        proto, off = ip[9], (ip[0] & 15) * 4
    elif len(ip) >= 40 and ip[0] >> 4 == 6:
        proto, off = ip[6], 40
    else:
        return None
    l4 = ip[off:]
    if proto == 17 and len(l4) >= 8:
        return proto, l4[0:2], l4[2:4], l4[8:]
    if proto == 6 and len(l4) >= 20:
        return proto, l4[0:2], l4[2:4], l4[(l4[12] >> 4) * 4:]
    return None


def main():
    out = sys.argv[1]
    count = {}

    def put(kind, data):
        n = count.get(kind, 0)
        if n >= 500 or not data:
            return
        os.makedirs(os.path.join(out, kind), exist_ok=True)
        with open(os.path.join(out, kind, 's%d' % n), 'wb') as f:
            f.write(data)
        count[kind] = n + 1

    for kind, seeds in CRAFTED.items():
        for s in seeds:
            put(kind, s)
    for path in sys.argv[2:]:
        flow, first = b'', None
        try:
            for fr in frames(path):
                ip = ip_of(fr)
                l4 = ip and l4_of(ip)
                if not l4:
                    continue
                proto, sport, dport, payload = l4
                first = first or sport
                if len(flow) < 16384:
                    flow += bytes([0 if sport == first else 1]) + struct.pack('>H', len(ip)) + ip
                for port in (struct.unpack('>H', sport)[0], struct.unpack('>H', dport)[0]):
                    if port in PORTS:
                        kind = PORTS[port]
                        if kind == 'tls' and proto == 17:
                            kind = 'quic' if payload[:1] and payload[0] & 0x80 else None
                        if kind:
                            put(kind, payload)
                        break
        except OSError:
            continue
        put('flow', flow)


main()
