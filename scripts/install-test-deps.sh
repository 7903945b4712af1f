#!/usr/bin/env bash
# Installs the Debian 12 packages needed only by the integration and
# differential tests (not by the build): Dovecot with Pigeonhole, whose
# /usr/bin/sieve-test is the reference implementation `make differential`
# compares zest against, and python3 for the test drivers.
# Idempotent and quiet when everything is present; works as root or via sudo.
set -euo pipefail

packages=(
  # reference implementation: Pigeonhole 0.5.19 (sieve-test) on Dovecot 2.3
  dovecot-core dovecot-sieve
  # `protocols = ... sieve` in a configuration doveconf checks
  # (tests/integration/migrate: doveconf -n on Pigeonhole configurations)
  dovecot-managesieved
  # test drivers (tests/differential/run.py, tests/integration)
  python3
  # zestd integration tests: LMTP client, SMTP sink, IMAP read-back
  swaks python3-aiosmtpd dovecot-imapd
  # notification tests (tests/integration/notify): XMPP server; the tests
  # run their own instance, the packaged service is never needed
  prosody
  # ManageSieve clients (tests/integration/managesieve); sieveshell is in
  # cyrus-admin and needs the SASL plugins of libsasl2-modules
  sieve-connect cyrus-admin cyrus-clients python3-sievelib libsasl2-modules openssl
  # message-store events (tests/integration/events): the Redis sink's
  # receiver; the test runs its own instance on 127.0.0.1
  redis-server
  # logs and metrics (tests/integration/managesieve, tests/integration/zestd):
  # fail2ban-regex against real zestd lines, and a real Prometheus text
  # parser for /metrics
  fail2ban python3-prometheus-client
  # the package test (tests/integration/package): systemd-analyze verify
  # and security --offline on the unit (systemd need not be running)
  systemd
  # the Postfix end-to-end test (tests/integration/postfix): the test runs a
  # private instance (its own config and queue directories, loopback
  # ports); saslpasswd2 for its SASL users. Replaces another MTA (exim4).
  postfix sasl2-bin
  # SQL users (tests/integration/users): initdb and postgres for a private
  # server on a loopback port, run by the test (as nobody under root)
  postgresql
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-test-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix's package asks how to configure the system instance: not at all
# (the test writes its own configuration and never uses /etc/postfix's).
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
# dovecot-core's postinst generates an SSL certificate and enables the
# service; neither matters here (the tests never start the daemon).
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
