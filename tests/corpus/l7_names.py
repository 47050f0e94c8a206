#!/usr/bin/env python3
"""l7_names.py - the names pktlens's L7 reports against tshark's fields.

usage: l7_names.py [--min PCT] [--list N] TSHARK_DIR PKTLENS_DIR
TSHARK_DIR holds FILE.tsv: `tshark -T fields` with the columns of FIELDS below (one
packet a line, the packets that carry a name); PKTLENS_DIR holds FILE.json: pktlens's
EVE events (analyze --eve). Names are dns.qry.name (EVE dns.rrname), the TLS
ClientHello's server_name (tls.sni; quic.sni for QUIC), and an HTTP request's Host and URI
(http.hostname[:http_port], http.url).

pktlens samples the first packets of each flow and direction, so it reports the first
name of each kind in a flow: that is what is compared. Per flow (protocol and both
endpoints, either order) the first name tshark shows, in frame order, must be the one
pktlens wrote for that flow. Every name tshark finds anywhere in a flow is also
counted, as information (HTTP keep-alive and DNS over one socket carry more than one;
later ones are beyond the sampled start by design). Names in packets quoted by ICMP errors
are left out (tshark decodes them; they belong to no flow). Prints the disagreements
by file and each kind's agreement; exits 1 when the first names agree for less than --min
(default 99) percent, or when tshark found none.

The percentage held to --min counts the "plain" flows. Left out of it, and counted on
their own lines, are the flows where tshark's name is not one pktlens could have by
definition (README, L7):
  ip-length-error    the IP header claims more bytes than the frame holds: pktlens
                     counts the packet malformed, as the kernel drops it, and tracks no flow
  tunnelled          the name is an inner flow's (IP in IP, GRE, VXLAN, CAPWAP):
                     pktlens's flows and L7 are the outer header's
  link-type-*        link types pktlens does not read (ARCnet, PKTAP, ...); the ones
                     it reads count as plain
  tshark-placeholder tshark's text for a name it could not read ("<Unknown extended
                     label>", "<Name too long>"): no name exists
  fuzzed             captures made by changing random bytes (fuzz-*.pcap): the names
                     tshark reads there come from headers whose ports, counts or labels
                     were overwritten
"""
import json
import os
import re
import sys
from collections import defaultdict

FIELDS = ["frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.proto",
          "ipv6.nxt", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "dns.qry.name", "tls.handshake.extensions_server_name", "http.host",
          "http.request.uri", "frame.protocols", "_ws.expert.message"]
KINDS = ["dns", "sni", "http_host", "http_url"]
COL = {"dns": "dns.qry.name", "sni": "tls.handshake.extensions_server_name",
       "http_host": "http.host", "http_url": "http.request.uri"}


ESC = re.compile(r"\\x[0-9a-fA-F]{2}")


def canon(name):
    """One spelling for bytes that are no valid UTF-8: pktlens writes each as \\xNN
    (JSON keeps the bytes' value), tshark as U+FFFD."""
    return ESC.sub("\ufffd", name) if name else name


def first(v):
    """The first occurrence of a field (the outer header of a tunnelled packet)."""
    return v.split(",")[0] if v else ""


def flow_key(proto, a, ap, b, bp):
    return (int(proto), frozenset([(a, int(ap or 0)), (b, int(bp or 0))]))


PLAIN_LINKS = ("eth", "sll", "raw", "null", "loop", "ip", "ipv6", "ppp", "nflog", "chdlc",
               "radiotap", "wlan", "wlan_radio")


def category(c):
    """Why pktlens may not see it, from tshark's own view of the packet."""
    layers = c.get("frame.protocols", "").split(":")
    if sum(1 for x in layers if x in ("ip", "ipv6")) > 1 or "vxlan" in layers or "gre" in layers:
        return "tunnelled"
    if "length" in c.get("_ws.expert.message", "").lower() and "exceeds" in c.get("_ws.expert.message", "").lower():
        return "ip-length-error"
    if layers and layers[0] not in PLAIN_LINKS:
        return "link-type-" + layers[0]
    return "plain"


def read_tshark(path):
    """{kind: {flow: [names in frame order]}} and {flow: category}"""
    out = {k: defaultdict(list) for k in KINDS}
    cats = {}
    with open(path, errors="replace") as f:
        for line in f:
            c = dict(zip(FIELDS, line.rstrip("\n").split("\t")))
            src = first(c.get("ip.src")) or first(c.get("ipv6.src"))
            dst = first(c.get("ip.dst")) or first(c.get("ipv6.dst"))
            proto = first(c.get("ip.proto")) or first(c.get("ipv6.nxt"))
            if not (src and dst and proto):
                continue
            # A packet quoted in an ICMP error is no flow's: tshark decodes it anyway.
            if proto in ("1", "58"):
                continue
            # The transport by its ports: ipv6.nxt is the first next header, which is
            # an extension header's number (44, a fragment) when one comes first.
            if c.get("tcp.srcport"):
                sp, dp = first(c["tcp.srcport"]), first(c["tcp.dstport"])
                proto = "6"
            else:
                sp, dp = first(c.get("udp.srcport")), first(c.get("udp.dstport"))
                proto = "17" if sp else proto
            try:
                k = flow_key(proto, src, sp, dst, dp)
            except ValueError:
                continue
            cats.setdefault(k, category(c))
            for kind in KINDS:
                v = c.get(COL[kind], "")
                # One name a packet: a DNS message with several questions, or the
                # several requests of one segment, give the first.
                if v:
                    v = v.split(",")[0] if kind == "dns" else v
                    out[kind][k].append("" if v == "<Root>" else v)  # tshark's name for .
    return out, cats


def read_ours(path):
    """{kind: {flow: name}} from the EVE events."""
    out = {k: {} for k in KINDS}
    with open(path, errors="replace") as f:
        for line in f:
            try:
                e = json.loads(line)
                k = flow_key({"TCP": 6, "UDP": 17}.get(e["proto"], 0), e["src_ip"],
                             e.get("src_port", 0), e["dest_ip"], e.get("dest_port", 0))
            except (ValueError, KeyError):
                continue
            t = e.get("event_type")
            if t == "dns" and "rrname" in e["dns"]:
                out["dns"].setdefault(k, e["dns"]["rrname"])
            elif t in ("tls", "quic") and e[t].get("sni"):
                out["sni"].setdefault(k, e[t]["sni"])
            elif t == "http":
                h = e["http"]
                host = h.get("hostname", "")
                if "http_port" in h:
                    host += ":%d" % h["http_port"]
                if host:
                    out["http_host"].setdefault(k, host)
                if h.get("url"):
                    out["http_url"].setdefault(k, h["url"])
    return out


def show_key(k):
    proto, ends = k
    e = sorted(ends)
    return "%d %s:%d <> %s:%d" % (proto, e[0][0], e[0][1], e[-1][0], e[-1][1])


def main():
    args = sys.argv[1:]
    min_pct, list_n = 99.0, 10
    while args and args[0].startswith("--"):
        if args[0] == "--min":
            min_pct = float(args[1])
        elif args[0] == "--list":
            list_n = int(args[1])
        args = args[2:]
    tdir, pdir = args
    agree = defaultdict(int)
    total = defaultdict(int)
    all_found = defaultdict(int)
    all_total = defaultdict(int)
    bad = defaultdict(list)
    agree_cat = defaultdict(int)
    total_cat = defaultdict(int)
    for name in sorted(os.listdir(tdir)):
        if not name.endswith(".tsv"):
            continue
        f = name[:-4]
        ts, cats = read_tshark(os.path.join(tdir, name))
        ours_path = os.path.join(pdir, f + ".json")
        ours = read_ours(ours_path) if os.path.exists(ours_path) else {k: {} for k in KINDS}
        for kind in KINDS:
            for k, names in ts[kind].items():
                got = canon(ours[kind].get(k))
                cat = cats.get(k, "plain")
                if names[0].startswith("<") and names[0].endswith(">"):
                    cat = "tshark-placeholder"
                if f.startswith(("ndpi_pcap_fuzz-", "tcpdump_fuzz-")):
                    cat = "fuzzed"
                total_cat[cat] += 1
                if cat == "plain":
                    total[kind] += 1
                    agree[kind] += got == names[0]
                if got == names[0]:
                    agree_cat[cat] += 1
                else:
                    bad[f].append("%s %s: tshark %r, pktlens %r%s" %
                                  (kind, show_key(k), names[0], got,
                                   "" if cat == "plain" else " [%s]" % cat))
                for n in set(names):
                    all_total[kind] += 1
                    all_found[kind] += n == got
    shown = 0
    for f in sorted(bad):
        print("  %s: %d disagreement(s)" % (f, len(bad[f])))
        for b in bad[f][:list_n]:
            print("    " + b)
        shown += 1
    ok = True
    n_all = sum(total.values())
    for kind in KINDS:
        t, a = total[kind], agree[kind]
        pct = 100.0 * a / t if t else 100.0
        print("%-9s plain flows' first name: %d of %d agree (%.1f %%); every name tshark finds: "
              "%d of %d (%.1f %%)" % (kind, a, t, pct, all_found[kind], all_total[kind],
                                       100.0 * all_found[kind] / all_total[kind]
                                       if all_total[kind] else 100.0))
        if pct < min_pct:
            ok = False
    for cat in sorted(total_cat):
        print("  flows %-20s %d of %d first names agree" % (cat, agree_cat[cat], total_cat[cat]))
    a_all = sum(agree.values())
    print("plain flows: %d of %d first names agree (%.2f %%)" %
          (a_all, n_all, 100.0 * a_all / n_all if n_all else 0))
    t_cat, a_cat = sum(total_cat.values()), sum(agree_cat.values())
    print("all flows, every category: %d of %d first names agree (%.2f %%)" %
          (a_cat, t_cat, 100.0 * a_cat / t_cat if t_cat else 0))
    if not n_all:
        print("tshark found no names")
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
