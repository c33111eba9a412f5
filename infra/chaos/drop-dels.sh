#!/usr/bin/env bash
# Every write-path DEL and L1 broadcast is dropped: only the CDC backstop can make readers fresh.
source "$(dirname "$0")/lib.sh"
RATE="${RATE:-1}"; WRITES="${WRITES:-20}"; BOUND_MS="${BOUND_MS:-2000}"
require_stack
trap chaos_off EXIT
say "BREAK: every service drops its write-path DELs and L1 broadcasts (rate $RATE)"
chaos_set "$RATE" 0 "${WRITERS[@]}"
say "BOUND: staleness is bounded by CDC lag — every instance in both regions fresh within $BOUND_MS ms of the write"
say "PROBE: $WRITES price writes through pricing-us"
probe --writes "$WRITES" --via api --interval-ms 100 --timeout-ms 15000 --first-product 7101 --bound-ms "$BOUND_MS"
