#!/usr/bin/env bash
# Read-path throughput and latency against the running local stack, with wrk (apt-get install wrk).
#   1. hot key        — one product, every request an L1 hit answered on the event loop
#   2. 10,000 keys    — round-robin over the seeded catalog: L1 hits, L2 refills as 5 s L1 entries expire
# Prints wrk's req/s and latency percentiles and, from /q/metrics, which tier answered.
set -euo pipefail
# shellcheck source=infra/script-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/script-env.sh"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
DURATION="${DURATION:-10s}"; CONNECTIONS="${CONNECTIONS:-64}"
URL="http://127.0.0.1:$CATALOG_US_1_PORT"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/q/health/ready")" == 200 ]] || { echo "catalog-us-1 not ready: make up" >&2; exit 1; }

tiers() { curl -s "$URL/q/metrics" | grep -E '^cache_reads_total\{.*data_class="CATALOG"' \
  | sed -E 's/.*tier="([A-Z0-9]+)".* ([0-9.eE+]+)$/\1 \2/' | awk '{printf "%s=%d ", $1, $2}'; }

LUA="$ROOT/infra/wrk/keys.lua"

echo "== 1. hot key (/products/42), $CONNECTIONS connections, $DURATION, catalog-us-1"
curl -s -o /dev/null "$URL/products/42"
before="$(tiers)"
wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$URL/products/42" | grep -E 'Requests/sec|Latency  |50%|90%|99%|requests in|Non-2xx'
echo "tiers before: $before"; echo "tiers after:  $(tiers)"

echo; echo "== 2. 10,000 keys round-robin, $CONNECTIONS connections, $DURATION, catalog-us-1"
before="$(tiers)"
wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "$URL" | grep -E 'Requests/sec|Latency  |50%|90%|99%|requests in|Non-2xx'
echo "tiers before: $before"; echo "tiers after:  $(tiers)"
