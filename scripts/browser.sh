#!/usr/bin/env bash
# scripts/browser.sh: what the browser test (web/browser_test.go) needs, installed when missing:
#   - Debian's `chromium` at /usr/bin/chromium (as root: apt-get update, then a non-interactive install);
#   - a CJK font (Debian's `fonts-noto-cjk`) when fontconfig knows none, so pages and screenshots
#     show Chinese rather than empty boxes;
#   - node and npm (Debian's `nodejs` and `npm`) when there is no node at all;
#   - playwright-core in web/e2e/node_modules, by `npm ci` from the pinned package-lock.json,
#     run again whenever the lock file changed since the last install.
# Idempotent and quick when everything is there. `make test` runs it before `go test`.
# `scripts/browser.sh node` installs only node and npm (what `make maplibre` needs to bundle the map).
# Messages go to stderr. Without root it says what to install and exits 0 (the Go test then skips
# loudly), except under CI=true, where anything missing is an error.
set -euo pipefail

cd "$(dirname "$0")/.."
readonly E2E=web/e2e
readonly CHROMIUM=/usr/bin/chromium

say() { echo "browser.sh: $*" >&2; }
fail() {
	say "$*"
	if [ "${CI:-}" = "true" ]; then exit 1; fi
	say "the browser test will skip"
	exit 0
}

apt_updated=
apt_install() {
	if [ "$(id -u)" != 0 ]; then
		fail "missing $*: install them as root (apt-get install $*)"
	fi
	export DEBIAN_FRONTEND=noninteractive
	local log
	log="$(mktemp)"
	if [ -z "$apt_updated" ]; then
		say "apt-get update"
		apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; fail "apt-get update failed"; }
		apt_updated=1
	fi
	say "apt-get install $* (a minute or two the first time)"
	apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; fail "apt-get install $* failed"; }
	rm -f "$log"
}

if [ "${1:-}" = node ]; then
	need=()
	command -v node >/dev/null 2>&1 || need+=(nodejs)
	command -v npm >/dev/null 2>&1 || need+=(npm)
	if [ ${#need[@]} -gt 0 ]; then
		apt_install "${need[@]}"
	fi
	command -v npm >/dev/null 2>&1 || { say "npm is still missing"; exit 1; }
	exit 0
fi

need=()
[ -x "$CHROMIUM" ] || need+=(chromium)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh family 2>/dev/null | head -1)" ]; then
	need+=(fonts-noto-cjk)
fi
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
	apt_install "${need[@]}"
fi
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is still missing after the install"

# npm ci when node_modules is missing or was installed from another lock file.
stamp="$E2E/node_modules/.diming-lock.sha256"
want="$(sha256sum "$E2E/package-lock.json" | cut -d' ' -f1)"
if [ ! -d "$E2E/node_modules/playwright-core" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	say "npm ci in $E2E"
	(cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error >&2) || fail "npm ci failed in $E2E"
	echo "$want" >"$stamp"
fi
say "ready: $("$CHROMIUM" --version 2>/dev/null | head -1), node $(node --version), playwright-core $(node -p "require('./$E2E/node_modules/playwright-core/package.json').version")"
