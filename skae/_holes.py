"""Scores of table rows with holes, made comparable with those of complete rows.

A skae model of a table scores a row by the log-density of its *observed*
entries: a missing entry is left out. That is the right density of what is
observed, but as an anomaly score it favours rows with holes, since each
column left out is one negative term fewer: a row whose measurements are all
missing would look the most normal of all. The detector therefore counts each
hole at its column's typical term: the median, over the member's training rows
where that column is observed, of the column's log-density term. A complete
row's score is unchanged; a row with holes scores as if each hole held a
typical value for its column.
"""

import numpy as np

__all__ = ["hole_terms", "with_holes_counted"]


def _first_entries(member):
    """Where each column of the member's table starts in its encoded rows, in
    the encoded order (numbers, bools, then categories)."""
    return np.sort([column.start for column in member._codec_.table.columns])


def hole_terms(member, X):
    """Each column's median log-density term over the rows of ``X`` where it is
    observed (0 for a column never observed there); float64."""
    values, _ = member._scored_rows(X)
    density = member._codec_.density(member)
    n_columns = len(member._codec_.table.columns)
    terms = member._map_batches(
        lambda xb: density.column_terms(member.module_(xb).reconstruction, xb),
        values, n_columns, np.float64)
    observed = ~np.isnan(terms)
    return np.array([np.median(terms[observed[:, j], j]) if observed[:, j].any() else 0.0
                     for j in range(n_columns)])


def with_holes_counted(member, X, terms):
    """``member.score_samples(X)``, plus ``terms[j]`` for each row's hole in column ``j``."""
    values, unseen = member._scored_rows(X)
    scores = member._score_encoded(values, unseen)
    missing = np.isnan(values[:, _first_entries(member)])
    return scores + missing @ terms if missing.any() else scores
