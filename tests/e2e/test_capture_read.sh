#!/usr/bin/env bash
# test_capture_read.sh - `pktlens capture -r FILE`, as tcpdump -r (no lab needed):
#   - lines: one per frame, the same count tcpdump prints, for every expression below;
#     records whose lengths make no packet: tcpdump's "[Invalid header: ...]" lines,
#     numbered as tcpdump numbers them (-#)
#   - -w: for each expression the file holds exactly the frames `tcpdump -r IN -w OUT
#     EXPR` writes (the same `tcpdump -xx -tt` dump), in pcap and pcapng, Ethernet and
#     raw IP and Linux cooked captures in their own link type
#   - -c N: the first N matches; -w - | tcpdump -r -; -r - reads standard input
#   - -C, -C -W (a ring; number widths): the same file names as tcpdump's and in each
#     file the same frames; pcapng (larger records, so other cuts): every file but the
#     last over the size, by less than one record, together all frames; -C or -G
#     without -w FILE, -W alone: exit 2; -G 1 -W 2 on a file that comes slowly through
#     a pipe: two files, then the end (exit 0, "maximum file limit reached"); with
#     -C as well (tcpdump's rule) no end: every frame written
#   - as an unprivileged user (no capabilities), as tcpdump -r
#   - a damaged file: the frames before the damage, a message naming the file, exit 1
#   - -F FILE: the expression from a file with comments and line breaks gives what it
#     gives on the command line; an expression also given is ignored with a warning; a
#     missing or binary file: exit 1 naming it; a bad expression in it: exit 2
#   - bad usage (exit 2): a bad expression (libpcap's words), -r with -i, -r with a
#     live-only option; a missing file: exit 1 naming it
#   - the shared corpus, when present: for every pcap capture of the fast tier's fixed
#     sample (tests/corpus/sample.txt; every pcap of the corpus with PL_TEST_FULL=1) in
#     a link type pktlens reads, the -w output equals tcpdump's record by record for
#     one expression
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools tcpdump setpriv
trap 'rm -rf "$LAB_TMP"' EXIT
T=$LAB_TMP
chmod 755 "$T"

"$PY" - "$T" <<'EOF' || { fail "setup" "cannot write the test captures"; finish; }
import struct, sys
def pcap(path, dlt, frames):
    out = open(path, "wb")
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, dlt))
    for i, (data, wire) in enumerate(frames):
        out.write(struct.pack("<IIII", 1700000000 + i, (1000 * i + 7) % 1000000, len(data), wire))
        out.write(data)
def ip4(src, dst, proto, l4):
    return struct.pack(">BBHHHBBHII", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, src, dst) + l4
def tcp(sp, dp, flags, pay=b""):
    return struct.pack(">HHIIBBHHH", sp, dp, 1, 0, 0x50, flags, 1024, 0, 0) + pay
def udp(sp, dp, pay=b""):
    return struct.pack(">HHHH", sp, dp, 8 + len(pay), 0) + pay
def ip6(nh, l4):
    a = b"\x20\x01\x0d\xb8" + bytes(11) + b"\x01"; b = b"\x20\x01\x0d\xb8" + bytes(11) + b"\x02"
    return struct.pack(">IHBB", 0x60000000, len(l4), nh, 64) + a + b + l4
A, B = 0xc6120001, 0xc6120002
def eth(t, p): return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + struct.pack(">H", t) + p
arp = struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + b"\x02" * 6 + struct.pack(">I", A) + bytes(6) + struct.pack(">I", B)
l3 = []
for i in range(40):
    l3.append((0x800, ip4(A, B, 6, tcp(40000 + i, 80, 0x02 if i % 4 == 0 else 0x18, bytes(i)))))
    l3.append((0x800, ip4(B, A, 17, udp(53, 5000 + i, bytes(20 + i)))))
    l3.append((0x86dd, ip6(17, udp(7000, 9000 + i, bytes(i)))))
    if i % 10 == 0:
        l3.append((0x806, arp))
d = sys.argv[1]
frames = [(eth(t, p), len(p) + 14) for t, p in l3]
frames.insert(5, (b"", 60))              # no bytes: tcpdump's "[Invalid header ...]"
frames.insert(9, (frames[8][0][:40], 200))  # cut by a snap length
pcap(d + "/eth.pcap", 1, frames)
pcap(d + "/raw.pcap", 101, [(p, len(p)) for t, p in l3 if t != 0x806])
sll = lambda t, p: struct.pack(">HHH8sH", 0, 1, 6, b"\x02" * 6 + b"\0\0", t) + p
pcap(d + "/sll.pcap", 113, [(sll(t, p), len(p) + 16) for t, p in l3])
# 3.8 MB for -C 1: sizes that vary, so that files end at different frames.
big = [eth(0x800, ip4(A, B, 17, udp(1, 2, bytes(i % 200 + 20)))) for i in range(20000)]
pcap(d + "/big.pcap", 1, [(f, len(f)) for f in big])
# Lengths that make no packet, between sound ones.
f0 = eth(0x800, ip4(A, B, 17, udp(1, 2, bytes(18))))
pcap(d + "/inv.pcap", 1, [(f0, 60), (b"", 60), (f0, 0), (f0, 40), (b"", 0), (f0, 300000), (f0, 60)])
# Damaged: the last record claims more bytes than the file holds.
data = open(d + "/eth.pcap", "rb").read()
open(d + "/cut.pcap", "wb").write(data[:len(data) - 30])
EOF

# dump FILE: what tcpdump reads from FILE, byte for byte, with time stamps.
dump() { tcpdump -r "$1" -nn -tt -xx 2>&1 | grep -v '^reading from file'; }
# digest FILE: the number of frames in dump FILE and a digest of it, for check_eq.
digest() { local d; d=$(dump "$1"); echo "$(grep -c '^[0-9]' <<<"$d") frames, $(md5sum <<<"$d" | cut -c1-12)"; }

set -f # the expressions split into words below, never into file names
EXPRS=("" "tcp" "udp and src port 53" "ip6" "arp or tcp[tcpflags] & tcp-syn != 0"
	"greater 60" "not ip" "host 198.18.0.1 and udp" "tcp port 1")
for f in eth raw sll; do
	in=$T/$f.pcap
	for e in "${EXPRS[@]}"; do
		# Link-layer expressions have no meaning on raw IP.
		if [ "$f" = raw ] && [ "$e" = "arp or tcp[tcpflags] & tcp-syn != 0" ]; then continue; fi
		name="$f, '${e:-every frame}'"
		want=$(tcpdump -n -r "$in" $e 2>/dev/null | wc -l)
		got=$("$PKTLENS" capture -r "$in" $e 2>/dev/null | wc -l)
		check_eq "$name: as many lines as tcpdump prints" "$got" "$want"
		tcpdump -r "$in" -w "$T/want.pcap" $e 2>/dev/null
		for fmt in pcap pcapng; do
			args=()
			[ "$fmt" = pcapng ] && args=(--pcapng)
			"$PKTLENS" capture -r "$in" "${args[@]}" -w "$T/got.$fmt" $e 2>"$T/err"
			check_rc "$name, -w $fmt: exit status" "$?" 0
			if [ "$(dump "$T/got.$fmt")" = "$(dump "$T/want.pcap")" ]; then
				ok "$name, -w $fmt: the frames tcpdump writes ($(dump "$T/want.pcap" | grep -c '^[0-9]') of them)"
			else
				fail "$name, -w $fmt: the frames tcpdump writes" "$(diff <(dump "$T/got.$fmt") <(dump "$T/want.pcap") | head -n 6 | tr '\n' '|')"
			fi
		done
	done
	check_grep "$f: the link type stays the file's" <(tcpdump -r "$T/got.pcapng" 2>&1 | head -n 1) \
		"link-type $(tcpdump -r "$in" 2>&1 | head -n 1 | sed -E 's/.*link-type ([A-Z0-9_]+).*/\1/')"
done
set +f

"$PKTLENS" capture -r "$T/eth.pcap" >"$T/lines" 2>"$T/err"
"$PKTLENS" capture -r "$T/inv.pcap" -# -ttt >"$T/inv.got" 2>/dev/null
tcpdump -r "$T/inv.pcap" -# -ttt -n 2>/dev/null >"$T/inv.want"
check_eq "invalid headers: tcpdump's lines and numbers" \
	"$(grep Invalid "$T/inv.got")" "$(grep Invalid "$T/inv.want")"
check_eq "invalid headers: 5 of them (the test means something)" "$(grep -c Invalid "$T/inv.want")" 5
check_eq "invalid headers: -ttt between the sound frames around them" \
	"$(grep -v Invalid "$T/inv.got" | cut -c1-24)" "$(grep -v Invalid "$T/inv.want" | cut -c1-24)"
check_grep "says what it reads, as tcpdump" "$T/err" \
	"reading from file $T/eth.pcap, link-type EN10MB \(Ethernet\), snapshot length 262144"

# -c: the first N matches.
"$PKTLENS" capture -r "$T/eth.pcap" -c 7 -w "$T/c.pcap" udp 2>/dev/null
tcpdump -r "$T/eth.pcap" -c 7 -w "$T/c7.pcap" udp 2>/dev/null
check_eq "-c 7 udp: the first 7 matches" "$(digest "$T/c.pcap")" "$(digest "$T/c7.pcap")"

# Pipes both ways.
check_eq "-w - | tcpdump -r -" \
	"$("$PKTLENS" capture -r "$T/eth.pcap" -w - tcp 2>/dev/null | tcpdump -r - -nn 2>/dev/null | wc -l)" \
	"$(tcpdump -r "$T/eth.pcap" -nn tcp 2>/dev/null | wc -l)"
check_eq "-r - reads standard input" "$("$PKTLENS" capture -r - udp <"$T/eth.pcap" 2>/dev/null | wc -l)" \
	"$(tcpdump -r "$T/eth.pcap" -nn udp 2>/dev/null | wc -l)"

# -C and -W: as tcpdump's files (tcpdump itself needs -Z root to write them here).
for spec in "-C 1" "-C 1 -W 3" "-C 1 -W 12" "-C 1 -W 1" "-C 2 udp"; do
	rm -rf "$T/rt" "$T/rp"
	mkdir "$T/rt" "$T/rp"
	# shellcheck disable=SC2086 # the options and the expression split on purpose
	tcpdump -Z root -r "$T/big.pcap" -w "$T/rt/out" $spec 2>/dev/null
	# shellcheck disable=SC2086
	"$PKTLENS" capture -r "$T/big.pcap" -w "$T/rp/out" $spec 2>"$T/err"
	check_rc "$spec: exit status" "$?" 0
	check_eq "$spec: tcpdump's file names" "$(cd "$T/rp" && echo *)" "$(cd "$T/rt" && echo *)"
	same=0
	for f in "$T"/rt/*; do
		[ "$(dump "$f")" = "$(dump "$T/rp/${f##*/}")" ] && same=$((same + 1))
	done
	check_eq "$spec: each file holds the frames tcpdump's does" "$same" "$(find "$T/rt" -type f | wc -l)"
done
check_eq "-C 2 udp: 2 files (the test means something)" "$(find "$T/rt" -type f | wc -l)" 2

rm -rf "$T/rp"
mkdir "$T/rp"
"$PKTLENS" capture -r "$T/big.pcap" --pcapng -C 1 -w "$T/rp/out" 2>"$T/err"
check_rc "-C 1 --pcapng: exit status" "$?" 0
# 20000 records of 66 to 266 bytes: about 4.2 MB, so out .. out3 or out4.
names=$(cd "$T/rp" && ls | sort -V | tr '\n' ' ')
check_eq "-C 1 --pcapng: files out, out1, ... ($names)" \
	"$(echo "$names" | grep -cE '^out out1 out2 out3 (out4 )?$')" 1
cuts=$("$PY" - "$T/rp" $names <<'EOF'
import os, struct, sys
d = sys.argv[1]
names = sys.argv[2:]
for n in names[:-1]:
    data = open(os.path.join(d, n), "rb").read()
    pos, last = 0, 0
    while pos < len(data):  # blocks: type, total length
        last = struct.unpack_from("<I", data, pos + 4)[0]
        pos += last
    if not (len(data) > 1000000 and len(data) - last <= 1000000):
        print(n, len(data), last)
EOF
)
check_eq "-C 1 --pcapng: each file but the last ends with the record that passed 1 MB" "$cuts" ""
check_eq "-C 1 --pcapng: together every frame" \
	"$(for f in $names; do dump "$T/rp/$f"; done | md5sum)" "$(dump "$T/big.pcap" | md5sum)"

for bad in "-C 1 -w -" "-C 1" "-G 5" "-C 0 -w $T/w.pcap" "-W 3 -w $T/w.pcap"; do
	# shellcheck disable=SC2086
	"$PKTLENS" capture -r "$T/eth.pcap" $bad >/dev/null 2>"$T/bad.err"
	check_rc "'$bad': bad usage" "$?" 2
done
check_grep "-W alone: says what it counts" "$T/bad.err" "-W counts the files of -C or -G"

# -G: periods of wall-clock time, so the file comes in three parts 1.3 s apart.
slow() {
	head -c 1000000 "$T/big.pcap"
	sleep 1.3
	tail -c +1000001 "$T/big.pcap" | head -c 1000000
	sleep 1.3
	tail -c +2000001 "$T/big.pcap"
}
frames_in() { local n=0 f; for f in "$1"/*; do n=$((n + $(dump "$f" | grep -c '^[0-9]'))); done; echo "$n"; }
mkdir "$T/g1" "$T/g2"
slow | "$PKTLENS" capture -r - -G 1 -W 2 -w "$T/g1/cap-%s" 2>"$T/g1.err"
check_rc "-G 1 -W 2: exit status" "${PIPESTATUS[1]}" 0
check_grep "-G 1 -W 2: says the file limit was reached" "$T/g1.err" "maximum file limit reached: 2"
check_eq "-G 1 -W 2: two files" "$(find "$T/g1" -type f | wc -l)" 2
check_eq "-G 1 -W 2: the frames of the first two parts, not all" \
	"$(n=$(frames_in "$T/g1"); [ "$n" -gt 5000 ] && [ "$n" -lt 20000 ] && echo yes || echo "no: $n")" yes
slow | "$PKTLENS" capture -r - -G 1 -W 2 -C 100 -w "$T/g2/cap-%s" 2>"$T/g2.err"
check_rc "-G 1 -W 2 -C 100: exit status" "${PIPESTATUS[1]}" 0
check_eq "-G 1 -W 2 -C 100: no end (tcpdump's rule)" "$(grep -c 'maximum file limit' "$T/g2.err")" 0
check_eq "-G 1 -W 2 -C 100: every frame, in at least three files" \
	"$(frames_in "$T/g2") $(find "$T/g2" -type f | wc -l | awk '{ print ($1 >= 3) }')" "20000 1"

# No privileges needed.
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$PKTLENS" capture -r "$T/eth.pcap" ip6 >"$T/nobody" 2>"$T/nobody.err"
check_rc "as nobody without capabilities: exit status" "$?" 0
check_eq "as nobody: the lines" "$(wc -l <"$T/nobody")" "$(tcpdump -r "$T/eth.pcap" -nn ip6 2>/dev/null | wc -l)"

# A damaged file: what came before, a message, exit 1.
"$PKTLENS" capture -r "$T/cut.pcap" >"$T/cut.out" 2>"$T/cut.err"
check_rc "damaged file: exit status" "$?" 1
check_grep "damaged file: names the file" "$T/cut.err" "'$T/cut.pcap': .*truncated"
check_eq "damaged file: the frames before the damage" "$(wc -l <"$T/cut.out")" \
	"$(tcpdump -r "$T/cut.pcap" -nn 2>/dev/null | wc -l)"

# -F FILE.
printf '# DNS answers\nudp and\n  src port 53 # from the server\n' >"$T/expr.txt"
"$PKTLENS" capture -r "$T/eth.pcap" -F "$T/expr.txt" -w "$T/f.pcap" 2>"$T/f.err"
check_rc "-F: exit status" "$?" 0
tcpdump -r "$T/eth.pcap" -w "$T/fw.pcap" 'udp and src port 53' 2>/dev/null
check_eq "-F: the frames of the same expression on the command line" "$(digest "$T/f.pcap")" \
	"$(digest "$T/fw.pcap")"
"$PKTLENS" capture -r "$T/eth.pcap" -F "$T/expr.txt" -w "$T/f2.pcap" tcp 2>"$T/f2.err"
check_eq "-F with an expression as well: the file's is used" "$(digest "$T/f2.pcap")" "$(digest "$T/f.pcap")"
check_grep "-F with an expression as well: says the other is ignored" "$T/f2.err" \
	"the one on the command line \('tcp'...\) is ignored"
"$PKTLENS" capture -r "$T/eth.pcap" -F "$T/no-such-file" >/dev/null 2>"$T/f3.err"
check_rc "-F missing file: exit status" "$?" 1
check_grep "-F missing file: names it" "$T/f3.err" "cannot read the filter file '$T/no-such-file'"
"$PKTLENS" capture -r "$T/eth.pcap" -F "$T/eth.pcap" >/dev/null 2>"$T/f4.err"
check_rc "-F binary file: exit status" "$?" 1
check_grep "-F binary file: says why" "$T/f4.err" "NUL byte"
echo 'tcp port' >"$T/badexpr.txt"
"$PKTLENS" capture -r "$T/eth.pcap" -F "$T/badexpr.txt" >/dev/null 2>"$T/f5.err"
check_rc "-F bad expression: exit status" "$?" 2
check_grep "-F bad expression: libpcap's words" "$T/f5.err" 'syntax error'

# Bad usage and bad input.
"$PKTLENS" capture -r "$T/eth.pcap" 'tcp port' >/dev/null 2>"$T/bad.err"
check_rc "bad expression: exit status" "$?" 2
check_grep "bad expression: libpcap's words" "$T/bad.err" 'syntax error'
"$PKTLENS" capture -r "$T/eth.pcap" -i lo >/dev/null 2>"$T/both.err"
check_rc "-r with -i: exit status" "$?" 2
check_grep "-r with -i: says to give one" "$T/both.err" 'give one of them'
for o in "--mode tc" "--duration 1" "-B 64" "--force"; do
	"$PKTLENS" capture -r "$T/eth.pcap" $o >/dev/null 2>"$T/live.err"
	check_rc "-r with $o: exit status" "$?" 2
	check_grep "-r with $o: says it is for a live capture" "$T/live.err" 'for a live capture'
done
"$PKTLENS" capture -r "$T/none.pcap" >/dev/null 2>"$T/none.err"
check_rc "missing file: exit status" "$?" 1
check_grep "missing file: names it" "$T/none.err" "cannot read '$T/none.pcap'"

# The shared corpus: every capture in a link type pktlens reads, one expression; the
# files are held against tcpdump's record by record in one python run (a process per
# comparison costs minutes with sanitizers). The fast tier takes the pcap files of the
# fixed sample, PL_TEST_FULL=1 every pcap file.
if [ -d "${CORPUS:-}" ]; then
	mkdir -p "$T/cp" "$T/ct"
	if [ "${PL_TEST_FULL:-0}" = 1 ]; then
		tier="every pcap file"
		find "$CORPUS" -name '*.pcap' | sort >"$T/corpus.files"
	else
		tier="the sample's pcap files"
		grep '\.pcap$' "$E2E_ROOT/tests/corpus/sample.txt" | sed "s|^|$CORPUS/|" >"$T/corpus.files"
	fi
	n_files=$(wc -l <"$T/corpus.files")
	i=0
	while IFS= read -r f; do
		i=$((i + 1))
		# A damaged file: both write what came before the damage and exit 1.
		"$PKTLENS" capture -r "$f" -w "$T/cp/$i" 'tcp or udp port 53' 2>"$T/cp.err"
		# Only a link type pktlens says it does not read, or one libpcap cannot
		# filter (NFLOG: tcpdump refuses the expression too), may leave no file (and
		# then tcpdump's is not needed).
		unsupported=$(grep -c -e 'is not supported; pktlens reads' \
			-e 'link-layer type filtering not implemented' "$T/cp.err")
		[ "$unsupported" != 0 ] && [ ! -e "$T/cp/$i" ] ||
			tcpdump -r "$f" -w "$T/ct/$i" 'tcp or udp port 53' 2>/dev/null
		echo "$i $unsupported $f" >>"$T/corpus.list"
	done <"$T/corpus.files"
	"$PY" - "$T" >"$T/corpus.out" <<'EOF'
import os, struct, sys
d = sys.argv[1]
def records(path):  # link type and (seconds, ns, caplen, len, bytes) of a pcap
    b = open(path, "rb").read()
    magic = struct.unpack_from("<I", b)[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    magic = struct.unpack_from(end + "I", b)[0]
    mul = 1 if magic == 0xa1b23c4d else 1000
    # The link type; not the FCS-length bits above it (libpcap's dumper for a
    # synthetic handle writes them as 0).
    link = struct.unpack_from(end + "I", b, 20)[0] & 0xffff
    out, pos = [], 24
    while pos + 16 <= len(b):
        sec, frac, cap, wire = struct.unpack_from(end + "IIII", b, pos)
        # tcpdump -w writes microseconds (pktlens keeps a file's nanoseconds): compare
        # in microseconds. A fraction of a second or more is invalid: tcpdump copies
        # it, pktlens carries it into the seconds; such a time is left out.
        t = None if frac * mul >= 10**9 else sec * 10**6 + frac * mul // 1000
        out.append((t, cap, wire, b[pos + 16:pos + 16 + cap]))
        pos += 16 + cap
    return link, out
def same_records(a, b):
    return len(a) == len(b) and all(
        x[1:] == y[1:] and (x[0] is None or y[0] is None or x[0] == y[0]) for x, y in zip(a, b))
same = differ = skipped = frames = 0
for line in open(os.path.join(d, "corpus.list")):
    i, unsupported, name = line.split(" ", 2)
    p, t = os.path.join(d, "cp", i), os.path.join(d, "ct", i)
    if unsupported != "0" and not os.path.exists(p):
        skipped += 1  # a link type pktlens does not read: it said so, wrote nothing
        continue
    if not os.path.exists(p) or not os.path.exists(t):
        differ += 1
        print("differs:", name.strip(), "pktlens" if not os.path.exists(p) else "tcpdump",
              "wrote no file")
        continue
    a, b = records(p), records(t)
    if a[0] == b[0] and same_records(a[1], b[1]):
        same += 1
        frames += len(a[1])
    else:
        differ += 1
        why = "link type %d vs %d" % (a[0], b[0]) if a[0] != b[0] else \
            "%d vs %d frames" % (len(a[1]), len(b[1])) if len(a[1]) != len(b[1]) else \
            "frame %d" % next(k for k in range(len(a[1])) if not same_records([a[1][k]], [b[1][k]]))
        print("differs:", name.strip(), why)
print("same", same, "differ", differ, "skipped", skipped, "frames", frames)
EOF
	grep '^differs' "$T/corpus.out" | head -n 5
	summary=$(tail -n 1 "$T/corpus.out")
	# Every file compared or refused for its link type, none different, and most of
	# them compared (a corpus that pktlens mostly refuses would compare nothing).
	check_eq "corpus, $tier ($n_files): -w equals tcpdump's, record by record ($summary)" \
		"$(echo "$summary" | awk -v n="$n_files" '{ print ($2 + $6 == n && 2 * $2 > n && $4 == 0) ? "yes" : "no" }')" yes
else
	skip "corpus" "no shared corpus at ${CORPUS:-../shared/corpus}"
fi

finish
