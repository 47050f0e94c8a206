#!/usr/bin/env bash
# test_l7_ssh.sh - L7 on a real ssh session: OpenSSH's sshd listens only inside the rx
# namespace (its own config, host key and authorized key in the test's directory, on
# port 2222 of the lab address), `monitor --eve` runs on its link, and the tx side logs
# in with a key (`ssh -vvv`, bounded by timeout) and runs one command. The EVE ssh event
# must carry the banners ssh -v reports: the client's "Local version string" and the
# server's "remote software version" (proto_version and software_version, Suricata's
# names), and nDPI's HASSH and HASSH-server must be the MD5 of the KEXINIT lists ssh -vvv
# prints (client: kex;ciphers ctos;MACs ctos;compression ctos of the local proposal;
# server: kex;ciphers stoc;MACs stoc;compression stoc of the peer's), as hassh defines
# them. Nothing is left attached afterwards.
set -u
. "$(dirname "$0")/../lib/netns.sh"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
need_root_tools ssh ssh-keygen "$SSHD"

SSH_PORT=2222
lab_up || { fail "lab" "could not build the namespaces"; finish; }

# ---- sshd on the rx side, this test's keys only ------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$LAB_TMP/host_key" >/dev/null &&
	ssh-keygen -q -t ed25519 -N '' -f "$LAB_TMP/id" >/dev/null ||
	{ fail "setup" "ssh-keygen could not make the keys"; finish; }
cp "$LAB_TMP/id.pub" "$LAB_TMP/authorized_keys"
cat >"$LAB_TMP/sshd_config" <<EOF
ListenAddress $IP4_RX:$SSH_PORT
HostKey $LAB_TMP/host_key
PidFile $LAB_TMP/sshd.pid
AuthorizedKeysFile $LAB_TMP/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 4
LoginGraceTime 20
EOF
mkdir -p /run/sshd # sshd's privilege separation directory (made by its service otherwise)
in_rx timeout 60 "$SSHD" -D -e -f "$LAB_TMP/sshd_config" >"$LAB_TMP/sshd.log" 2>&1 &
LAB_PIDS+=($!)
listening() { in_rx ss -Hlnt "sport = :$1" | grep -q .; }
wait_until 10 listening "$SSH_PORT" ||
	{ fail "setup" "sshd is not listening: $(head -c 300 "$LAB_TMP/sshd.log")"; finish; }
check_eq "sshd listens only on the lab address" \
	"$(in_rx ss -Hlnt "sport = :$SSH_PORT" | awk '{ print $4 }')" "$IP4_RX:$SSH_PORT"

# ---- monitor on the server's link, then one login ---------------------------------
EVE=$LAB_TMP/eve.json
mon_start 40 --interval 0.5 --eve "$EVE" || { fail "monitor" "did not attach: $(cat "$MON_ERR")"; finish; }
ok "monitor attached ($MON_MODE)"
out=$(in_tx timeout 20 ssh -vvv -F /dev/null -i "$LAB_TMP/id" -p "$SSH_PORT" \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
	-o ConnectTimeout=10 "root@$IP4_RX" echo pktlens-ssh-ok 2>"$LAB_TMP/ssh.err")
check_eq "ssh logged in and ran the command" "$out" "pktlens-ssh-ok"
# The events come as the flow is classified (both directions' samples, or 2 s idle).
wait_until 10 grep -q '"event_type":"ssh"' "$EVE"
mon_stop
check_rc "monitor exits on SIGINT" "$MON_RC" 0
nothing_attached "after monitor"

# ---- the EVE ssh event, held to what ssh -v said -----------------------------------
res=$("$PY" - "$EVE" "$LAB_TMP/ssh.err" "$IP4_TX" "$IP4_RX" "$SSH_PORT" <<'PY'
import hashlib, json, re, sys
eve, err, cli, srv, port = sys.argv[1:]
text = open(err, errors="replace").read()
def need(rx):
    m = re.search(rx, text, re.M)
    if not m:
        print("FAIL ssh -v: no line like %r" % rx)
        sys.exit(0)
    return m.groups()
local = need(r"^debug1: Local version string SSH-([^\r\n]+)")[0]
proto, soft = local.split("-", 1)
remote_proto, remote_soft = need(
    r"^debug1: Remote protocol version ([0-9.]+), remote software version ([^\r\n]+)")
def proposal(who):
    i = text.find("debug2: %s KEXINIT proposal" % who)
    p = {}
    if i < 0:
        return p
    for l in text[i:].splitlines()[1:12]:
        m = re.match(r"debug2: ([A-Za-z ]+): (.*)$", l)
        if m:
            p.setdefault(m.group(1), m.group(2))
    return p
c, s = proposal("local client"), proposal("peer server")
try:
    hassh = hashlib.md5(";".join([c["KEX algorithms"], c["ciphers ctos"], c["MACs ctos"],
                                  c["compression ctos"]]).encode()).hexdigest()
    hassh_srv = hashlib.md5(";".join([s["KEX algorithms"], s["ciphers stoc"], s["MACs stoc"],
                                      s["compression stoc"]]).encode()).hexdigest()
except KeyError as e:
    print("FAIL ssh -vvv: no KEXINIT list %s" % e)
    sys.exit(0)
ev = [json.loads(l) for l in open(eve) if '"event_type":"ssh"' in l]
def check(name, cond, detail):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": %s" % (detail,)))
check("one ssh event", len(ev) == 1, len(ev))
if not ev:
    sys.exit(0)
e = ev[0]
check("client to the server's port", e["src_ip"] == cli and e["dest_ip"] == srv and
      e["dest_port"] == int(port) and e["proto"] == "TCP", e)
check("app_proto ssh", e.get("app_proto") == "ssh", e.get("app_proto"))
cl, sv = e["ssh"].get("client", {}), e["ssh"].get("server", {})
check("client banner as ssh -v's local version string (%s)" % local,
      cl.get("proto_version") == proto and cl.get("software_version") == soft.split(" ")[0], cl)
check("server banner as ssh -v's remote version (%s %s)" % (remote_proto, remote_soft),
      sv.get("proto_version") == remote_proto and
      sv.get("software_version") == remote_soft.split(" ")[0], sv)
check("client hassh = MD5 of ssh -vvv's client KEXINIT lists (%s)" % hassh,
      cl.get("hassh", {}).get("hash") == hassh, cl.get("hassh"))
check("server hassh = MD5 of ssh -vvv's server KEXINIT lists (%s)" % hassh_srv,
      sv.get("hassh", {}).get("hash") == hassh_srv, sv.get("hassh"))
PY
)
while IFS= read -r l; do
	case $l in
	"ok   "*) ok "${l#ok   }" ;;
	"FAIL "*) fail "${l#FAIL }" ;;
	*) echo "  $l" ;;
	esac
done <<<"$res"
[ -n "$res" ] || fail "eve" "the checker printed nothing"
finish
