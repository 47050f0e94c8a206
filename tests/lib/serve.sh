# shellcheck shell=bash
# serve.sh - sourced after netns.sh by the tests of `pktlens serve`: start the daemon on
# the rx side of the lab, ask it over HTTP with curl (inside the rx namespace: it
# listens on that namespace's loopback only), stop it.

SRV_N=0
# srv_start ARGS...: start `pktlens serve ARGS` on the rx side and wait (20 s at most)
# for its "serving" line. Sets SRV_PID, SRV_ERR. Returns 1 if it did not get there.
# Without --db/--no-db in ARGS the history goes to $LAB_TMP (never the system's).
srv_start() {
	local db=(--db "$LAB_TMP/serve$((SRV_N + 1)).db")
	case " $* " in *" --db "* | *" --no-db "*) db=() ;; esac
	SRV_N=$((SRV_N + 1))
	SRV_ERR=$LAB_TMP/serve$SRV_N.err
	: >"$SRV_ERR"
	nsenter -t "$RX_HOLD" -m -n -- "$PKTLENS" serve "${db[@]}" "$@" 2>"$SRV_ERR" &
	SRV_PID=$!
	LAB_PIDS+=("$SRV_PID")
	wait_grep "$SRV_ERR" "pktlens: serving" "$SRV_PID"
}

# srv_stop [SIGNAL]: signal the daemon (default TERM) and wait; sets SRV_RC.
srv_stop() {
	kill -"${1:-TERM}" "$SRV_PID" 2>/dev/null
	pid_wait "$SRV_PID" 10
	SRV_RC=$WAIT_RC
}

# http METHOD PATH [CURL ARGS...]: ask the daemon at ${SRV_ADDR:-127.0.0.1:9739};
# the body lands in $LAB_TMP/body, the headers in $LAB_TMP/head; prints the status.
# Every exchange is also kept in $LAB_TMP/ex/ (index: "N METHOD PATH STATUS TYPE", and
# N.body) for openapi_check.py.
http() {
	local m=$1 p=$2 code n
	shift 2
	code=$(in_rx curl -s -g -o "$LAB_TMP/body" -D "$LAB_TMP/head" -w '%{http_code}' \
		--max-time 10 -X "$m" "$@" "http://${SRV_ADDR:-127.0.0.1:9739}$p")
	mkdir -p "$LAB_TMP/ex"
	# Numbered by the index's length: http runs in $(...) subshells too.
	n=$(($(cat "$LAB_TMP/ex/index" 2>/dev/null | wc -l) + 1))
	cp "$LAB_TMP/body" "$LAB_TMP/ex/$n.body" 2>/dev/null || : >"$LAB_TMP/ex/$n.body"
	echo "$n $m ${p%%\?*} $code $(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$LAB_TMP/head" |
		tr -d '\r' | head -n 1)" >>"$LAB_TMP/ex/index"
	echo "$code"
}

# openapi_check [only:PREFIX | skip:PREFIX]: hold every exchange so far to
# docs/openapi.yaml (one check a line); every documented answer (of the paths in scope)
# must have been met.
openapi_check() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok "*) T_PASS=$((T_PASS + 1)); echo "$line" ;;
		"FAIL "*) T_FAIL=$((T_FAIL + 1)); echo "$line" ;;
		"note "*) echo "$line" ;;
		esac
	done < <("$PY" "$E2E_ROOT/tests/e2e/openapi_check.py" "$E2E_ROOT/docs/openapi.yaml" "$LAB_TMP/ex" \
		"$@" 2>&1 ||
		echo "FAIL openapi_check.py failed")
}

# body PYEXPR: PYEXPR over the last answer's JSON body (json_get's rules).
body() { json_get "$LAB_TMP/body" "$1"; }

# check_http NAME WANT_STATUS METHOD PATH [CURL ARGS...]: the status, and for an error
# a JSON body {"error": text, "status": WANT_STATUS}.
check_http() {
	local name=$1 want=$2 got
	shift 2
	got=$(http "$@")
	if [ "$got" != "$want" ]; then
		fail "$name" "status $got, want $want; body: $(head -c 300 "$LAB_TMP/body")"
		return 1
	fi
	if [ "$want" -ge 400 ] && [ "$1" != HEAD ]; then
		local s e
		s=$(body 'j["status"]')
		e=$(body 'type(j["error"]).__name__')
		if [ "$s" != "$want" ] || [ "$e" != str ]; then
			fail "$name" "error body not {error, status: $want}: $(head -c 300 "$LAB_TMP/body")"
			return 1
		fi
	fi
	ok "$name ($want)"
}
