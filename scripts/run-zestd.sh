#!/usr/bin/env bash
# `make run`: zestd in the foreground with examples/zest.toml and a demo
# user (alice@example.org, password "demo", examples/filter.sieve active).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
zestd="$build/server/zestd"
zest="$build/server/zest"
cfg=examples/zest.toml
# The demo lives in this checkout (./var): run as root, zestd and zest must
# stay root instead of switching to the service user (docs/zestd.md "Privileges").
[ "$(id -u)" != 0 ] || export ZEST_ALLOW_ROOT=1
for b in "$zestd" "$zest"; do
  [ -x "$b" ] || { echo "run-zestd: $b not found; run 'make build' first" >&2; exit 1; }
done
user=alice@example.org
home=var/home/$user
if ! "$zest" -c "$cfg" user list | grep -q "^$user	"; then
  echo demo | "$zest" -c "$cfg" user add "$user" --password-stdin
fi
mkdir -p "$home/sieve"
cp examples/filter.sieve "$home/sieve/filter.sieve"
ln -sfn sieve/filter.sieve "$home/.dovecot.sieve"
# Checked after the demo user exists: the check insists on [auth] passwd_file.
"$zestd" --check-config -c "$cfg"

cat <<MSG
== zestd is starting in the foreground (Ctrl-C stops it); LMTP on 127.0.0.1:2424 and unix:./var/lmtp.sock
   Demo user: $user (password "demo"), script: examples/filter.sieve
   Send it the example message (a mailing-list mail) from another terminal:
     swaks --server 127.0.0.1 --port 2424 --protocol LMTP \\
           --from bob@example.net --to $user --data examples/message.eml
   or with the LDA:  $zest -c $cfg deliver -f bob@example.net $user < examples/message.eml
   It lands in $home/Maildir/.Lists.sieve-users/new/ (IMAP folder "Lists/sieve-users");
   other mail in $home/Maildir/new/. One log line per recipient appears below.
MSG
exec "$zestd" -c "$cfg"
