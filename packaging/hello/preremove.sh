#!/bin/sh
# preremove (deb prerm, rpm %preun, apk pre-deinstall) for hello.
# On removal, stops and disables the service; on upgrade, leaves it running
# (postinstall of the new version restarts it).
#   deb: $1 is remove | upgrade | deconfigure | failed-upgrade
#   rpm: $1 is the number of versions left: 0 on erase, 1 on upgrade
#   apk: no argument (pre-deinstall runs only on removal)
set -e

case "${1:-remove}" in
upgrade | failed-upgrade | 1) exit 0 ;;
esac

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now hello.service >/dev/null 2>&1 || :
fi
exit 0
