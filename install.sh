#!/bin/sh
# install.sh installs hello or calculator from a go-multistage release, after
# checking what it downloaded:
#
#   curl -fsSL https://raw.githubusercontent.com/go-multistage/multistage/main/install.sh | sh -s -- -b ~/.local/bin calculator
#   wget -qO- https://raw.githubusercontent.com/go-multistage/multistage/main/install.sh | sh -s -- -v 1.2.3 hello
#
# It downloads PROGRAM_X.Y.Z_linux_ARCH.tar.gz and checksums.txt of release
# vX.Y.Z, checks the archive's SHA-256 against checksums.txt and, when cosign
# is on PATH, checks checksums.txt against its Sigstore bundle
# (checksums.txt.sigstore.json, signed by the release workflow). Only then
# does it install the program, with one rename, so BINDIR never holds a
# partial binary. Any failure stops it with a message and a non-zero exit,
# leaving nothing behind. Run `sh install.sh -h` for the options.
#
# Downloads from https URLs (GitHub's, by default) stay on https: a redirect
# to plain http is refused. Plain http is used only for a mirror named so
# (--base-url http://..., --releases-url http://...).
#
# POSIX sh (dash, busybox sh, bash); needs curl or wget, tar, gzip and
# sha256sum (or shasum, or openssl).
set -eu

REPOSITORY=go-multistage/multistage
PROGRAMS="hello calculator"
OIDC_ISSUER=https://token.actions.githubusercontent.com

usage() {
	cat <<EOF
Usage: install.sh [options] PROGRAM
       curl -fsSL .../install.sh | sh -s -- [options] PROGRAM

Installs PROGRAM ($PROGRAMS) from a release of
https://github.com/$REPOSITORY for this machine (Linux, x86_64 or aarch64).

Options:
  -b BINDIR         install into BINDIR (default \$BINDIR, else ./bin)
  -v VERSION        release to install, as 1.2.3 or v1.2.3 (default: latest)
  --base-url URL    download release files from URL/vX.Y.Z/FILE instead of
                    https://github.com/$REPOSITORY/releases/download
                    (mirrors, air-gapped installs); needs -v. Plain http
                    only when URL starts with http://
  --releases-url URL
                    GitHub-style releases page to ask for the latest release
                    (URL/latest) and download from (URL/download); default
                    https://github.com/$REPOSITORY/releases
  --certificate-identity ID
                    the signer cosign must see (default: the release workflow,
                    https://github.com/$REPOSITORY/.github/workflows/release.yml@refs/tags/vX.Y.Z)
  --cosign-key FILE verify the bundle with this public key instead of the
                    release workflow's keyless certificate, without a
                    transparency log (mirrors that re-sign, tests)
  -h, --help        print this help

Downloads from https URLs never follow a redirect to plain http. The
archive's SHA-256 is always checked. The signature of checksums.txt is
checked when cosign is on PATH, and then a missing or bad signature is an error.
EOF
}

log() { printf 'install.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Set by main; cleanup removes what they name.
tmp=
partial=

cleanup() {
	if [ -n "$partial" ]; then rm -f "$partial"; fi
	if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}

# need_arg OPTION VALUE...: OPTION must be followed by a value.
need_arg() {
	if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see -h)"; fi
}

# arch prints the release architecture for this machine.
arch() {
	os=$(uname -s) || die "uname -s failed"
	[ "$os" = Linux ] || die "unsupported operating system '$os': releases exist for Linux only"
	machine=$(uname -m) || die "uname -m failed"
	case $machine in
	x86_64 | amd64) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	*) die "unsupported architecture '$machine' (uname -m): releases exist for x86_64 (amd64) and aarch64 (arm64)" ;;
	esac
}

# valid_version VERSION: X.Y.Z with an optional pre-release part, no "v".
valid_version() {
	printf '%s\n' "$1" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
}

# wget_timeout prints wget's read timeout option, if this wget has one (some
# busybox builds do not).
wget_timeout() {
	if wget --help 2>&1 | grep -q -- '-T'; then echo '-T 30'; fi
}

# protocols URL: what curl may use to fetch URL, redirects included (--proto
# also limits them): https only, unless URL itself is plain http, a mirror
# named so with --base-url or --releases-url.
protocols() {
	case $1 in
	[Hh][Tt][Tt][Pp]://*) echo '=https,http' ;;
	*) echo '=https' ;;
	esac
}

# downgraded URL: whether the response headers on stdin (wget -S, which has
# no --proto) redirect URL, an https-only one, to plain http.
downgraded() {
	[ "$(protocols "$1")" = '=https' ] || return 1
	tr -d '\r' | grep -Eiq '^ *location: *http://'
}

# download URL FILE: fetch URL into FILE, failing on any HTTP error.
download() {
	if command -v curl >/dev/null 2>&1; then
		# A stalled server (under 1 byte/s for 30 s) is an error, not a hang.
		code=$(curl -sSL --proto "$(protocols "$1")" --retry 2 --connect-timeout 30 --speed-limit 1 --speed-time 30 \
			-o "$2" -w '%{http_code}' "$1") || code=${code:-000}
		case $code in
		200) return 0 ;;
		000) log "cannot download $1 (no answer)" ;;
		*) log "cannot download $1 (HTTP $code)" ;;
		esac
		return 1
	fi
	if command -v wget >/dev/null 2>&1; then
		# shellcheck disable=SC2046 # wget_timeout is zero or two words
		if ! wget -S -q $(wget_timeout) -O "$2" "$1" 2>"$2.headers"; then
			rm -f "$2.headers"
			log "cannot download $1 (wget failed: not found, or no answer)"
			return 1
		fi
		if downgraded "$1" <"$2.headers"; then
			rm -f "$2" "$2.headers"
			log "cannot download $1 (it redirected to plain http)"
			return 1
		fi
		rm -f "$2.headers"
		return 0
	fi
	die "neither curl nor wget is installed"
}

# latest_version RELEASES_URL: the version of the latest release, read from
# where RELEASES_URL/latest redirects (RELEASES_URL/tag/vX.Y.Z).
latest_version() {
	if command -v curl >/dev/null 2>&1; then
		url=$(curl -sSL --proto "$(protocols "$1")" --connect-timeout 30 --max-time 120 -o /dev/null -w '%{url_effective}' "$1/latest") ||
			die "cannot ask $1/latest for the latest release"
	elif command -v wget >/dev/null 2>&1; then
		# wget prints the redirects it follows; the last Location wins.
		# shellcheck disable=SC2046 # wget_timeout is zero or two words
		headers=$(wget -S $(wget_timeout) -O /dev/null "$1/latest" 2>&1 | tr -d '\r')
		if printf '%s\n' "$headers" | downgraded "$1"; then
			die "cannot ask $1/latest for the latest release (it redirected to plain http)"
		fi
		url=$(printf '%s\n' "$headers" | sed -n 's/^ *[Ll]ocation: *\([^ ]*\).*/\1/p' | tail -n 1)
	else
		die "neither curl nor wget is installed"
	fi
	case $url in
	*/tag/v*) echo "${url##*/tag/v}" ;;
	*) die "cannot tell the latest release from $1/latest (it led to '${url:-nothing}'); pass -v VERSION" ;;
	esac
}

# sha256 FILE: the file's SHA-256 in hex.
sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sum=$(sha256sum "$1") || return 1
	elif command -v shasum >/dev/null 2>&1; then
		sum=$(shasum -a 256 "$1") || return 1
	elif command -v openssl >/dev/null 2>&1; then
		sum=$(openssl dgst -sha256 -r "$1") || return 1
	else
		die "no sha256sum, shasum or openssl to check the download with"
	fi
	echo "${sum%% *}"
}

# verify_signature DIR BASE_URL VERSION IDENTITY KEY: check DIR/checksums.txt
# with cosign against its bundle, when cosign is installed.
verify_signature() {
	if ! command -v cosign >/dev/null 2>&1; then
		log "cosign not found: checking the SHA-256 only (install cosign to check the signature too)"
		return 0
	fi
	download "$2/v$3/checksums.txt.sigstore.json" "$1/checksums.txt.sigstore.json" ||
		die "release v$3 has no signature bundle checksums.txt.sigstore.json, and cosign is installed: refusing"
	if [ -n "$5" ]; then
		# A key of one's own has no transparency log entry to check.
		set -- "$1" --key "$5" --insecure-ignore-tlog=true
	else
		set -- "$1" --certificate-identity "$4" --certificate-oidc-issuer "$OIDC_ISSUER"
	fi
	dir=$1
	shift
	cosign verify-blob --bundle "$dir/checksums.txt.sigstore.json" "$@" "$dir/checksums.txt" >"$dir/cosign.log" 2>&1 || {
		sed 's/^/  cosign: /' "$dir/cosign.log" >&2
		die "the signature of checksums.txt does not verify: refusing"
	}
	log "signature of checksums.txt verified with cosign"
}

main() {
	bindir=${BINDIR:-./bin}
	version=
	base=
	releases=https://github.com/$REPOSITORY/releases
	identity=
	key=
	program=
	while [ "$#" -gt 0 ]; do
		case $1 in
		-h | --help)
			usage
			exit 0
			;;
		-b)
			need_arg "$@"
			bindir=$2
			shift
			;;
		-v)
			need_arg "$@"
			version=$2
			shift
			;;
		--base-url)
			need_arg "$@"
			base=${2%/}
			shift
			;;
		--releases-url)
			need_arg "$@"
			releases=${2%/}
			shift
			;;
		--certificate-identity)
			need_arg "$@"
			identity=$2
			shift
			;;
		--cosign-key)
			need_arg "$@"
			key=$2
			shift
			;;
		--) ;;
		-*) die "unknown option $1 (see -h)" ;;
		*)
			[ -z "$program" ] || die "one program at a time: got '$program' and '$1'"
			program=$1
			;;
		esac
		shift
	done

	[ -n "$program" ] || die "no program named: choose one of: $PROGRAMS (see -h)"
	case " $PROGRAMS " in
	*" $program "*) ;;
	*) die "unknown program '$program': choose one of: $PROGRAMS" ;;
	esac
	if [ -n "$key" ] && [ ! -r "$key" ]; then
		die "cannot read the cosign key $key"
	fi
	goarch=$(arch)

	if [ -z "$version" ] || [ "$version" = latest ]; then
		[ -z "$base" ] || die "--base-url needs -v VERSION: a mirror has no 'latest' to ask"
		version=$(latest_version "$releases")
		log "latest release: v$version"
	fi
	version=${version#v}
	valid_version "$version" || die "bad version '$version': want X.Y.Z, e.g. 1.2.3"
	base=${base:-$releases/download}
	identity=${identity:-https://github.com/$REPOSITORY/.github/workflows/release.yml@refs/tags/v$version}
	archive=${program}_${version}_linux_${goarch}.tar.gz

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/install.sh.XXXXXX") || die "cannot make a temporary directory"

	download "$base/v$version/checksums.txt" "$tmp/checksums.txt" ||
		die "no release v$version at $base (checksums.txt is missing)"
	verify_signature "$tmp" "$base" "$version" "$identity" "$key"
	want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/checksums.txt")
	[ -n "$want" ] || die "release v$version has no $archive (not in its checksums.txt)"
	download "$base/v$version/$archive" "$tmp/$archive" || die "cannot download $archive of release v$version"
	got=$(sha256 "$tmp/$archive") || die "cannot compute the SHA-256 of $archive"
	[ "$got" = "$want" ] || die "$archive: SHA-256 $got does not match checksums.txt ($want): refusing"
	log "SHA-256 of $archive verified"

	mkdir "$tmp/x"
	tar -xzf "$tmp/$archive" -C "$tmp/x" "$program" 2>"$tmp/tar.log" || {
		sed 's/^/  tar: /' "$tmp/tar.log" >&2
		die "$archive does not hold $program"
	}
	if [ ! -f "$tmp/x/$program" ] || [ -L "$tmp/x/$program" ]; then
		die "$archive: $program is not a regular file"
	fi

	mkdir -p "$bindir" || die "cannot create $bindir"
	partial=$bindir/.$program.install.$$
	cp "$tmp/x/$program" "$partial" || die "cannot write into $bindir"
	chmod 0755 "$partial"
	mv -f "$partial" "$bindir/$program" || die "cannot install $bindir/$program"
	partial=
	log "installed $program v$version ($goarch) as $bindir/$program"
}

# Everything runs from here, so a truncated download (curl | sh) runs nothing.
main "$@"
