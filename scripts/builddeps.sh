#!/usr/bin/env bash
# scripts/builddeps.sh: what `go test -race` (cgo) needs to build diming: a C compiler and zlib's
# headers (Debian zlib1g-dev), because github.com/paulmach/osm/osmpbf links zlib when cgo is on.
# `make run` and `make build` build with CGO_ENABLED=0 and need neither. Idempotent; as root it
# installs what is missing, otherwise it says what to install (an error under CI=true).
set -euo pipefail
say() { echo "builddeps.sh: $*" >&2; }
missing=()
command -v gcc >/dev/null || missing+=(gcc)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	say "missing ${missing[*]}: install them as root (apt-get install ${missing[*]})"
	[ "${CI:-}" = "true" ] && exit 1
	exit 0
fi
say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
