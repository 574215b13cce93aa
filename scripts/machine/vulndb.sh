#!/usr/bin/env bash
# vulndb.sh builds the Go vulnerability database offline and prints its
# file:// URL for govulncheck -db (make vuln-offline):
#
#   govulncheck -db "$(scripts/machine/vulndb.sh)" ./...
#
# The data and the indexer both come from golang.org/x/vulndb at the commit
# pinned in tools/vulndb/go.mod, fetched through the Go module proxy: its
# data/osv holds every report as OSV JSON, and its cmd/indexdb writes the
# index files govulncheck needs beside them. The database is built once per
# pin into ${XDG_CACHE_HOME:-~/.cache}/go-multistage/vulndb/<version>.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

say() { printf 'vulndb: %s\n' "$*" >&2; }

mod=golang.org/x/vulndb
version=$(GOWORK=off go -C tools/vulndb list -m -f '{{.Version}}' "$mod")
cache=${XDG_CACHE_HOME:-$HOME/.cache}/go-multistage/vulndb
db=$cache/$version

if [[ ! -f $db/index/modules.json ]]; then
	src=$(GOWORK=off go -C tools/vulndb mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[[ -d $src/data/osv ]] || { say "$mod@$version has no data/osv (downloaded to '${src:-nowhere}')"; exit 1; }
	indexdb=$(GOWORK=off go -C tools/vulndb tool -n indexdb) || { say "cannot build indexdb from tools/vulndb"; exit 1; }
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	say "indexing $(find "$src/data/osv" -name '*.json' | wc -l) reports of $mod@$version"
	"$indexdb" -vulns "$src/data/osv" -out "$tmp/db"
	# Another run may have finished first; either copy is the same.
	mv -T "$tmp/db" "$db" 2>/dev/null || [[ -f $db/index/modules.json ]]
fi
printf 'file://%s\n' "$db"
