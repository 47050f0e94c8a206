#!/usr/bin/env bash
# test_monitor_tui.sh - `pktlens monitor` in its terminal view, under a pseudo-terminal
# of 80x24 while traffic flows on the lab's veth:
#   - the last screen (rebuilt from the escape sequences by a small terminal model)
#     shows the rates, the own cost, malformed and evicted counts, the L3/L4/size mix,
#     a flow row with packets, bytes and state, and a top source, inside 80x24;
#   - 'p' switches the flow list to packets order and the title says so;
#   - 'q' and Ctrl-C quit with status 0 long before --duration;
#   - TERM=unknown-terminal-xyz: a warning, the text report instead, status 0;
#   - standard input not a terminal (</dev/null): text reports, no busy loop;
# and after every run nothing is left attached to the interface.
set -u
. "$(dirname "$0")/../lib/netns.sh"
need_root_tools trafgen ping

lab_up || { fail "lab" "could not build the namespaces"; finish; }

# pty_run ROWS COLS RAW SCREEN KEYS CMD...: run CMD on a pseudo-terminal of ROWS x COLS;
# KEYS is "SECONDS:CHARS,..." typed into it. RAW gets the bytes it wrote, SCREEN the
# text of the last full screen it drew (before it left the alternate screen).
# Exit status: CMD's.
pty_run() {
	"$PY" - "$@" <<'EOF'
import os, pty, re, select, struct, sys, termios, fcntl, time
rows, cols, raw_path, screen_path, keys = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
cmd = sys.argv[6:]
todo = sorted((float(t), k) for t, k in (x.split(":", 1) for x in keys.split(",") if x))
pid, fd = pty.fork()
if pid == 0:
    for v in ("LINES", "COLUMNS"):  # ncurses prefers them to the pty's size
        os.environ.pop(v, None)
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.execvp(cmd[0], cmd)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
out, t0 = b"", time.time()
while True:
    if todo and time.time() - t0 >= todo[0][0]:
        os.write(fd, todo.pop(0)[1].encode())
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
open(raw_path, "wb").write(out)

# A terminal model, enough for what ncurses sends to an xterm.
scr = [[" "] * cols for _ in range(rows)]
y = x = 0
top, bot = 0, rows - 1
saved, last, shot = (0, 0), " ", None
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
text = out.decode("utf-8", "replace")
tok = re.compile(r"\x1b\[([?>]?)([0-9;]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b([78DEM=>c])|([\x00-\x1f])|([^\x00-\x1f\x1b]+)", re.S)
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

# mon_pty NAME TERM KEYS ARGS...: monitor -i $IF_RX ARGS on an 80x24 pty; sets RC,
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
		TERM=$term pty_run 24 80 "$RAW" "$SCREEN" "$keys" sh -c \
			'in=$1; shift; /usr/bin/time -f "cpu %U %S" -o "$0.t" "$@" <"$in"; rc=$?
			 awk "{ print \$1, \$2 + \$3 }" "$0.t" >"$0"; exit $rc' \
			"$LAB_TMP/cpu$RUN" "$in" nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" monitor -i "$IF_RX" "$@"
	else
		TERM=$term pty_run 24 80 "$RAW" "$SCREEN" "$keys" \
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
check_grep "80x24: L3 mix" "$SCREEN" "^L3 +ipv4 [0-9.]+%"
check_grep "80x24: L4 mix" "$SCREEN" "^L4 +.*udp [0-9.]+%"
check_grep "80x24: size histogram" "$SCREEN" "^size +0-64 [0-9.]+%"
check_grep "80x24: flows by bytes by default" "$SCREEN" "^top flows by bytes +\(p: by packets\)"
check_grep "80x24: the UDP flow with packets, bytes and state" "$SCREEN" \
	"^udp +$IP4_TX\.40000 +$IP4_RX\.9 +[0-9.]+k? +[0-9.]+k +ingress-only"
# address, packets, bytes, flows, then the spread: distinct destinations (sources), ports
check_grep "80x24: top source row" "$SCREEN" "^$IP4_TX +[0-9.]+k? +[0-9.]+[kM]? +[0-9]+ +1 +[0-9]+$"
check_grep "80x24: top destination row" "$SCREEN" "^$IP4_RX +[0-9.]+k? +[0-9.]+[kM]? +[0-9]+ +1 +[0-9]+$"

# ---- keys ---------------------------------------------------------------------------
traffic 5
mon_pty "p key" xterm "1.5:p" --duration 3
check_rc "p key: ends after --duration" "$RC" 0
check_grep "p key: flows by packets, b offered" "$SCREEN" "^top flows by packets +\(b: by bytes\)"

t0=$(date +%s)
mon_pty "q key" xterm "1.5:q" --duration 30
check_rc "q key: quits with status 0" "$RC" 0
if [ $(($(date +%s) - t0)) -lt 10 ]; then ok "q key: quits at once"; else fail "q key: quits at once" "took $(($(date +%s) - t0)) s"; fi

t0=$(date +%s)
mon_pty "ctrl-c" xterm "1.5:"$'\x03' --duration 30
check_rc "ctrl-c: quits with status 0" "$RC" 0
if [ $(($(date +%s) - t0)) -lt 10 ]; then ok "ctrl-c: quits at once"; else fail "ctrl-c: quits at once" "took $(($(date +%s) - t0)) s"; fi

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
