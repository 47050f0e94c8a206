#!/bin/bash
# test_protect_term.sh - protect's SIGHUP, both meanings, and --eve. protect runs its
# terminal view in a pty (python's pty.fork: protect is the session leader) with --eve
# and no --l7-packets (L7 goes on by itself) and --interval 60:
#  - a SIGHUP with its terminal still there is a reload, done at once (not at the next
#    report): [detect] of --config (a new IOC address-list entry alerts); then a bad
#    [detect] (window = 0) says why and keeps the one in force (the entry still alerts);
#    protect runs on;
#  - closing the pty's master hangs the terminal up: protect must stop soon (exit 0),
#    leave nothing attached, and write its last EVE flow events: the two flows the test
#    sent (L7 was on).
# (The signatures' reload: test_protect_auto.sh.) Alerts are read from the EVE file;
# the packets are those the test sent.
# shellcheck source=../lib/netns.sh
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/detect.sh"

lab_up || { fail "lab setup"; finish; }
tx_addrs 43 45 47

# send SRC PORT TEXT: one UDP datagram with TEXT from SRC to the target's PORT
send() {
	in_tx "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))' "$1" "$IP4_RX" "$2" "$3"
}

# ptyrun.py CLOSE LOG CMD...: CMD in a new pty (its session leader), the pty's master
# closed once CLOSE exists; then prints "exit RC SECONDS" or "running SECONDS".
cat >"$LAB_TMP/ptyrun.py" <<'PYEOF'
import fcntl, os, pty, select, struct, sys, termios, time
close_file, log_path = sys.argv[1:3]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execvp(sys.argv[3], sys.argv[3:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 132, 0, 0))
end = time.time() + 60
with open(log_path, "wb") as log:
    while time.time() < end and not os.path.exists(close_file):
        if select.select([fd], [], [], 0.1)[0]:
            try:
                d = os.read(fd, 65536)
            except OSError:
                break
            if not d:
                break
            log.write(d)
os.close(fd)  # the terminal hangs up
t0 = time.time()
while time.time() - t0 < 10:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        print("exit %d %.2f" % (os.waitstatus_to_exitcode(st), time.time() - t0))
        sys.exit(0)
    time.sleep(0.05)
print("running %.2f" % (time.time() - t0))
os.kill(pid, 9)
os.waitpid(pid, 0)
PYEOF

# ---- protect in a terminal -----------------------------------------------------------
LIST=$LAB_TMP/ioc.txt CONF=$LAB_TMP/pl.conf EVE=$LAB_TMP/term.eve ERR=$LAB_TMP/term.err
echo 198.18.0.99 >"$LIST"
printf '[detect]\naddress-list = %s\n' "$LIST" >"$CONF"
: >"$ERR"
# Its terminal view on the pty (standard input and output), its messages in $ERR.
# shellcheck disable=SC2016 # expanded by the inner shell
"$PY" "$LAB_TMP/ptyrun.py" "$LAB_TMP/close" "$LAB_TMP/pty.log" \
	nsenter -t "$RX_HOLD" -m -n -- sh -c 'exec "$@" 2>"$0"' "$ERR" "$PKTLENS" protect \
	-i "$IF_RX" --mode generic --duration 40 --interval 60 --eve "$EVE" --config "$CONF" \
	>"$LAB_TMP/pty.out" 2>&1 &
PTY_PID=$!
LAB_PIDS+=("$PTY_PID")
if ! wait_grep "$ERR" "protect: (dry run|dropping)" "$PTY_PID"; then
	fail "protect --eve (no --l7-packets) starts in a terminal" "$(head -c 600 "$ERR")"
	finish
fi
ok "protect --eve (no --l7-packets) starts in a terminal"
PROT_PID=$(ps -o pid= --ppid "$PTY_PID" | tr -d ' ')
send 198.18.0.43 7005 "hello"
send 198.18.0.43 7005 "hello again"

# hup WHAT: SIGHUP, then wait (5 s at most: the report is 60 s away) until $ERR has a
# new line with WHAT; the new lines in $LAB_TMP/hup.err, the wait in HUP_MS.
hup() {
	local n t0
	n=$(wc -l <"$ERR")
	t0=$(now_ms)
	kill -HUP "$PROT_PID"
	wait_until 5 sh -c "tail -n +$((n + 1)) '$ERR' | grep -q '$1'"
	HUP_MS=$(($(now_ms) - t0))
	tail -n +$((n + 1)) "$ERR" >"$LAB_TMP/hup.err"
}
printf '198.18.0.45\n198.18.0.47\n' >"$LIST"
hup "reloaded \[detect\]"
check_grep "SIGHUP with its terminal there: [detect] of --config reloaded" "$LAB_TMP/hup.err" \
	"reloaded \[detect\] of .*pl.conf"
check_true "... within 5 s of the signal, with --interval 60 ($HUP_MS ms)" [ "$HUP_MS" -lt 5000 ]
check_true "... and protect runs on" kill -0 "$PROT_PID"
send 198.18.0.45 7002 "listed"
wait_until 5 has_alert "$EVE" 9100050 198.18.0.45
check_true "the address listed since the reload alerts" has_alert "$EVE" 9100050 198.18.0.45
# A bad [detect]: says why, the one in force stays.
printf '[detect]\naddress-list = %s\nwindow = 0\n' "$LIST" >"$CONF"
hup "\[detect\] .*failed"
check_grep "a bad [detect]: says so, detection goes on as it was" "$LAB_TMP/hup.err" \
	"reloading \[detect\] of .* failed .*as it was"
check_grep "... and why" "$LAB_TMP/hup.err" "window"
send 198.18.0.47 7002 "listed"
wait_until 5 has_alert "$EVE" 9100050 198.18.0.47
check_true "after it the listed address still alerts" has_alert "$EVE" 9100050 198.18.0.47

# ---- the terminal hangs up: protect stops ---------------------------------------------
touch "$LAB_TMP/close"
pid_wait "$PTY_PID" 30
# shellcheck disable=SC2016 # awk's fields
check_true "closing its terminal stops it soon, exit 0 ($(cat "$LAB_TMP/pty.out"))" \
	awk '$1 == "exit" && $2 == 0 && $3 < 5 { ok = 1 } END { exit !ok }' "$LAB_TMP/pty.out"
nothing_attached "after the hang-up"
n=$("$PY" -c 'import json, sys
print(sum(1 for l in open(sys.argv[1]) if l.startswith("{") and
          (d := json.loads(l))["event_type"] == "flow" and d["src_ip"] == "198.18.0.43"
          and d["dest_port"] == 7005))' "$EVE" 2>/dev/null)
check_eq "its last EVE flow events were written: the two flows sent (L7 on with --eve)" "$n" 2
finish
