# The scripts' common start, sourced first by bench.sh, bench-read.sh, warm.sh, nemesis.sh, report.sh and the chaos
# scripts (infra/chaos/lib.sh): ROOT (the repository), the working directory there, infra/stack.env exported (the
# Java probes they start read it from the environment), and the process table's functions (infra/topology.sh).
# stack.sh reads stack.env itself, unexported: the applications it starts get only what it passes them (an exported
# ADMIN_TOKEN, say, would be read by every application as its admin.token).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
set -a
# shellcheck source=infra/stack.env
source "$ROOT/infra/stack.env"
set +a
# shellcheck source=infra/topology.sh
source "$ROOT/infra/topology.sh"
