#!/usr/bin/env bash
# Installs the Debian packages pktlens needs to build, test and run its demo.
# Quick when everything is there: only missing packages are installed.
# Usage: scripts/install-deps.sh [--check]   (--check: only report, exit 1 if missing)
set -euo pipefail

BUILD_PKGS="clang llvm make gcc pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev libinih-dev
libpcap-dev libncurses-dev libclang-rt-14-dev libmicrohttpd-dev libjson-c-dev libndpi-dev
libsqlite3-dev libhyperscan-dev libpcre2-dev libgcrypt20-dev"
RUN_PKGS="iproute2 ethtool"
TEST_PKGS="tcpdump tshark netsniff-ng iperf3 hping3 nmap iputils-ping dnsutils socat curl time strace
python3 faketime nftables stress-ng prometheus python3-yaml libndpi-bin dnsmasq openssl sqlite3
openssh-server openssh-client
chromium nfdump tmux"

missing=()
for p in $BUILD_PKGS $RUN_PKGS $TEST_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "missing packages: ${missing[*]}" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "pktlens: missing packages: ${missing[*]}; run as root (sudo make ...) to install them" >&2
	exit 1
fi
echo "pktlens: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
