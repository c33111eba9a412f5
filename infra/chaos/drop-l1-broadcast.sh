#!/usr/bin/env bash
# Every L1 eviction message is dropped (services and invalidators); L2 is still deleted. Stale L1 entries are then
# bounded by the L1 TTL (catalog 5 s, price 1 s, +15% jitter) and, at lower drop rates, by the sequence-gap flush.
source "$(dirname "$0")/lib.sh"
RATE="${RATE:-1}"; WRITES="${WRITES:-10}"; BOUND_MS="${BOUND_MS:-6500}"
require_stack
trap chaos_off EXIT
GAPS_BEFORE="$(metric_sum "$CATALOG_US_2_PORT" 'cache_l1_flushes_total\{.*reason="sequence-gap"')"
say "BREAK: drop L1 eviction messages at rate $RATE (services and invalidators)"
chaos_set 0 "$RATE" "${WRITERS[@]}" "${INVALIDATORS[@]}"
say "BOUND: L1 TTL — every instance fresh within $BOUND_MS ms (catalog L1 5 s + 15% jitter)"
RESULT=0
probe --writes "$WRITES" --via api --interval-ms 100 --timeout-ms 15000 --first-product 7501 --bound-ms "$BOUND_MS" || RESULT=$?
echo "sequence-gap flushes at catalog-us-2: $GAPS_BEFORE -> $(metric_sum "$CATALOG_US_2_PORT" 'cache_l1_flushes_total\{.*reason="sequence-gap"')"
exit "$RESULT"
