"""scikit-learn's estimator checks, run on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from .conftest import ESTIMATORS, estimator_id

# Every check that is expected to fail, with the reason it does not apply.
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(estimator_id(est), {})
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
