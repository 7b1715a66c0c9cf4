"""The default detector scores table rows with holes like complete rows, and sizes
its members by the table's encoded width (issue 32).

A model of a table leaves a missing entry out of a row's log-density; the
detector counts each hole at its column's median term over the training rows
(``hole_terms_``), so that rows are not judged more normal for having holes.
"""

import numpy as np
import pandas as pd
import pytest

import skae
from skae import OutlierDetector
from skae._holes import hole_terms


def table(n, rng, share_holes=0.1):
    """Three correlated numbers in their own units (a body mass in grams, say:
    each column's log-density term is then far below 0) and a site (A or C, and
    B in 1% of the rows), ``share_holes`` of the numbers missing at random."""
    base = rng.normal(size=n)
    numbers = np.c_[base, base + 0.5 * rng.normal(size=n), -base + 0.5 * rng.normal(size=n)]
    numbers = numbers * [800.0, 50.0, 10.0] + [4000.0, 200.0, 40.0]
    numbers[rng.random(numbers.shape) < share_holes] = np.nan
    site = rng.choice(["A", "C", "B"], size=n, p=[0.495, 0.495, 0.01])
    return pd.DataFrame({"a": numbers[:, 0], "b": numbers[:, 1], "c": numbers[:, 2],
                         "site": site})


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    train, test = table(2000, rng), table(1000, rng)
    return OutlierDetector(random_state=0).fit(train), test


def holes_left_out(detector, X):
    """The score before holes were counted: the members' own mean score."""
    return np.mean([m.score_samples(X) for m in detector.estimators_], axis=0)


def test_rows_with_holes_score_like_complete_rows(fitted):
    detector, test = fitted
    holes = test[["a", "b", "c"]].isna().sum(axis=1).to_numpy()
    scores, before = detector.score_samples(test), holes_left_out(detector, test)
    complete, two = np.median(scores[holes == 0]), np.median(scores[holes == 2])
    # Left out, two holes are two terms far below 0 fewer (about 10 nats here):
    # the row looks much more normal. Counted, the medians are within 1 nat.
    assert np.median(before[holes == 2]) - np.median(before[holes == 0]) > 5.0
    assert abs(two - complete) < 1.0


def test_a_rare_site_with_every_number_missing_ranks_among_the_first(fitted):
    detector, test = fitted
    odd = pd.DataFrame({"a": [np.nan], "b": [np.nan], "c": [np.nan], "site": ["B"]})
    rows = pd.concat([test[test.site != "B"], odd], ignore_index=True)
    scores, before = detector.score_samples(rows), holes_left_out(detector, rows)
    # Its rank from the most abnormal: the most normal of all with its holes
    # left out; among the first quarter with them counted (its code, from a
    # row of holes, sits at the centre of the codes, which makes up part of
    # its rare site's cost).
    assert (before < before[-1]).mean() > 0.95
    assert (scores < scores[-1]).mean() < 0.25


def test_hole_terms_are_the_median_column_terms_of_each_members_rows(fitted):
    detector, test = fitted
    assert detector.hole_terms_.shape == (10, 4)
    member = detector.estimators_[0]
    # Recomputed from the member's own view of every row: the median of the
    # differences a column's presence makes is close to its term.
    terms = hole_terms(member, test)
    assert terms.shape == (4,) and np.all(np.isfinite(terms))
    # A complete row's score is its members' own; a hole adds the column's term.
    row = test[test[["a", "b", "c"]].notna().all(axis=1)].iloc[:1]
    holed = row.assign(b=np.nan)
    expected = np.mean([m.score_samples(holed)[0] + detector.hole_terms_[i, 1]
                        for i, m in enumerate(detector.estimators_)])
    assert detector.score_samples(row)[0] == pytest.approx(holes_left_out(detector, row)[0])
    assert detector.score_samples(holed)[0] == pytest.approx(expected)


def test_arrays_without_holes_and_trusted_rows_keep_no_hole_terms():
    X = np.random.default_rng(0).normal(size=(300, 4))
    assert not hasattr(OutlierDetector(random_state=0).fit(X), "hole_terms_")
    with_holes = X.copy()
    with_holes[::7, 1] = np.nan
    detector = OutlierDetector(random_state=0).fit(with_holes)
    assert detector.hole_terms_.shape == (10, 4)
    # Refitted as a novelty detector, the stale terms go.
    assert not hasattr(detector.set_params(novelty=True).fit(with_holes), "hole_terms_")


def test_hole_terms_survive_save_and_load(fitted, tmp_path):
    detector, test = fitted
    skae.save(detector, tmp_path / "detector.skae")
    loaded = skae.load(tmp_path / "detector.skae")
    np.testing.assert_array_equal(loaded.hole_terms_, detector.hole_terms_)
    np.testing.assert_array_equal(loaded.score_samples(test), detector.score_samples(test))


def test_a_detector_saved_before_hole_terms_scores_as_it_did(fitted):
    detector, test = fitted
    old = pickle_round_trip(detector)
    del old.hole_terms_
    np.testing.assert_allclose(old.score_samples(test), holes_left_out(detector, test))


def pickle_round_trip(estimator):
    import pickle

    return pickle.loads(pickle.dumps(estimator))


def test_the_column_terms_add_up_to_the_members_score(fitted):
    import torch

    detector, test = fitted
    member = detector.estimators_[0]
    values, unseen = member._scored_rows(test.iloc[:50])
    density = member._codec_.density(member)
    with torch.no_grad():
        xb = torch.as_tensor(values, dtype=torch.float32)
        out = member.module_(xb)
        terms = density.column_terms(out.reconstruction, xb).numpy()
        code = density.code_term(out.code).numpy()
    assert terms.shape == (50, 4)
    assert np.array_equal(np.isnan(terms[:, :3]), test.iloc[:50][["a", "b", "c"]].isna())
    np.testing.assert_allclose(np.nansum(terms, axis=1) + code + unseen,
                               member.score_samples(test.iloc[:50]), rtol=1e-6)


def test_default_members_of_a_table_are_sized_by_its_encoded_width(fitted):
    # Three numbers and a site of three levels: six encoded columns, a code of
    # three (from the four columns of the frame it would be two).
    detector, _ = fitted
    assert detector.estimators_[0]._codec_.table.width == 6
    assert detector.estimators_[0].n_components == 3
