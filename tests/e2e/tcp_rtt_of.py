#!/usr/bin/env python3
"""tcp_rtt_of.py FILE CLIENT_PORT [MIN_SAMPLES [CLIENT]]: from the last JSON report of FILE,
the flow of tcp.slowest_flows whose client port is CLIENT_PORT (and address CLIENT), as
"HANDSHAKE_MS AVG_MS MIN_MS SAMPLES FROM_TS RETRANS"; exit 1 when it is not there (or
has fewer than MIN_SAMPLES RTT samples yet; it is printed all the same)."""
import json
import sys

last = None
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if line.startswith('{'):
            last = line
if not last:
    sys.exit(1)
j = json.loads(last)
for fl in (j.get('tcp') or {}).get('slowest_flows', []):
    if (fl['client_port'] == int(sys.argv[2]) and fl.get('rtt_us') and
            (len(sys.argv) < 5 or fl['client_ip'] == sys.argv[4])):
        r = fl['rtt_us']
        hs = fl['handshake_rtt_us']
        print('%.3f %.3f %.3f %d %d %d' % ((hs or 0) / 1e3, r['avg'] / 1e3, r['min'] / 1e3,
                                       r['samples'], r['from_timestamps'],
                                       fl['retransmitted_segments']))
        sys.exit(0 if r['samples'] >= int((sys.argv[3:] or [0])[0]) else 1)
sys.exit(1)
