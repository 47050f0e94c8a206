#!/usr/bin/env bash
# test_serve_systemd.sh - the systemd unit and `make install`:
#   - `make install DESTDIR=...` puts the binary, the BPF object, the unit (with the
#     install's paths), the example configuration as /etc/pktlens/pktlens.conf (kept when
#     one is there) and every man page under DESTDIR, and nothing outside it;
#   - `systemd-analyze verify` accepts the installed unit without a warning (and does
#     complain about a broken copy: the check can fail);
#   - the unit's CapabilityBoundingSet is enough: `pktlens serve` with the installed
#     configuration, run under exactly that bounding set (setpriv, no new privileges),
#     attaches to the lab's veth and counts the packets trafgen sent; with any one of
#     those capabilities dropped it refuses to start (the set is not larger than needed).
set -u
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/serve.sh"
need_root_tools trafgen curl setpriv make

D=$LAB_TMP/root
mk_install() { make -C "$E2E_ROOT" --no-print-directory -s install "$@" >"$LAB_TMP/make.log" 2>&1; }

# ---- make install -------------------------------------------------------------------
if mk_install DESTDIR="$D"; then ok "make install DESTDIR"; else fail "make install DESTDIR" "$(tail -n 5 "$LAB_TMP/make.log")"; fi
UNIT=$D/usr/local/lib/systemd/system/pktlens.service
CONF=$D/etc/pktlens/pktlens.conf
for f in usr/local/bin/pktlens usr/local/lib/pktlens/pktlens.bpf.o usr/local/lib/systemd/system/pktlens.service \
	etc/pktlens/pktlens.conf usr/local/share/bash-completion/completions/pktlens; do
	check_true "installed: /$f" [ -s "$D/$f" ]
done
runs() { "$D/usr/local/bin/pktlens" --version >/dev/null; }
check_true "installed binary runs" runs
check_true "installed config is the example" cmp -s "$CONF" "$E2E_ROOT/docs/pktlens.conf.example"
nman=0 bad=
for m in "$E2E_ROOT"/man/*.[58]; do
	nman=$((nman + 1))
	cmp -s "$m" "$D/usr/local/share/man/man${m##*.}/$(basename "$m")" || bad="$bad $(basename "$m")"
done
check_eq "every man page installed: $nman, missing or different:" "$bad" ""
check_eq "config mode 0644" "$(stat -c %a "$CONF")" 644
echo "# edited by the admin" >>"$CONF"
mk_install DESTDIR="$D"
check_grep "a second install keeps an edited config" "$CONF" "^# edited by the admin"
mk_install DESTDIR="$LAB_TMP/usr" PREFIX=/usr
check_grep "PREFIX=/usr: unit in /usr/lib/systemd/system, ExecStart=/usr/bin/pktlens" \
	"$LAB_TMP/usr/usr/lib/systemd/system/pktlens.service" "^ExecStart=/usr/bin/pktlens serve "

# ---- the unit -----------------------------------------------------------------------
check_grep "ExecStart with --config /etc/pktlens/pktlens.conf" "$UNIT" \
	"^ExecStart=/usr/local/bin/pktlens serve --config /etc/pktlens/pktlens.conf$"
check_grep "Restart=on-failure" "$UNIT" "^Restart=on-failure$"
check_grep "StateDirectory=pktlens (the default --db's directory)" "$UNIT" "^StateDirectory=pktlens$"
check_grep "NoNewPrivileges" "$UNIT" "^NoNewPrivileges=yes$"
CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
no_sys_admin() { [ -n "$CAPS" ] && ! echo "$CAPS" | grep -q SYS_ADMIN; }
check_true "CapabilityBoundingSet without CAP_SYS_ADMIN ($CAPS)" no_sys_admin
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify checks ExecStart's binary and the Documentation= man pages on this
	# host: point both at the DESTDIR (only the path of ExecStart differs).
	V=$LAB_TMP/verify
	mkdir -p "$V"
	sed "s|=/usr/local/bin/pktlens |=$D/usr/local/bin/pktlens |" "$UNIT" >"$V/pktlens.service"
	MANPATH=$D/usr/local/share/man systemd-analyze verify "$V/pktlens.service" >"$V/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$V/out" ]; then
		ok "systemd-analyze verify: no complaint"
	else
		fail "systemd-analyze verify" "rc $rc: $(head -c 600 "$V/out")"
	fi
	sed -i 's/^Restart=on-failure/Restart=sometimes/' "$V/pktlens.service"
	MANPATH=$D/usr/local/share/man systemd-analyze verify "$V/pktlens.service" >"$V/out" 2>&1
	check_grep "systemd-analyze verify complains about Restart=sometimes" "$V/out" "Restart|restart"
else
	skip "systemd-analyze verify" "systemd-analyze is not installed"
fi

# ---- the bounding set, on the lab ---------------------------------------------------
# capset CAP_A CAP_B...: setpriv's form, +a,+b.
capset() { local c s=; for c in "$@"; do c=${c#CAP_}; s="$s,+${c,,}"; done; echo "$s"; }
REAL=$PKTLENS
# as_unit CAPS...: make $PKTLENS run the real one under that bounding set, as systemd would.
as_unit() {
	printf '#!/bin/sh\nexec setpriv --bounding-set=-all%s --inh-caps=-all --no-new-privs %s "$@"\n' \
		"$(capset "$@")" "$REAL" >"$LAB_TMP/as_unit"
	chmod +x "$LAB_TMP/as_unit"
	PKTLENS=$LAB_TMP/as_unit
}

lab_up || { fail "lab" "could not build the namespaces"; finish; }
cat >"$LAB_TMP/udp4.cfg" <<CFG
{ eth(da=$MAC_RX, sa=$MAC_TX), ipv4(sa=$IP4_TX, da=$IP4_RX, ttl=64), udp(sp=40000, dp=9), fill(0x41, 22) }
CFG
# shellcheck disable=SC2086 # CAPS is a list
as_unit $CAPS
# --no-db on the command line wins over the config's db = ... (no /var/lib here).
if srv_start --config "$CONF" -i "$IF_RX" --no-db; then
	ok "serve under the unit's bounding set, with the installed config (and --no-db)"
	check_grep "the command line's --no-db wins over the config's db" "$SRV_ERR" "history off"
	# CAP_NET_ADMIN 12, CAP_PERFMON 38, CAP_BPF 39 (linux/capability.h).
	check_eq "serve's bounding set is CAP_BPF CAP_NET_ADMIN CAP_PERFMON" \
		"$(awk '/^CapBnd:/ { print $2 }' "/proc/$SRV_PID/status")" \
		"$(printf '%016x' $(((1 << 12) | (1 << 38) | (1 << 39))))"
	lab_quiet
	tx0=$(tx_packets)
	trafgen_send 2000 "$LAB_TMP/udp4.cfg" || echo "  trafgen failed"
	lab_quiet
	sent=$(($(tx_packets) - tx0))
	counted() { http GET /api/v1/stats >/dev/null; [ "$(body 'j["interfaces"][0]["total"]["packets"]')" = "$sent" ]; }
	wait_until 5 counted
	check_eq "it counts what was sent ($sent)" "$(body 'j["interfaces"][0]["total"]["packets"]')" "$sent"
	srv_stop TERM
	check_rc "SIGTERM" "$SRV_RC" 0
	nothing_attached "after SIGTERM"
else
	fail "serve under the unit's bounding set" "$(tail -n 3 "$SRV_ERR")"
fi
for c in $CAPS; do
	# shellcheck disable=SC2086,SC2046
	as_unit $(echo " $CAPS " | sed "s/ $c / /")
	if srv_start --no-db -i "$IF_RX"; then
		fail "without $c serve refuses to start" "it serves"
		srv_stop TERM
	else
		pid_wait "$SRV_PID" 10
		check_true "without $c serve refuses to start (exit $WAIT_RC): $(grep -m1 -o 'refused ([^)]*)' "$SRV_ERR")" \
			[ "$WAIT_RC" -eq 1 ]
	fi
done
nothing_attached "at the end"
finish
