# SPDX-License-Identifier: BSD-2-Clause
"""l7_eve_flows.py - EVE flow events when the flow table evicts (run by
test_l7_eve_flows.sh: python3 l7_eve_flows.py PKTLENS TMPDIR).

A capture of 403 UDP flows (400 short ones of 1-5 packets to the server and 0-2 back,
3 long ones of 20 each way) is analyzed with a 64-entry flow table: every flow the
capture holds gets exactly one flow event, whichever read of the table saw it or
none; a short flow's packets and bytes per direction are what this script wrote;
what left the table has reason "forced", what stayed "shutdown" (Suricata's words).
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from pcapgen import eth, ipv4, udp, write_pcap, ETH_IP4  # noqa: E402
from results import ok, fail, summary  # noqa: E402

PKTLENS, TMP = sys.argv[1], sys.argv[2]
SRV = "198.18.0.10"
T0 = 1700000000 * 10**9


def build():
    recs, want, ts = [], {}, T0
    flows = [("198.18.1.%d" % (1 + i), 40000 + i, 20, 20) for i in range(3)]
    flows += [("198.19.%d.%d" % (i // 200, 1 + i % 200), 1024 + i, 1 + i % 5, i % 3)
              for i in range(400)]
    for src, sp, up, down in flows:
        w = want[(src, sp)] = [0, 0, 0, 0]  # pkts to server, to client, bytes each
        for k in range(max(up, down)):
            for d, n in ((0, up), (1, down)):
                if k >= n:
                    continue
                pay = bytes(10 + k + d)
                f = eth(ETH_IP4, ipv4(src, SRV, 17, udp(sp, 7000, pay)) if d == 0
                        else ipv4(SRV, src, 17, udp(7000, sp, pay)))
                ts += 1000
                recs.append((ts, f, None))
                w[d] += 1
                w[2 + d] += len(f)
    return recs, want


def main():
    recs, want = build()
    path = os.path.join(TMP, "flows.pcap")
    write_pcap(path, recs)
    p = subprocess.run([PKTLENS, "-q", "analyze", "-r", path, "--flows", "64", "--eve", "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode:
        fail("analyze --flows 64 --eve -", "exit %d: %s" % (p.returncode, p.stderr[-300:]))
        return summary()
    ev = [json.loads(x) for x in p.stdout.decode().splitlines() if x.strip()]
    fl = [e for e in ev if e.get("event_type") == "flow"]
    got = {}
    for e in fl:
        got.setdefault((e["src_ip"], e["src_port"]), []).append(e)
    dup = [k for k, v in got.items() if len(v) > 1]
    if len(fl) == len(want) and set(got) == set(want) and not dup:
        ok("one flow event for each of the %d flows written (64-entry table)" % len(want))
    else:
        fail("one flow event per flow", "%d events for %d flows; missing %s; twice %s"
             % (len(fl), len(want), sorted(set(want) - set(got))[:4], dup[:4]))
    bad = []
    for k, w in want.items():
        if k not in got or max(w[0], w[1]) > 8:
            continue
        f = got[k][0]["flow"]
        g = [f["pkts_toserver"], f["pkts_toclient"], f["bytes_toserver"], f["bytes_toclient"]]
        if g != w:
            bad.append("%s:%d %s, written %s" % (k[0], k[1], g, w))
    if not bad:
        ok("packets and bytes per direction of each short flow as written")
    else:
        fail("short flows' counts", "%d differ: %s" % (len(bad), "; ".join(bad[:4])))
    reasons = {}
    for e in fl:
        reasons[e["flow"].get("reason")] = reasons.get(e["flow"].get("reason"), 0) + 1
    forced, shut = reasons.get("forced", 0), reasons.get("shutdown", 0)
    if forced + shut == len(fl) and shut <= 64 and forced >= len(want) - 64:
        ok("reason forced for the evicted (%d), shutdown for the rest (%d)" % (forced, shut))
    else:
        fail("reasons", "%s (table of 64, %d flows)" % (reasons, len(want)))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
