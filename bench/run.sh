#!/usr/bin/env bash
# The whole-run benchmark, one command:  bench/run.sh [ROWS ...]   (default: 1000000 10000000)
#
# For each size: generates paired Parquet files (1 % positives, 8 slices) if missing, then
# times in the same run
#   - modelgate check: overall + 8 slices x {roc_auc (DeLong), pr_auc}, JSON written;
#   - the floor: polars alone (py-polars, the same engine) reading the same columns and
#     sorting each model's scores once;
#   - the scikit-learn way: pandas merge, roc_auc_score / average_precision_score per slice,
#     a numpy DeLong;
# and prints the ratios. Peak memory from /usr/bin/time. Results: bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/modelgate-target}"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)

cargo build --release --quiet --bin modelgate
bin="$CARGO_TARGET_DIR/release/modelgate"

for n in "${sizes[@]}"; do
  dir="bench/data/$n"
  [ -f "$dir/baseline.parquet" ] || python3 bench/gen_data.py "$n"
  cat > "$dir/modelgate.yaml" <<YAML
version: 1
name: bench-$n
candidate: candidate.parquet
baseline: baseline.parquet
columns: {label: label, score: score, id: id}
gates:
  - metric: roc_auc
    max_regression: 0.01
  - metric: pr_auc
    max_regression: 0.01
  - metric: roc_auc
    max_regression: 0.01
    by: country
  - metric: pr_auc
    max_regression: 0.01
    by: country
YAML
  bytes=$(python3 -c "
import pyarrow.parquet as pq
t = 0
for f, cols in (('candidate', ['id', 'label', 'score', 'country']), ('baseline', ['id', 'label', 'score'])):
    tab = pq.read_table('$dir/' + f + '.parquet', columns=cols)
    t += sum(c.nbytes for c in tab.columns)
print(t)")
  # Warm the page cache once so that no contender pays the first read alone.
  cat "$dir"/*.parquet > /dev/null
  /usr/bin/time -f "%e %M" -o /tmp/mg_time "$bin" check --config "$dir/modelgate.yaml" \
    --json "$dir/result.json" --markdown /dev/null --publish none 2>/dev/null || true
  read -r mg_s mg_kb < /tmp/mg_time
  floor_s=$(python3 bench/floor.py "$dir" | sed -E 's/.*seconds=([0-9.]+).*/\1/')
  /usr/bin/time -f "%e %M" -o /tmp/sk_time python3 bench/sklearn_way.py "$dir" > /tmp/sk_out
  read -r sk_s sk_kb < /tmp/sk_time
  # The paired bootstrap at scale: a `confident` pr_auc gate, 1000 replicates.
  cat > "$dir/bootstrap.yaml" <<YAML
version: 1
name: bench-bootstrap-$n
candidate: candidate.parquet
baseline: baseline.parquet
columns: {label: label, score: score, id: id}
bootstrap: {replicates: 1000}
gates:
  - metric: pr_auc
    max_regression: 0.01
    evidence: confident
YAML
  /usr/bin/time -f "%e %M" -o /tmp/mg_boot "$bin" check --config "$dir/bootstrap.yaml" \
    --markdown /dev/null --publish none 2>/dev/null || true
  read -r boot_s _ < /tmp/mg_boot
  echo "rows=$n  check with 1000 paired bootstrap replicates of the pr_auc delta: ${boot_s} s (the plain check above: ${mg_s} s)"
  python3 - "$n" "$mg_s" "$mg_kb" "$floor_s" "$sk_s" "$sk_kb" "$bytes" <<'PY'
import sys
n, mg, mg_kb, floor, sk, sk_kb, nbytes = sys.argv[1:]
mg, floor, sk = float(mg), float(floor), float(sk)
mg_b, sk_b, nbytes = int(mg_kb) * 1024, int(sk_kb) * 1024, int(nbytes)
print(f"rows={int(n):>11,}  modelgate {mg:6.2f} s, peak {mg_b / 2**30:5.2f} GiB ({mg_b / nbytes:4.1f}x the {nbytes / 2**20:,.0f} MiB of columns read)")
print(f"{'':17}polars floor {floor:6.2f} s  -> modelgate / floor = {mg / floor:4.2f}")
print(f"{'':17}sklearn way {sk:7.2f} s, peak {sk_b / 2**30:5.2f} GiB  -> sklearn / modelgate = {sk / mg:5.1f}x")
PY
done
