#!/usr/bin/env python3
"""scikit-learn's IsolationForest on exactly the rows flowsift's isolation forest saw: reads the dump of
`npx tsx scripts/eval-nslkdd.ts --scenarios b5 --seeds 42,1,7 --dump-encoded DIR` (flowsift's encoded
training and KDDTest+ rows as float32, labels, and flowsift's own AUCs per seed) and prints both.
Debian's scikit-learn: run with /usr/bin/python3.

  /usr/bin/python3 scripts/sklearn-iforest.py DIR [--trees 200] [--max-samples 256]
"""
import argparse, json, os
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

ap = argparse.ArgumentParser()
ap.add_argument('dir')
ap.add_argument('--trees', type=int, default=200)
ap.add_argument('--max-samples', type=int, default=256)
a = ap.parse_args()
m = json.load(open(os.path.join(a.dir, 'meta.json')))
X = np.fromfile(os.path.join(a.dir, 'train.f32'), dtype=np.float32).reshape(m['train'], m['dims'])
T = np.fromfile(os.path.join(a.dir, 'test.f32'), dtype=np.float32).reshape(m['test'], m['dims'])
print(f"scenario {m['scenario']} (seed {m['seed']}): {m['train']} training rows × {m['dims']}, KDDTest+ {m['test']} rows; "
      f"IsolationForest({a.trees} trees, {a.max_samples} rows)")
print('| implementation | random seed | ROC-AUC on the training rows | ROC-AUC on KDDTest+ |')
print('|---|---:|---:|---:|')
for f in m['flowsift']:
    print(f"| flowsift | {f['seed']} | {f['trainAuc']:.4f} | {f['testAuc']:.4f} |")
for seed in [f['seed'] for f in m['flowsift']]:
    sk = IsolationForest(n_estimators=a.trees, max_samples=a.max_samples, random_state=seed).fit(X)
    print(f"| scikit-learn | {seed} | {roc_auc_score(m['trainAttack'], -sk.score_samples(X)):.4f} | {roc_auc_score(m['testAttack'], -sk.score_samples(T)):.4f} |")
