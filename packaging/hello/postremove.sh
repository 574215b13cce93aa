#!/bin/sh
# postremove (deb postrm, rpm %postun, apk post-deinstall) for hello.
# Makes systemd forget the removed unit.
set -e

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload || :
fi
exit 0
