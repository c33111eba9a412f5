#!/usr/bin/env bash
# Network faults between catalog-us-2 and its Redis, through a TCP fault proxy: netcrusher on the local stack
# (control port REDIS_US_PROXY_CONTROL_PORT), Toxiproxy on docker-compose (API on TOXIPROXY_API_PORT, if it answers).
#   latency   — every byte delayed (LATENCY_MS, default 150): L2 calls time out → circuit breaker → PostgreSQL;
#               evictions reach catalog-us-2 late; writes wait at most the 200 ms ack timeout.
#   blackhole — the connection stays open and silent: the subscription PINGs go unanswered, the L1 lease lapses
#               within 200 ms, after 1 s L1 is flushed and switched off; reads go to PostgreSQL.
source "$(dirname "$0")/lib.sh"
MODE="${1:-${MODE:-latency}}"; WRITES="${WRITES:-10}"; LATENCY_MS="${LATENCY_MS:-150}"; BOUND_MS="${BOUND_MS:-3000}"
TOXIPROXY_API_PORT="${TOXIPROXY_API_PORT:-8474}"
[[ "$MODE" == latency || "$MODE" == blackhole ]] || { echo "usage: $0 latency|blackhole" >&2; exit 2; }
require_stack

if curl -sf "http://127.0.0.1:$TOXIPROXY_API_PORT/version" >/dev/null 2>&1; then
  API="http://127.0.0.1:$TOXIPROXY_API_PORT/proxies/redis-us/toxics"
  fault() {
    if [[ "$MODE" == latency ]]; then
      curl -sf -X POST "$API" -d "{\"name\":\"chaos\",\"type\":\"latency\",\"attributes\":{\"latency\":$LATENCY_MS}}" >/dev/null
    else
      curl -sf -X POST "$API" -d '{"name":"chaos","type":"timeout","attributes":{"timeout":0}}' >/dev/null
    fi
  }
  heal() { curl -s -X DELETE "$API/chaos" >/dev/null || true; }
  VIA="Toxiproxy"
else
  CONTROL="http://127.0.0.1:$REDIS_US_PROXY_CONTROL_PORT"
  fault() {
    if [[ "$MODE" == latency ]]; then curl -sf -X POST "$CONTROL/latency/$LATENCY_MS" >/dev/null
    else curl -sf -X POST "$CONTROL/blackhole" >/dev/null; fi
  }
  heal() { curl -s -X POST "$CONTROL/reset" >/dev/null || true; }
  VIA="netcrusher"
fi
trap heal EXIT

STALLS_BEFORE="$(metric_sum "$CATALOG_US_2_PORT" 'cache_l1_flushes_total\{.*reason="subscription-stalled"')"
say "BREAK: $MODE between catalog-us-2 and redis-us ($VIA)$([[ "$MODE" == latency ]] && echo ", ${LATENCY_MS} ms per hop")"
fault
if [[ "$MODE" == blackhole ]]; then
  # Let the subscription PINGs notice (none answered for 1 s) before measuring.
  for _ in $(seq 1 50); do
    [[ "$(metric_sum "$CATALOG_US_2_PORT" 'cache_l1_flushes_total\{.*reason="subscription-stalled"')" -gt "$STALLS_BEFORE" ]] && break
    sleep 0.1
  done
fi
say "BOUND: every instance, catalog-us-2 included, fresh within $BOUND_MS ms of each write"
RESULT=0
probe --writes "$WRITES" --via api --interval-ms 100 --timeout-ms 20000 --first-product 7601 --bound-ms "$BOUND_MS" || RESULT=$?
echo "catalog-us-2 readiness: $(curl -s "http://127.0.0.1:$CATALOG_US_2_PORT/q/health/ready" | tr -d '\n ' | grep -o '"redis-us"[^}]*}' || true)"
echo "catalog-us-2 L1 flushes (subscription-stalled): $STALLS_BEFORE -> $(metric_sum "$CATALOG_US_2_PORT" 'cache_l1_flushes_total\{.*reason="subscription-stalled"')"
echo "catalog-us-2 reads by tier: $(curl -s "http://127.0.0.1:$CATALOG_US_2_PORT/q/metrics" | grep -E '^cache_reads_total' | sed -E 's/.*tier="([A-Z0-9]+)".* ([0-9.]+)$/\1=\2/' | tr '\n' ' ')"
exit "$RESULT"
