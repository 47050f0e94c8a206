#!/usr/bin/env python3
"""frame_seeds.py OUTDIR PCAP...: seeds for fuzz_pkt_line, one file per frame (two
bytes that pick the output form, then the frame as captured) from the Ethernet frames of classic pcap files; at
most 20 frames per file, 3000 files in all. Other files (pcapng, other link types,
damaged) are skipped: seeds only need to be plausible."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap_frames  # noqa: E402


def frames(path):
    return pcap_frames.frames(path, 20)


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
