"""scikit-learn side of scripts/bench-classify.ts: trains one model on an NSL-KDD file with the same
settings and the same feature encoding as `flowsift classify train`, and prints one JSON line with
the training time and the accuracy on each test file. Needs Debian's python3-sklearn
(run with /usr/bin/python3). No pandas: the KDD text format is parsed with the csv module.

Encoding (as flowsift's): numeric columns log1p'd when non-negative with a maximum above 1, then
z-scored; protocol_type, service and flag one-hot on the training vocabulary (unseen → all zero),
except for the boosted model, which gets them as native categorical columns (ordinal codes),
as flowsift's boosted trees split categories natively.
"""
import argparse
import csv
import gzip
import json
import sys
import time

import numpy as np

CAT = (1, 2, 3)
CATEGORY = {}


def read_kdd(path):
    op = gzip.open if path.endswith('.gz') else open
    rows = []
    with op(path, 'rt') as f:
        for rec in csv.reader(f):
            if len(rec) >= 42:
                rows.append(rec)
    return rows


def target_of(label, target):
    label = label.strip().lower().rstrip('.')
    if target == 'label':
        return label
    if target == 'binary':
        return 'normal' if label == 'normal' else 'attack'
    return CATEGORY.get(label, 'unknown') if label != 'normal' else 'normal'


def load_categories(path):
    # the same KDD attack → category table flowsift uses, handed over by the TypeScript side
    if path:
        with open(path) as f:
            CATEGORY.update(json.load(f))


class Encoding:
    def __init__(self, rows, onehot):
        self.onehot = onehot
        num = np.array([[float(r[j]) for j in range(41) if j not in CAT] for r in rows])
        self.log = (num.min(axis=0) >= 0) & (num.max(axis=0) > 1)
        t = np.where(self.log, np.log1p(np.maximum(num, 0)), num)
        self.mean = t.mean(axis=0)
        sd = t.std(axis=0)
        self.sd = np.where(sd > 1e-12, sd, 1.0)
        self.vocab = []
        for j in CAT:
            vals = {}
            for r in rows:
                vals[r[j]] = vals.get(r[j], 0) + 1
            self.vocab.append({v: k for k, v in enumerate(sorted(vals, key=lambda v: (-vals[v], v)))})

    def transform(self, rows):
        num = np.array([[float(r[j]) for j in range(41) if j not in CAT] for r in rows])
        z = (np.where(self.log, np.log1p(np.maximum(num, 0)), num) - self.mean) / self.sd
        blocks = [z]
        for v, j in zip(self.vocab, CAT):
            codes = np.array([v.get(r[j], -1) for r in rows])
            if self.onehot:
                oh = np.zeros((len(rows), len(v)))
                ok = codes >= 0
                oh[np.nonzero(ok)[0], codes[ok]] = 1
                blocks.append(oh)
            else:
                # unseen → NaN: HistGradientBoosting sends missing categories the missing-value way
                blocks.append(np.where(codes >= 0, codes, np.nan).reshape(-1, 1).astype(float))
        return np.hstack(blocks)


def decide(m, X, threshold):
    # flowsift's --attack-threshold: attack when P(not normal) >= threshold, then the most probable attack class
    proba = m.predict_proba(X)
    classes = list(m.classes_)
    ni = classes.index('normal')
    attack = 1 - proba[:, ni] >= threshold
    others = proba.copy()
    others[:, ni] = -1
    return np.where(attack, np.array(classes)[others.argmax(axis=1)], 'normal')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', required=True)
    ap.add_argument('--test', nargs='*', default=[])
    ap.add_argument('--algo', choices=['rf', 'gbt', 'tree', 'logreg'], required=True)
    ap.add_argument('--target', choices=['binary', 'category', 'label'], default='binary')
    ap.add_argument('--categories', default='')
    ap.add_argument('--trees', type=int, default=100)
    ap.add_argument('--iterations', type=int, default=100)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--class-weight', default='none')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--l2', type=float, default=0.0)
    ap.add_argument('--attack-threshold', type=float, default=None)
    a = ap.parse_args()
    load_categories(a.categories)
    train = read_kdd(a.train)
    enc = Encoding(train, onehot=a.algo != 'gbt')
    X = enc.transform(train)
    y = np.array([target_of(r[41], a.target) for r in train])
    cw = 'balanced' if a.class_weight == 'balanced' else None
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    from threadpoolctl import threadpool_limits
    if a.algo == 'rf':
        m = RandomForestClassifier(n_estimators=a.trees, max_features='sqrt', random_state=a.seed, n_jobs=a.threads, class_weight=cw)
    elif a.algo == 'tree':
        m = DecisionTreeClassifier(random_state=a.seed, class_weight=cw)
    elif a.algo == 'gbt':
        cat_mask = [False] * (X.shape[1] - 3) + [True] * 3
        m = HistGradientBoostingClassifier(max_iter=a.iterations, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20,
                                           max_bins=255, early_stopping=False, random_state=a.seed, l2_regularization=a.l2,
                                           categorical_features=cat_mask, class_weight=cw)
    else:
        m = LogisticRegression(C=1.0, max_iter=1000, class_weight=cw)
    with threadpool_limits(limits=a.threads):
        t0 = time.perf_counter()
        m.fit(X, y)
        fit_s = time.perf_counter() - t0
    out = {'algo': a.algo, 'target': a.target, 'rows': len(train), 'fit_s': round(fit_s, 3), 'test': {}}
    for path in a.test:
        rows = read_kdd(path)
        Xt = enc.transform(rows)
        yt = np.array([target_of(r[41], a.target) for r in rows])
        pred = m.predict(Xt) if a.attack_threshold is None else decide(m, Xt, a.attack_threshold)
        out['test'][path] = {'rows': len(rows), 'accuracy': float((pred == yt).mean())}
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
