#!/usr/bin/env bash
# Installs every Debian 12 package that zest's build and tests need.
# Idempotent and quiet when everything is present; works as root or via sudo.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config flex bison
  # libraries (see README: "Dependencies")
  libfmt-dev libcli11-dev nlohmann-json3-dev
  libre2-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev
  libtomlplusplus-dev libasio-dev
  libstrophe-dev  # XMPP notifications (transport/)
  libhiredis-dev  # the Redis Streams event sink (events/), Redis-backed extlists lists
  libicu-dev  # the i;unicode-casemap comparator (RFC 5051: titlecase + NFKD, interp/)
  libcrypt-dev libargon2-dev
  libgsasl-dev  # ManageSieve SASL (PLAIN, SCRAM-SHA-1/-256)
  libpq-dev  # PostgreSQL user databases (userdb/)
  libsystemd-dev  # sd_notify: zestd.service is Type=notify (server/)
  # `make package` (CPack's DEB generator types every file with file(1))
  file
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
