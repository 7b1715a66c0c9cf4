"""skae: scikit-learn-compatible autoencoders built on PyTorch and skorch.

Each estimator is used like :class:`sklearn.decomposition.PCA` (``fit``,
``transform``, ``inverse_transform``, ``score_samples``, ``score``) and drops
into pipelines and ``GridSearchCV``.
"""

from ._autoencoder import Autoencoder
from ._conditional import ConditionalVAE
from ._contractive import ContractiveAutoencoder
from ._denoising import DenoisingAutoencoder
from ._imputer import AutoencoderImputer
from ._outlier import OutlierDetector
from ._parallel import DataParallelContext, data_parallel
from ._persistence import load, save
from ._sparse import SparseAutoencoder
from ._vae import VAE
from ._onnx import register_converters_on_import, to_onnx
from ._version import __version__

__all__ = [
    "Autoencoder",
    "AutoencoderImputer",
    "ConditionalVAE",
    "ContractiveAutoencoder",
    "DataParallelContext",
    "DenoisingAutoencoder",
    "OutlierDetector",
    "SparseAutoencoder",
    "VAE",
    "__version__",
    "data_parallel",
    "load",
    "save",
    "to_onnx",
]

_EXPORTED_ESTIMATORS = [obj for obj in map(globals().get, __all__) if isinstance(obj, type)]


# skl2onnx's own to_onnx and convert_sklearn take pipelines that hold skae's
# estimators: the converters are registered when skl2onnx is imported (the
# onnx extra), before or after skae.
register_converters_on_import()
del register_converters_on_import
