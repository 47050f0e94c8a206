#!/usr/bin/env bash
# test_monitor_tui.sh - `pktlens monitor` in its terminal view, under a pseudo-terminal
# of 80x24 while traffic flows on the lab's veth:
#   - the last screen (rebuilt from the escape sequences by a small terminal model)
#     shows the rates, the own cost, malformed and evicted counts, the L3/L4/size mix,
#     the graph (ASCII in the C locale), a flow row with bit/s, pps, bytes and packets,
#     a top source with the 2/10/40 s averages, and the status line, inside 80x24;
#     with L7 on, the flow rows carry their app (nDPI) after the rates;
#   - with iperf3 sending UDP at a fixed rate (120x30, UTF-8): the flow's pps and
#     bit/s on screen and in --json within 10 % of what iperf3's server received in
#     the same seconds; block characters; the graph grows; '/' with 'port 5201'
#     leaves only iperf3's flows; '?' shows the help;
#   - 'p' switches the flow list to packets order and the title says so; on 120x45
#     destinations, ports and ICMP types are listed too, with the spread of what the
#     test sent (one source, one port to the receiver);
#   - the other keys, on a view started at 80x24: '?' whose help fits 80x24, '/' with a
#     host and protocol ('host 198.18.0.1 and udp': the two UDP flows sent) and with a
#     protocol ('icmp': the pings), a resize to 40x120 (the averages and bytes come), 'b'
#     and 'r' (the status line, and the rows in that order: a burst that stopped leads
#     by bytes and is last by rate), 'P' (the numbers stop, and go on after 'P' again);
#     'q' quits with status 0 at once;
#   - protect's view: `pktlens block 198.18.0.77 --ttl 1h` while it runs, the screen shows
#     its mitigation: drops by reason, the rule with its expiry (as blocked --json says);
#     Ctrl-C quits it with status 0 at once;
#   - monitor --json: rate keys on every row of every top list; the destination's and
#     the port's rates are the iperf3 flow's;
#   - TERM=unknown-terminal-xyz: a warning, the text report instead, status 0;
#   - standard input not a terminal (</dev/null): text reports, no busy loop;
# and after every run nothing is left attached to the interface.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen ping iperf3 ss

lab_up || { fail "lab" "could not build the namespaces"; finish; }

# pty_run ROWS COLS RAW SCREEN KEYS CMD...: run CMD on a pseudo-terminal of ROWS x COLS;
# KEYS is "SECONDS:CHARS,..." typed into it (CHARS may be empty: nothing typed;
# RESIZE=ROWSxCOLS: the pty takes that size, which sends SIGWINCH; WAIT=FILE: the
# entries after it wait until FILE exists, their times then counted from that moment,
# at most 20 s). RAW gets the bytes it wrote, SCREEN the text of the last full screen it
# drew (before it left the alternate screen), SCREEN.N the screen as it stood just
# before the Nth entry of KEYS (from 1, in time order), SCREEN.N.t the wall-clock time
# then, and SCREEN.end.t the time CMD ended. Exit status: CMD's.
pty_run() {
	"$PY" - "$@" <<'EOF'
import os, pty, re, select, struct, sys, termios, fcntl, time
rows, cols, raw_path, screen_path, keys = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
cmd = sys.argv[6:]
todo = sorted(((float(t), k) for t, k in (x.split(":", 1) for x in keys.split(",") if x)), key=lambda e: e[0])  # ties: as given
pid, fd = pty.fork()
if pid == 0:
    for v in ("LINES", "COLUMNS"):  # ncurses prefers them to the pty's size
        os.environ.pop(v, None)
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(cmd[0], cmd)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
out, t0, marks = b"", time.time(), []
while True:
    if todo and time.time() - t0 >= todo[0][0]:
        k = todo[0][1]
        if k.startswith("WAIT=") and not os.path.exists(k[5:]) and time.time() - t0 < todo[0][0] + 20:
            pass  # not yet: keep reading
        else:
            late = time.time() - t0 - todo.pop(0)[0]
            rs = k[7:] if k.startswith("RESIZE=") else None
            marks.append((len(out), time.time(), rs))
            if k.startswith("WAIT="):
                todo = [(t + late, kk) for t, kk in todo]
            elif rs:
                r_, c_ = (int(v) for v in rs.split("x"))
                fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", r_, c_, 0, 0))
            elif k:
                os.write(fd, k.encode())
    if time.time() - t0 > 40:  # bounded: the monitor runs a few seconds
        os.kill(pid, 9)
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            b = os.read(fd, 65536)
        except OSError:
            break
        if not b:
            break
        out += b
_, st = os.waitpid(pid, 0)
open(screen_path + ".end.t", "w").write("%.3f\n" % time.time())
open(raw_path, "wb").write(out)

# A terminal model, enough for what ncurses sends to an xterm.
scr = [[" "] * cols for _ in range(rows)]
y = x = 0
top, bot = 0, rows - 1
saved, last, shot = (0, 0), " ", None
def resize(spec):  # the pty's new size: ncurses draws the whole screen again
    global scr, rows, cols, top, bot, y, x
    rows, cols = (int(v) for v in spec.split("x"))
    scr = [(r + [" "] * cols)[:cols] for r in scr[:rows]] + [[" "] * cols for _ in range(rows - len(scr))]
    top, bot, y, x = 0, rows - 1, min(y, rows - 1), min(x, cols - 1)
def scroll(n, at=None):
    a = top if at is None else at
    for _ in range(n):
        del scr[a]
        scr.insert(bot, [" "] * cols)
def rscroll(n, at=None):
    a = top if at is None else at
    for _ in range(n):
        del scr[bot]
        scr.insert(a, [" "] * cols)
def put(c):
    global x, y, last
    if x >= cols:
        x = 0
        if y == bot: scroll(1)
        else: y = min(y + 1, rows - 1)
    scr[y][x] = c
    x += 1
    last = c
tok = re.compile(r"\x1b\[([?>]?)([0-9;]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b([78DEM=>c])|([\x00-\x1f])|([^\x00-\x1f\x1b]+)", re.S)
def feed(text):
  global scr, y, x, top, bot, saved, last, shot
  for m in tok.finditer(text):
      priv, params, final, esc, ctl, chars = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)
      if chars:
          for c in chars: put(c)
      elif ctl:
          if ctl == "\r": x = 0
          elif ctl == "\n":
              if y == bot: scroll(1)
              else: y = min(y + 1, rows - 1)
          elif ctl == "\b": x = max(x - 1, 0)
          elif ctl == "\t": x = min((x // 8 + 1) * 8, cols - 1)
      elif esc:
          if esc == "7": saved = (y, x)
          elif esc == "8": y, x = saved
          elif esc == "D" or esc == "E":
              if y == bot: scroll(1)
              else: y += 1
              if esc == "E": x = 0
          elif esc == "M":
              if y == top: rscroll(1)
              else: y = max(y - 1, 0)
      elif final:
          p = [int(v) if v else 0 for v in params.split(";")] if params else []
          n = max(p[0], 1) if p else 1
          if priv == "?":
              if final in "hl" and "1049" in params.split(";") and final == "l":
                  shot = ["".join(r) for r in scr]  # leaving the alternate screen
              continue
          if priv: continue
          if final in "Hf":
              y = min(max((p[0] if p else 1) - 1, 0), rows - 1)
              x = min(max((p[1] if len(p) > 1 else 1) - 1, 0), cols - 1)
          elif final == "A": y = max(y - n, 0)
          elif final == "B": y = min(y + n, rows - 1)
          elif final == "C": x = min(x + n, cols - 1)
          elif final == "D": x = max(x - n, 0)
          elif final == "G": x = min(n - 1, cols - 1)
          elif final == "d": y = min(n - 1, rows - 1)
          elif final == "K":
              k = p[0] if p else 0
              rng = range(x, cols) if k == 0 else range(0, x + 1) if k == 1 else range(cols)
              for i in rng: scr[y][min(i, cols - 1)] = " "
          elif final == "J":
              k = p[0] if p else 0
              if k == 0:
                  for i in range(x, cols): scr[y][i] = " "
                  for j in range(y + 1, rows): scr[j] = [" "] * cols
              elif k == 1:
                  for j in range(0, y): scr[j] = [" "] * cols
                  for i in range(0, x + 1): scr[y][min(i, cols - 1)] = " "
              else:
                  scr = [[" "] * cols for _ in range(rows)]
          elif final == "X":
              for i in range(x, min(x + n, cols)): scr[y][i] = " "
          elif final == "P":
              del scr[y][x:x + n]; scr[y] += [" "] * (cols - len(scr[y]))
          elif final == "@":
              scr[y][x:x] = [" "] * n; del scr[y][cols:]
          elif final == "L": rscroll(n, y)
          elif final == "M": scroll(n, y)
          elif final == "S": scroll(n)
          elif final == "T": rscroll(n)
          elif final == "b":
              for _ in range(n): put(last)
          elif final == "r":
              top = (p[0] if p and p[0] else 1) - 1
              bot = (p[1] if len(p) > 1 and p[1] else rows) - 1
              y = x = 0
# The output up to each mark, then the rest; an escape sequence or a UTF-8 character
# cut by a mark is carried over to the next part.
import codecs
dec, carry, prev = codecs.getincrementaldecoder("utf-8")("replace"), "", 0
for n, (off, when, rs) in enumerate(marks + [(len(out), None, None)], 1):
    text = carry + dec.decode(out[prev:off], when is None)
    prev, carry = off, ""
    e = text.rfind("\x1b")
    if e >= 0 and when is not None:
        m = tok.match(text, e)
        if not m or m.group(0) == "\x1b":
            text, carry = text[:e], text[e:]
    feed(text)
    if when is not None:
        open("%s.%d" % (screen_path, n), "w").write("\n".join("".join(r).rstrip() for r in scr) + "\n")
        open("%s.%d.t" % (screen_path, n), "w").write("%.3f\n" % when)
    if rs:
        resize(rs)
if shot is None:
    shot = ["".join(r) for r in scr]
open(screen_path, "w").write("\n".join(l.rstrip() for l in shot) + "\n")
sys.exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))
EOF
}

cat >"$LAB_TMP/udp4.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40000, dp=9), fill(0x41, 22) }
EOF

# traffic SECONDS: UDP bursts (one flow, 198.18.0.1:40000 -> :9) and pings, in the
# background for SECONDS.
traffic() {
	in_tx timeout "$1" sh -c "while :; do trafgen --cpus 1 -q -n 200 -i '$LAB_TMP/udp4.cfg' \
		-o '$IF_TX' -C >/dev/null 2>&1; sleep 0.2; done" &
	LAB_PIDS+=($!)
	in_tx timeout "$1" ping -q -n -i 0.05 "$IP4_RX" >/dev/null 2>&1 &
	LAB_PIDS+=($!)
}

# mon_pty NAME TERM KEYS ARGS...: monitor -i $IF_RX ARGS on an 80x24 pty (PTY_ROWS,
# PTY_COLS: another size; PTY_LC: the locale, default C: ASCII); sets RC,
# RAW, SCREEN, TEXT (RAW without escape sequences) and checks that nothing is left
# attached afterwards.
RUN=0
mon_pty() {
	local name=$1 term=$2 keys=$3
	shift 3
	RUN=$((RUN + 1))
	RAW=$LAB_TMP/raw$RUN SCREEN=$LAB_TMP/screen$RUN TEXT=$LAB_TMP/text$RUN
	# Last argument --cpu: its CPU time into $LAB_TMP/cpu$RUN ("cpu SECONDS");
	# --stdin-null: that, and standard input from /dev/null.
	local last=${*: -1} in=/dev/stdin
	if [ "$last" = --cpu ] || [ "$last" = --stdin-null ]; then
		set -- "${@:1:$#-1}"
		[ "$last" = --stdin-null ] && in=/dev/null
		# shellcheck disable=SC2016 # expanded by the inner shell
		TERM=$term LC_ALL=${PTY_LC:-C} pty_run "${PTY_ROWS:-24}" "${PTY_COLS:-80}" "$RAW" "$SCREEN" "$keys" sh -c \
			'in=$1; shift; /usr/bin/time -f "cpu %U %S" -o "$0.t" "$@" <"$in"; rc=$?
			 awk "{ print \$1, \$2 + \$3 }" "$0.t" >"$0"; exit $rc' \
			"$LAB_TMP/cpu$RUN" "$in" nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor -i "$IF_RX" "$@"
	else
		TERM=$term LC_ALL=${PTY_LC:-C} pty_run "${PTY_ROWS:-24}" "${PTY_COLS:-80}" "$RAW" "$SCREEN" "$keys" \
			nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor -i "$IF_RX" "$@"
	fi
	RC=$?
	sed -E 's/\x1b\[[?>]?[0-9;]*[@-~]//g; s/\x1b[()][0-9A-Za-z]//g; s/\x1b[78=>]//g; s/\r//g' \
		"$RAW" >"$TEXT"
	check_eq "$name: nothing attached afterwards" "$(xdp_prog_id "$IF_RX")" ""
}

# ---- the view on 80x24 ------------------------------------------------------------
traffic 6
sleep 0.5
mon_pty "80x24" xterm "" --duration 3
check_rc "80x24: ends after --duration" "$RC" 0
echo "  last screen:"
sed 's/^/  | /' "$SCREEN"
check_true "80x24: at most 24 rows of at most 80 columns" \
	awk 'length > 80 { bad = 1 } END { exit bad || NR > 24 }' "$SCREEN"
check_grep "80x24: title with interface and mode" "$SCREEN" "^pktlens $IF_RX \((native|generic)\)"
check_grep "80x24: receive rates (nonzero)" "$SCREEN" "^rx [1-9][0-9.]*k? pps +[0-9.]+[kM]?bit/s +total [0-9.]+k? packets"
check_grep "80x24: own cost" "$SCREEN" "own cost [0-9]+\.[0-9] ns/packet"
check_grep "80x24: malformed and evictions" "$SCREEN" "malformed 0 +evicted 0"
# Each class with its count beside its share (the pings are a few % of the frames).
check_grep "80x24: L3 mix" "$SCREEN" "^L3 +ipv4 [0-9.]+k? (100\.0|>99\.9)%"
check_grep "80x24: L4 mix" "$SCREEN" "^L4 +.*udp [0-9.]+k? [0-9.]+%.*"
check_grep "80x24: L4 mix, the pings' count" "$SCREEN" "^L4 +.*icmp [1-9][0-9.]*k? (<0\.1|[0-9.]+)%"
check_grep "80x24: size histogram" "$SCREEN" "^size +0-64 [0-9.]+k? [0-9.]+%"
check_true "80x24: no class shown as 0.0%" sh -c "! grep -q ' 0\.0%' '$SCREEN'"
check_grep "80x24: the graph's label" "$SCREEN" "^rx bit/s, last [0-9]+ s: now [0-9.]+[kM]?, max [0-9.]+[kM]?   pps now"
check_grep "80x24: ASCII bars under it (locale C)" "$SCREEN" "^ *[.+#]+$"
check_grep "80x24: flows by rate by default" "$SCREEN" "^top flows by rate$"
# L7 is on: at 80 columns the state (its short name) and the app come after the rates,
# before bytes and packets. Live, pktlens sees the ingress only: trafgen's flow and the
# pings (their replies leave) are ingress-only.
check_grep "80x24: flow heading with the rates, the app and the state" "$SCREEN" "^proto +initiator +responder +bit/s +pps +app +state$"
check_grep "80x24: the UDP flow with bit/s, pps, an app and its state" "$SCREEN" \
	"^udp +$IP4_TX\.40000 +$IP4_RX\.9 +[1-9][0-9.]*[kM]? +[1-9][0-9.]*k? +[A-Za-z][A-Za-z0-9_.-]* +ingress$"
# The pings are ICMP to nDPI (by their IP protocol): the app the test knows it sent.
check_grep "80x24: the pings' flow has the app ICMP" "$SCREEN" \
	"^icmp +$IP4_TX\.[0-9]+ +$IP4_RX\.[0-9]+ +[0-9.]+[kM]? +[0-9.]+k? +ICMP +ingress$"
check_grep "80x24: top source row: rates, 2/10/40 s averages, bytes, packets" "$SCREEN" \
	"^$IP4_TX( +[0-9.]+[kM]?){7}$"
check_grep "80x24: status line: order, filter, keys" "$SCREEN" \
	"^sort: rate  filter: none +\? help  / filter  r/b/p sort  P pause  q quit$"

# ---- rates, graph, filter and help, against iperf3 ----------------------------------
# iperf3 sends UDP at a fixed rate (-b) from the tx side to a one-off server on the rx
# side, which reports (-J) the datagrams it received in each second; trafgen's flow and
# pings run beside it. The flow's packets/s on screen and in --json are held to the
# server's for the same seconds (the intervals around the report), its bit/s to those
# datagrams as frames (payload + UDP, IPv4 and Ethernet headers: 42 bytes), both +-10 %.
IPERF_LEN=1000 IPERF_BW=20M

# iperf_start SECONDS OUT: the server (JSON to OUT) and a client sending for SECONDS;
# IPERF_T0: the wall-clock time the client started, IPERF_SRV: the server's pid.
iperf_start() {
	in_rx timeout $(($1 + 15)) iperf3 -s -1 -p 5201 -J >"$2" 2>/dev/null &
	IPERF_SRV=$!
	LAB_PIDS+=("$IPERF_SRV")
	wait_until 5 in_rx sh -c "ss -Hltn 'sport = :5201' | grep -q ." ||
		echo "  iperf3 server not listening"
	IPERF_T0=$EPOCHREALTIME
	in_tx timeout $(($1 + 10)) iperf3 -u -b "$IPERF_BW" -l "$IPERF_LEN" -c "$IP4_RX" -p 5201 \
		-t "$1" >/dev/null 2>&1 &
	LAB_PIDS+=($!)
}

# rate_check MODE IPERF_JSON T0 FILES...: compare the UDP flow's rates with iperf3's.
# MODE screen: FILES are SCREEN.N (with SCREEN.N.t); the report shown covers at most
# the 2 s before the screen was read. MODE json: FILES is monitor's JSON lines; each
# record covers interval_s before its timestamp. Prints "ok|bad|none DETAIL" per check.
rate_check() {
	"$PY" - "$@" <<'EOF'
import datetime, json, re, sys
mode, ipf, t0, files = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
LEN, HDR = 1000, 42
try:
    iv = [i["sum"] for i in json.load(open(ipf))["intervals"]]
except Exception as e:
    print("none iperf3 report unreadable: %s" % e); sys.exit(0)
end = t0 + (iv[-1]["end"] if iv else 0)
def ref(a, b):  # iperf3's packets/s over [a, b] (wall clock), overlap-weighted
    w = p = 0.0
    for i in iv:
        s, e = t0 + i["start"], t0 + i["end"]
        o = min(b, e) - max(a, s)
        if o > 0 and e > s:
            w += o; p += o * i["packets"] / (e - s)
    return p / w if w else None
def num(s):
    m = re.fullmatch(r"([0-9.]+)([kMG]?)", s)
    return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]
def judge(what, pps, bps, a, b):
    r = ref(a, b)
    if r is None or a < t0 + 1 or b > end - 0.5:
        return  # not wholly inside iperf3's steady seconds
    wire = r * (LEN + HDR) * 8
    good = abs(pps - r) <= 0.1 * r and abs(bps - wire) <= 0.1 * wire
    print("%s %s: pps %.0f vs iperf3 %.0f, bit/s %.3g vs %.3g (iperf3's payload %.3g)" %
          ("ok" if good else "bad", what, pps, r, bps, wire, r * LEN * 8))
for f in files:
    if mode == "screen":
        t = float(open(f + ".t").read())
        for line in open(f):
            m = re.match(r"udp +198\.18\.0\.1\.\d+ +198\.18\.0\.2\.5201 +(\S+) +(\S+)", line)
            if m:
                judge("screen at %.1f s" % (t - t0), num(m.group(2)), num(m.group(1)), t - 2, t)
    else:
        for line in open(f):
            if not line.startswith("{"):
                continue
            j = json.loads(line)
            t = datetime.datetime.fromisoformat(j["timestamp"].replace("Z", "+00:00")).timestamp()
            for fl in j["top_flows_by_rate"]:
                if fl["proto"] == "udp" and fl["dport"] == 5201:
                    judge("json at %.1f s" % (t - t0), fl["pps"], fl["bps"], t - j["interval_s"], t)
                    if t - t0 >= 4:  # 2 s average, once 2 s of steady traffic are behind
                        judge("json bps_2s at %.1f s" % (t - t0), fl["pps_2s"], fl["bps_2s"], t - 2, t)
EOF
}

# judge NAME OUTPUT MIN: at least MIN lines ok and none off; or, on a loaded machine,
# one second off among at least MIN+2 good ones (iperf3 counts what it sent on its own
# clock, the receiver sees it later: a stalled sender shifts a burst into the next second).
judge_rates() {
	local name=$1 out=$2 min=$3 n bad none
	echo "$out" | sed 's/^/  /'
	n=$(echo "$out" | grep -c '^ok ')
	bad=$(echo "$out" | grep -c '^bad ')
	none=$(echo "$out" | grep -v '^ok \|^bad ' | grep -c .)
	if [ "$none" -eq 0 ] && { { [ "$bad" -eq 0 ] && [ "$n" -ge "$min" ]; } ||
		{ [ "$bad" -eq 1 ] && [ "$n" -ge $((min + 2)) ]; }; }; then
		ok "$name ($n good, $bad off)"
	else
		fail "$name" "$n ok, $bad off, $none not compared (want >= $min ok and none off, or one off of >= $((min + 2)) ok)"
	fi
}

# graph_cells SCREEN: columns drawn in the rows between the graph's label and the flows.
graph_cells() {
	"$PY" - "$1" <<'EOF'
import sys
rows, on = [], False
for l in open(sys.argv[1], encoding="utf-8"):
    if l.startswith("rx bit/s, last"): on = True; continue
    if l.startswith("top flows"): break
    if on: rows.append(l.rstrip("\n"))
print(len({i for r in rows for i, c in enumerate(r) if c != " "}))
EOF
}

traffic 12
iperf_start 9 "$LAB_TMP/iperf_tui.json"
PTY_ROWS=30 PTY_COLS=120 PTY_LC=C.UTF-8 mon_pty "iperf3 view" xterm \
	"4:,6:,6.2:/,6.6:port 5201"$'\r'",7.6:,7.7:?,8.4:,8.6:q" --duration 20
check_rc "iperf3 view: q quits with status 0" "$RC" 0
wait "$IPERF_SRV" 2>/dev/null
S=$SCREEN # $S.N: the screen before the Nth entry of the keys (1: 4 s, 2: 6 s, 5: filtered, 7: help)
echo "  screen at 4 s:"
sed 's/^/  | /' "$S.1"
judge_rates "iperf3 view: the UDP flow's pps and bit/s on screen within 10 % of iperf3's" \
	"$(rate_check screen "$LAB_TMP/iperf_tui.json" "$IPERF_T0" "$S.1" "$S.2")" 1
check_true "iperf3 view: 120x30 in characters" "$PY" -c "import sys
ls = open('$S.1', encoding='utf-8').read().splitlines()
sys.exit(not (len(ls) <= 30 and all(len(l) <= 120 for l in ls)))"
check_grep "iperf3 view: the 2/10/40 s averages, the app and the state at 120 columns" "$S.1" \
	"^proto +initiator +responder +bit/s +pps +2s +10s +40s +bytes +app +state$"
check_true "iperf3 view: block characters on a UTF-8 terminal" grep -q '[▁▂▃▄▅▆▇█]' "$S.1"
g1=$(graph_cells "$S.1") g2=$(graph_cells "$S.2")
# At least one column at 4 s (a loaded machine can delay the first reports), more at 6 s.
check_true "iperf3 view: the graph grows ($g1 columns at 4 s, $g2 at 6 s)" \
	test "${g1:-0}" -ge 1 -a "${g2:-0}" -gt "${g1:-0}"
echo "  screen after /port 5201:"
sed 's/^/  | /' "$S.5"
check_grep "filter: the status line names it" "$S.5" \
	"^sort: rate  filter: port 5201 \([1-9] of [0-9]+ flows\)"
check_true "filter: only flows on port 5201 listed (the iperf3 flows)" "$PY" -c "import re, sys
ls = open('$S.5', encoding='utf-8').read().splitlines()
a = [i for i, l in enumerate(ls) if l.startswith('top flows')][0]
b = [i for i, l in enumerate(ls) if l.startswith('top sources')][0]
rows = ls[a + 2:b]
sys.exit(not (rows and all(re.search(r'\.5201 ', l) for l in rows)
              and any(l.startswith('udp ') for l in rows)))"
check_true "filter: trafgen's flow and the pings are gone" sh -c \
	"! grep -Eq '\.40000 |^icmp +[0-9]+\.[0-9]+\.' '$S.5' && grep -Eq '\.40000 ' '$S.2'"
check_grep "help: '?' shows the keys" "$S.7" "^keys \(any key closes this help\)"
check_grep "help: with the filter key" "$S.7" "^  / +filter the lists"

# The same rates in --json, from another run: long enough for the one-second-off
# allowance (a loaded machine's iperf3 catches up in bursts).
traffic 9
iperf_start 8 "$LAB_TMP/iperf_json.json"
in_rx "$PKTLENS" -q monitor -i "$IF_RX" --json --duration 7.5 >"$LAB_TMP/rates.json" 2>&1
check_rc "json: monitor ends" "$?" 0
wait "$IPERF_SRV" 2>/dev/null
judge_rates "json: the UDP flow's pps and bps within 10 % of iperf3's, every steady second" \
	"$(rate_check json "$LAB_TMP/iperf_json.json" "$IPERF_T0" "$LAB_TMP/rates.json")" 3
check_eq "json: rate keys on every row of the top lists" "$(json_get "$LAB_TMP/rates.json" \
	'all(all(k in r for k in ("bps", "pps", "bps_2s", "bps_10s", "bps_40s", "pps_2s", "pps_10s", "pps_40s")) for key in ("top_flows_by_rate", "top_flows_by_bytes", "top_flows_by_packets", "top_sources", "top_sources_by_packets", "top_destinations", "top_destinations_by_packets", "top_ports_by_bytes", "top_ports_by_packets") for r in j[key]) and all(len(j[k]) > 0 for k in ("top_sources", "top_destinations", "top_ports_by_bytes"))')" True
# The receiver's row and iperf3's port carry the rate the screen shows: in every report
# where iperf3's flow runs, 198.18.0.2's bit/s is at least the flow's (trafgen's flow
# and the pings add a little) and udp dst 5201's is the flow's (within 10 %).
check_true "json: destination and port rows carry the UDP flow's rate" "$PY" - "$LAB_TMP/rates.json" "$IP4_RX" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    j = json.loads(line)
    fl = [f["bps"] for f in j["top_flows_by_rate"] if f["proto"] == "udp" and f["dport"] == 5201]
    if not fl or fl[0] < 1e6:
        continue
    d = [x["bps"] for x in j["top_destinations"] if x["addr"] == sys.argv[2]]
    p = [x["bps"] for x in j["top_ports_by_bytes"] if (x["proto"], x["side"], x["port"]) == ("udp", "dst", 5201)]
    if not (d and p and 0.9 * fl[0] <= d[0] <= 1.5 * fl[0] and 0.9 * fl[0] <= p[0] <= 1.1 * fl[0]):
        print("  flow %.3g, destination %s, port %s" % (fl[0], d, p)); sys.exit(1)
    n += 1
sys.exit(n == 0)
EOF

# ---- keys, and every list on a taller screen ----------------------------------------
# 120x45: destinations, ports and ICMP types below flows and sources, all by packets
# after 'p'. What the test sent: trafgen's UDP 198.18.0.1:40000 -> 198.18.0.2:9 and
# pings, both from the tx side alone: 198.18.0.2 has one source and one port (ICMP
# has none); the ports are udp dst 9 and udp src 40000; ICMP, echo requests.
traffic 5
PTY_ROWS=45 PTY_COLS=120 mon_pty "p key" xterm "1.5:p" --duration 3
check_rc "p key: ends after --duration" "$RC" 0
echo "  last screen:"
sed 's/^/  | /' "$SCREEN"
check_grep "p key: flows by packets" "$SCREEN" "^top flows by packets( |$)"
check_grep "p key: the status line says so" "$SCREEN" "^sort: packets  filter: none"
check_grep "lists: destinations by packets, with flows, sources and ports" "$SCREEN" \
	"^address +bit/s +pps +2s +10s +40s +bytes +packets +flows +srcs +ports$"
check_grep "lists: $IP4_RX: 1 source, 1 port (what the test sent)" "$SCREEN" \
	"^${IP4_RX//./\\.} +([0-9.]+[kM]? +){7}[1-9][0-9]* +1 +1$"
check_grep "lists: sources with destinations and ports" "$SCREEN" \
	"^${IP4_TX//./\\.} +([0-9.]+[kM]? +){7}[1-9][0-9]* +1 +1$"
check_grep "lists: ports by packets" "$SCREEN" "^top ports by packets"
check_grep "lists: udp dst 9" "$SCREEN" "^udp +dst +9 +([0-9.]+[kM]? +){6}[1-9][0-9.]*k?$"
check_grep "lists: udp src 40000" "$SCREEN" "^udp +src +40000 +([0-9.]+[kM]? +){6}[1-9][0-9.]*k?$"
check_grep "lists: ICMP echo requests by type and code" "$SCREEN" \
	"^icmp +8/0 +echo-request +[1-9][0-9.]*k?$"
# The receiver's echo replies and port unreachables leave it: not what it received.
check_true "lists: no ICMP type the interface only sent" sh -c \
	"! grep -Eq '^icmp +(0/0|3/3) ' '$SCREEN'"

# ---- the other keys, a filter by host and by protocol, a resize; then q ---------------
# trafgen's flow (198.18.0.1.40000 -> .9) and the pings run throughout; once the view is
# up, a burst of 1500 frames of 1000 bytes on another flow (.41000 -> .10) is sent and
# then stops: by bytes it leads, by rate it is last (0 bit/s). The view starts on 80x24
# (the help must fit), then the pty is made 40x120 (the layout follows: the 2/10/40 s
# averages and the bytes come). Times count from the end of the burst.
cat >"$LAB_TMP/burst.cfg" <<EOF
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=41000, dp=10), fill(0x42, 958) }
EOF
traffic 14
rm -f "$LAB_TMP/burst.done"
(wait_until 15 sh -c "ip netns exec '$NS_RX' ip link show dev '$IF_RX' | grep -q 'prog/xdp'"
 sleep 0.3 # the program is attached: let the view draw once
 in_tx trafgen --cpus 1 -q -n 1500 -i "$LAB_TMP/burst.cfg" -o "$IF_TX" >/dev/null 2>&1
 touch "$LAB_TMP/burst.done") &
LAB_PIDS+=($!)
KEYS="0:WAIT=$LAB_TMP/burst.done,0.5:,0.5:?,0.7:,0.7:x,0.7:/,0.75:host $IP4_TX and udp"$'\r'
KEYS+=",0.95:,0.95:/,1.0:"$'\x15'"icmp"$'\r'",1.2:,1.2:/,1.25:"$'\x15\r'",1.3:RESIZE=40x120"
KEYS+=",1.6:,1.6:b,1.8:,1.8:P,2.0:,2.7:,2.7:P,3.2:,3.2:r,3.4:,3.4:q"
mon_pty "keys" xterm "$KEYS" --interval 0.3 --duration 40
check_rc "q key: quits with status 0" "$RC" 0
S=$SCREEN # S.N: before the Nth entry: 2 the view, 4 help, 8 host filter, 11 icmp
# filter, 15 resized, 17 by bytes, 19 and 20 paused, 22 resumed, 24 by rate, 25 q
quit=$(awk -v a="$(cat "$S.25.t" 2>/dev/null || echo 0)" '{ printf "%.1f", $1 - a }' "$S.end.t")
check_true "q key: quits at once (${quit} s after q)" awk -v q="$quit" 'BEGIN { exit !(q < 3) }'
check_true "keys: burst sent while the view ran" test -e "$LAB_TMP/burst.done"
echo "  help at 80x24:"
sed 's/^/  | /' "$S.4"
check_true "help: fits 80x24, first line to last" "$PY" -c "import sys
ls = open('$S.4').read().splitlines()
k = [i for i, l in enumerate(ls) if l.startswith('keys (any key closes this help)')]
sys.exit(not (len(ls) <= 24 and all(len(l) <= 80 for l in ls) and k and
              any(l.startswith('state, when narrow:') for l in ls[k[0]:]) and
              ls[-1].startswith('sort: rate')))"
# flows_of SCREEN: the flow rows under "top flows", as "proto initiator responder"
flows_of() {
	"$PY" - "$1" <<'EOF'
import sys
ls = open(sys.argv[1]).read().splitlines()
a = [i for i, l in enumerate(ls) if l.startswith("top flows")]
for l in ls[a[0] + 2 if a else len(ls):]:
    if not l or l.startswith("top ") or l.startswith("sort:") or l.startswith("  ("):
        break
    print(" ".join(l.split()[:3]))
EOF
}
check_grep "filter by host and protocol: the status line" "$S.8" \
	"^sort: rate  filter: host ${IP4_TX//./\\.} and udp \(2 of [0-9]+ flows\)"
check_eq "filter by host and protocol: the two UDP flows the test sent" \
	"$(flows_of "$S.8" | sort | tr '\n' ' ')" \
	"udp $IP4_TX.40000 $IP4_RX.9 udp $IP4_TX.41000 $IP4_RX.10 "
check_grep "filter by protocol: the status line" "$S.11" "^sort: rate  filter: icmp \([1-9] of [0-9]+ flows\)"
check_eq "filter by protocol: only the pings' flow" "$(flows_of "$S.11" | cut -d' ' -f1 | sort -u)" icmp
check_true "resize: 80x24, then 40x120 with the averages and bytes" "$PY" -c "import re, sys
a, b = open('$S.2').read().splitlines(), open('$S.15').read().splitlines()
ha = [l for l in a if l.startswith('proto ')]
hb = [l for l in b if l.startswith('proto ')]
sys.exit(not (len(a) <= 24 and 24 < len(b) <= 40 and max(map(len, b)) > 80 and
              ha and ' 2s ' not in ha[0] and hb and re.search(r' 2s +10s +40s +bytes ', hb[0])
              and b[-1].startswith('sort: rate')))"
# order_ok SCREEN COLUMN FIRST LAST: the flow rows in non-increasing COLUMN (by its
# heading), the row of source port FIRST above LAST's.
order_ok() {
	"$PY" - "$@" <<'EOF'
import re, sys
path, col, first, last = sys.argv[1:]
ls = open(path).read().splitlines()
h = [i for i, l in enumerate(ls) if l.startswith("proto ")][0]
end = re.search(r"(?<= )" + re.escape(col) + r"(?= |$)", ls[h]).end()
def num(s):
    m = re.fullmatch(r"([0-9.]+)([kMG]?)", s)
    return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)] if m else -1
vals, ports = [], []
for l in ls[h + 1:]:
    if not l or l.startswith("top "):
        break
    tok = [m for m in re.finditer(r"\S+", l) if m.end() == end]
    vals.append(num(tok[0].group()) if tok else -1)
    ports.append(l.split()[1].rsplit(".", 1)[1])
print("  " + " ".join("%s:%g" % p for p in zip(ports, vals)))
ok = all(v >= 0 for v in vals) and vals == sorted(vals, reverse=True)
sys.exit(not (ok and first in ports and last in ports and ports.index(first) < ports.index(last)))
EOF
}
check_grep "b key: the status line says bytes" "$S.17" "^sort: bytes  filter: none"
check_grep "b key: the title says bytes" "$S.17" "^top flows by bytes"
check_true "b key: flows by bytes, the burst's flow first" order_ok "$S.17" bytes 41000 40000
check_grep "r key: the status line says rate" "$S.24" "^sort: rate  filter: none"
check_true "r key: flows by bit/s, the burst's idle flow below trafgen's" order_ok "$S.24" bit/s 40000 41000
check_grep "P key: PAUSED on the status line" "$S.20" "^sort: bytes  filter: none  PAUSED"
t19=$(grep -E '^rx .* total ' "$S.19") t20=$(grep -E '^rx .* total ' "$S.20")
t22=$(grep -E '^rx .* total ' "$S.22")
check_true "P key: the numbers stop (${t19##*total })" test -n "$t19" -a "$t19" = "$t20"
check_true "P key again: they go on (${t22##*total })" test -n "$t22" -a "$t22" != "$t20"
check_true "P key again: PAUSED gone" sh -c "! grep -q PAUSED '$S.22'"

# ---- protect's view: the mitigation section -------------------------------------------
# `pktlens block ADDR --ttl 1h` while protect runs in the view: the rule is on screen
# with its expiry (what `blocked --json` gives) and the drops by reason.
rm -f "$LAB_TMP/blocked.done"
(wait_until 15 sh -c "ip netns exec '$NS_RX' ip link show dev '$IF_RX' | grep -q 'prog/xdp'"
 wait_until 5 in_rx "$PKTLENS" blocked >/dev/null 2>&1
 in_rx "$PKTLENS" block 198.18.0.77 --ttl 1h >"$LAB_TMP/block77.out" 2>&1
 echo $? >"$LAB_TMP/block77.rc"
 in_rx "$PKTLENS" blocked --json >"$LAB_TMP/blocked77.json" 2>&1
 touch "$LAB_TMP/blocked.done") &
LAB_PIDS+=($!)
RUN=$((RUN + 1))
SCREEN=$LAB_TMP/screen$RUN
TERM=xterm LC_ALL=C pty_run 40 120 "$LAB_TMP/raw$RUN" "$SCREEN" "0:WAIT=$LAB_TMP/blocked.done,0.8:,0.8:"$'\x03' \
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" protect -i "$IF_RX" --interval 0.3 --duration 30
check_rc "ctrl-c (protect's view): quits with status 0" "$?" 0
quit=$(awk -v a="$(cat "$SCREEN.2.t" 2>/dev/null || echo 0)" '{ printf "%.1f", $1 - a }' "$SCREEN.end.t")
check_true "ctrl-c: quits at once (${quit} s after it)" awk -v q="$quit" 'BEGIN { exit !(q < 3) }'
check_eq "protect view: pktlens block 198.18.0.77 --ttl 1h" "$(cat "$LAB_TMP/block77.rc" 2>/dev/null)" 0
echo "  protect's screen:"
sed 's/^/  | /' "$SCREEN.2"
ttl=$(json_get "$LAB_TMP/blocked77.json" '[r["expires_in_s"] for r in j["mitigation"]["rules"] if r.get("cidr") in ("198.18.0.77", "198.18.0.77/32")]')
check_true "protect view: blocked --json has the rule, 1 h to go ($ttl)" \
	sh -c "echo '$ttl' | grep -Eq '^\[(3600|35[0-9][0-9])\]$'"
check_grep "protect view: the drops by reason" "$SCREEN.2" \
	"^mitigation: dropped [0-9]+ packets \([0-9]+ bytes\): block [0-9]+, port [0-9]+, rate [0-9]+;"
check_grep "protect view: a heading with the expiry" "$SCREEN.2" "^ +id +kind +action +match +origin +expires +packets +bytes$"
check_grep "protect view: the rule with its expiry and drops" "$SCREEN.2" \
	"^ +[0-9]+ +block +drop +198\.18\.0\.77(/32)? +cli +(3600|35[0-9][0-9])s +0 +0$"
check_eq "protect view: nothing attached afterwards" "$(xdp_prog_id "$IF_RX")" ""


# ---- an unknown terminal --------------------------------------------------------------
traffic 4
mon_pty "unknown TERM" unknown-terminal-xyz "" --duration 2
check_rc "unknown TERM: status 0" "$RC" 0
check_grep "unknown TERM: a warning that names TERM" "$TEXT" \
	"cannot start the terminal view \(TERM 'unknown-terminal-xyz' is unknown here\): printing text reports instead"
check_grep "unknown TERM: the text report instead" "$TEXT" "^top flows by bytes$"
check_grep "unknown TERM: text report has the rates" "$TEXT" "^rx [0-9.]+k? pps"
check_true "unknown TERM: no alternate screen" sh -c "! grep -q '1049h' '$RAW'"

# ---- keys cannot come: standard input is not a terminal ------------------------------------
# (monitor </dev/null on a terminal): text reports, not a view that would read keys from
# /dev/null in a busy loop; its CPU time for 3 s stays far below 3 s.
traffic 4
mon_pty "stdin /dev/null" xterm "" --duration 3 --stdin-null
check_rc "stdin /dev/null: status 0" "$RC" 0
check_grep "stdin /dev/null: the text report" "$TEXT" "^top flows by bytes$"
# The text report has the rates the view shows (README): bit/s, pps and the 2/10/40 s
# averages on the flows (and a list by rate), the sources, destinations and ports.
R5="( +[0-9.]+[kM]?){4}"
check_grep "text: flows by rate" "$TEXT" "^top flows by rate$"
check_grep "text: trafgen's flow with bit/s, pps, 2s, 10s, 40s" "$TEXT" \
	"^  udp +${IP4_TX//./\\.}\.40000 +${IP4_RX//./\\.}\.9 +[0-9.]+k? +[0-9.]+[kM]? +ingress-only +[1-9][0-9.]*[kM]?$R5$"
check_grep "text: the source with its rates" "$TEXT" \
	"^  ${IP4_TX//./\\.} +[0-9.]+k? +[0-9.]+[kM]? +[0-9]+ +[0-9]+ +[0-9]+ +[1-9][0-9.]*[kM]?$R5$"
check_grep "text: the destination with its rates" "$TEXT" \
	"^  ${IP4_RX//./\\.} +[0-9.]+k? +[0-9.]+[kM]? +[0-9]+ +[0-9]+ +[0-9]+ +[1-9][0-9.]*[kM]?$R5$"
check_grep "text: udp dst 9 with its rates" "$TEXT" \
	"^  udp +dst +9 +\S+ +[0-9.]+k? +[0-9.]+[kM]? +[1-9][0-9.]*[kM]?$R5$"
check_true "stdin /dev/null: no alternate screen" sh -c "! grep -q '1049h' '$RAW'"
cpu=$(sed -nE 's/^cpu ([0-9.]+)$/\1/p' "$LAB_TMP/cpu$RUN")
check_eq "stdin /dev/null: CPU time ${cpu:-?} s is small (< 1 s)" \
	"$(awk -v c="${cpu:-9}" 'BEGIN { print (c < 1) ? "yes" : "no" }')" yes

# An interval longer than an int of milliseconds (the view's key wait), no --duration:
# it waits (no busy loop) until q.
t0=$(date +%s)
mon_pty "interval 3000000 s" xterm "2:q" --interval 3000000 --cost-sample 100 --cpu
check_rc "interval 3000000 s: status 0" "$RC" 0
if [ $(($(date +%s) - t0)) -lt 15 ]; then ok "interval 3000000 s: q ends it"; else fail "interval 3000000 s: q ends it" "took $(($(date +%s) - t0)) s"; fi
cpu=$(sed -nE 's/^cpu ([0-9.]+)$/\1/p' "$LAB_TMP/cpu$RUN")
check_eq "interval 3000000 s: CPU time ${cpu:-?} s is small (< 1 s)" \
	"$(awk -v c="${cpu:-9}" 'BEGIN { print (c < 1) ? "yes" : "no" }')" yes

finish
