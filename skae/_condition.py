"""What a model takes beside each row: nothing, or a class label.

Every estimator's row methods (``fit``, ``transform``, ``inverse_transform``,
``reconstruction_error``, ``score_samples``, ``score``) take an optional
``y`` and hand it to the estimator's condition, a class attribute:

- :class:`NoCondition` (the autoencoders, the VAE): ``y`` is ignored, as
  scikit-learn's transformers ignore it, and each computation runs once.
- :class:`ClassCondition` (the conditional VAE): ``y`` holds class labels,
  given to the network one-hot beside each row. Without labels a method
  averages over the classes under the model: weighted by ``p(y | x)`` for
  rows, by the class frequencies ``p(y)`` for codes, and the likelihood is
  the marginal ``log sum_y p(y) p(x | y)``.

The condition object holds no state: what it learns (``classes_``,
``class_prior_``) is the estimator's fitted attributes.
"""

import numpy as np
import torch
from scipy.special import logsumexp
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

__all__ = ["ClassCondition", "NoCondition"]


class NoCondition:
    """No condition: the network sees the rows alone; ``y`` is ignored."""

    def width(self, model):
        """Width of the condition beside each row (0: none)."""
        return 0

    def training_input(self, model, X, y, device, reset):
        """The condition stream beside the training rows (a float32 tensor), or None."""
        return None

    def over(self, model, run, y, n_rows, rows=None):
        """``run(C)`` with the condition of ``y``: here ``run(None)``.

        A conditional model without ``y`` returns ``sum_k w_k * run(C_k)``
        over its classes, with ``w = p(y | x)`` of the validated ``rows``, or
        the class frequencies when ``rows`` is None.
        """
        return run(None)

    def errors(self, model, values, unseen, y, per_feature):
        """Squared reconstruction errors of the encoded rows ``values``."""
        return model._codec_.errors(model, values, unseen, per_feature)

    def log_likelihood(self, model, X, y):
        """A VAE's bound on the log-likelihood of the validated rows ``X``."""
        return model._bound(X)


class ClassCondition(NoCondition):
    """Class labels, one-hot beside each row (``model.classes_`` in ``fit``)."""

    def width(self, model):
        return len(model.classes_)

    def training_input(self, model, X, y, device, reset):
        if y is None:
            raise ValueError(
                f"{type(model).__name__} requires y to be passed, but the target y is None: "
                "fit(X, y) with the class labels. Use VAE for data without labels."
            )
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels.")
        if reset:
            check_classification_targets(y)
            model.classes_, counts = np.unique(y, return_counts=True)
            model.class_prior_ = counts / counts.sum()
        return torch.from_numpy(self.one_hot(model, y, len(X))).to(device)

    def one_hot(self, model, y, n_rows):
        """One-hot rows for labels ``y`` (a single label applies to all ``n_rows``)."""
        y = np.asarray(y)
        y = np.repeat(y, n_rows) if y.ndim == 0 else column_or_1d(y, warn=True)
        if len(y) != n_rows:
            raise ValueError(f"X has {n_rows} rows but y has {len(y)} labels.")
        classes = model.classes_
        lookup = {label: i for i, label in enumerate(classes.tolist())}
        index = [lookup.get(label, -1) for label in y.tolist()]
        unknown = sorted({str(label) for label, i in zip(y.tolist(), index) if i < 0})
        if unknown:
            raise ValueError(
                f"y contains labels not seen in fit: {', '.join(unknown[:10])}; "
                f"the known classes are {classes.tolist()}."
            )
        return np.eye(len(classes), dtype=np.float32)[np.asarray(index, dtype=int)]

    def over(self, model, run, y, n_rows, rows=None):
        if y is not None:
            return run(self.one_hot(model, y, n_rows))
        if rows is None:
            weights = model.class_prior_
        else:
            posterior = self.posterior(model, rows)
            weights = [posterior[:, [k]] for k in range(len(model.classes_))]
        return sum(weight * run(self.one_hot(model, label, n_rows))
                   for weight, label in zip(weights, model.classes_))

    def errors(self, model, values, unseen, y, per_feature):
        if y is not None:
            labels = self.one_hot(model, y, len(values))
            return model._codec_.errors(model, values, unseen, per_feature, labels)
        means = self.over(model, lambda C: model._means(values, C), None, len(values), values)
        return model._codec_.errors_of_means(means, values, unseen, per_feature)

    def log_likelihood(self, model, X, y):
        if y is not None:
            return model._bound(X, self.one_hot(model, y, len(X)))
        return logsumexp(self.log_joint(model, X), axis=1)

    def posterior(self, model, X):
        """``p(y | x)`` for each class (columns in ``classes_`` order), from the bounds."""
        log_joint = self.log_joint(model, X)
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    def log_joint(self, model, X):
        """Bounds on ``log p(x, y) = log p(y) + log p(x | y)`` for every class."""
        per_class = np.column_stack(
            [model._bound(X, self.one_hot(model, label, len(X))) for label in model.classes_]
        )
        return per_class + np.log(model.class_prior_)
