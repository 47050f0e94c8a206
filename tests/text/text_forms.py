#!/usr/bin/env python3
"""text_forms.py PCAP_LINES [FILE...]: capture's text forms held next to tcpdump's.

The packets come from a capture this script writes (crafted frames: IPv4/IPv6
UDP/TCP/ICMP, ARP, VLAN tags with priority and DEI, QinQ (also 0x9200), 802.3 also
behind a tag and with a length beyond the frame, unknown and named EtherTypes, HTTP
text with CR LF and lone CRs, control bytes, odd lengths, frames cut by the snap
length, a frame shorter than an Ethernet header, time gaps of microseconds to days),
and from each FILE given that is a classic Ethernet pcap (test_text_forms.sh gives
the corpus sample, or every capture with PL_TEST_FULL=1). For each option set, the
same file is printed by `tcpdump -n -r FILE OPTIONS` and by `pcap_lines OPTIONS FILE`
(capture's printer), and compared packet by packet:
  -x -xx -X -XX  the dump lines, exactly (also -x -X together: -X wins): pktlens's
                 dump is tcpdump's last dump of the packet, the one that starts at
                 offset 0x0000 after what its decoders dumped of data they could not
                 decode; where tcpdump gave up on a header cut by the snap length it
                 dumps the whole frame, link header included, and that must then be
                 pktlens's whole-frame dump (-xx/-XX), exactly;
  -A -AA         everything after the first line (crafted frames only: text with line
                 breaks cannot be split into packets reliably in arbitrary captures);
  -e             the link header part (MACs, EtherTypes, VLAN tags, frame length), and
                 for crafted frames pktlens's line must be tcpdump's whole;
  -t ... -ttttt  the time stamp;
  -#             the packet number in front.
Prints one result per (file, option set) and the closing line N passed, N failed.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

NUM = re.compile(r'^ *\d+  ')
# after -#'s number, if any; tcpdump cannot print times past 2038 on every machine
TS = re.compile(r'^(?: *\d+  )?(?:\d\d:\d\d:\d\d\.\d{6}|\[Error converting time\]) ')
LINK = re.compile(r'^(\S+ > \S+, (?:802\.3|ethertype [^,]+), length \d+: '
                  r'(?:vlan \d+, p \d+, (?:DEI, )?(?:ethertype [^,]+, |802\.3))*)')
# The last EtherType of -e's link header is one pktlens opens, or it is an 802.3 frame.
KNOWN = re.compile(r'(ethertype (IPv4|IPv6|ARP|Reverse ARP) \(0x[0-9a-f]+\)|802\.3), length \d+$')
MAC_A = bytes.fromhex('0200c6120001')
MAC_B = bytes.fromhex('0200c6120002')

passed = failed = 0


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def ip4(proto, payload, src='198.18.0.1', dst='198.18.0.2'):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    bytes(map(int, src.split('.'))), bytes(map(int, dst.split('.'))))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def ip6(nh, payload):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), nh, 64,
                       bytes.fromhex('20010db8' + '0' * 23 + '1'),
                       bytes.fromhex('20010db8' + '0' * 23 + '2')) + payload


def udp(sp, dp, data):
    return struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data


def tcp(sp, dp, flags, data=b'', opts=b''):
    off = (20 + len(opts)) // 4
    return struct.pack('!HHIIBBHHH', sp, dp, 1000, 2000 if flags & 0x10 else 0, off << 4,
                       flags, 65535, 0, 0) + opts + data


def eth(etype, payload, tags=()):
    f = MAC_B + MAC_A
    for tpid, tci in tags:
        f += struct.pack('!HH', tpid, tci)
    return f + struct.pack('!H', etype) + payload


def pad(f):
    return f + b'\0' * (60 - len(f)) if len(f) < 60 else f


def crafted():
    """(frame, caplen or None, same): caplen cuts the frame as a snap length would;
    same: tcpdump prints this frame as pktlens does (no application decoder, no hex
    dump of its own), so -e's whole line and -A's text must be equal."""
    http = (b'GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n'
            b'User-Agent: pktlens-test\r\nAccept: */*\r\n\r\n')
    arp = bytes.fromhex('0001080006040001') + MAC_A + bytes([198, 18, 0, 1]) + \
        b'\0' * 6 + bytes([198, 18, 0, 2])
    return [
        (pad(eth(0x0800, ip4(17, udp(40001, 47000, b'A' * 18)))), None, True),
        (pad(eth(0x0800, ip4(1, b'\x08\x00\x00\x00\x12\x34\x00\x01' + bytes(range(56))))), None, True),
        (eth(0x0800, ip4(6, tcp(40002, 47001, 0x18, http))), None, True),
        (eth(0x0800, ip4(6, tcp(40003, 47002, 0x02, opts=b'\x02\x04\x05\xb4\x01\x03\x03\x07'))), None, True),
        (eth(0x86dd, ip6(17, udp(40004, 47003, b'\x00\x01\x02\x03\r\x1b[31m\x7f\x80\xff tab\there\n\r'))), None, True),
        (eth(0x86dd, ip6(58, b'\x80\x00\x00\x00\x00\x07\x00\x01' + b'ping6')), None, True),
        (pad(eth(0x0806, arp)), None, True),
        (pad(eth(0x0800, ip4(17, udp(40005, 47000, b'tagged')), tags=((0x8100, 100),))), None, True),
        (pad(eth(0x0800, ip4(17, udp(40006, 47000, b'prio')), tags=((0x8100, (5 << 13) | 0x1000 | 42),))), None, True),
        (pad(eth(0x0806, arp, tags=((0x88a8, 200), (0x8100, 2001)))), None, True),
        (pad(MAC_B + MAC_A + struct.pack('!H', 38) + b'\x42\x42\x03' + b'\0' * 35), None, False),
        (pad(MAC_B + MAC_A + struct.pack('!H', 40) + b'\xaa\xaa\x03\x00\x00\x0c\x20\x00' + b'\x02' * 32), None, False),
        (pad(MAC_B + MAC_A + struct.pack('!H', 30) + b'\xf0\xf0\x10\x00' + b'I-frame'), None, False),
        (pad(eth(0x88b5, b'local experimental ethertype')), None, False),
        (pad(eth(0x88cc, b'\x02\x07\x04' + MAC_A + b'\x04\x03\x05p1\x00\x00')), None, False),
        (eth(0x0800, ip4(17, udp(40007, 47000, b'x' * 33))), None, True),
        (eth(0x0800, ip4(17, udp(40008, 47000, b'y' * 200))), 96, True),
        (eth(0x86dd, ip6(6, tcp(40009, 47004, 0x10, b'z' * 100))), 70, True),
        (eth(0x0800, ip4(6, tcp(40010, 47005, 0x10, b'z' * 100))), 44, True),
        (eth(0x0800, ip4(6, tcp(40011, 47006, 0x10, b'z' * 100))), 36, True),
        (eth(0x0800, ip4(17, udp(40012, 47007, b'z' * 100))), 40, True),
        (eth(0x0800, ip4(1, b'\x08\x00\x00\x00\x12\x34\x00\x01' + b'z' * 50)), 40, True),
        (eth(0x86dd, ip6(58, b'\x80\x00\x00\x00\x00\x07\x00\x01' + b'z' * 50)), 60, True),
        (pad(MAC_B + MAC_A + struct.pack('!HHH', 0x8100, 100, 38) + b'\x42\x42\x03' + b'\0' * 35), None, False),
        (pad(MAC_B + MAC_A + struct.pack('!H', 1500) + b'\x42\x42\x03' + b'\0' * 43), None, False),
        # 802.3 length fields too short for the LLC header: tcpdump dumps from byte 14.
        (pad(MAC_B + MAC_A + struct.pack('!H', 0) + b'\x45\x00\x00\x48' + b'\x11' * 40), None, False),
        (pad(MAC_B + MAC_A + struct.pack('!H', 2) + b'\x42\x42\x03' + b'\x22' * 40), None, False),
        (pad(MAC_B + MAC_A + struct.pack('!H', 3) + b'\x42\x42\x00\x01' + b'\x33' * 40), None, False),
        # SNAP headers that the length field covers in part.
        (pad(MAC_B + MAC_A + struct.pack('!H', 2) + b'\xaa\xaa\x03\x00\x00\x00\x08\x00' + b'\x44' * 40), None, False),
        (pad(MAC_B + MAC_A + struct.pack('!H', 3) + b'\xaa\xaa\x03\x00\x00\x00\x08\x00' + b'\x44' * 40), None, False),
        (pad(MAC_B + MAC_A + struct.pack('!H', 5) + b'\xaa\xaa\x03\x00\x00\x00\x08\x00' + b'\x44' * 40), None, False),
        (pad(eth(0x0800, ip4(17, udp(40013, 47000, b'q-in-q')), tags=((0x9200, 7), (0x8100, 8)))), None, True),
        (eth(0x0800, ip4(17, udp(40014, 47000, b'GET / HTTP/1.0\r\n\r\nhello\rX'))), None, True),
        (eth(0x0800, ip4(17, udp(40015, 47000, b'a\rb\r\rc\r'))), None, True),
        (MAC_B + MAC_A, None, False),
        (bytes(10), None, False),
    ]


def write_pcap(path, frames):
    # Microsecond pcap; gaps from 1 us to over an hour, and one step backwards.
    gaps = [0, 1, 250, 999999, 1000000, 61000000, 3725123456, 7, -5000000, 2 * 86400000000 + 5]
    t = 1700000000 * 1000000 + 123456
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, (fr, cap, _) in enumerate(frames):
            t += gaps[i % len(gaps)]
            n = len(fr) if cap is None else min(cap, len(fr))
            f.write(struct.pack('<IIII', t // 1000000, t % 1000000, n, len(fr)) + fr[:n])


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    return r.returncode, r.stdout.decode('latin-1')


OURS = {}  # (options, path) -> pcap_lines's output, filled a corpus at a time


def ours(tool, opts, path):
    """pcap_lines's (exit status, output) for one file, from OURS when prefetched."""
    key = (tuple(opts), path)
    if key in OURS:
        return OURS[key]
    return run([tool] + opts + [path])


def prefetch(tool, opts, paths):
    """One pcap_lines run over many files (a sanitizer build starts slowly), split at
    its '==> FILE <==' lines into OURS."""
    text = run([tool] + opts + paths)[1]
    parts = re.split(r'^==> (.*) <==\n', text, flags=re.M)
    for path, out in zip(parts[1::2], parts[2::2]):
        if out.startswith('[not Ethernet]'):
            OURS[(tuple(opts), path)] = (3, '')
        elif out.startswith('[cannot read'):
            OURS[(tuple(opts), path)] = (1, '')
        else:
            OURS[(tuple(opts), path)] = (0, out)


def packets(text, numbered=False):
    """Split printed output into packets: each starts with its time stamp (the default
    -t form), or with numbered (printed with -#) with its number, which is taken off.
    tcpdump's decoders may add lines of their own after the first."""
    pk = []
    for line in text.split('\n')[:-1] if text.endswith('\n') else text.split('\n'):
        if numbered and NUM.match(line):
            pk.append([NUM.sub('', line, count=1)])
            continue
        if (not numbered and TS.match(line)) or line.startswith('[Invalid header') or not pk:
            pk.append([line])
        else:
            pk[-1].append(line)
    return pk


def dump_bytes(lines):
    """The bytes of -x/-X dump lines."""
    return bytes.fromhex(''.join(l.split(':', 1)[1][:42].replace(' ', '') for l in lines))


def last_dump(lines):
    """The dump lines of a packet from its last line at offset 0x0000 on: tcpdump's
    decoders print what they cannot decode as a dump of its own before the option's
    dump, which always comes last and starts at 0x0000."""
    starts = [k for k, l in enumerate(lines) if l.startswith('\t0x0000:')]
    return lines[starts[-1]:] if starts else lines


def report(name, diffs, n):
    global passed, failed
    if diffs:
        failed += 1
        print('FAIL %s: %d of %d packets differ' % (name, len(diffs), n))
        for i, ours, theirs in diffs[:3]:
            print('  packet %d\n    pktlens: %r\n    tcpdump: %r' % (i + 1, ours, theirs))
    else:
        passed += 1
        print('ok   %s (%d packets)' % (name, n))


def compare(tool, path, label, opts, what, same=None):
    """same: for the crafted file, which packets must be printed exactly as tcpdump
    does (None: a corpus file)."""
    # Other time stamp forms: packets are told apart by -#'s numbers.
    num = ['-#'] if what == 'time' else []
    rc, theirs = run(['tcpdump', '-n', '-r', path] + num + opts)
    rc2, mine = ours(tool, num + opts, path)
    if rc2 == 3:
        return  # not Ethernet
    a = packets(mine, bool(num))
    b = packets(theirs, bool(num))
    whole = link = None
    if opts == ['-A']:
        whole = packets(ours(tool, ['-AA'], path)[1])
    if what == 'hex' and '-xx' not in opts and '-XX' not in opts:
        link = packets(ours(tool, ['-e'], path)[1])
        # Where tcpdump's decoder gives up half-way (a header cut by the snap length),
        # tcpdump dumps the whole frame, link header included: also right.
        whole = packets(ours(tool, ['-XX' if '-X' in opts else '-xx'], path)[1])
    if len(a) != len(b):
        report('%s %s' % (label, ' '.join(opts)), [(0, 'packets: %d' % len(a), 'packets: %d' % len(b))],
               max(len(a), len(b)))
        return
    diffs, checked = [], []
    for i, (x, y) in enumerate(zip(a, b)):
        if what == 'hex':
            x, y = [l for l in x if l.startswith('\t0x')], [l for l in y if l.startswith('\t0x')]
            # The option's dump is tcpdump's last one: equal, line for line.
            y = last_dump(y)
            if x == y:
                continue
            if whole and i < len(whole):
                w = [l for l in whole[i] if l.startswith('\t0x')]
                if w == y:
                    continue
            # A link layer tcpdump opens and pktlens does not (MACsec, MPLS, vendor
            # headers, OSI): tcpdump counts more bytes as link header.
            if link and i < len(link) and not KNOWN.search(link[i][0].split(': ')[0]) and \
                    dump_bytes(x).endswith(dump_bytes(y)):
                continue
        elif what == 'ascii':
            if not same[i]:
                continue  # a frame tcpdump decodes further: its -A differs too
            checked.append(i)
            x, y = x[1:], y[1:]
            if whole and i < len(whole) and y == whole[i][1:]:
                continue  # tcpdump gave up on a cut header and showed the whole frame
        elif what == 'link':
            if same is not None and same[i]:
                x, y = x[0], y[0]
            else:
                if '[|ether]' in y[0] or y[0].startswith('[Invalid header'):
                    continue  # a frame too short for the link header
                mx, my = LINK.match(TS.sub('', x[0])), LINK.match(TS.sub('', y[0]))
                x, y = mx and mx.group(1), my and my.group(1)
        elif what == 'number':
            x, y = x[0][:7], y[0][:7]
        elif what == 'time':
            k = 2 if opts == ['-tttt'] else 1
            if opts == ['-t']:
                x, y = bool(TS.match(x[0])), bool(TS.match(y[0]))
            else:
                x, y = x[0].split(' ', k + (x[0][0] == ' '))[:k + (x[0][0] == ' ')], \
                    y[0].split(' ', k + (y[0][0] == ' '))[:k + (y[0][0] == ' ')]
        if x != y:
            diffs.append((i, x, y))
    if what == 'ascii' and len(checked) < sum(same):
        # Every crafted frame marked same must have been compared.
        diffs.append((0, 'compared %d' % len(checked), 'same %d' % sum(same)))
    report('%s %s' % (label, ' '.join(opts)), diffs, len(a))


def ethernet_pcap(p):
    """A classic pcap file of link type Ethernet."""
    if not p.endswith('.pcap') or not os.path.isfile(p):
        return False
    with open(p, 'rb') as f:
        hdr = f.read(24)
    if len(hdr) < 24 or hdr[:4] not in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4',
                                         b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d'):
        return False
    end = '<' if hdr[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    return struct.unpack(end + 'I', hdr[20:24])[0] & 0x03ffffff == 1


def main():
    global failed
    tool = sys.argv[1]
    given = sys.argv[2:]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'crafted.pcap')
        frames = crafted()
        write_pcap(path, frames)
        same = [f[2] for f in frames]
        for opts, what in ((['-x'], 'hex'), (['-xx'], 'hex'), (['-X'], 'hex'), (['-XX'], 'hex'),
                           (['-x', '-X'], 'hex'), (['-A'], 'ascii'), (['-AA'], 'ascii'),
                           (['-e'], 'link'), (['-t'], 'time'),
                           (['-tt'], 'time'), (['-ttt'], 'time'), (['-tttt'], 'time'),
                           (['-ttttt'], 'time'), (['-#'], 'number')):
            compare(tool, path, 'crafted', opts, what, same)
    if given:
        paths = [p for p in given if ethernet_pcap(p)]
        print('corpus: %d of %d files given are classic Ethernet pcaps' % (len(paths), len(given)))
        if not paths:
            failed += 1  # a list with nothing to compare would pass silently
            print('FAIL corpus: no classic Ethernet pcap among the files given')
        for opts in (['-x'], ['-xx'], ['-XX'], ['-e']):
            if paths:
                prefetch(tool, opts, paths)
        for p in paths:
            for opts, what in ((['-x'], 'hex'), (['-XX'], 'hex'), (['-e'], 'link')):
                compare(tool, p, '/'.join(p.split('/')[-3:]), opts, what)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
