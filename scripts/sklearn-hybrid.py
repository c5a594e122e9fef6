#!/usr/bin/env python3
"""scikit-learn twin of `flowsift train KDDTrain+.txt.gz --train-on normal --detector hybrid`, for
scripts/bench-hybrid.ts (Debian python3-sklearn + numpy; run with /usr/bin/python3, OMP_NUM_THREADS=2).

  OMP_NUM_THREADS=2 /usr/bin/python3 scripts/sklearn-hybrid.py [--k 100] [--n-init 3] [--epochs 15] [--seed 42] [--json]

The same work as flowsift's hybrid: the preprocessing of scripts/sklearn-train.py (log1p, z-score with
std floor 1, clip ±5, one-hot), KMeans(k, n_init) and an MLPRegressor autoencoder with flowsift's
defaults (tanh 64-32-16-32-64, Adam lr 1e-3, batch 200, alpha 1e-4, `epochs` passes, no early
stopping) fitted on the 67,343 normal KDDTrain+ rows, then both detectors' training scores and their
p95 thresholds. The clock starts before numpy is imported and stops there; test scoring is not timed.
"""
import time

T0 = time.time()
import argparse, importlib.util, json, os, warnings  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('sklearn_train', os.path.join(HERE, 'sklearn-train.py'))
st = importlib.util.module_from_spec(spec)
spec.loader.exec_module(st)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--k', type=int, default=100)
    ap.add_argument('--n-init', type=int, default=3)
    ap.add_argument('--epochs', type=int, default=15)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--json', action='store_true')
    a = ap.parse_args()
    trn = [r for r in st.load('KDDTrain+.txt.gz') if r[41] == 'normal']
    raw = np.array([[float(r[i]) for i in st.NUM] for r in trn])
    log_cols = [j for j in range(len(st.NUM)) if raw[:, j].min() >= 0 and raw[:, j].max() > 1]
    lg = raw.copy()
    lg[:, log_cols] = np.log1p(np.maximum(lg[:, log_cols], 0))
    mu = lg.mean(0)
    sd = np.maximum(np.where(lg.std(0) <= 1e-12, 1, lg.std(0)), 1.0)
    vocab = {s: {v: i for i, v in enumerate(sorted(set(r[s] for r in trn)))} for s in st.SYM}
    xtr = st.encode(trn, vocab, log_cols, mu, sd, 5.0)
    t1 = time.time()
    km = KMeans(n_clusters=a.k, n_init=a.n_init, random_state=a.seed).fit(xtr)
    km_s = time.time() - t1
    dtr = np.sqrt(km.transform(xtr).min(1))
    t2 = time.time()
    ae = MLPRegressor(hidden_layer_sizes=(64, 32, 16, 32, 64), activation='tanh', solver='adam', alpha=1e-4, batch_size=200,
                      learning_rate_init=1e-3, max_iter=a.epochs, shuffle=True, random_state=a.seed, tol=0, n_iter_no_change=10 ** 6)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # ConvergenceWarning: the epochs are fixed on purpose
        ae.fit(xtr, xtr)
    ae_s = time.time() - t2
    etr = np.sqrt(((ae.predict(xtr) - xtr) ** 2).sum(1))
    tk, ta = np.percentile(dtr, 95), np.percentile(etr, 95)
    train_s = time.time() - T0
    from sklearn.metrics import roc_auc_score, f1_score
    te = st.load('KDDTest+.txt.gz')
    xte = st.encode(te, vocab, log_cols, mu, sd, 5.0)
    d = np.sqrt(km.transform(xte).min(1))
    e = np.sqrt(((ae.predict(xte) - xte) ** 2).sum(1))
    y = np.array([r[41] != 'normal' for r in te])
    out = {
        'sklearn': __import__('sklearn').__version__, 'threads': os.environ.get('OMP_NUM_THREADS', 'default'),
        'rows': len(trn), 'dims': int(xtr.shape[1]), 'k': a.k, 'n_init': a.n_init, 'epochs': a.epochs,
        'train_seconds': round(train_s, 3), 'kmeans_seconds': round(km_s, 3), 'ae_seconds': round(ae_s, 3),
        'ae_loss': float(ae.loss_),
        'kmeans_auc': float(roc_auc_score(y, d)), 'kmeans_f1': float(f1_score(y, d > tk)),
        'ae_auc': float(roc_auc_score(y, e)), 'ae_f1': float(f1_score(y, e > ta)),
        'and_auc': float(roc_auc_score(y, np.minimum(d / tk, e / ta))), 'and_f1': float(f1_score(y, (d > tk) & (e > ta))),
    }
    if a.json:
        print(json.dumps(out))
    else:
        print(f"scikit-learn {out['sklearn']} KMeans(k={a.k}, n_init={a.n_init}) + MLPRegressor 64-32-16-32-64 tanh, {a.epochs} epochs, "
              f"{out['threads']} threads: train {train_s:.2f} s (k-means {km_s:.2f} s, autoencoder {ae_s:.2f} s); "
              f"ROC-AUC / F1@p95: k-means {out['kmeans_auc']:.4f} / {out['kmeans_f1']:.4f}, autoencoder {out['ae_auc']:.4f} / {out['ae_f1']:.4f}, "
              f"and {out['and_auc']:.4f} / {out['and_f1']:.4f}")


if __name__ == '__main__':
    main()
