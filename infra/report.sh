#!/usr/bin/env bash
# Prints the dashboard's key figures as text from every process's /q/metrics (no Prometheus needed).
# Quantiles come from the Prometheus histogram buckets: "≤ x ms" is the upper edge of the bucket holding them.
set -euo pipefail
# shellcheck source=infra/script-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/script-env.sh"

# shellcheck source=infra/metrics.sh
source "$ROOT/infra/metrics.sh"

quantile() { # metrics-text bucket-regex q → upper edge (ms) of the bucket holding quantile q
  { grep -E "^$2" <<<"$1" || true; } | sed -E 's/.*le="([^"]+)".* ([0-9.eE+-]+)$/\1 \2/' \
    | awk -v q="$3" '$1 != "+Inf" {le[NR] = $1; c[NR] = $2; n = NR} $1 == "+Inf" {total = $2}
        END { if (total == 0) { print "-"; exit } for (i = 1; i <= n; i++) if (c[i] >= q * total) { printf "%.0f", le[i] * 1000; exit } print ">max" }'
}

printf '\n== Read path (counters since process start)\n'
printf '%-14s %-6s %8s %8s %8s %6s %9s %11s %9s %11s %11s %10s\n' process region L1 L2 DB hit% "db loads" "lease waits" "rejected" "dels failed" "chaos drops" "L1 flushes"
while IFS='|' read -r name _ region port _; do
  m="$(metrics "$port")"
  if [[ "$m" == "# DOWN" ]]; then printf '%-14s %-6s %s\n' "$name" "$region" "DOWN"; continue; fi
  l1=$(sum "$m" 'cache_reads_total\{.*tier="L1"'); l2=$(sum "$m" 'cache_reads_total\{.*tier="L2"'); db=$(sum "$m" 'cache_reads_total\{.*tier="DB"')
  total=$((l1 + l2 + db)); hit="-"; ((total > 0)) && hit=$(( (l1 + l2) * 100 / total ))
  printf '%-14s %-6s %8d %8d %8d %6s %9d %11d %9d %11d %11d %10d\n' "$name" "$region" "$l1" "$l2" "$db" "$hit" \
    "$(sum "$m" 'cache_db_loads_total')" "$(sum "$m" 'cache_lease_waits_total')" "$(sum "$m" 'cache_fills_rejected_total')" \
    "$(sum "$m" 'cache_dels_failed_total')" "$(sum "$m" 'cache_chaos_dropped_total')" "$(sum "$m" 'cache_l1_flushes_total')"
done < <(with_role reader)

printf '\n== Write path: commit → DEL + acknowledged L1 eviction\n'
printf '%-14s %8s %10s %10s\n' process writes "p50 ms" "p99 ms"
while IFS='|' read -r name _ _ port _; do
  m="$(metrics "$port")"
  printf '%-14s %8d %10s %10s\n' "$name" "$(sum "$m" 'cache_writepath_invalidation_seconds_count')" \
    "≤$(quantile "$m" 'cache_writepath_invalidation_seconds_bucket' 0.5)" "≤$(quantile "$m" 'cache_writepath_invalidation_seconds_bucket' 0.99)"
done < <(with_role writer)

printf '\n== CDC backstop: source commit → DEL done / → L1 eviction published (all tables)\n'
m="$(metrics "$CDC_RELAY_PORT")"
printf 'relay: %d records published, heartbeat age %s ms\n' "$(sum "$m" 'cdc_relay_records_total')" \
  "$({ grep -E '^cdc_relay_heartbeat_age_ms' <<<"$m" || echo 'x DOWN'; } | awk '{print $NF}')"
printf '%-14s %9s %12s %12s %12s %12s %8s %10s %13s\n' invalidator records "DEL p50 ms" "DEL p99 ms" "L1 p50 ms" "L1 p99 ms" DLQ "hb age ms" "consumer lag"
while IFS='|' read -r name _ _ port _; do
  m="$(metrics "$port")"
  printf '%-14s %9d %12s %12s %12s %12s %8d %10s %13s\n' "$name" "$(sum "$m" 'cdc_invalidator_records_total')" \
    "≤$(quantile "$m" 'cdc_invalidation_lag_seconds_bucket\{.*stage="del",table="prices"' 0.5)" \
    "≤$(quantile "$m" 'cdc_invalidation_lag_seconds_bucket\{.*stage="del",table="prices"' 0.99)" \
    "≤$(quantile "$m" 'cdc_invalidation_lag_seconds_bucket\{.*stage="l1",table="prices"' 0.5)" \
    "≤$(quantile "$m" 'cdc_invalidation_lag_seconds_bucket\{.*stage="l1",table="prices"' 0.99)" \
    "$(sum "$m" 'cdc_invalidator_dlq_total')" \
    "$({ grep -E '^cdc_invalidator_heartbeat_age_ms' <<<"$m" || true; } \
        | awk '$NF ~ /^[0-9.eE+]+$/ { v = $NF + 0; if (v > m) m = v; n++ } END { if (n) printf "%d", m; else print "-" }')" \
    "$({ grep -E '^cdc_invalidator_consumer_lag' <<<"$m" || true; } \
        | awk '$NF ~ /^[0-9.eE+]+$/ { t += $NF; n++ } END { if (n) printf "%d", t; else print "-" }')"
done < <(with_role invalidator)
echo "(DEL/L1 quantiles: table prices; per-table series at /q/metrics and on the Grafana dashboard)"

printf '\n== Regions: eu reads its replica; its invalidation waits for the replica (gate), eu writes set remote markers\n'
printf '%-14s %8s %12s %12s %14s\n' invalidator batches "gate p50 ms" "gate p99 ms" "behind bytes"
while IFS='|' read -r name _ region port _; do
  [[ "$region" == *eu* ]] || continue
  m="$(metrics "$port")"
  printf '%-14s %8d %12s %12s %14s\n' "$name" "$(sum "$m" 'cdc_gate_wait_seconds_count')" \
    "≤$(quantile "$m" 'cdc_gate_wait_seconds_bucket' 0.5)" "≤$(quantile "$m" 'cdc_gate_wait_seconds_bucket' 0.99)" \
    "$({ grep -E '^cdc_replica_behind_bytes' <<<"$m" || echo 'x -'; } | awk '{print $NF}' | head -1)"
done < <(with_role invalidator)
printf '%-14s %14s %14s %16s %14s\n' reader "markers set" "marker reads" "replica fallbacks" "markers failed"
while IFS='|' read -r name _ region port _; do
  [[ "$region" == eu ]] || continue
  m="$(metrics "$port")"
  printf '%-14s %14d %14d %16d %14d\n' "$name" "$(sum "$m" 'cache_remote_markers_set_total')" \
    "$(sum "$m" 'cache_remote_marker_reads_total')" "$(sum "$m" 'cache_replica_fallbacks_total')" \
    "$(sum "$m" 'cache_remote_markers_failed_total')"
done < <(with_role reader)

printf '\n== Correctness sampling: sampled L1/L2 hits re-checked against the primary after their staleness budget\n'
printf '%-14s %-6s %8s %9s %15s %12s %9s %8s %18s %16s\n' process region checks suspects inconsistencies "window ratio" nines skipped "stale p99 ms (max)" "x-instance diff"
while IFS='|' read -r name _ region port _; do
  m="$(metrics "$port")"
  [[ "$m" == "# DOWN" ]] && { printf '%-14s %-6s %s\n' "$name" "$region" "DOWN"; continue; }
  printf '%-14s %-6s %8d %9d %15d %12s %9s %8d %18s %16s\n' "$name" "$region" \
    "$(sum "$m" 'cache_consistency_checks_total')" "$(sum "$m" 'cache_consistency_suspects_total')" \
    "$(sum "$m" 'cache_inconsistencies_total')" \
    "$({ grep -E '^cache_consistency_ratio' <<<"$m" || echo 'x -'; } | awk '{printf "%.6f", $NF}' | head -1)" \
    "$({ grep -E '^cache_consistency_nines' <<<"$m" || echo 'x -'; } | awk '{printf "%.1f", $NF}' | head -1)" \
    "$(sum "$m" 'cache_consistency_skipped_total')" \
    "≤$(quantile "$m" 'cache_inconsistency_staleness_seconds_bucket' 0.99) ($({ grep -E '^cache_inconsistency_staleness_seconds_max' <<<"$m" || true; } \
        | awk '{ v = $NF * 1000; if (v > m) m = v } END { printf "%d", m }'))" \
    "$(sum "$m" 'cache_cross_instance_divergences_total') of $(sum "$m" 'cache_cross_instance_checks_total')"
done < <(with_role reader)
echo "(an inconsistency: an entry still older than the primary one budget after a first look that was already a budget after the hit)"

printf '\n== Operating it: warming, hot keys, early refresh, id filter, rate limits, degraded reads\n'
printf '%-14s %-6s %9s %8s %10s %10s %9s %9s %10s %9s %9s  %s\n' process region "warm keys" "warm ms" "warm db" "refreshed" "filtered" "filter FP" "rate-lim" "fail-open" "L2-STALE" "hottest key (reads/s)"
while IFS='|' read -r name _ region port _; do
  m="$(metrics "$port")"
  [[ "$m" == "# DOWN" ]] && { printf '%-14s %-6s %s\n' "$name" "$region" "DOWN"; continue; }
  gauge() { { grep -E "^$1" <<<"$m" || echo 'x 0'; } | awk '{printf "%d", $NF}' | head -1; }
  hottest="$(curl -sf "http://127.0.0.1:$port/cache/hot-keys?n=1" | sed -nE 's/.*"regional":\[\{"key":"([^"]+)","rate":([0-9]+).*/\1 (\2)/p')"
  printf '%-14s %-6s %9s %8s %10s %10d %9d %9d %10d %9d %9d  %s\n' "$name" "$region" \
    "$(gauge cache_warming_keys)" "$(awk '{printf "%d", $1 * 1000}' <<<"$({ grep -E '^cache_warming_duration_seconds' <<<"$m" || echo 'x 0'; } | awk '{print $NF}' | head -1)")" \
    "$(gauge cache_warming_db_loads)" \
    "$(sum "$m" 'cache_early_refreshes_total\{.*outcome="refreshed"')" "$(sum "$m" 'cache_id_filter_rejected_total')" \
    "$(sum "$m" 'cache_id_filter_false_positives_total')" "$(sum "$m" 'rate_limit_decisions_total\{.*outcome="limited"')" \
    "$(sum "$m" 'rate_limit_decisions_total\{.*outcome="fail-open"')" "$(sum "$m" 'cache_reads_total\{.*tier="L2_STALE"')" \
    "${hottest:--}"
done < <(with_role reader)
