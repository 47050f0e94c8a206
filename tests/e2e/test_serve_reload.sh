#!/usr/bin/env bash
# test_serve_reload.sh - SIGHUP reads the whole configuration again (--config FILE and
# the command line): a good new one is applied at once (EVE file, IPFIX export, idle
# timeout, token: a flow sent after the reload shows it), and each bad one (a bad
# entry, a change only a restart makes: interfaces, --listen, --drops, --no-tcp; a token file
# with the wrong mode, an EVE file that cannot be opened, an --ipfix that is no
# address) keeps the old configuration whole, says why, and is counted; the old one is then shown to
# be in force by the next flow; a refused SIGHUP still reopens the EVE file (logrotate),
# and a good reload is said at the default log level. POST /api/v1/reload does the same (409 with the reason
# when refused); turning the export off with it stops it.
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen curl

CONF=$LAB_TMP/pktlens.conf EVE=$LAB_TMP/eve.json TOK=$LAB_TMP/token
lab_up || { fail "lab" "could not build the namespaces"; finish; }
sport=40100
# flow: send one UDP flow of 20 frames from a new source port; prints the port.
flow() {
	sport=$((sport + 1))
	echo "{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=$sport, dp=9), fill(0x41, 22) }" >"$LAB_TMP/f.cfg"
	trafgen_send 20 "$LAB_TMP/f.cfg" || echo "  trafgen failed" >&2
}
in_eve() { grep -q "\"src_port\":$1," "$EVE" 2>/dev/null; }
metric() { in_rx curl -s --max-time 5 http://127.0.0.1:9739/metrics | sed -n "s/^$1 //p"; }
# hup PATTERN: SIGHUP, then wait for PATTERN on the daemon's standard error (a new line).
hup() {
	local n
	n=$(grep -c -- "$1" "$SRV_ERR")
	kill -HUP "$SRV_PID"
	wait_until 10 eval "[ \$(grep -c -- '$1' '$SRV_ERR') -gt $n ]"
}
conf() { printf '[serve]\ninterface = %s\ntoken-file = %s\n%s' "$IF_RX" "$TOK" "$1" >"$CONF"; }

umask 077
echo "token-one-0123456789abcdef" >"$TOK"
conf "idle-timeout = 0
"
if ! srv_start --no-db --config "$CONF"; then
	fail "serve start" "$(cat "$SRV_ERR")"
	finish
fi
check_grep "started with eve and ipfix off" "$SRV_ERR" "eve off; ipfix off"
lab_quiet

# A good new configuration: EVE on, idle timeout 1 s, IPFIX on, a new token.
echo "token-two-0123456789abcdef" >"$TOK"
conf "idle-timeout = 1
eve = $EVE
ipfix = 127.0.0.1:4739
"
check_true "SIGHUP: reloaded" hup "reloaded: "
check_grep "it says what is in force" "$SRV_ERR" "reloaded: token read again, eve $EVE, ipfix 127.0.0.1:4739 \\(active timeout 60 s\\), idle timeout 1 s"
check_eq "metrics: one reload, no failure" "$(metric pktlens_reloads_total) $(metric pktlens_reload_failures_total)" "1 0"
check_true "metrics: the IPFIX counters are there" test -n "$(metric pktlens_ipfix_messages_total)"
check_http "the new token is taken" 200 POST /api/v1/reload -H "Authorization: Bearer token-two-0123456789abcdef"
check_http "the old token is refused" 401 POST /api/v1/reload -H "Authorization: Bearer token-one-0123456789abcdef"
flow
check_true "a flow after the reload: idle after 1 s, in the new EVE file" wait_until 15 in_eve "$sport"

# Bad new configurations: each keeps the old one and says why.
bad() { # NAME PATTERN: the reload fails saying PATTERN, failures counted
	local f0
	f0=$(metric pktlens_reload_failures_total)
	check_true "$1: refused" hup "the old configuration stays"
	check_grep "$1: says why" "$SRV_ERR" "$2"
	check_eq "$1: counted" "$(metric pktlens_reload_failures_total)" $((f0 + 1))
}
conf "idle-timeout = 1
eve = $EVE
colour = blue
"
bad "unknown key" "$CONF:6: \\[serve\\] has no key .colour."
conf "idle-timeout = x
"
bad "bad value" "$CONF:4: invalid value 'x' for --idle-timeout"
check_grep "the refusal is not said as a line of the file" "$SRV_ERR" "^pktlens: reload: the configuration is refused"
printf '[serve]\ninterface = %s\ninterface = lo\ntoken-file = %s\neve = %s\n' "$IF_RX" "$TOK" "$EVE" >"$CONF"
bad "another interface" "reload: the interfaces \\(-i\\) changed: that needs a restart; the old configuration stays"
conf "listen = 127.0.0.1:9800
eve = $EVE
"
bad "another --listen" "reload: --listen changed \\(127.0.0.1:9739 to 127.0.0.1:9800\\): that needs a restart"
conf "idle-timeout = 1
eve = $EVE
drops = yes
"
# logrotate moves the file, then SIGHUP: a refused reload still reopens it.
mv "$EVE" "$EVE.1"
bad "--drops turned on" "reload: --drops changed: that needs a restart"
conf "idle-timeout = 1
eve = $EVE
l7-packets = 0
"
bad "L7 turned off" "reload: --l7-packets changed: that needs a restart"
conf "idle-timeout = 1
eve = $EVE
no-tcp = yes
"
bad "TCP tracking turned off" "reload: --no-tcp changed: that needs a restart"
conf "idle-timeout = 1
eve = $LAB_TMP/no/such/eve.json
"
bad "an EVE file that cannot be opened" "reload: cannot open --eve $LAB_TMP/no/such/eve.json: No such file or directory; the old configuration stays"
conf "idle-timeout = 1
eve = $EVE
ipfix = collector:4739
"
bad "an --ipfix that is no address" "invalid --ipfix 'collector:4739'"
conf "idle-timeout = 1
eve = $EVE
ipfix = 127.0.0.1:4739
"
chmod 0644 "$TOK"
bad "a token file of mode 0644" "reload: token file .*mode 0644.*the old configuration stays \\(the old token stays\\)"
flow
check_true "after the refusals: a flow still goes to the EVE file in 1 s (the old configuration)" wait_until 15 in_eve "$sport"
check_eq "the refused reload reopened the moved file: nothing more in $EVE.1" \
	"$(grep -c "\"src_port\":$sport," "$EVE.1")" 0
chmod 0600 "$TOK"
check_http "the token in force is still taken" 200 POST /api/v1/reload -H "Authorization: Bearer token-two-0123456789abcdef"
check_true "and IPFIX is still on" test -n "$(metric pktlens_ipfix_messages_total)"

# POST /api/v1/reload is SIGHUP's reload: a bad configuration is refused with the reason
# (409), counted, and the old one stays; a good one is applied before the answer.
AUTH2=(-H "Authorization: Bearer token-two-0123456789abcdef")
f0=$(metric pktlens_reload_failures_total)
conf "idle-timeout = 0
drops = yes
"
check_http "POST reload, a change that needs a restart: refused" 409 POST /api/v1/reload "${AUTH2[@]}"
check_grep "409 says why" "$LAB_TMP/body" "reload failed, the old configuration stays: --drops changed: that needs a restart"
check_eq "counted" "$(metric pktlens_reload_failures_total)" $((f0 + 1))
check_true "IPFIX is still on" test -n "$(metric pktlens_ipfix_messages_total)"
# Turning EVE and IPFIX off, idle timeout off.
conf "idle-timeout = 0
"
r0=$(metric pktlens_reloads_total)
check_http "POST reload without eve and ipfix" 200 POST /api/v1/reload "${AUTH2[@]}"
check_grep "applied before the answer: the log says so" "$SRV_ERR" "reloaded: token read again, eve none, ipfix none"
check_eq "counted as a reload" "$(metric pktlens_reloads_total)" $((r0 + 1))
check_eq "metrics: no IPFIX counters any more" "$(metric pktlens_ipfix_messages_total)" ""
n=$(wc -l <"$EVE")
flow
lab_quiet
check_true "the flow is in the table (idle timeout off)" \
	eval "in_rx curl -s 'http://127.0.0.1:9739/api/v1/flows?port=$sport' | grep -q '\"sport\":$sport'"
srv_stop TERM
check_rc "SIGTERM" "$SRV_RC" 0
check_eq "nothing more went to the EVE file" "$(wc -l <"$EVE")" "$n"
nothing_attached "at the end"
finish
