#!/usr/bin/env python3
"""svc_of.py FILE SERVICE PORT: from the last JSON report of FILE (or FILE as one
document), the service_latency entry of SERVICE (dns, http) on PORT as
"ANSWERED AVG_MS P50_MS P99_MS CODES" (CODES: rcodes or status classes as k=v,...);
exit 1 when it is not there."""
import json
import sys

text = open(sys.argv[1]).read()
try:
    j = json.loads(text)
except ValueError:
    lines = [l for l in text.splitlines() if l.lstrip().startswith('{')]
    if not lines:
        sys.exit(1)
    j = json.loads(lines[-1])
for s in j.get('service_latency', []):
    if s['service'] == sys.argv[2] and s['port'] == int(sys.argv[3]) and s['latency_ms']:
        codes = s.get('rcodes') or s.get('status_classes')
        l = s['latency_ms']
        print(s['answered'], '%.3f %.3f %.3f' % (l['avg'], l['p50'], l['p99']),
              ','.join('%s=%d' % (k, v) for k, v in sorted(codes.items()) if v))
        sys.exit(0)
sys.exit(1)
