# Reading the services' Prometheus text (/q/metrics) from bash; sourced by infra/report.sh and infra/chaos/lib.sh.

metrics() { # port → metrics text, or "# DOWN"
  curl -sf "http://127.0.0.1:$1/q/metrics" || echo "# DOWN"
}

sum() { # metrics-text regex → sum of the values of the matching series (0 if none)
  { grep -E "^$2" <<<"$1" || true; } | awk '{s += $NF} END {printf "%d", s}'
}
