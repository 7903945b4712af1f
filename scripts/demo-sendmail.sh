#!/bin/sh
# The demo's stand-in for sendmail (examples/zest.toml [submission]
# sendmail_path): zestd runs it as `demo-sendmail.sh -i -f <sender> --
# <recipient>...` for every redirect, vacation reply and mailto
# notification, and it files the message into the Maildir var/outgoing/
# of this checkout (override with ZEST_DEMO_OUTGOING) instead of sending
# it anywhere, with the envelope on top as Return-Path and X-Envelope-To.
# Read the result with `cat var/outgoing/new/*`.
set -eu
from=""
while [ $# -gt 0 ]; do
  case "$1" in
    -f) from="$2"; [ "$from" != "<>" ] || from=""; shift 2 ;;
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "demo-sendmail: no recipient" >&2; exit 64; }
box="${ZEST_DEMO_OUTGOING:-$(dirname "$0")/../var/outgoing}"
mkdir -p "$box/tmp" "$box/new" "$box/cur"
name="$(date +%s).M$(date +%N)P$$.$(uname -n)"
tmp="$box/tmp/$name"
{
  printf 'Return-Path: <%s>\n' "$from"
  for rcpt in "$@"; do printf 'X-Envelope-To: <%s>\n' "$rcpt"; done
  cat
} > "$tmp"
mv "$tmp" "$box/new/$name"
