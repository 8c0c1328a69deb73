#!/usr/bin/env bash
# `make prod-local` runs Debian's nginx and PgBouncer from config files under deploy/, not as system
# services: install the packages when missing, without letting their install scripts start the
# system-wide services (they would take ports 80 and 6432 and outlive the run).
set -eu
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
[ -x /usr/lib/postgresql/15/bin/pg_basebackup ] || command -v pg_basebackup >/dev/null 2>&1 || missing+=(postgresql-client-15)
[ ${#missing[@]} = 0 ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "Installing Debian's ${missing[*]} for make prod-local…"
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  # Debian's documented switch: services installed while it says 101 are not started.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  added_policy=1
fi
trap '[ "$added_policy" = 1 ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
