#!/usr/bin/env bash
# One region's Redis is stopped: reads fall through to PostgreSQL behind the bulkhead (never stale); after it
# returns, caching resumes and every L1 of the region was flushed.
source "$(dirname "$0")/lib.sh"
REGION="${1:-${REGION:-us}}"; WRITES="${WRITES:-10}"; BOUND_MS="${BOUND_MS:-2000}"
[[ "$REGION" == us || "$REGION" == eu ]] || { echo "usage: $0 us|eu" >&2; exit 2; }
require_stack
CATALOG_PORT="$CATALOG_US_1_PORT"; [[ "$REGION" == eu ]] && CATALOG_PORT="$CATALOG_EU_PORT"
trap 'infra/stack.sh up >/dev/null 2>&1 || true' EXIT
FLUSHES_BEFORE="$(metric_sum "$CATALOG_PORT" 'cache_l1_flushes_total\{.*reason="resubscribed"')"
say "BREAK: stop redis-$REGION"
infra/stack.sh stop "redis-$REGION"
say "BOUND: reads in $REGION come from PostgreSQL (X-Cache: DB) and are fresh within $BOUND_MS ms of every write"
curl -s -D - -o /dev/null "http://127.0.0.1:$CATALOG_PORT/products/7401" | grep -E '^(HTTP|X-Cache)'
RESULT=0
probe --writes "$WRITES" --via api --interval-ms 50 --timeout-ms 15000 --first-product 7401 --bound-ms "$BOUND_MS" || RESULT=$?
say "RESTORE: start redis-$REGION"
infra/stack.sh up >/dev/null 2>&1
for _ in $(seq 1 100); do
  [[ "$(metric_sum "$CATALOG_PORT" 'cache_l1_flushes_total\{.*reason="resubscribed"')" -gt "$FLUSHES_BEFORE" ]] && break
  sleep 0.2
done
FLUSHES_AFTER="$(metric_sum "$CATALOG_PORT" 'cache_l1_flushes_total\{.*reason="resubscribed"')"
echo "L1 flushes on resubscribe at catalog ($REGION): $FLUSHES_BEFORE -> $FLUSHES_AFTER"
curl -s -o /dev/null "http://127.0.0.1:$CATALOG_PORT/products/7402"
curl -s -D - -o /dev/null "http://127.0.0.1:$CATALOG_PORT/products/7402" | grep -E '^X-Cache'
[[ "$FLUSHES_AFTER" -gt "$FLUSHES_BEFORE" ]] || { echo "L1 was not flushed after Redis returned"; exit 1; }
exit "$RESULT"
