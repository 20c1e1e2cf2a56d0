#!/usr/bin/env bash
# scripts/load.sh: `make load`. Builds diming, starts it on a fresh embedded store with the demo data
# (no rate limit: this measures the service, not the limiter), drives LOADTIME (default 60s) of mixed
# public traffic with internal/loadgen, writes the result into docs/benchmarks.md and stops the
# server with SIGTERM. Fails when any request errs.
set -euo pipefail
cd "$(dirname "$0")/.."
LOADTIME=${LOADTIME:-60s}
LOADCONC=${LOADCONC:-32}
work=$(mktemp -d)
trap 'kill -TERM "${pid:-0}" 2>/dev/null || true; wait "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/diming" ./cmd/diming
CGO_ENABLED=0 go build -o "$work/loadgen" ./internal/loadgen
addr=127.0.0.1:$("$work/loadgen" -free-port)
# A planner's token for the coverage reports in the mix (they are the planners').
printf 'load test planner password\n' | "$work/diming" user add --name load.planner --role planner --data-dir "$work/data" >/dev/null
token=$("$work/diming" token create --user load.planner --label "make load" --data-dir "$work/data" | grep '^dmt_')
# warn: a log line per request would slow the server more than the load does.
"$work/diming" serve --addr "$addr" --data-dir "$work/data" --rate-limit 0 --log-level warn >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
	sleep 0.1
done
curl -fsS "http://$addr/readyz" >/dev/null || { echo "load.sh: the server did not become ready" >&2; cat "$work/serve.log" >&2; exit 1; }
"$work/loadgen" -url "http://$addr" -token "$token" -duration "$LOADTIME" -c "$LOADCONC" -o docs/benchmarks.md
