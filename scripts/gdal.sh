#!/usr/bin/env bash
# scripts/gdal.sh: GDAL's command-line tools for the OGC API client test (cmd/diming/ogc_test.go),
# installed when missing: Debian's `gdal-bin` (ogrinfo, ogr2ogr), as root by apt-get update and a
# non-interactive install.
# Idempotent and quick when ogrinfo is there. `make test` runs it before `go test`.
# Messages go to stderr. Without root it says what to install and exits 0 (the Go test then skips
# loudly), except under CI=true, where anything missing is an error.
set -euo pipefail

say() { echo "gdal.sh: $*" >&2; }
fail() {
	say "$*"
	if [ "${CI:-}" = "true" ]; then exit 1; fi
	say "the OGC API client test will skip"
	exit 0
}

have_gdal() { command -v ogrinfo >/dev/null 2>&1 && command -v ogr2ogr >/dev/null 2>&1; }

if ! have_gdal; then
	if [ "$(id -u)" != 0 ]; then
		fail "missing gdal-bin (ogrinfo, ogr2ogr): install it as root (apt-get install gdal-bin)"
	fi
	export DEBIAN_FRONTEND=noninteractive
	log="$(mktemp)"
	trap 'rm -f "$log"' EXIT
	say "apt-get update"
	apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; fail "apt-get update failed"; }
	say "apt-get install gdal-bin (a minute or two the first time)"
	apt-get install -y -qq --no-install-recommends gdal-bin >"$log" 2>&1 || { cat "$log" >&2; fail "apt-get install gdal-bin failed"; }
	have_gdal || fail "ogrinfo is still missing after installing gdal-bin"
fi
# The OGC API – Features driver must be built in (it is in Debian's GDAL).
ogrinfo --formats 2>/dev/null | grep -q '^ *OAPIF' || fail "this GDAL has no OAPIF (OGC API – Features) driver"
say "ready: $(ogrinfo --version)"
