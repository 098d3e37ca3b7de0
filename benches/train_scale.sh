#!/usr/bin/env bash
# Training time and peak memory on long-tail sets, deskbot and scikit-learn side by side.
#
#   benches/train_scale.sh [RUNS]      (from the repository root; RUNS defaults to 3)
#
# For each of RUNS rounds, interleaved so that load from elsewhere hits both alike: on long-tail
# 50k and 200k messages (examples/generate_corpus.rs --long-tail), `deskbot train --no-tune`
# and scikit-learn's fit (benches/sklearn_baseline.py --train-csv); at both sizes also the
# default `deskbot train` (4 tuning folds + the final fit), `deskbot train --folds 5` (the
# default until 2026-12-01) and `deskbot train --folds 3`, the cheaper tuning a shop with a
# large set may choose. Prints every run, then the medians and ratios.
#
# Needs /usr/bin/time (Debian package `time`). scikit-learn is installed into a venv under /tmp
# when python3 cannot import it; nothing in deskbot's tests needs it.
set -euo pipefail
runs=${1:-3}
cargo build --release --quiet --bin deskbot --example generate_corpus
python=python3
if ! python3 -c "import sklearn" 2>/dev/null; then
  venv=/tmp/deskbot-sklearn-venv
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -c "import sklearn" 2>/dev/null || "$venv/bin/pip" install -q scikit-learn
  python="$venv/bin/python"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in 50000 200000; do
  ./target/release/examples/generate_corpus --long-tail "$n" "$tmp/corpus-$n.csv"
done

# measure NAME COMMAND...: appends "NAME seconds peak_KB iterations" to $tmp/results.
measure() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/out" 2>&1 || {
    cat "$tmp/out" >&2
    exit 1
  }
  local iterations
  iterations=$(grep -oE "(final fit )?[0-9]+ iterations" "$tmp/out" | grep -oE "[0-9]+" | tail -1)
  echo "$name $(cat "$tmp/time") ${iterations:--}" | tee -a "$tmp/results"
}

# At each size the four deskbot runs (the "default train <= 2x --no-tune" target compares two) run
# back to back, in an order that rotates each round: on this shared VM a run straight after
# sklearn's minute at 200k is slower, and a fixed order would always hand that penalty to the
# same one.
kinds=(no-tune tuned 5-folds 3-folds)
for run in $(seq "$runs"); do
  for n in 50000 200000; do
    measure "sklearn-$n" "$python" benches/sklearn_baseline.py --train-csv "$tmp/corpus-$n.csv"
  done
  for n in 200000 50000; do
    for i in 0 1 2 3; do
      kind=${kinds[$(((run + i) % 4))]}
      case $kind in
        no-tune) flags=(--no-tune) ;;
        tuned) flags=() ;;
        5-folds) flags=(--folds 5) ;;
        3-folds) flags=(--folds 3) ;;
      esac
      measure "deskbot-$kind-$n" ./target/release/deskbot train -q "${flags[@]}" \
        --data "$tmp/corpus-$n.csv" --out "$tmp/model.json"
    done
  done
done

echo
echo "medians of $runs run(s): name, seconds, peak RSS MB, iterations (final fit)"
"$python" - "$tmp/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, seconds, kb, iterations = line.split()
    rows.setdefault(name, []).append((float(seconds), int(kb) / 1024, iterations))
medians = {}
for name, values in rows.items():
    seconds = statistics.median(v[0] for v in values)
    mb = statistics.median(v[1] for v in values)
    medians[name] = seconds
    print(f"{name:24} {seconds:7.2f} s {mb:7.1f} MB  {'/'.join(v[2] for v in values)}")
for n in ("50000", "200000"):
    print(f"deskbot / sklearn at {n}: {medians[f'deskbot-no-tune-{n}'] / medians[f'sklearn-{n}']:.2f}")
# Each round's own ratio as well: its runs were back to back, so they saw the same machine.
for n in ("50000", "200000"):
    single = f"deskbot-no-tune-{n}"
    kinds = (("tuned", "default train"), ("5-folds", "train --folds 5"), ("3-folds", "train --folds 3"))
    for kind, label in kinds:
        name = f"deskbot-{kind}-{n}"
        paired = [t[0] / s[0] for t, s in zip(rows[name], rows[single])]
        print(f"{label} / --no-tune at {n}: {medians[name] / medians[single]:.2f} "
              f"(ratio of medians); per round {' '.join(f'{r:.2f}' for r in paired)}, "
              f"median {statistics.median(paired):.2f}")
PY
