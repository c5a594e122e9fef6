#!/usr/bin/env python3
"""scikit-learn twin of `flowsift train KDDTrain+.txt.gz --train-on normal` at flowsift's defaults, for
scripts/bench-speed.ts (Debian python3-sklearn + numpy; run with /usr/bin/python3).

  OMP_NUM_THREADS=2 /usr/bin/python3 scripts/sklearn-train.py [--k 100] [--n-init 3] [--seed 42] [--json]

Same preprocessing as flowsift's defaults: log1p on every non-negative column whose training max
exceeds 1, z-score with a std floor of 1, z clipped to ±5, one-hot 0/1 on protocol_type / service /
flag with the training vocabulary (an unseen value encodes as all zeros). KMeans(k, n_init) is fitted
on the 67,343 normal KDDTrain+ rows; the threshold is the p95 of the training distances. The clock
starts before numpy is imported and stops once the threshold is known (load + preprocess + fit +
training distances): the test-set scoring that follows is not timed.
"""
import time

T0 = time.time()
import argparse, gzip, json, os  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KDD = os.path.join(HERE, '..', '..', 'shared', 'corpus', 'kdd')
SYM = (1, 2, 3)
NUM = [i for i in range(41) if i not in SYM]


def load(name):
    with gzip.open(os.path.join(KDD, name), 'rt') as f:
        return [l.rstrip('\n').split(',') for l in f if l.strip()]


def encode(rows, vocab, log_cols, mu, sd, clip):
    x = np.array([[float(r[i]) for i in NUM] for r in rows])
    x[:, log_cols] = np.log1p(np.maximum(x[:, log_cols], 0))
    z = np.clip((x - mu) / sd, -clip, clip)
    blocks = [z]
    for s in SYM:
        v = vocab[s]
        m = np.zeros((len(rows), len(v)))
        for k, r in enumerate(rows):
            j = v.get(r[s])
            if j is not None:
                m[k, j] = 1
        blocks.append(m)
    return np.hstack(blocks)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--k', type=int, default=100)
    ap.add_argument('--n-init', type=int, default=3)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--json', action='store_true')
    a = ap.parse_args()
    trn = [r for r in load('KDDTrain+.txt.gz') if r[41] == 'normal']
    raw = np.array([[float(r[i]) for i in NUM] for r in trn])
    log_cols = [j for j in range(len(NUM)) if raw[:, j].min() >= 0 and raw[:, j].max() > 1]
    lg = raw.copy()
    lg[:, log_cols] = np.log1p(np.maximum(lg[:, log_cols], 0))
    mu = lg.mean(0)
    sd = lg.std(0)
    sd[sd <= 1e-12] = 1
    sd = np.maximum(sd, 1.0)
    vocab = {s: {v: i for i, v in enumerate(sorted(set(r[s] for r in trn)))} for s in SYM}
    xtr = encode(trn, vocab, log_cols, mu, sd, 5.0)
    t1 = time.time()
    km = KMeans(n_clusters=a.k, n_init=a.n_init, random_state=a.seed).fit(xtr)
    fit_s = time.time() - t1
    dtr = np.sqrt(km.transform(xtr).min(1))
    thr = np.percentile(dtr, 95)
    train_s = time.time() - T0
    from sklearn.metrics import roc_auc_score, f1_score
    te = load('KDDTest+.txt.gz')
    d = np.sqrt(km.transform(encode(te, vocab, log_cols, mu, sd, 5.0)).min(1))
    y = np.array([r[41] != 'normal' for r in te])
    out = {
        'sklearn': __import__('sklearn').__version__,
        'threads': os.environ.get('OMP_NUM_THREADS', 'default'),
        'rows': len(trn), 'dims': int(xtr.shape[1]), 'k': a.k, 'n_init': a.n_init,
        'train_seconds': round(train_s, 3), 'fit_seconds': round(fit_s, 3),
        'inertia': float(km.inertia_), 'iterations': int(km.n_iter_), 'threshold': float(thr),
        'auc': float(roc_auc_score(y, d)), 'f1': float(f1_score(y, d > thr)),
    }
    if a.json:
        print(json.dumps(out))
    else:
        print(f"scikit-learn {out['sklearn']} KMeans(k={a.k}, n_init={a.n_init}), {out['threads']} threads: "
              f"{out['rows']} rows × {out['dims']}, train {train_s:.2f} s (fit {fit_s:.2f} s, {out['iterations']} iterations), "
              f"inertia {out['inertia']:.1f}, ROC-AUC {out['auc']:.4f}, F1@p95 {out['f1']:.4f}")


if __name__ == '__main__':
    main()
