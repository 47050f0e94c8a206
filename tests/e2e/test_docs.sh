#!/usr/bin/env bash
# test_docs.sh - what users read agrees with what pktlens takes: for pktlens and each
# command, every option in `--help` is described in its man page, every option the man
# page describes (.TP entries) is in `--help`, and the bash completion offers exactly
# the `--help` options; no `--help` prints a printf escape (`%%`) literally. The global
# -j/-p (bpftool's, before the command) are in pktlens(8)'s synopsis and in the pages
# of the commands they apply to, and completion still finds the command after them.
# Also the completion's values: commands, interfaces for -i, modes for --mode, capture
# files for -r. And the bpftool examples make the pin directory first; the README's
# performance table has one dated figure per row. Needs no root.
. "$(dirname "$0")/../lib/netns.sh" # check_eq, finish, $PKTLENS, $LAB_TMP; no lab
ROOT=$E2E_ROOT
COMPLETION=$ROOT/scripts/pktlens.bash-completion
T=$LAB_TMP
trap lab_down EXIT # without a lab it only removes $LAB_TMP

# Options (short and long) in --help: the indented lines that start with a dash.
help_opts() {
	"$PKTLENS" "$@" --help | grep -E '^ +-' | grep -oE -- '(^| |,)--?[a-zA-Z#][a-zA-Z0-9-]*' |
		tr -d ' ,' | sort -u
}

# Options described in a man page: the first line of each .TP entry.
man_opts() {
	awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' "$1" | grep -E '^\.B[IR]? +\\-' |
		grep -oE -- '\\-(\\-)?[a-zA-Z#][a-zA-Z0-9\\-]*' | sed 's/\\//g' | sort -u
}

# complete WORD...: what the completion offers for the command line "pktlens WORD...",
# the last word being the one completed.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=(pktlens "$@"); COMP_CWORD=$#; _pktlens
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$@" | sort -u
}

for cmd in "" monitor analyze capture drops demo serve protect query report rules; do
	name=${cmd:-pktlens}
	page=$ROOT/man/pktlens${cmd:+-$cmd}.8
	# shellcheck disable=SC2086 # an empty $cmd means no argument
	help_opts $cmd >"$T/help"
	man_opts "$page" >"$T/man"
	check_eq "$name: --help lists options" "$([ -s "$T/help" ] && echo yes)" yes
	check_eq "$name: options in --help and in $(basename "$page") are the same" \
		"$(comm -3 "$T/help" "$T/man" | tr -d '\t' | tr '\n' ' ')" ""
	# shellcheck disable=SC2086
	complete_words $cmd - >"$T/comp"
	check_eq "$name: completion offers the --help options" \
		"$(comm -3 "$T/help" "$T/comp" | tr -d '\t' | tr '\n' ' ')" ""
	# Usage strings are fputs()'d: a '%%' written for printf shows as it is.
	# shellcheck disable=SC2086
	check_eq "$name: --help has no literal %%" "$("$PKTLENS" $cmd --help | grep -c '%%')" 0
done

# bpftool's -j/-p before the command: documented where they apply.
check_eq "pktlens.8: synopsis has [-j|-p]" \
	"$(grep -c '^\.RB \[ \\-j | \\-p \]' "$ROOT/man/pktlens.8")" 1
for cmd in monitor analyze drops demo; do
	check_eq "pktlens-$cmd.8: names pktlens -j $cmd" \
		"$(grep -c "pktlens \\\\-j $cmd" "$ROOT/man/pktlens-$cmd.8")" 1
done
for cmd in monitor analyze drops; do
	check_eq "pktlens-$cmd.8: names pktlens -p $cmd" \
		"$(grep -c "pktlens \\\\-p $cmd" "$ROOT/man/pktlens-$cmd.8")" 1
done
check_eq "completion: after a global -j, the command's options" \
	"$(complete_words -j analyze --pre | tr '\n' ' ')" "--pretty "
check_eq "completion: after -vp, still the command" "$(complete_words -vp mon | tr '\n' ' ')" \
	"monitor "

check_eq "completion: commands" "$(complete_words '' | tr '\n' ' ')" \
	"analyze block blocked capture demo drops monitor protect query report rules serve unblock "
# block, unblock and blocked share pktlens-block.8: each one's options are in it, and
# completed.
for cmd in block unblock blocked; do
	help_opts $cmd >"$T/help"
	man_opts "$ROOT/man/pktlens-block.8" >"$T/man"
	complete_words $cmd - >"$T/comp"
	check_eq "$cmd: --help lists options" "$([ -s "$T/help" ] && echo yes)" yes
	check_eq "$cmd: its --help options are in pktlens-block.8" \
		"$(comm -23 "$T/help" "$T/man" | tr '\n' ' ')" ""
	check_eq "$cmd: completion offers the --help options" \
		"$(comm -3 "$T/help" "$T/comp" | tr -d '\t' | tr '\n' ' ')" ""
done
check_eq "completion: query's questions" "$(complete_words query --db x '' | tr '\n' ' ')" \
	"alerts apps flows minutes top-talkers "
check_eq "completion: capture --mode" "$(complete_words capture --mode '' | tr '\n' ' ')" \
	"generic native tc "
check_eq "completion: monitor -i offers the loopback interface" \
	"$(complete_words monitor -i l | grep -x lo)" lo
mkdir "$T/caps" && touch "$T/caps/a.pcap" "$T/caps/b.pcapng" "$T/caps/notes.txt"
check_eq "completion: analyze -r offers capture files" \
	"$(complete_words analyze -r "$T/caps/" | xargs -n1 basename | tr '\n' ' ')" "a.pcap b.pcapng "
check_eq "completion: filter keywords after the options" \
	"$(complete_words capture -i lo 'po' | tr '\n' ' ')" "port portrange "

# The bpftool examples run as given on a fresh machine: bpftool creates only the last
# directory of a pin path, so /sys/fs/bpf/pktlens is made before the first loadall.
n_loadall=0
for page in "$ROOT"/man/*.8 "$ROOT/README.md"; do
	grep -q '^bpftool prog loadall' "$page" || continue
	n_loadall=$((n_loadall + 1))
	check_eq "$(basename "$page"): mkdir -p /sys/fs/bpf/pktlens before bpftool prog loadall" \
		"$(awk '/mkdir (\\)?-p \/sys\/fs\/bpf\/pktlens/ { made = 1 }
			/^bpftool prog loadall/ { print made ? "yes" : "no"; exit }' "$page")" yes
done
# An example indented or reworded out of '^bpftool prog loadall' is checked nowhere.
check_eq "bpftool prog loadall examples found in the man pages and README.md" \
	"$([ "$n_loadall" -gt 0 ] && echo yes)" yes


# The README's performance table gives users one current figure per row: four cells (the
# figure, the command that reproduces it, the latest result with its date, the target),
# no run history (a row of at most 400 characters), and no `sudo` in its commands.
perf_rows() { awk '/^## Performance$/ { p = 1; next } /^## / { p = 0 } p && /^\| /' "$ROOT/README.md"; }
check_true "README performance table found" [ "$(perf_rows | wc -l)" -gt 10 ]
bad=$(perf_rows | awk -F'|' 'NR > 2 && (NF != 6 || length($0) > 400 ||
	$4 !~ /^ (20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]|latest)/) { print NR }' | tr '\n' ' ')
check_eq "README performance rows: 4 cells, <= 400 characters, a dated latest figure" "$bad" ""
check_eq "no sudo in the README's commands and the man pages' examples" \
	"$(grep -lE '^(sudo |.B sudo )' "$ROOT/README.md" "$ROOT"/man/*.8 | tr '\n' ' ')" ""
finish
