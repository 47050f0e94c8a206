# shellcheck shell=bash disable=SC2034,SC2119,SC2120
# netns.sh - sourced by the end-to-end tests: a lab of two network namespaces joined
# by a veth pair, helpers to run commands on either side, to start `pktlens monitor`
# in the background, to read JSON reports, and the pass/fail/skip counters that end
# with the closing line "N passed, N failed[, N skipped]" (aggregated by tests/run.sh).
#
#   tx side: namespace $NS_TX, interface $IF_TX, $IP4_TX / $IP6_TX, $MAC_TX
#   rx side: namespace $NS_RX, interface $IF_RX, $IP4_RX / $IP6_RX, $MAC_RX
#
# Only 198.18.0.0/15 and 2001:db8::/32 are used. Names carry the test's PID so that
# tests can run side by side. Nothing is ever attached outside the lab's namespaces.
# lab_down runs from an EXIT trap (installed by lab_up): it kills what the test
# started and removes namespaces, links and pins, also after a failure.

set -u

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${BUILD:=build}"
case $BUILD in /*) BUILD_DIR=$BUILD ;; *) BUILD_DIR=$E2E_ROOT/$BUILD ;; esac
: "${PKTLENS:=$BUILD_DIR/pktlens}"
BPF_OBJ=$BUILD_DIR/bpf/pktlens.bpf.o
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

T_PASS=0 T_FAIL=0 T_SKIP=0
LAB_PIDS=()       # background processes started by the test, killed by lab_down
LAB_EXTRA_NS=()   # further namespaces a test made (named with $$), deleted by lab_down
LAB_TMP=$(mktemp -d /tmp/pktlens-e2e.XXXXXX)
LAB_UP=0

# ---- assertions ----------------------------------------------------------------

ok() { T_PASS=$((T_PASS + 1)); echo "ok   $1"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $1: ${2:-}"; }
skip() { T_SKIP=$((T_SKIP + 1)); echo "skip $1: ${2:-}"; }

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1 ($2)"; else fail "$1" "got '$2', want '$3'"; fi
}

# check_rc NAME GOT WANT
check_rc() {
	if [ "$2" -eq "$3" ]; then ok "$1 (exit $2)"; else fail "$1" "exit $2, want $3"; fi
}

# check_grep NAME FILE ERE: FILE has a line matching ERE (case-insensitive)
check_grep() {
	if grep -Eqi -- "$3" "$2"; then
		ok "$1"
	else
		fail "$1" "no match for /$3/ in: $(head -c 600 "$2" | tr '\n' '|')"
	fi
}

# check_true NAME CMD...: CMD succeeds
check_true() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name" "'$*' failed"; fi
}

# finish: print the closing line; exit status 1 if anything failed.
finish() {
	echo
	if [ "$T_SKIP" -gt 0 ]; then
		echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	else
		echo "$T_PASS passed, $T_FAIL failed"
	fi
	[ "$T_FAIL" -eq 0 ] && exit 0
	exit 1
}

# need_root_tools: skip everything (closing line included) unless root; fail unless the tools exist.
need_root_tools() {
	local t missing=
	if [ "$(id -u)" -ne 0 ]; then
		skip "all" "needs root"
		finish
	fi
	if [ ! -x "$PKTLENS" ]; then
		fail "setup" "$PKTLENS not built (make)"
		finish
	fi
	for t in ip nsenter ethtool timeout "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	# A failure, not a skip: `make test` installs them (make deps), so a missing one is a
	# broken install, and a skipped test would hide everything it checks.
	if [ -n "$missing" ]; then
		fail "setup" "missing tools:$missing (make deps installs them)"
		finish
	fi
}

# ---- JSON ----------------------------------------------------------------------

# json_get FILE PYEXPR: evaluate PYEXPR with `j` bound to the last JSON line of FILE
# (or to FILE as one JSON document). Prints <no-json> or <error: ...> on failure.
# Helpers in scope: flow(proto, sport=None, dport=None, **fields) finds one entry of
# top_flows_by_packets (None when absent).
json_get() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
try:
    text = open(sys.argv[1], errors="replace").read()
except OSError as e:
    print("<no-file: %s>" % e)
    sys.exit(0)
try:
    j = json.loads(text)  # one (possibly pretty-printed) document
except ValueError:
    lines = [l for l in text.splitlines() if l.lstrip().startswith("{")]
    try:
        j = json.loads(lines[-1])
    except (IndexError, ValueError):
        print("<no-json>")
        sys.exit(0)
def flow(proto, sport=None, dport=None, **kw):
    for f in j.get("top_flows_by_packets", []):
        if f.get("proto") != proto:
            continue
        if sport is not None and f.get("sport") != sport:
            continue
        if dport is not None and f.get("dport") != dport:
            continue
        if all(f.get(k) == v for k, v in kw.items()):
            return f
    return None
try:
    v = eval(sys.argv[2])
except Exception as e:  # a missing key is a test failure, not a crash
    v = "<error: %s: %s>" % (type(e).__name__, e)
print(v)
EOF
}

# ---- the lab -------------------------------------------------------------------

in_tx() { ip netns exec "$NS_TX" "$@"; }
# The rx side runs inside a long-lived holder's mount namespace: bpffs is mounted
# there once, so pins made by one command are seen by the next.
in_rx() { nsenter -t "$RX_HOLD" -m -n -- "$@"; }

# ns_sysctls NS: keep the wire quiet: no DAD, router solicitations, RA handling,
# and fast MLD reports so that joins are over before a test starts counting.
ns_sysctls() {
	local k
	for k in net.ipv6.conf.default net.ipv6.conf.all; do
		ip netns exec "$1" sysctl -qw "$k.accept_dad=0" "$k.dad_transmits=0" \
			"$k.router_solicitations=0" "$k.accept_ra=0" "$k.autoconf=0" \
			"$k.mldv1_unsolicited_report_interval=10" \
			"$k.mldv2_unsolicited_report_interval=10" >/dev/null
	done
}

# lab_veth: (re)create the veth pair with addresses and static neighbours (a test
# that deletes the link calls it again).
lab_veth() {
	# Created directly inside the namespaces: the pair never exists outside the lab.
	ip link add "$IF_TX" address "$MAC_TX" netns "$NS_TX" type veth \
		peer name "$IF_RX" address "$MAC_RX" netns "$NS_RX" || return 1
	ip netns exec "$NS_TX" ethtool -K "$IF_TX" rxvlan off txvlan off >/dev/null 2>&1
	ip netns exec "$NS_RX" ethtool -K "$IF_RX" rxvlan off txvlan off >/dev/null 2>&1
	in_tx ip link set lo up
	ip netns exec "$NS_RX" ip link set lo up
	in_tx ip addr add "$IP4_TX/24" dev "$IF_TX"
	ip netns exec "$NS_RX" ip addr add "$IP4_RX/24" dev "$IF_RX"
	in_tx ip addr add "$IP6_TX/64" dev "$IF_TX" nodad
	ip netns exec "$NS_RX" ip addr add "$IP6_RX/64" dev "$IF_RX" nodad
	# Static neighbours: no ARP or ND on the wire while a test counts.
	in_tx ip neigh replace "$IP4_RX" lladdr "$MAC_RX" dev "$IF_TX" nud permanent
	in_tx ip neigh replace "$IP6_RX" lladdr "$MAC_RX" dev "$IF_TX" nud permanent
	ip netns exec "$NS_RX" ip neigh replace "$IP4_TX" lladdr "$MAC_TX" dev "$IF_RX" nud permanent
	ip netns exec "$NS_RX" ip neigh replace "$IP6_TX" lladdr "$MAC_TX" dev "$IF_RX" nud permanent
	in_tx ip link set "$IF_TX" up
	ip netns exec "$NS_RX" ip link set "$IF_RX" up
}

lab_up() {
	NS_TX=pl-tx-$$ NS_RX=pl-rx-$$
	IF_TX=pltx$$ IF_RX=plrx$$
	MAC_TX=02:00:c6:12:00:01 MAC_RX=02:00:c6:12:00:02
	IP4_TX=198.18.0.1 IP4_RX=198.18.0.2
	IP6_TX=2001:db8::1 IP6_RX=2001:db8::2
	trap lab_down EXIT
	trap 'exit 130' INT TERM
	LAB_UP=1
	RX_HOLD=
	ip netns add "$NS_TX" || return 1
	ip netns add "$NS_RX" || return 1
	ns_sysctls "$NS_TX"
	ns_sysctls "$NS_RX"
	lab_veth || return 1
	# Mount-namespace holder for the rx side (bounded: lab_down kills it).
	ip netns exec "$NS_RX" sleep 900 &
	RX_HOLD=$!
	LAB_PIDS+=("$RX_HOLD")
	local i
	for i in $(seq 50); do
		[ "$(readlink /proc/$RX_HOLD/ns/net 2>/dev/null)" = \
			"$(ip netns exec "$NS_RX" readlink /proc/self/ns/net)" ] && break
		sleep 0.1
	done
	in_rx sh -c 'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf' || return 1
	lab_quiet
}

# now_ms: wall-clock milliseconds (bash's EPOCHREALTIME: no process started).
now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

# wait_until TIMEOUT CMD...: run CMD every 50 ms until it succeeds (return 0) or TIMEOUT
# seconds (may be fractional) of wall-clock time have passed (return 1, CMD's last try
# included). Tests wait on what they wait for with it, never on a fixed sleep.
wait_until() {
	local end
	end=$(($(now_ms) + $(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }')))
	shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# lab_quiet [IF]: wait until the rx interface's receive counter has stood still for
# 250 ms (6 s at most): what a previous step sent has landed before the next counts.
lab_quiet() {
	local last cur since end
	last=$(rx_packets "$@") since=$(now_ms)
	end=$((since + 6000))
	while :; do
		sleep 0.05
		cur=$(rx_packets "$@")
		if [ "$cur" != "$last" ]; then
			last=$cur since=$(now_ms)
		elif [ $(($(now_ms) - since)) -ge 250 ]; then
			return 0
		fi
		[ "$(now_ms)" -ge "$end" ] && return 0
	done
}

# own_child PID: PID is still this shell's child (a reaped PID may be someone else's now).
own_child() {
	[ "$(awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" = "$$" ]
}

# lab_signal SIG: the test's own background processes, and anything else still running
# inside the lab (this test started it too).
lab_signal() {
	local p ns
	for p in "${LAB_PIDS[@]}"; do
		own_child "$p" && kill "-$1" "$p" 2>/dev/null
	done
	for ns in "$NS_TX" "$NS_RX"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill "-$1" "$p" 2>/dev/null
		done
	done
}

# lab_alone: none of the test's own background processes and nothing in the lab runs.
lab_alone() {
	local p ns
	for p in "${LAB_PIDS[@]}"; do
		own_child "$p" && [ "$(awk '/^State:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" != Z ] &&
			return 1
	done
	for ns in "$NS_TX" "$NS_RX"; do
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || return 1
	done
	return 0
}

lab_down() {
	[ "$LAB_UP" = 1 ] || { rm -rf "$LAB_TMP"; return 0; }
	LAB_UP=0
	# Pins live in the holder's bpffs (gone with it); remove them explicitly anyway.
	[ -n "${RX_HOLD:-}" ] && in_rx rm -rf "/sys/fs/bpf/pktlens/$IF_RX" 2>/dev/null
	lab_signal TERM
	# Up to 1 s for them to end on SIGTERM; then SIGKILL.
	wait_until 1 lab_alone
	lab_signal KILL
	wait 2>/dev/null
	ip netns del "$NS_TX" 2>/dev/null
	ip netns del "$NS_RX" 2>/dev/null
	for ns in "${LAB_EXTRA_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$LAB_TMP"
	return 0
}

# ---- counters ------------------------------------------------------------------

# nft_count_start MATCH...: count, per MATCH (an nftables expression such as
# "ip saddr 198.18.0.1 udp dport 9090"), the packets that reach the rx link's netdev
# ingress hook: after XDP, so what a pktlens XDP program let through, counted exactly
# (tcpdump misses some on a busy machine). nft_count N: the count of the Nth MATCH.
nft_count_start() {
	local m rules=
	for m in "$@"; do rules+="		$m counter"$'\n'; done
	ip netns exec "$NS_RX" nft -f - <<EOF
table netdev pl_count
delete table netdev pl_count
table netdev pl_count {
	chain in {
		type filter hook ingress device "$IF_RX" priority 0;
$rules	}
}
EOF
}
nft_count() {
	ip netns exec "$NS_RX" nft -j list table netdev pl_count | "$PY" -c '
import json, sys
c = [e["rule"]["expr"][-1]["counter"]["packets"] for e in json.load(sys.stdin)["nftables"]
     if "rule" in e]
print(c[int(sys.argv[1]) - 1])' "$1"
}

# rx_packets [IF]: the receiving interface's rx_packets counter.
rx_packets() {
	ip netns exec "$NS_RX" cat "/sys/class/net/${1:-$IF_RX}/statistics/rx_packets" 2>/dev/null ||
		echo -1
}

# tx_packets: the sending interface's tx_packets counter.
tx_packets() {
	ip netns exec "$NS_TX" cat "/sys/class/net/$IF_TX/statistics/tx_packets" 2>/dev/null ||
		echo -1
}

# ---- pktlens monitor in the background -------------------------------------------

# gone PID: PID has exited.
gone() { ! kill -0 "$1" 2>/dev/null; }
# grep_or_gone FILE ERE PID: FILE has ERE, or PID has exited.
grep_or_gone() { grep -Eq -- "$2" "$1" 2>/dev/null || gone "$3"; }

# wait_grep FILE ERE PID: wait (20 s at most: a loaded machine verifies BPF programs
# slowly) until FILE has ERE (return 0) or PID exits (return 1).
wait_grep() {
	wait_until 20 grep_or_gone "$@"
	grep -Eq -- "$2" "$1" 2>/dev/null && return 0
	gone "$3" && return 1
	# FILE held an earlier run's text when first read: PID empties its redirection
	# only after the fork. Now it has: wait again.
	wait_until 20 grep_or_gone "$@"
	grep -Eq -- "$2" "$1" 2>/dev/null
}

# pid_wait PID TIMEOUT: wait for PID to exit (SIGKILL after TIMEOUT s); sets WAIT_RC.
pid_wait() {
	if ! wait_until "$2" gone "$1"; then
		kill -KILL "$1" 2>/dev/null
		echo "  (process $1 killed after $2 s)"
	fi
	wait "$1"
	WAIT_RC=$?
}

# mon_start DURATION [ARGS...]: start `pktlens monitor --json --duration DURATION -i $IF_RX
# ARGS` on the rx side and wait (at most 20 s) for "monitoring IF in MODE mode" on
# stderr. Sets MON_PID, MON_OUT, MON_ERR, MON_MODE. Returns 1 if it did not attach.
# MON_WRAP=(CMD ARGS...) runs pktlens through CMD, which must exec it (e.g. deny_attach
# link-create: a kernel without tcx links).
MON_N=0
mon_start() {
	local dur=$1
	shift
	MON_N=$((MON_N + 1))
	MON_OUT=$LAB_TMP/mon$MON_N.json MON_ERR=$LAB_TMP/mon$MON_N.err MON_MODE=
	: >"$MON_ERR"
	# Not through in_rx: $! must be pktlens itself (nsenter execs it) to signal it.
	nsenter -t "$RX_HOLD" -m -n -- ${MON_WRAP[@]+"${MON_WRAP[@]}"} "$PKTLENS" monitor --json \
		--duration "$dur" -i "$IF_RX" "$@" >"$MON_OUT" 2>"$MON_ERR" &
	MON_PID=$!
	LAB_PIDS+=("$MON_PID")
	wait_grep "$MON_ERR" "monitoring $IF_RX in" "$MON_PID" || return 1
	MON_MODE=$(sed -nE "s/.*monitoring $IF_RX in ([a-z]+) mode.*/\1/p" "$MON_ERR")
}

# mon_wait [TIMEOUT]: wait for the monitor to exit (killing it after TIMEOUT seconds,
# default 30); sets MON_RC (137 after a kill).
mon_wait() {
	pid_wait "$MON_PID" "${1:-30}"
	MON_RC=$WAIT_RC
}

# mon_seen N: the monitor's latest report counts N packets or more (its totals run from
# the start).
mon_seen() {
	local n
	n=$(json_get "$MON_OUT" 'j["total"]["packets"]')
	[ "$n" -ge "$1" ] 2>/dev/null
}

# mon_settle N [TIMEOUT]: wait (default 10 s at most) until the monitor has counted N
# packets: what was sent has been through the program before the monitor is stopped.
# A shorter --interval makes the wait shorter.
mon_settle() {
	wait_until "${2:-10}" mon_seen "$1"
}

# mon_stop [SIGNAL]: signal the monitor (default INT), then mon_wait.
mon_stop() {
	kill -"${1:-INT}" "$MON_PID" 2>/dev/null
	mon_wait 10
}

# xdp_prog_id IF (rx side): id of the XDP program attached to IF, empty if none.
xdp_prog_id() {
	ip netns exec "$NS_RX" ip -d link show dev "$1" 2>/dev/null |
		sed -nE 's/.*prog\/xdp[a-z]* id ([0-9]+).*/\1/p' | head -n 1
}

# nothing_attached NAME: no XDP program, no tc filter (ingress or egress: L7's egress
# program), no clsact, no tcx program on either hook of the rx link.
nothing_attached() {
	local x t q k
	x=$(xdp_prog_id "$IF_RX")
	t=$(ip netns exec "$NS_RX" tc filter show dev "$IF_RX" ingress 2>/dev/null)
	t=$t$(ip netns exec "$NS_RX" tc filter show dev "$IF_RX" egress 2>/dev/null)
	q=$(ip netns exec "$NS_RX" tc qdisc show dev "$IF_RX" 2>/dev/null | grep -c clsact)
	k=$(tcx_progs)$(tcx_progs "$IF_RX" egress)
	if [ -z "$x" ] && [ -z "$t" ] && [ "$q" = 0 ] && [ -z "$k" ]; then
		ok "$1: nothing left attached"
	else
		fail "$1: nothing left attached" "xdp '$x', tc '$t', clsact $q, tcx '$k'"
	fi
}

# tcx_progs [IF [HOOK]]: "ID NAME" of each program on IF's (default $IF_RX) tcx ingress
# (or HOOK: egress) hook,
# which `tc filter show` does not list (nothing on a kernel without tcx); "tcx_progs
# not built" if the tool is missing.
tcx_progs() {
	local tool=$BUILD_DIR/tests/tools/tcx_progs
	if [ -x "$tool" ]; then
		ip netns exec "$NS_RX" "$tool" "${1:-$IF_RX}" ${2:+"$2"} 2>&1
	else
		echo "tcx_progs not built (make test-build)"
	fi
}

# have_tcx: the kernel has tcx links (Linux 6.6+), so tc mode attaches through one.
have_tcx() {
	ip netns exec "$NS_RX" "$BUILD_DIR/tests/tools/tcx_progs" lo >/dev/null 2>&1
	[ $? -ne 3 ]
}

# ---- traffic ---------------------------------------------------------------------

# trafgen_send N CONFIG_FILE: send exactly N frames from the tx side (bounded by time).
trafgen_send() {
	in_tx timeout 60 trafgen --cpus 1 -q -n "$1" -i "$2" -o "$IF_TX" -C >"$LAB_TMP/trafgen.log" 2>&1
}
