#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs Debian's Dovecot servers for bench/run if missing, without ever
# starting a system service (policy-rc.d exits 101 during the install).
set -euo pipefail

# dovecot-pgsql: Dovecot's `driver = sql` passdb with `driver = pgsql`
# (the auth-plain-pgsql workload)
PKGS=(dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-pgsql)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: missing packages; run as root: apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "bench: installing ${missing[*]}" >&2
rcd=/usr/sbin/policy-rc.d
saved=""
if [ -e "$rcd" ]; then
	saved=$(mktemp)
	cp -p "$rcd" "$saved"
fi
restore() {
	if [ -n "$saved" ]; then mv "$saved" "$rcd"; else rm -f "$rcd"; fi
}
trap restore EXIT
printf '#!/bin/sh\nexit 101\n' > "$rcd"
chmod 755 "$rcd"
export DEBIAN_FRONTEND=noninteractive
{ apt-get install -y -q --no-install-recommends "${missing[@]}" ||
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }
} >&2
# Belt and braces: the package must not leave a system Dovecot running.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now dovecot >/dev/null 2>&1 || true
fi
