"""pcap_frames.py: the Ethernet frames of a classic pcap file (either byte order, micro-
or nanosecond time stamps), for the seed scripts of the fuzz targets. Other files
(pcapng, other link types) give nothing; a damaged one ends where it is damaged."""
import struct


def frames(path, limit):
    """At most @limit frames of @path, as captured."""
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
        for _ in range(limit):
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
