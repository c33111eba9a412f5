# The verdicts of make bench's table that read a probe's JSON, apart from infra/bench.sh so that a test can feed them
# a crafted result (e2e-tests BenchRowsTest). Sourced; defines functions only.

json_num() { # file key → the first number after "key":
  grep -o "\"$2\":[-0-9.]*" "$1" | head -1 | cut -d: -f2
}

# hotkey_rows JSON-FILE → two lines "measured|verdict": database loads per expiry and cliffs; read p99 within ±1 s of
# an expiry vs outside. Each goal has its own verdict.
hotkey_rows() {
  local json="$1" rows="" loads_ok=pass p99="" p99_ok=pass r region e l c x pin pout why
  for r in us eu; do
    region="$(grep -o "\"$r\":{[^}]*}" "$json" || true)"
    e="$(json_num <(echo "$region") expiries)"; l="$(json_num <(echo "$region") dbLoads)"
    c="$(json_num <(echo "$region") cliffs)"; x="$(json_num <(echo "$region") l2ReadErrors)"
    pin="$(json_num <(echo "$region") p99InMs)"; pout="$(json_num <(echo "$region") p99OutMs)"
    # A Redis read that failed or outlived the L2 timeout loads from the database: a load no expiry caused. It still
    # counts against the goal (the database saw it); the row names it so that nobody looks for it in the refresh.
    why=""
    [[ -z "$x" || "$x" == 0 ]] || why=" ($x after an L2 read error)"
    rows+="$r ${l:-?} loads$why / ${e:-?} expiries, ${c:-?} cliffs; "
    p99+="$r ${pin:-none} vs ${pout:-?} ms; "
    if [[ -z "$e" || "$e" == 0 ]]; then loads_ok=n/a; p99_ok=n/a; continue; fi
    [[ "$c" == 0 && "$l" -le "$e" ]] || loads_ok=FAIL
    if [[ -n "$pin" ]] && awk -v a="$pin" -v b="$pout" 'BEGIN { exit !(a > 2 * b && a > 5) }'; then p99_ok=FAIL; fi
  done
  echo "${rows%; }|$loads_ok"
  echo "${p99%; }|$p99_ok"
}
