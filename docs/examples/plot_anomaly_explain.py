"""
Anomaly scores on a real table, and the features behind each flag
=================================================================

Fit an :class:`~skae.OutlierDetector` on benign breast-cancer biopsies only,
score held-out benign and malignant ones, and ask which features drove each
flagged row with :meth:`~skae.OutlierDetector.explain`. Column names come from
the DataFrame the detector was fitted on.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder, OutlierDetector

# Early stopping may still run all max_iter epochs; that is fine for this demo.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

data = load_breast_cancer(as_frame=True)
X, malignant = data.data, data.target == 0
benign = X[~malignant]
X_train, X_benign_test = train_test_split(benign, test_size=0.3, random_state=0)
X_test = pd.concat([X_benign_test, X[malignant].sample(40, random_state=0)])
y_test = X_test.index.isin(X[malignant].index)

scaler = StandardScaler().set_output(transform="pandas").fit(X_train)
detector = OutlierDetector(Autoencoder(n_components=4, early_stopping=True, random_state=0),
                           contamination=0.05).fit(scaler.transform(X_train))
scores = detector.score_samples(scaler.transform(X_test))
print(f"ROC-AUC, malignant vs benign held-out rows: {roc_auc_score(y_test, -scores):.3f}")

explanation = detector.explain(scaler.transform(X_test), n_top=3)
print(explanation.head(9).to_string(index=False))

# One panel above the other: the figure fits the text column at full size.
fig, (top_panel, bottom_panel) = plt.subplots(2, 1, figsize=(6.4, 7), layout="constrained")
# Minus the log-likelihood spans orders of magnitude: a log axis shows both groups.
bins = np.logspace(np.log10(-scores.max()), np.log10(-scores.min()), 40)
top_panel.hist([-scores[~y_test], -scores[y_test]], bins=bins, label=["benign", "malignant"])
top_panel.axvline(-detector.offset_, color="k", ls="--", label="threshold (-offset_)")
top_panel.set_xscale("log")
top_panel.set_xlabel("-score_samples (high = abnormal)")
top_panel.legend(frameon=False)
top = explanation[explanation["rank"] == 1]["feature"].value_counts().head(10)
bottom_panel.barh(top.index[::-1], top.values[::-1])
bottom_panel.set_xlabel("flagged rows whose largest error is in this feature")
plt.show()
