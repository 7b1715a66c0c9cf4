"""
Tuning an autoencoder pipeline with GridSearchCV
================================================

skae estimators are scikit-learn estimators, so a pipeline of a scaler, an
:class:`~skae.Autoencoder` and a classifier tunes like any other. Here the
code width and the hidden layer are searched by cross-validated accuracy of
a logistic regression on the codes.
"""

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skae import Autoencoder

X, y = load_digits(return_X_y=True)
pipe = Pipeline([
    ("scale", StandardScaler()),
    ("reduce", Autoencoder(max_iter=30, random_state=0)),
    ("classify", LogisticRegression(max_iter=1000)),
])
grid = {"reduce__n_components": [2, 4, 8, 16], "reduce__hidden_layer_sizes": [(32,), (128,)]}
search = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, y)
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

results = pd.DataFrame(search.cv_results_)
fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
for hidden, rows in results.groupby(results["param_reduce__hidden_layer_sizes"].astype(str)):
    ax.errorbar(rows["param_reduce__n_components"], rows["mean_test_score"],
                yerr=rows["std_test_score"], marker="o", capsize=3, label=f"hidden {hidden}")
ax.set_xscale("log", base=2)
ax.set_xlabel("n_components")
ax.set_ylabel("cross-validated accuracy")
ax.legend(frameon=False)
plt.show()
