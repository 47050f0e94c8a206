#!/usr/bin/env python3
"""frame_seeds.py OUTDIR PCAP...: seeds for fuzz_pkt_line, one file per frame (two
bytes that pick the output form, then the frame as captured) from the Ethernet frames of classic pcap files; at
most 20 frames per file, 3000 files in all. Other files (pcapng, other link types,
damaged) are skipped: seeds only need to be plausible."""
import os
import struct
import sys


def frames(path):
    with open(path, 'rb') as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = hdr[:4]
        if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
            end = '<'
        elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
            end = '>'
        else:
            return
        if struct.unpack(end + 'I', hdr[20:24])[0] != 1:  # DLT_EN10MB
            return
        for _ in range(20):
            rec = f.read(16)
            if len(rec) < 16:
                return
            caplen = struct.unpack(end + 'I', rec[8:12])[0]
            if caplen > 65536:
                return
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield data


def main():
    out, n = sys.argv[1], 0
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        try:
            for data in frames(path):
                with open(os.path.join(out, 'f%d' % n), 'wb') as f:
                    # the output form (top 3 bits) taking turns; no extra wire length
                    f.write(bytes([(n % 8) << 5, 0]) + data)
                n += 1
                if n >= 3000:
                    return
        except OSError:
            continue


main()
