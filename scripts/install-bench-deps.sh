#!/usr/bin/env bash
# Installs the Debian 12 packages bench/compare.sh needs beyond the build and
# test dependencies: the rest of the Dovecot the shared harness starts
# (../shared/bench/dovecot-up.sh: LMTP and ManageSieve services) and the
# profilers the benchmark notes use. Idempotent; root or sudo.
set -euo pipefail

packages=(
  dovecot-lmtpd dovecot-managesieved  # the Dovecot side of the comparison
  linux-perf valgrind                 # profiles (perf record, callgrind)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-bench-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-bench-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The harness starts its own Dovecot; keep postinst from starting the
# system-wide one (as dovecot-up.sh does).
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" -eq 0 ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
exit 0
