#!/usr/bin/env bash
# tag.sh creates the tags of one release of the monorepo on HEAD: the release
# tag vX.Y.Z that GoReleaser builds from, and one tag per Go module of
# go.work, <dir>/vX.Y.Z, which is what `go install` and `go get` resolve for a
# module in a subdirectory. All modules move in lockstep. Nothing is pushed.
#
#   scripts/tag.sh v1.2.3          # make tag VERSION=v1.2.3
#   scripts/tag.sh v1.3.0-rc.1     # a prerelease; v1.3.0 may later go on the same commit
#
# It refuses, with exit status 2 and nothing tagged, anything that would make
# a bad release:
#   - a working tree with uncommitted or untracked files;
#   - a version that is not semantic (https://semver.org) with a leading v, or
#     carries build metadata (+...), which neither Go nor image tags accept;
#   - a version not greater than the newest release tag already present
#     (vX.Y.Z or <dir>/vX.Y.Z, by semantic-version precedence, so
#     v1.3.0-rc.1 < v1.3.0-rc.2 < v1.3.0);
#   - a tag that exists already;
#   - a major version that the module paths do not carry (v2 and later need
#     the /vN suffix in every go.mod's module path, v0 and v1 must not have
#     one), or a go.mod with replace or exclude directives, which make
#     `go install module@version` fail.
# Any other failure (no git, no Go, git refusing to tag) exits 1; tags this
# run already created are then deleted again.
set -euo pipefail

usage="usage: scripts/tag.sh vMAJOR.MINOR.PATCH[-PRERELEASE]   (make tag VERSION=...)"

refuse() {
	printf 'tag: %s\n' "$*" >&2
	exit 2
}

fail() {
	printf 'tag: %s\n' "$*" >&2
	exit 1
}

[ $# -eq 1 ] || refuse "$usage"
version=$1

# The grammar of https://semver.org/#backusnaur-form-grammar-for-valid-semver-versions,
# without build metadata, after a leading v.
num='(0|[1-9][0-9]*)'
ident='(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)'
semver="^v$num\\.$num\\.$num(-$ident(\\.$ident)*)?\$"
if [[ $version == *+* ]]; then
	refuse "$version: build metadata (+...) is not allowed: Go ignores such tags and image tags cannot hold +"
fi
[[ $version =~ $semver ]] || refuse "$version is not a semantic version with a leading v, such as v1.2.3 or v1.3.0-rc.1"

# cmp_num A B prints -1, 0 or 1 comparing two decimal numbers of any length
# (no leading zeros, as the grammar guarantees).
cmp_num() {
	if ((${#1} != ${#2})); then
		((${#1} < ${#2})) && echo -1 || echo 1
	elif [[ $1 == "$2" ]]; then
		echo 0
	else
		[[ $1 < $2 ]] && echo -1 || echo 1
	fi
}

# cmp_ident A B compares two prerelease identifiers: numeric ones by value,
# below alphanumeric ones, which compare in ASCII order.
cmp_ident() {
	local a_num=0 b_num=0
	[[ $1 =~ ^[0-9]+$ ]] && a_num=1
	[[ $2 =~ ^[0-9]+$ ]] && b_num=1
	if ((a_num && b_num)); then
		cmp_num "$1" "$2"
	elif ((a_num != b_num)); then
		((a_num)) && echo -1 || echo 1
	elif [[ $1 == "$2" ]]; then
		echo 0
	else
		[[ $1 < $2 ]] && echo -1 || echo 1
	fi
}

# cmp_semver A B prints -1, 0 or 1 comparing two versions of the grammar
# above by semantic-version precedence (https://semver.org/#spec-item-11).
cmp_semver() {
	local a=${1#v} b=${2#v} a_pre='' b_pre='' c i
	[[ $a == *-* ]] && a_pre=${a#*-} && a=${a%%-*}
	[[ $b == *-* ]] && b_pre=${b#*-} && b=${b%%-*}
	local -a ac bc ap bp
	IFS=. read -r -a ac <<<"$a"
	IFS=. read -r -a bc <<<"$b"
	for i in 0 1 2; do
		c=$(cmp_num "${ac[i]}" "${bc[i]}")
		[[ $c == 0 ]] || { echo "$c"; return; }
	done
	# A version without prerelease ranks above one with.
	if [[ -z $a_pre || -z $b_pre ]]; then
		if [[ -z $a_pre && -z $b_pre ]]; then echo 0; elif [[ -z $a_pre ]]; then echo 1; else echo -1; fi
		return
	fi
	IFS=. read -r -a ap <<<"$a_pre"
	IFS=. read -r -a bp <<<"$b_pre"
	for ((i = 0; i < ${#ap[@]} && i < ${#bp[@]}; i++)); do
		c=$(cmp_ident "${ap[i]}" "${bp[i]}")
		[[ $c == 0 ]] || { echo "$c"; return; }
	done
	cmp_num "${#ap[@]}" "${#bp[@]}"
}
export LC_ALL=C # ASCII order for [[ < ]]

command -v git >/dev/null || fail "git not found in PATH"
command -v go >/dev/null || fail "go not found in PATH"
root=$(git rev-parse --show-toplevel 2>/dev/null) || fail "not inside a git repository"
cd "$root"
head=$(git rev-parse --verify -q 'HEAD^{commit}') || fail "the repository has no commit to tag"

status=$(git status --porcelain --untracked-files=normal)
[ -z "$status" ] || refuse "the working tree is not clean; commit or stash first (GoReleaser refuses a dirty tree too):
$status"

# The modules are those of go.work (the products); each is tagged with its
# directory as prefix, as Go requires for a module in a subdirectory.
[ -f go.work ] || fail "no go.work at $root"
modules=()
while IFS= read -r dir; do
	dir=${dir#./}
	dir=${dir%/}
	[[ -n $dir && $dir != . ]] || fail "go.work uses the repository root as a module; tags for it would be plain vX.Y.Z, which this script reserves for the release"
	modules+=("$dir")
done < <(GOFLAGS='' GOWORK='' go work edit -json go.work | sed -n 's/^[[:space:]]*"DiskPath": "\(.*\)",\{0,1\}$/\1/p')
((${#modules[@]} > 0)) || fail "go.work lists no modules"

major=${version#v}
major=${major%%.*}
for dir in "${modules[@]}"; do
	[ -f "$dir/go.mod" ] || fail "go.work uses $dir, which has no go.mod"
	json=$(GOFLAGS='' go mod edit -json "$dir/go.mod") || fail "cannot read $dir/go.mod"
	path=$(sed -n '/"Module": {/,/}/s/^[[:space:]]*"Path": "\(.*\)",\{0,1\}$/\1/p' <<<"$json" | head -n 1)
	suffix=''
	[[ $path =~ /v([0-9]+)$ ]] && suffix=${BASH_REMATCH[1]}
	if ((major >= 2)) && [[ $suffix != "$major" ]]; then
		refuse "$version needs the module path of $dir/go.mod to end in /v$major (it is $path); see tools/README.md, \"A v2 of a module\""
	fi
	if ((major < 2)) && [[ -n $suffix ]]; then
		refuse "$version is v$major, but the module path in $dir/go.mod ends in /v$suffix ($path)"
	fi
	if grep -q '"Replace": \[\|"Exclude": \[' <<<"$json"; then
		refuse "$dir/go.mod has replace or exclude directives: go install $path@$version would refuse the module"
	fi
done

tags=("$version")
for dir in "${modules[@]}"; do
	tags+=("$dir/$version")
done

for tag in "${tags[@]}"; do
	if other=$(git rev-parse -q --verify "refs/tags/$tag^{commit}"); then
		refuse "tag $tag exists already (on $(git rev-parse --short "$other")); a release version is never reused"
	fi
done

# The newest release tag of any kind: vX.Y.Z, or <dir>/vX.Y.Z of a module.
newest='' newest_tag=''
while IFS= read -r tag; do
	v=$tag
	for dir in "${modules[@]}"; do
		[[ $tag == "$dir"/v* ]] && v=${tag#"$dir"/}
	done
	[[ $v =~ $semver ]] || continue
	[[ -z $newest ]] && { newest=$v newest_tag=$tag; continue; }
	c=$(cmp_semver "$v" "$newest")
	# On a tie, name the release tag rather than a module's.
	if [[ $c == 1 || ($c == 0 && $tag == "$v") ]]; then
		newest=$v newest_tag=$tag
	fi
done < <(git tag --list)
if [[ -n $newest && $(cmp_semver "$version" "$newest") != 1 ]]; then
	refuse "$version is not greater than the newest release tag, $newest_tag"
fi

created=()
rollback() {
	((${#created[@]} == 0)) || git tag -d "${created[@]}" >/dev/null
}
trap 'rollback' EXIT
for tag in "${tags[@]}"; do
	if [[ $tag == "$version" ]]; then
		message="Release $version"
	else
		message="Release $version: module ${tag%/*}"
	fi
	git tag -a -m "$message" "$tag" "$head" || fail "git tag $tag failed"
	created+=("$tag")
done
created=()
trap - EXIT

printf 'Tagged %s as %s.\n' "$(git rev-parse --short "$head")" "${tags[*]}"
printf 'Nothing is pushed. To publish the release, push the tags:\n'
# GitHub starts no workflow for a push of more than three tags at once, so
# larger sets go as the release tag alone, then the module tags by three.
if ((${#tags[@]} <= 3)); then
	printf '  git push origin %s\n' "${tags[*]}"
else
	printf '  git push origin %s\n' "$version"
	for ((i = 1; i < ${#tags[@]}; i += 3)); do
		printf '  git push origin %s\n' "${tags[*]:i:3}"
	done
fi
