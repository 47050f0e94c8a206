#!/usr/bin/env bash
# test_detect_crafted.sh - the built-in detections no live tool exercises, offline over a
# capture detect_frames.py crafts (what it must alert, and must not, written next to
# the frames): invalid TCP flag pairs (9100030), land (9100031), tiny fragments
# (9100032), amplification from ports 161, 389, 1900 and 11211 (9100010), ICMPv6 floods
# from one source and from 500 after a quiet gap (9100003, 9100006), a domain list
# against a DNS query name and an HTTP host (9100051), the five baselines (9100040-44,
# each value as the frames make it) and a spoofed SYN flood to one port (9100004).
# Each expected alert is checked in analyze's EVE file: sid, src_ip, dest_ip, proto,
# style and evidence; where the flows have one port (the SYN flood's port 80, the
# amplifier's port, land's), the EVE ports; no 0.0.0.0 on the baselines. Controls beside
# each attack (valid flags, loopback, long first fragments, port 5000, answers to
# requests, echo replies, names not listed) raise nothing. In the full tier tshark counts
# the crafted packets the expectations rest on. With --l7-packets 0 the domain list cannot match:
# analyze says so once at the start.
set -u
. "$(dirname "$0")/../lib/netns.sh"
[ "$(id -u)" -eq 0 ] || { skip "all" "needs root"; finish; }
T=$LAB_TMP
"$PY" "$E2E_ROOT/tests/e2e/detect_frames.py" "$T/d.pcap" "$T/want.json" ||
	{ fail "detect_frames.py writes the capture"; finish; }

# what the expectations rest on, read by tshark in the capture (one pass; full tier:
# 0.4-1.4 s here, and the expectations are the frames the generator wrote)
if [ -z "${PL_TEST_FULL:-}" ]; then
	skip "tshark's counts of the crafted packets" "PL_TEST_FULL=1"
elif command -v tshark >/dev/null; then
	tshark -r "$T/d.pcap" -T fields -E separator=/t -e tcp.flags -e ip.src -e ip.dst \
		-e ipv6.src -e ipv6.dst -e udp.srcport -e frame.len -e icmpv6.type \
		-e dns.qry.name -e dns.flags.response -e http.host >"$T/ts.txt" 2>/dev/null
	"$PY" - "$T/ts.txt" >"$T/ts.out" <<'EOF'
import sys
n = {"synfin": 0, "synrst": 0, "finrst": 0, "self": 0, "amp": 0, "req": 0, "rep": 0}
names = []
for line in open(sys.argv[1]):
    f = (line.rstrip("\n").split("\t") + [""] * 11)[:11]
    fl = int(f[0], 16) if f[0] else 0
    n["synfin"] += fl & 3 == 3
    n["synrst"] += fl & 6 == 6
    n["finrst"] += fl & 5 == 5
    n["self"] += bool(f[1] and f[1] == f[2] and not f[1].startswith("127.")) or \
        bool(f[3] and f[3] == f[4])
    n["amp"] += f[5] in ("161", "389", "1900", "11211") and int(f[6]) >= 400
    n["req"] += f[7] == "128"
    n["rep"] += f[7] == "129"
    if f[8] and f[9] in ("0", "False"):
        names.append(f[8])
    if f[10]:
        names.append(f[10])
print("%(synfin)d %(synrst)d %(finrst)d" % n)
print(n["self"])
print(n["amp"])
print("%(req)d %(rep)d" % n)
print(" ".join(sorted(names)))
EOF
	{ read -r flags; read -r self; read -r amp; read -r icmp6; read -r names; } <"$T/ts.out"
	check_eq "tshark: SYN+FIN, SYN+RST, FIN+RST packets" "$flags" "20 15 15"
	check_eq "tshark: packets to their own address (not loopback)" "$self" 3
	check_eq "tshark: UDP answers from 161/389/1900/11211 of 400 bytes or more" "$amp" \
		$((4 * 150 + 150))
	check_eq "tshark: ICMPv6 echo requests, replies" "$icmp6" "4000 1500"
	check_eq "tshark: DNS query names and HTTP hosts" "$names" \
		"c2.bad-domain.test notbad-domain.test www.evil-host.test www.good-host.test"
else
	skip "tshark's counts of the crafted packets" "no tshark"
fi

json_get "$T/want.json" '"\n".join(j["domain_list"])' >"$T/domains"
printf '[detect]\ndomain-list = %s\n' "$T/domains" >"$T/d.conf"
"$PKTLENS" analyze -r "$T/d.pcap" --json --eve "$T/eve.json" --config "$T/d.conf" \
	>"$T/a.json" 2>"$T/a.err"
check_rc "analyze of the crafted capture" $? 0

"$PY" - "$T/want.json" "$T/eve.json" >"$T/checks" 2>&1 <<'EOF'
import ipaddress, json, sys
want = json.load(open(sys.argv[1]))
eve = [json.loads(l) for l in open(sys.argv[2]) if '"event_type":"alert"' in l]


def addr(a):
    return str(ipaddress.ip_address(a)) if a else None


def say(name, cond, detail=""):
    print(("ok   %s" % name) if cond else ("FAIL %s: %s" % (name, detail)))


def matches(e, sid, src, dst):
    return e["alert"]["signature_id"] == sid and \
        (src is None or addr(e.get("src_ip")) == addr(src)) and \
        (dst is None or addr(e.get("dest_ip")) == addr(dst))


for w in want["alerts"]:
    name = "%d %s -> %s" % (w["sid"], w["src"] or "*", w["dst"] or "*")
    got = [e for e in eve if matches(e, w["sid"], w["src"], w["dst"])]
    say(name + ": one alert", len(got) == 1, "%d: %s" % (len(got), got[:2]))
    if not got:
        continue
    e = got[0]
    pk = e.get("pktlens", {})
    ev = pk.get("evidence", {})
    say(name + ": proto " + w["proto"], e.get("proto") == w["proto"], e.get("proto"))
    for k in ("style",):
        if k in w:
            say(name + ": style " + w[k], pk.get(k) == w[k], pk.get(k))
    for k in ("name", "listed", "field"):
        if k in w:
            say(name + ": %s %s" % (k, w[k]), ev.get(k) == w[k], ev)
    if "reflectors" in w:  # a HyperLogLog estimate
        say(name + ": about %d reflectors" % w["reflectors"],
            abs(ev.get("reflectors", 0) - w["reflectors"]) <= 2, ev)
        port = {"198.18.3.1": 161, "198.18.3.2": 389, "198.18.3.3": 1900,
                "198.18.3.4": 11211}[w["dst"]]
        say(name + ": src_port %d (the amplifier's)" % port, e.get("src_port") == port, e)
        say(name + ": no dest_port (the victim's ports differ)", "dest_port" not in e, e)
    if "dest_port" in w:
        say(name + ": dest_port %d" % w["dest_port"], e.get("dest_port") == w["dest_port"], e)
    if w["sid"] == 9100031:
        say(name + ": land's ports", e.get("src_port") == e.get("dest_port") and "src_port" in e, e)
    if w["sid"] == 9100030:
        say(name + ": 15 packets", ev.get("packets") == 15, ev)
for a in want["absent"]:
    got = [e for e in eve if matches(e, a["sid"], a["src"], a["dst"])]
    say("no %d %s -> %s (%s)" % (a["sid"], a["src"] or "*", a["dst"] or "*", a["why"]),
        not got, got[:1])
# baselines: the first alert of each, its value as the frames make it
for sid, (metric, v) in zip(range(9100040, 9100045), want["baselines"].items()):
    got = [e for e in eve if e["alert"]["signature_id"] == sid]
    if not got:
        say("%d %s" % (sid, metric), False, "no alert")
        continue
    e, ev = got[0], got[0]["pktlens"]["evidence"]
    tol = 0.25 if metric == "source_entropy_bits" else v * 0.1
    say("%d %s: value %.3f (the frames: %.3f)" % (sid, metric, ev["value"], v),
        ev["metric"] == metric and abs(ev["value"] - v) <= tol, ev)
    say("%d: above its baseline and threshold" % sid,
        ev["value"] > ev["threshold"] >= ev["baseline"], ev)
    say("%d: no src_ip, dest_ip, ports or flow_id (no one address)" % sid,
        not {"src_ip", "dest_ip", "src_port", "dest_port", "flow_id"} & set(e), e)
# nothing else: each alert of the file is an expected one (baselines and the
# ICMPv6 flood's packet rate, a baseline update once over its quiet time, aside)
known = [(w["sid"], w["src"], w["dst"]) for w in want["alerts"]]
other = [e for e in eve if not 9100040 <= e["alert"]["signature_id"] <= 9100044 and
         not any(matches(e, *k) for k in known)]
say("no other alerts", not other, [(e["alert"]["signature_id"], e.get("src_ip")) for e in other])
EOF
# L7 off: the domain list cannot match, and analyze says so once as it starts
"$PKTLENS" analyze -r "$T/d.pcap" --json --l7-packets 0 --config "$T/d.conf" \
	>"$T/n.json" 2>"$T/n.err"
check_rc "analyze --l7-packets 0" $? 0
check_eq "--l7-packets 0: one warning that the domain lists match nothing" \
	"$(grep -c 'domain lists match .* off here: they will match nothing' "$T/n.err")" 1
check_eq "--l7-packets 0: indeed no 9100051" \
	"$(json_get "$T/n.json" 'len([a for a in j["alerts"] if a["signature_id"] == 9100051])')" 0
check_eq "L7 on: no such warning" "$(grep -c 'domain lists' "$T/a.err")" 0

while IFS= read -r line; do
	case $line in
	"ok   "*) ok "${line#ok   }" ;;
	"FAIL "*) r=${line#FAIL }; fail "${r%%: *}" "${r#*: }" ;;
	*) fail "checker" "$line" ;;
	esac
done <"$T/checks"
finish
