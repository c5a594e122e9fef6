#!/usr/bin/env python3
"""scikit-learn baselines for flowsift's anomaly model on NSL-KDD (Debian python3-sklearn + numpy).

  /usr/bin/python3 scripts/baseline-sklearn.py [--ks 10,30,100] [--std-floor 0] [--clip 0] [--log auto|none]
      Train on KDDTrain+ rows labeled normal, score the full KDDTest+: KMeans distance-to-nearest-
      centroid (one-hot protocol_type/service/flag + log1p on unbounded counts + z-score, i.e. the
      naive pipeline of the seed projects; --std-floor 1 --clip 5 = flowsift's preprocessing, one-hot
      kept 0/1) with ROC-AUC and F1 at the p95 training-distance
      threshold for each k; IsolationForest; LocalOutlierFactor (novelty=True).

  /usr/bin/python3 scripts/baseline-sklearn.py --bench MATRIX.f64 --rows N --cols D --k K [--iters 20]
      K-means per-iteration time (Lloyd, n_init=1, fixed iteration count) on a row-major float64
      matrix written by scripts/bench-model.ts — the same matrix flowsift clusters.
"""
import argparse, gzip, os, sys, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
KDD = os.path.join(HERE, '..', '..', 'shared', 'corpus', 'kdd')
SYM = (1, 2, 3)


def load(name):
    with gzip.open(os.path.join(KDD, name), 'rt') as f:
        return [l.rstrip('\n').split(',') for l in f if l.strip()]


def build(rows, vocab, log_cols, num_idx):
    x = np.array([[float(r[i]) for i in num_idx] for r in rows])
    for j in log_cols:
        x[:, j] = np.log1p(np.maximum(x[:, j], 0))
    blocks = [x]
    for s in SYM:
        v = vocab[s]
        m = np.zeros((len(rows), len(v)))
        for k, r in enumerate(rows):
            if r[s] in v:
                m[k, v[r[s]]] = 1
        blocks.append(m)
    return np.hstack(blocks)


def f1_at(y, score, thr):
    from sklearn.metrics import f1_score
    return f1_score(y, score > thr)


def baselines(a):
    from sklearn.cluster import KMeans
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.metrics import roc_auc_score
    t0 = time.time()
    tr = load('KDDTrain+.txt.gz')
    te = load('KDDTest+.txt.gz')
    num_idx = [i for i in range(41) if i not in SYM]
    trn = [r for r in tr if r[41] == 'normal']
    vocab = {s: {v: i for i, v in enumerate(sorted(set(r[s] for r in trn)))} for s in SYM}
    raw = np.array([[float(r[i]) for i in num_idx] for r in trn])
    if a.log == 'auto':  # same rule as flowsift: non-negative and max > 1 in the training rows
        log_cols = [j for j in range(len(num_idx)) if raw[:, j].min() >= 0 and raw[:, j].max() > 1]
    else:
        log_cols = []
    xtr = build(trn, vocab, log_cols, num_idx)
    xte = build(te, vocab, log_cols, num_idx)
    y = np.array([r[41] != 'normal' for r in te])
    mu = xtr.mean(0)
    sd = xtr.std(0)
    sd[sd == 0] = 1
    sd = np.maximum(sd, a.std_floor)
    nn = len(num_idx)
    mu[nn:] = 0  # one-hot columns stay 0/1 with --std-floor (flowsift's encoding); z-scored otherwise
    sd[nn:] = 1 if a.std_floor > 0 else sd[nn:]
    ztr = (xtr - mu) / sd
    zte = (xte - mu) / sd
    if a.clip > 0:
        ztr = np.clip(ztr, -a.clip, a.clip)
        zte = np.clip(zte, -a.clip, a.clip)
    print(f'NSL-KDD: {len(trn)} normal training rows, {len(te)} test rows, {ztr.shape[1]} encoded columns, '
          f'log1p on {len(log_cols)} columns, z-score std floor {a.std_floor}, clip {a.clip} (load {time.time() - t0:.1f} s)')
    print(f'{"model":<34} {"ROC-AUC":>8} {"F1@p95":>7} {"seconds":>8}')
    for k in [int(v) for v in a.ks.split(',')]:
        t1 = time.time()
        km = KMeans(n_clusters=k, n_init=a.n_init, random_state=a.seed).fit(ztr)
        dtr = np.sqrt(km.transform(ztr).min(1))
        d = np.sqrt(km.transform(zte).min(1))
        print(f'{"KMeans k=%d distance" % k:<34} {roc_auc_score(y, d):8.4f} {f1_at(y, d, np.percentile(dtr, 95)):7.4f} {time.time() - t1:8.1f}', flush=True)
    if a.only_kmeans:
        return
    t1 = time.time()
    iso = IsolationForest(random_state=a.seed, n_estimators=200).fit(ztr)
    s = -iso.score_samples(zte)
    str_ = -iso.score_samples(ztr)
    print(f'{"IsolationForest (200 trees)":<34} {roc_auc_score(y, s):8.4f} {f1_at(y, s, np.percentile(str_, 95)):7.4f} {time.time() - t1:8.1f}', flush=True)
    t1 = time.time()
    lof = LocalOutlierFactor(n_neighbors=20, novelty=True).fit(ztr)
    s = -lof.score_samples(zte)
    str_ = -lof.negative_outlier_factor_
    print(f'{"LocalOutlierFactor (k=20, novelty)":<34} {roc_auc_score(y, s):8.4f} {f1_at(y, s, np.percentile(str_, 95)):7.4f} {time.time() - t1:8.1f}', flush=True)


def bench(a):
    from sklearn.cluster import KMeans
    x = np.fromfile(a.bench, dtype='<f8').reshape(a.rows, a.cols)
    # pure Lloyd iterations: explicit initial centres (seeded rows), tol=0, fixed max_iter
    init = x[np.random.default_rng(a.seed).choice(a.rows, a.k, replace=False)]
    t0 = time.time()
    km = KMeans(n_clusters=a.k, n_init=1, init=init, max_iter=a.iters, tol=0, algorithm='lloyd').fit(x)
    total = time.time() - t0
    threads = os.environ.get('OMP_NUM_THREADS', 'default OpenMP')
    print(f'sklearn {__import__("sklearn").__version__} KMeans lloyd ({threads} threads): {a.rows}x{a.cols} dense, k={a.k}: '
          f'{km.n_iter_} iterations in {total:.2f} s → {total / km.n_iter_ * 1000:.1f} ms/iteration; inertia {km.inertia_:.1f}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ks', default='10,30,100')
    ap.add_argument('--std-floor', type=float, default=0.0)
    ap.add_argument('--clip', type=float, default=0.0)
    ap.add_argument('--only-kmeans', action='store_true')
    ap.add_argument('--log', choices=['auto', 'none'], default='auto')
    ap.add_argument('--n-init', type=int, default=3)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--bench')
    ap.add_argument('--rows', type=int)
    ap.add_argument('--cols', type=int)
    ap.add_argument('--k', type=int, default=10)
    ap.add_argument('--iters', type=int, default=20)
    a = ap.parse_args()
    if a.bench:
        bench(a)
    else:
        baselines(a)


if __name__ == '__main__':
    main()
