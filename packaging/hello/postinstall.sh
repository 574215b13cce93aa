#!/bin/sh
# postinstall (deb postinst, rpm %post, apk post-install) for hello.
# Makes systemd read the new unit and restarts hello if it was running (an
# upgrade). A fresh install is never enabled or started: the operator decides,
# with `systemctl enable --now hello`.
set -e

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload || :
	systemctl try-restart hello.service || :
fi
exit 0
