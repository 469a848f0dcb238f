#!/usr/bin/env bash
# The statistics benchmark, one command:  bench/stats.sh [ROWS_1M ROWS_10M]
#
# Times, in the same run and alternating the contenders (medians of 5 runs):
#   1. the bundled fraud example, `check` end to end (target: <= 0.25 s);
#   2. 1M paired rows, overall + 8 slices, gates on every metric of the default set with
#      paired intervals (2,000 replicates; ROC-AUC by DeLong), against `modelgate metrics`
#      on the same two files (target: check / metrics <= 4);
#   3. 10M paired rows, 1,000 replicates of a pr_auc delta with `evidence: confident`,
#      against the plain check of the same gate with `evidence: point` and no bootstrap
#      floor (target: <= 15 s).
# Needs python3 with numpy and pyarrow for the data (bench/gen_data.py). Results:
# bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/modelgate-target}"
small="${1:-1000000}"
large="${2:-10000000}"
py="${PYTHON:-python3}"

cargo build --release --quiet --bin modelgate
bin="$CARGO_TARGET_DIR/release/modelgate"

# Median wall time of `runs` runs of each command, alternating A B A B ...
median_pair() {
  "$py" - "$@" <<'PY'
import subprocess, sys, time, statistics
runs = 5
cmds = sys.argv[1:]
times = {c: [] for c in cmds}
for c in cmds:  # warm-up
    subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(runs):
    for c in cmds:
        t = time.perf_counter()
        subprocess.run(c, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[c].append(time.perf_counter() - t)
print(" ".join(f"{statistics.median(times[c]):.3f}" for c in cmds))
PY
}

echo "== fraud example (40,000 rows, 6 gates, 2,000 replicates)"
read -r ex metrics_ex < <(median_pair \
  "$bin check --config examples/fraud/modelgate.yaml --markdown /dev/null --publish none" \
  "$bin metrics examples/fraud/data/candidate.parquet --label is_fraud --score score --by country --format json")
echo "check ${ex} s   (metrics on the candidate alone: ${metrics_ex} s)"

for n in "$small" "$large"; do
  dir="bench/data/$n"
  [ -f "$dir/baseline.parquet" ] || "$py" bench/gen_data.py "$n"
  cat "$dir"/*.parquet > /dev/null
done

echo "== $small rows: default set with paired intervals vs modelgate metrics"
dir="bench/data/$small"
{
  printf 'version: 1\nname: bench-default-set\ncandidate: candidate.parquet\nbaseline: baseline.parquet\n'
  printf 'columns: {label: label, score: score, id: id}\nthreshold: 0.05\ngates:\n'
  for m in roc_auc pr_auc log_loss brier ece precision recall f1 accuracy balanced_accuracy mcc; do
    printf '  - {metric: %s, max_regression: 0.5, evidence: confident}\n' "$m"
    printf '  - {metric: %s, max_regression: 0.5, evidence: confident, by: country}\n' "$m"
  done
} > "$dir/default-set.yaml"
read -r chk met < <(median_pair \
  "$bin check --config $dir/default-set.yaml --markdown /dev/null --publish none" \
  "sh -c '$bin metrics $dir/candidate.parquet --by country --threshold 0.05 --format json; $bin metrics $dir/baseline.parquet --by country --threshold 0.05 --format json'")
"$py" -c "print(f'check {$chk:.3f} s, metrics on both files {$met:.3f} s: check / metrics = {$chk / $met:.2f} (target <= 4)')"

echo "== $large rows: 1,000 replicates of a pr_auc delta, evidence: confident"
dir="bench/data/$large"
for ev in confident point; do
  cat > "$dir/boot-$ev.yaml" <<YAML
version: 1
name: bench-bootstrap-$ev
candidate: candidate.parquet
baseline: baseline.parquet
columns: {label: label, score: score, id: id}
bootstrap: {replicates: 1000}
gates:
  - {metric: pr_auc, max_regression: 0.01, evidence: $ev}
YAML
done
read -r conf plain < <(median_pair \
  "$bin check --config $dir/boot-confident.yaml --markdown /dev/null --publish none" \
  "$bin metrics $dir/candidate.parquet --metric pr_auc --format json")
"$py" -c "print(f'check with 1,000 replicates {$conf:.2f} s (target <= 15 s); metrics pr_auc on one file {$plain:.2f} s: ratio {$conf / $plain:.1f}')"
