"""Export fitted models, and scikit-learn pipelines holding them, to ONNX.

A fitted skae network is a PyTorch module: each exported method wraps it in
a small ``torch.nn.Module`` that computes exactly what the estimator's method
computes (the same float32 network, the density's float64 arithmetic) and
torch's exporter writes it as an ONNX graph. In a scikit-learn ``Pipeline``
skl2onnx converts the other steps and calls the converters registered here
for skae's, which splice the same graphs into its model. Needs the ``onnx``
extra (onnx, onnxruntime, skl2onnx), imported only when used: ``import skae``
registers the converters when skl2onnx is imported, not before (importing
skl2onnx takes about 2 s).
"""

import copy
import importlib
import importlib.abc
import importlib.util
import io
import sys
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._base import BaseAutoencoder
from ._conditional import ConditionalVAE
from ._density import ResidualCodeDensity
from ._imputer import AutoencoderImputer
from ._neighbours import _MIN_DISTANCE, NearestDenoisedPoint
from ._outlier import OutlierDetector, manifold_density
from ._vae import VAE

__all__ = ["register_converters", "register_converters_on_import", "to_onnx"]

#: The highest opset torch's TorchScript exporter writes; the default opset.
MAX_OPSET = 20
#: The lowest opset every exported graph is tested at.
MIN_OPSET = 14
_METHODS = ("transform", "inverse_transform", "score_samples")


def to_onnx(model, X, method=None, *, target_opset=None):
    """Convert a fitted model, or a pipeline holding skae models, to ONNX.

    The graph runs in onnxruntime (or any ONNX runtime) without PyTorch,
    skorch or skae. Its input is called ``"X"`` and has ``X``'s dtype
    (float32 or float64) and width, and any number of rows.

    Parameters
    ----------
    model : fitted estimator
        A skae autoencoder (``Autoencoder``, ``DenoisingAutoencoder``,
        ``SparseAutoencoder``, ``ContractiveAutoencoder``, ``VAE``), an
        :class:`OutlierDetector` over skae autoencoders, an
        :class:`AutoencoderImputer` fitted on a numeric array, or a
        scikit-learn ``Pipeline`` or ``ColumnTransformer`` holding them (its
        other steps are converted by skl2onnx).
    X : array-like of shape (n_samples, n_features)
        A sample of the input (a few rows suffice); fixes the input's dtype
        and width. For ``method="inverse_transform"``: a sample of codes.
    method : {"transform", "inverse_transform", "score_samples"} or None, default=None
        For an autoencoder, the method the graph computes (None:
        ``transform``); its output is called ``"variable"``. An
        ``OutlierDetector`` gives ``("label", "scores")``: ``predict``'s
        +1/-1 (int64) and ``decision_function``, as skl2onnx exports
        IsolationForest. An ``AutoencoderImputer`` gives its ``transform``
        (holes, NaN in the input, filled). A pipeline gives what skl2onnx
        gives for its last step (e.g. ``(label, probabilities)`` for a
        classifier).
    target_opset : int, default=None
        The ONNX opset of the graph, between 14 and 20 (None: 20).

    Returns
    -------
    onnx_model : onnx.ModelProto
        The graph; ``onnx_model.SerializeToString()`` is what to serve.

    Raises
    ------
    ValueError
        For what cannot be exported yet, with what to do instead: a model
        fitted on a table with text columns or missing values, a
        ``ConditionalVAE``, an ``AutoencoderImputer`` fitted on a DataFrame
        or with binary or categorical columns, a VAE's ``score_samples`` (a
        Monte Carlo estimate), an ``OutlierDetector`` whose members are not
        skae autoencoders.

    Notes
    -----
    Outputs equal the estimator's own to float32 precision: transform and
    inverse_transform to about 1e-6 relative, scores to about 1e-6
    relative. Non-finite input is not refused, as skae refuses it: the
    graph returns NaN for such rows.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_digits
    >>> from skae import Autoencoder, to_onnx
    >>> X = load_digits().data.astype(np.float32) / 16
    >>> ae = Autoencoder(n_components=8, max_iter=5, random_state=0).fit(X)
    >>> onx = to_onnx(ae, X[:1])
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> codes = session.run(None, {"X": X[:5]})[0]
    >>> bool(np.allclose(codes, ae.transform(X[:5]), rtol=1e-4, atol=1e-5))
    True
    """
    opset = _check_opset(target_opset)
    X = np.asarray(X)
    if X.ndim != 2 or X.dtype not in (np.float32, np.float64):
        raise ValueError(
            f"X must be a 2-D float32 or float64 array (a sample of the input), got "
            f"{X.ndim}-D {X.dtype}. Convert it, e.g. X.astype(np.float32)."
        )
    if isinstance(model, BaseAutoencoder):
        if method not in (None, *_METHODS):
            raise ValueError(f"method must be one of {_METHODS} or None, got {method!r}.")
        return _export(_graph(model, method or "transform", X.shape[1]), X, opset,
                       ["variable"])
    if method is not None:
        raise ValueError(
            f"method applies to a skae autoencoder; a {type(model).__name__} is exported "
            f"with its own outputs. Got method={method!r}."
        )
    if isinstance(model, OutlierDetector):
        return _export(_DetectorGraph(model, X.shape[1]), X, opset, ["label", "scores"])
    if isinstance(model, AutoencoderImputer):
        return _export(_ImputerGraph(model, X.shape[1]), X, opset, ["variable"])
    if not isinstance(model, BaseEstimator):
        raise TypeError(f"model must be a fitted estimator, got {type(model).__name__}.")
    skl2onnx = _require("skl2onnx")
    register_converters()
    return skl2onnx.to_onnx(model, X[:1], target_opset={"": opset, "ai.onnx.ml": 3})


def _require(name):
    """Import an optional dependency of the export, or say how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise ImportError(
            f"skae.to_onnx needs {name}, which is not installed: pip install 'skae[onnx]' "
            "(onnx, onnxruntime and skl2onnx)."
        ) from error


def _check_opset(target_opset):
    opset = MAX_OPSET if target_opset is None else target_opset
    if not isinstance(opset, int) or not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(
            f"target_opset must be an int between {MIN_OPSET} and {MAX_OPSET} (the "
            f"opsets torch's exporter writes and skae tests), got {target_opset!r}."
        )
    return opset


def _exportable(model):
    """Raise a clear error for a model that cannot be exported yet."""
    check_is_fitted(model)
    name = type(model).__name__
    if isinstance(model, ConditionalVAE):
        raise ValueError(
            f"{name} cannot be exported to ONNX yet: its outputs depend on class labels "
            "and Monte Carlo bounds. Export a VAE instead."
        )
    if isinstance(model, AutoencoderImputer):
        _ImputerGraph.check(model)
        return
    if model._codec_.table is not None:
        kinds = sorted({kind for kind in model.column_kinds_.values() if kind != "numeric"})
        raise ValueError(
            f"This {name} was fitted on a table (column kinds: "
            f"{', '.join(kinds) or 'numeric with missing values'}); ONNX export takes models "
            "fitted on complete numeric arrays only for now. Put the encoding in a "
            "scikit-learn step instead: a Pipeline of ColumnTransformer([OneHotEncoder "
            "for text columns, SimpleImputer + StandardScaler for numeric ones]) and the "
            f"{name}, fitted together, exports as a whole."
        )


def _module(model):
    """A CPU copy of the fitted network, in evaluation mode."""
    return copy.deepcopy(model.module_).cpu().eval()


def _density(model):
    """The density behind ``score_samples``, on the CPU."""
    return ResidualCodeDensity(model.residual_variance_, model.code_mean_,
                               model.code_covariance_, "cpu",
                               residual=model.residual_likelihood)


def _graph(model, method, n_columns):
    _exportable(model)
    width = model.n_components_ if method == "inverse_transform" else model.n_features_in_
    if n_columns != width:
        what = "codes of width n_components_" if method == "inverse_transform" \
            else "rows of width n_features_in_"
        raise ValueError(f"X has {n_columns} columns, but {type(model).__name__}.{method} "
                         f"takes {what}={width}.")
    if method == "score_samples" and isinstance(model, VAE):
        raise ValueError(
            "A VAE's score_samples is an importance-weighted Monte Carlo bound, computed "
            "with torch's random draws; it is served by skae only. Export transform or "
            "inverse_transform, or score with a deterministic autoencoder's density."
        )
    return {"transform": _Transform, "inverse_transform": _Inverse,
            "score_samples": _Score}[method](model)


class _Transform(torch.nn.Module):
    """``transform``: the encoder (a VAE's posterior mean), float32 inside."""

    def __init__(self, model):
        super().__init__()
        self.module = _module(model)

    def forward(self, x):
        return self.module.encode(x.float()).to(x.dtype)


class _Inverse(torch.nn.Module):
    """``inverse_transform``: the decoder's means of the codes."""

    def __init__(self, model):
        super().__init__()
        self.module, self.means = _module(model), model._decoded_means

    def forward(self, z):
        return self.means(self.module.decode(z.float())).to(z.dtype)


class _Score(torch.nn.Module):
    """``score_samples``: the residual's and the code's log-density (float64)."""

    def __init__(self, model):
        super().__init__()
        self.module, self.density = _module(model), _density(model)

    def forward(self, x):
        x = x.float()
        out = self.module(x)
        return self.density(out.reconstruction, x, out.code)


class _DetectorGraph(torch.nn.Module):
    """An ``OutlierDetector``'s ``(predict, decision_function)``."""

    def __init__(self, detector, n_columns):
        super().__init__()
        check_is_fitted(detector)
        for member in detector.estimators_:
            if not isinstance(member, BaseAutoencoder) or isinstance(member, VAE):
                raise ValueError(
                    "An OutlierDetector exports when its members are skae's deterministic "
                    f"autoencoders; this one has a {type(member).__name__}. Serve it with "
                    "skae, or use Autoencoder members."
                )
            _exportable(member)
        if n_columns != detector.n_features_in_:
            raise ValueError(f"X has {n_columns} columns, but the OutlierDetector takes rows "
                             f"of width n_features_in_={detector.n_features_in_}.")
        members = detector.estimators_
        self.modules_ = torch.nn.ModuleList(_module(member) for member in members)
        self.densities = [_density(member) for member in members]
        self.offset = float(detector.offset_)
        self.nearest = None
        if detector.novelty:
            score = manifold_density(detector)
            if not isinstance(score, NearestDenoisedPoint):
                raise ValueError(
                    "This novelty=True detector was saved by skae 0.1.0, whose score is "
                    "not exported. It still scores in skae as it did; fit it again with "
                    "this version to export it."
                )
            self.nearest = [_NearestPoint(points, scale)
                            for points, scale in zip(score.references, score.scales)]

    def forward(self, x):
        x32 = x.float()
        total = 0.0
        for i, (module, density) in enumerate(zip(self.modules_, self.densities)):
            if self.nearest is not None:
                score = self.nearest[i](x.double())
            else:
                out = module(x32)
                score = density(out.reconstruction, x32, out.code)
            total = total + score
        decision = total / len(self.modules_) - self.offset
        label = torch.where(decision < 0, -1, 1).to(torch.int64)
        return label.reshape(-1, 1), decision.to(x.dtype).reshape(-1, 1)


class _ImputerGraph(torch.nn.Module):
    """``AutoencoderImputer.transform`` of numeric arrays: each pass encodes the
    rows as the table does (``log1p`` for skewed columns, standardised; holes
    enter the network as 0), reconstructs them, and fills the holes."""

    @staticmethod
    def check(imputer):
        check_is_fitted(imputer)
        model, table = imputer.estimator_, imputer.estimator_._codec_.table
        if table.frame_input or table.binary or table.categorical or isinstance(model, VAE):
            raise ValueError(
                "An AutoencoderImputer exports when it was fitted on a numeric array (not a "
                "DataFrame) with a deterministic autoencoder; this one "
                + ("has a VAE. " if isinstance(model, VAE) else
                   "was fitted on a DataFrame or has binary or categorical columns. ")
                + "Serve it with skae instead, or put a scikit-learn imputer in the exported "
                "pipeline."
            )

    def __init__(self, imputer, n_columns):
        super().__init__()
        self.check(imputer)
        if n_columns != imputer.n_features_in_:
            raise ValueError(f"X has {n_columns} columns, but the AutoencoderImputer takes "
                             f"rows of width n_features_in_={imputer.n_features_in_}.")
        model = imputer.estimator_
        columns = model._codec_.table.numeric
        self.module, self.means = _module(model), model._decoded_means
        self.log = torch.tensor([c.log for c in columns])
        self.center = torch.tensor([c.center for c in columns], dtype=torch.float64)
        self.scale = torch.tensor([c.scale for c in columns], dtype=torch.float64)
        self.passes = 1 + imputer.n_refinements

    def forward(self, x):
        raw = x.double()
        missing = torch.isnan(raw)
        current = raw
        for _ in range(self.passes):
            logged = torch.where(self.log, torch.log1p(torch.clamp(current, min=0.0)), current)
            values = ((logged - self.center) / self.scale).float()
            reconstruction = self.means(self.module.decode(self.module.encode(values)).double())
            value = reconstruction * self.scale + self.center
            # exp(v) - 1: ONNX has no expm1; in float64 the two differ by ~1e-16.
            current = torch.where(missing, torch.where(self.log, torch.exp(value) - 1.0, value),
                                  raw)
        return current.to(x.dtype)


class _NearestPoint:
    """``NearestDenoisedPoint.score_samples`` of an array in torch: minus the log
    of the smallest Euclidean distance to the denoised points, by brute force in
    float64."""

    def __init__(self, points, scale):
        self.points = torch.as_tensor(points, dtype=torch.float64)
        self.square = self.points.square().sum(dim=1)
        self.scale = torch.as_tensor(scale, dtype=torch.float64)

    def __call__(self, x):
        rows = x / self.scale
        squared = (rows.square().sum(dim=1, keepdim=True) - 2.0 * rows @ self.points.T
                   + self.square)
        nearest = torch.min(squared, dim=1).values
        return -torch.log(torch.sqrt(torch.clamp(nearest, min=0.0)).clamp(min=_MIN_DISTANCE))


def _export(graph, X, opset, output_names):
    """``graph`` written by torch's exporter, with any number of rows."""
    onnx = _require("onnx")
    example = torch.from_numpy(np.ascontiguousarray(X[:2] if len(X) >= 2 else
                                                    np.repeat(X[:1], 2, axis=0)))
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter writes plain opsets 14-20 in milliseconds;
        # torch's newer exporter needs opset 18 or later and onnxscript.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph, (example,), buffer, input_names=["X"], output_names=output_names,
            dynamic_axes={name: {0: "N"} for name in ["X", *output_names]},
            opset_version=opset, dynamo=False,
        )
    return onnx.load_from_string(buffer.getvalue())


# --------------------------------------------------------------- skl2onnx
def register_converters_on_import():
    """Register the converters now if skl2onnx is imported, else once it is.

    ``import skae`` calls this: users who never export do not pay for
    importing skl2onnx, and those who do find skae's converters registered
    whichever of the two they imported first.
    """
    if "skl2onnx" in sys.modules:
        _register_or_warn()
    elif not any(isinstance(f, _RegisterAfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterImport())


def _register_or_warn():
    # A failure here must not make ``import skl2onnx`` (or ``import skae``) fail.
    try:
        register_converters()
    except Exception as exc:  # noqa: BLE001 - any incompatibility of skl2onnx
        warnings.warn(f"skae could not register its skl2onnx converters ({exc!r}); "
                      "pipelines holding skae models will not convert.", stacklevel=2)


class _RegisterAfterImport(importlib.abc.MetaPathFinder):
    """A one-shot import hook: finds skl2onnx with the other finders and has
    its loader register skae's converters once the package has run."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "skl2onnx":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenRegister(spec.loader)
        return spec


class _ThenRegister(importlib.abc.Loader):
    """skl2onnx's own loader, then the registration."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        module.__loader__ = module.__spec__.loader = self._loader
        _register_or_warn()

    def __getattr__(self, name):  # what else the import system asks skl2onnx's loader
        if name == "_loader":  # not set yet (a copy): no recursion
            raise AttributeError(name)
        return getattr(self._loader, name)


def register_converters():
    """Teach skl2onnx to convert skae's estimators inside pipelines.

    Called by ``import skae`` when skl2onnx is installed, so that
    ``skl2onnx.to_onnx`` and ``convert_sklearn`` take pipelines holding skae
    models. An autoencoder step converts as its ``transform``; an
    ``OutlierDetector`` as ``(label, scores)``.
    """
    from skl2onnx import update_registered_converter

    from . import _EXPORTED_ESTIMATORS

    for cls in _EXPORTED_ESTIMATORS:
        # ConditionalVAE too: converting it raises the error that says why
        # not and what to do instead.
        if issubclass(cls, (BaseAutoencoder, AutoencoderImputer)):
            update_registered_converter(cls, f"Skae{cls.__name__}", _transform_shape,
                                        _convert)
    update_registered_converter(OutlierDetector, "SkaeOutlierDetector", _detector_shape,
                                _convert)


def _transform_shape(operator):
    _exportable(operator.raw_operator)
    model, rows = operator.raw_operator, operator.inputs[0].get_first_dimension()
    width = model.n_features_in_ if isinstance(model, AutoencoderImputer) else model.n_components_
    operator.outputs[0].type = operator.inputs[0].type.__class__([rows, width])


def _detector_shape(operator):
    from skl2onnx.common.data_types import Int64TensorType

    rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = Int64TensorType([rows, 1])
    operator.outputs[1].type = operator.inputs[0].type.__class__([rows, 1])


def _convert(scope, operator, container):
    """Splice the exported graph of the step into skl2onnx's model."""
    from onnx import helper, numpy_helper

    model, source = operator.raw_operator, operator.inputs[0]
    dtype = np.float64 if "Double" in type(source.type).__name__ else np.float32
    sample = np.zeros((2, model.n_features_in_), dtype=dtype)
    opset = min(container.target_opset, MAX_OPSET)
    graph = to_onnx(model, sample, target_opset=max(opset, MIN_OPSET)).graph
    prefix = scope.get_unique_variable_name(f"{operator.full_name}_")
    names = {graph.input[0].name: source.full_name}
    names.update({out.name: var.full_name for out, var in zip(graph.output, operator.outputs)})

    def rename(name):
        return names.setdefault(name, f"{prefix}{name}") if name else name

    for tensor in graph.initializer:
        # from_array writes raw bytes, which add_initializer copies as they are.
        container.add_initializer(rename(tensor.name), tensor.data_type, list(tensor.dims),
                                  numpy_helper.from_array(numpy_helper.to_array(tensor)))
    for node in graph.node:
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        inputs = list(node.input)
        while inputs and not inputs[-1]:  # an optional input left out (Clip's max)
            inputs.pop()
        container.add_node(node.op_type, [rename(n) for n in inputs],
                           [rename(n) for n in node.output], op_domain=node.domain,
                           op_version=opset, name=rename(node.name or node.op_type),
                           **attributes)
