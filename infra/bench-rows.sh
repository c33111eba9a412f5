# The verdicts of make bench's table that read a probe's JSON, apart from infra/bench.sh so that a test can feed them
# a crafted result (e2e-tests BenchRowsTest). Sourced; defines functions only.

json_num() { # file key → the first number after "key":
  grep -o "\"$2\":[-0-9.]*" "$1" | head -1 | cut -d: -f2
}
num_in() { # text key → the same, from a string; nothing (and success) when the key is absent
  { grep -o "\"$2\":[-0-9.]*" <<<"$1" || true; } | head -1 | cut -d: -f2
}

# hotkey_rows JSON-FILE → two lines "measured|verdict": database loads per expiry and cliffs; read p99 within ±1 s of
# an expiry vs outside. Each goal has its own verdict.
hotkey_rows() {
  local json="$1" rows="" loads_ok=pass p99="" p99_ok=pass r region e l c x t o lapses pin pout why
  for r in us eu; do
    region="$(grep -o "\"$r\":{[^}]*}" "$json" || true)"
    e="$(num_in "$region" expiries)"; l="$(num_in "$region" dbLoads)"; c="$(num_in "$region" cliffs)"
    x="$(num_in "$region" l2ReadErrors)"; t="$(num_in "$region" l2ReadTimeouts)"; o="$(num_in "$region" l2ReadRefused)"
    pin="$(num_in "$region" p99InMs)"; pout="$(num_in "$region" p99OutMs)"; lapses="$(num_in "$region" l1LeaseLapses)"
    # A Redis read that failed or outlived the L2 timeout loads from the database: a load no expiry caused. It still
    # counts against the goal (the database saw it); the row names it so that nobody looks for it in the refresh,
    # and says which kind: a slow Redis (timeouts) and a circuit that stayed open (refused) are different problems.
    # L1 lease lapses are named beside them: while one lasts every reader of the instance asks Redis at once.
    why=""
    if [[ -n "$x" && "$x" != 0 ]]; then
      why=" ($x after an L2 read error"
      [[ -z "$t" ]] || why+=": $t timeouts, ${o:-0} refused by the open circuit"
      [[ -z "$lapses" ]] || why+="; $lapses L1 lease lapses"
      why+=")"
    fi
    rows+="$r ${l:-?} loads$why / ${e:-?} expiries, ${c:-?} cliffs; "
    p99+="$r ${pin:-none} vs ${pout:-?} ms; "
    if [[ -z "$e" || "$e" == 0 ]]; then loads_ok=n/a; p99_ok=n/a; continue; fi
    [[ "$c" == 0 && "$l" -le "$e" ]] || loads_ok=FAIL
    if [[ -n "$pin" ]] && awk -v a="$pin" -v b="$pout" 'BEGIN { exit !(a > 2 * b && a > 5) }'; then p99_ok=FAIL; fi
  done
  echo "${rows%; }|$loads_ok"
  echo "${p99%; }|$p99_ok"
}
