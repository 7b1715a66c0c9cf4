"""
A raw table with text and holes: anomalies, explanations and imputation
=======================================================================

The Palmer penguins table (the ``palmerpenguins`` package) is what
``read_csv`` gives for real data: the island and the sex as text, four
measurements and the year as numbers, and holes in five columns. skae's
estimators take it as it is, without a ``ColumnTransformer``: each column gets
its own treatment (see the user guide, "Real tables"), missing entries are
left out of the loss and of the scores, and results come back with the
table's own columns.

We flag the penguins least like the others, ask which columns make them
unusual, and fill the table's holes with an
:class:`~skae.AutoencoderImputer`, checking it on holes we punch ourselves.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import palmerpenguins
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer

from skae import Autoencoder, AutoencoderImputer, OutlierDetector

warnings.filterwarnings("ignore", category=ConvergenceWarning)

penguins = palmerpenguins.load_penguins()
print(penguins.dtypes.to_string())
print("missing entries per column:", penguins.isna().sum().to_dict())

# %%
# Each column's treatment comes from its dtype: text is categorical (one-hot
# in, softmax out), numbers are standardised inside the model (Gaussian out).
table = penguins.drop(columns=["species"])
model = Autoencoder(n_components=3, max_iter=100, random_state=0).fit(table)
print(model.column_kinds_)

# %%
# Reconstructions come back as a DataFrame with the same columns and dtypes.
print(model.inverse_transform(model.transform(table.head(3))).to_string())

# %%
# Anomalies and the columns behind them
# -------------------------------------
# The default detector on the raw table; ``explain`` names the table's own
# columns (its per-column error is the squared standardised residual for a
# number and the Brier score for a category).
detector = OutlierDetector(contamination=0.03, random_state=0).fit(table)
flagged = detector.predict(table) == -1
print(f"{flagged.sum()} penguins flagged")
print(detector.explain(table, n_top=2).head(8).to_string(index=False))

# %%
# Imputation, checked on holes we punch
# -------------------------------------
# Remove 20% of the observed measurements and sexes at random, fill them, and
# compare with what was there: RMSE in standard deviations for the numbers,
# accuracy for the sex, against the column mean / most frequent value.
rng = np.random.default_rng(0)
numbers = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
punched = table.copy()
holes = {name: punched[name].notna().to_numpy() & (rng.random(len(punched)) < 0.2)
         for name in [*numbers, "sex"]}
for name, hole in holes.items():
    punched.loc[hole, name] = None

filled = AutoencoderImputer(random_state=0).fit_transform(punched)
assert not filled[numbers].isna().any().any()
mean_filled = SimpleImputer().fit(punched[numbers]).transform(punched[numbers])

rmse_skae, rmse_mean = [], []
for j, name in enumerate(numbers):
    truth, hole = table[name].to_numpy(), holes[name]
    scale = table[name].std()
    rmse_skae.append(np.sqrt(np.mean((filled[name].to_numpy()[hole] - truth[hole]) ** 2))
                     / scale)
    rmse_mean.append(np.sqrt(np.mean((mean_filled[hole, j] - truth[hole]) ** 2)) / scale)
sex_hole = holes["sex"]
sex_skae = np.mean(filled["sex"].to_numpy()[sex_hole] == table["sex"].to_numpy()[sex_hole])
most_frequent = punched["sex"].mode()[0]
sex_mode = np.mean(table["sex"].to_numpy()[sex_hole] == most_frequent)
print(f"sex filled correctly: AutoencoderImputer {sex_skae:.0%}, most frequent {sex_mode:.0%}")

# Drawn at the page's width (8 inches at 100 dpi), so the text reads at 10 points.
plt.rcParams["font.size"] = 10
fig, (left, right) = plt.subplots(1, 2, figsize=(6.4, 4.4), layout="constrained",
                                  gridspec_kw={"width_ratios": [3, 1]})
positions = np.arange(len(numbers))
left.bar(positions - 0.2, rmse_mean, 0.4, label="column mean (SimpleImputer)")
left.bar(positions + 0.2, rmse_skae, 0.4, label="AutoencoderImputer")
left.set_xticks(positions, [n.replace("_mm", "").replace("_g", "").replace("_", "\n")
                            for n in numbers])
left.set_ylabel("RMSE on the holes (std. devs.)")
left.set_ylim(0, 1.3)
left.legend(frameon=False, loc="upper center", ncols=1)
right.bar([0, 1], [sex_mode, sex_skae], color=["C0", "C1"])
right.set_xticks([0, 1], ["most\nfrequent", "Autoencoder\nImputer"])
right.set_ylim(0, 1)
right.set_ylabel("sex filled correctly")
fig.suptitle("Holes punched in the penguins table (20% of entries)")
plt.show()
