#!/usr/bin/env python3
"""scikit-learn baseline on deskbot's data, for comparison with `cargo bench`.

Same recipe as deskbot's defaults: word 1-2 grams, sublinear tf, min_df=2, smoothed idf, L2 norm;
multinomial logistic regression with L2 (C = 1/alpha = 10), balanced class weights, lbfgs.

    pip install scikit-learn          # optional; nothing in deskbot's tests needs it
    python3 benches/sklearn_baseline.py                        # bundled data: holdout F1, latency
    python3 benches/sklearn_baseline.py --train-csv /tmp/c.csv # training time on a generated set

Generate a large set with `cargo run --release --example generate_corpus -- --long-tail 50000 /tmp/c.csv`;
`benches/train_scale.sh` runs both side by side.
sklearn's tokenizer does not mask order/tracking numbers or stem, so its scores are a baseline,
not a like-for-like replica.
"""
import argparse
import csv
import glob
import statistics
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline


def read(paths):
    texts, labels = [], []
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                texts.append(row["text"])
                labels.append(row["intent"])
    return texts, labels


def pipeline():
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(C=10.0, class_weight="balanced", max_iter=400, tol=1e-4),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-csv", help="time training on this CSV instead")
    args = parser.parse_args()

    if args.train_csv:
        texts, labels = read([args.train_csv])
        start = time.perf_counter()
        model = pipeline().fit(texts, labels)
        elapsed = time.perf_counter() - start
        iterations = model[-1].n_iter_[0]
        print(f"train {len(texts)} messages: {elapsed:.2f} s, {iterations} iterations")
        return

    texts, labels = read(sorted(glob.glob("training-data/*.csv")))
    held_texts, held_labels = read(sorted(glob.glob("training-data/holdout/*.csv")))
    start = time.perf_counter()
    model = pipeline().fit(texts, labels)
    print(f"train {len(texts)} messages: {time.perf_counter() - start:.2f} s")
    predicted = model.predict(held_texts)
    print(f"holdout macro-F1 {f1_score(held_labels, predicted, average='macro'):.3f}")

    message = "Hi, I ordered a blue dress last week and still have no tracking number. Where is it?"
    samples = []
    for _ in range(2000):
        start = time.perf_counter()
        model.predict_proba([message])
        samples.append(time.perf_counter() - start)
    print(f"predict_proba single 16-word message: median {statistics.median(samples) * 1e6:.0f} µs")
    batch = (held_texts * 13)[:10_000]
    start = time.perf_counter()
    model.predict_proba(batch)
    elapsed = time.perf_counter() - start
    print(f"predict_proba batch of {len(batch)}: {elapsed / len(batch) * 1e6:.1f} µs/message")


if __name__ == "__main__":
    main()
