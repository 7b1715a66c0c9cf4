"""scikit-learn's estimator checks, run on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skae import Autoencoder, AutoencoderImputer

from .conftest import ESTIMATORS, FAST, estimator_id

# Every check that is expected to fail, with the reason it does not apply.
_FLOAT32_SUBSET = (
    "float32 network: a row scored alone or in a batch agrees to ~1e-6 relative "
    "(BLAS kernels differ with the row count), not to the check's 1e-7"
)
_FLOAT32_ORDER = (
    "float32 network: the same rows in another order agree to ~1e-7 relative, not "
    "always within the check's 1e-7 (torch 2.6's kernels on the suite's oldest floor)"
)
EXPECTED_FAILED_CHECKS = {
    **{
        name: {"check_methods_subset_invariance": _FLOAT32_SUBSET,
               "check_methods_sample_order_invariance": _FLOAT32_ORDER}
        for name in (
            "Autoencoder",
            "Autoencoder-trimmed",
            "DenoisingAutoencoder",
            "SparseAutoencoder-kl",
            "SparseAutoencoder-topk",
            "ContractiveAutoencoder-exact",
            "ContractiveAutoencoder-stochastic",
        )
    },
    "ConditionalVAE-gaussian": {
        check: "fit_transform(X, y) encodes with the given labels, transform(X) without "
               "labels averages over the classes: different quantities by design"
        for check in (
            "check_transformer_data_not_an_array",
            "check_transformer_general",
            "check_transformer_general(readonly_memmap=True)",
        )
    },
}


@parametrize_with_checks(
    [*ESTIMATORS, AutoencoderImputer(Autoencoder(n_components=1, **FAST), random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(estimator_id(est), {}),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
