"""Safe persistence: parameters as JSON, tensors as safetensors, no code on load.

``pickle`` and ``joblib`` rebuild objects by running code named in the file,
so loading an untrusted pickle can run anything. :func:`save` writes one
`safetensors <https://huggingface.co/docs/safetensors>`_ file instead: the
network weights and fitted arrays are plain tensors, and everything else
(class name, parameters, fitted scalars, feature names) is JSON in the file's
header. :func:`load` only ever instantiates skae's own public classes from
that description, checks a SHA-256 digest of the whole content and the format
version, and rebuilds the network from the parameters.
"""

import hashlib
import json
import warnings
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._network import restore_trainer
from ._tabular import Table
from ._version import __version__
from ._warnings import user_stacklevel

__all__ = ["load", "save"]

#: Bumped whenever the layout of a saved file changes incompatibly.
FORMAT_VERSION = 1
_FORMAT = "skae"


def _registry():
    """The only classes a file may name: the estimators skae exports.

    Derived from ``skae.__all__``, so that every public estimator saves and
    loads without a second list to keep. Imported here, not at the top,
    because the estimator modules do not need persistence.
    """
    import skae

    exported = (getattr(skae, name) for name in skae.__all__)
    return {cls.__name__: cls for cls in exported
            if isinstance(cls, type) and issubclass(cls, BaseEstimator)}


def save(estimator, path):
    """Save a fitted skae estimator to a safetensors file that is safe to load.

    Parameters
    ----------
    estimator : skae estimator
        Any fitted estimator that skae exports: an autoencoder
        (:class:`Autoencoder`, :class:`DenoisingAutoencoder`,
        :class:`SparseAutoencoder`, :class:`ContractiveAutoencoder`,
        :class:`VAE`, :class:`ConditionalVAE`), or an
        :class:`OutlierDetector` or :class:`AutoencoderImputer` around one.
        Its parameters must be JSON-representable: an ``optimizer`` given
        as a class or a ``random_state`` given as a ``RandomState`` cannot
        be saved (use a name and an int).
    path : str or path-like
        Destination, conventionally with a ``.safetensors`` suffix. Written
        atomically: an existing file is only replaced once the new one is
        complete.

    Returns
    -------
    path : pathlib.Path
        The path written.

    See Also
    --------
    load : Read the file back.

    Notes
    -----
    The network's weights and the fitted arrays are stored as tensors; the
    optimizer state is not, so ``warm_start`` after loading continues with
    a fresh optimizer. Models trained on a GPU are saved from CPU copies and
    load on any device.

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> from skae import Autoencoder, load, save
    >>> X = np.random.default_rng(0).normal(size=(100, 6))
    >>> ae = Autoencoder(n_components=2, max_iter=5, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "ae.safetensors")
    >>> _ = save(ae, path)
    >>> bool(np.array_equal(load(path).transform(X), ae.transform(X)))
    True
    """
    registry = _registry()
    tensors = {}
    record = _describe(estimator, "", tensors, registry)
    header = json.dumps(record, sort_keys=True)
    metadata = {
        "format": _FORMAT,
        "format_version": str(FORMAT_VERSION),
        "skae_version": _version(),
        "estimator": header,
        "sha256": _digest(header, tensors),
    }
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        save_file(tensors, str(partial), metadata=metadata)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def load(path, device=None):
    """Load an estimator written by :func:`save`, without running code from the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    device : str or None, default=None
        Where to put the network. None uses the saved ``device`` parameter
        when that device exists here and the CPU otherwise (a model trained
        on a GPU loads on a machine without one).

    Returns
    -------
    estimator : skae estimator
        The fitted estimator, giving the same ``transform`` and
        ``score_samples`` as the one saved.

    Raises
    ------
    ValueError
        If the file is not a skae file, is truncated or was modified after
        it was written, names a class that is not one of skae's estimators,
        or was written in another format version.

    See Also
    --------
    save : Write the file.

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> from skae import VAE, load, save
    >>> X = np.random.default_rng(0).normal(size=(100, 6))
    >>> vae = VAE(max_iter=5, random_state=0).fit(X)
    >>> path = save(vae, os.path.join(tempfile.mkdtemp(), "vae.safetensors"))
    >>> restored = load(path)
    >>> type(restored).__name__, restored.n_features_in_
    ('VAE', 6)
    >>> bool(np.array_equal(restored.score_samples(X), vae.score_samples(X)))
    True
    """
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            metadata = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except FileNotFoundError:
        raise
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ValueError(
            f"{path} is not a readable skae file (truncated, or not a safetensors "
            f"file): {exc}"
        ) from None
    if metadata.get("format") != _FORMAT:
        raise ValueError(f"{path} is a safetensors file but not one written by skae.save.")
    if metadata.get("format_version") != str(FORMAT_VERSION):
        raise ValueError(
            f"{path} was written in skae file format version "
            f"{metadata.get('format_version')!r} (by skae {metadata.get('skae_version')}); "
            f"this skae ({_version()}) reads version {FORMAT_VERSION}. Load it with the "
            "skae version that wrote it."
        )
    header = metadata.get("estimator", "")
    if metadata.get("sha256") != _digest(header, tensors):
        raise ValueError(
            f"{path} failed its integrity check: its content does not match the digest "
            "written with it (the file was modified or corrupted)."
        )
    if metadata.get("skae_version") != _version():
        warnings.warn(
            f"{path} was written by skae {metadata.get('skae_version')}, this is skae "
            f"{_version()}; the file format is the same, but check the results.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return _rebuild(json.loads(header), "", tensors, _registry(), device)


# ------------------------------------------------------------------- writing
def _describe(estimator, prefix, tensors, registry):
    name = type(estimator).__name__
    if registry.get(name) is not type(estimator):
        raise TypeError(
            f"skae.save saves skae's estimators only, got {name}. Use joblib for other "
            "estimators (and only load pickles you trust)."
        )
    check_is_fitted(estimator)
    getattr(estimator, "_complete_fit", lambda: None)()  # a partial_fit's statistics
    params = {
        key: _encode_param(name, key, value, registry)
        for key, value in estimator.get_params(deep=False).items()
    }
    attributes, arrays, children = {}, [], {}
    for key, value in vars(estimator).items():
        if not key.endswith("_") or key.startswith("_"):
            continue
        if isinstance(value, BaseEstimator):
            children[key] = _describe(value, f"{prefix}{key}.", tensors, registry)
        elif isinstance(value, list) and value and all(
            isinstance(v, BaseEstimator) for v in value
        ):  # an ensemble's members
            children[key] = [
                _describe(v, f"{prefix}{key}.{i}.", tensors, registry)
                for i, v in enumerate(value)
            ]
        elif isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
            tensors[f"{prefix}attr.{key}"] = torch.from_numpy(np.ascontiguousarray(value))
            arrays.append(key)
        else:
            attributes[key] = _encode_value(name, key, value)
    trained = hasattr(estimator, "_trainer_")
    if trained:
        state = estimator.module_.state_dict()
        for key, value in state.items():
            tensors[f"{prefix}module.{key}"] = value.detach().cpu().contiguous()
        corruption = estimator._trainer_.corruption
        if corruption is not None:
            for key, value in corruption.state_dict().items():
                tensors[f"{prefix}corruption.{key}"] = value.detach().cpu().contiguous()
    record = {
        "class": name,
        "params": params,
        "attributes": attributes,
        "arrays": arrays,
        "children": children,
        "has_net": trained,
    }
    table = getattr(getattr(estimator, "_codec_", None), "table", None)
    if table is not None:  # a table's columns: names, treatments, categories, scales
        record["table"] = table.to_dict()
    output = getattr(estimator, "_sklearn_output_config", None)
    if output:  # set_output(transform="pandas"): a container name
        record["output"] = {key: _encode_value(name, "set_output", value)
                            for key, value in output.items()}
    return record


def _encode_param(owner, key, value, registry):
    if isinstance(value, BaseEstimator):
        if registry.get(type(value).__name__) is not type(value):
            raise TypeError(
                f"{owner}.{key} is a {type(value).__name__}, not a skae estimator: "
                "skae.save cannot store it."
            )
        return {
            "__estimator__": type(value).__name__,
            "params": {
                k: _encode_param(type(value).__name__, k, v, registry)
                for k, v in value.get_params(deep=False).items()
            },
        }
    return _encode_value(owner, key, value)


def _encode_value(owner, key, value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, torch.nn.Module):
        raise TypeError(
            f"{owner}.{key} is your own {type(value).__name__} module: a skae.save file "
            "never holds code, so it cannot rebuild it. Pickle the estimator instead "
            "(and load only files you trust), or save module_.state_dict() with torch.save."
        )
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [_encode_value(owner, key, v) for v in value]}
    if isinstance(value, list):
        return [_encode_value(owner, key, v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype == object:
        return {"__object_array__": [_encode_value(owner, key, v) for v in value.tolist()]}
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        return {"__str_array__": value.tolist(), "dtype": value.dtype.str}
    raise TypeError(
        f"{owner}.{key}={value!r} cannot be saved safely (only numbers, strings, "
        "booleans, None, tuples and lists are): pass a plain value, e.g. an optimizer "
        "name instead of a class, an int random_state instead of a RandomState."
    )


def _digest(header, tensors):
    sha = hashlib.sha256(header.encode())
    for name in sorted(tensors):
        tensor = tensors[name]
        sha.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        sha.update(tensor.contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def _version():
    return __version__


# ------------------------------------------------------------------- reading
def _decode(value, registry):
    if isinstance(value, list):
        return [_decode(v, registry) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(_decode(v, registry) for v in value["__tuple__"])
        if "__str_array__" in value:
            return np.array(value["__str_array__"], dtype=np.dtype(value["dtype"]))
        if "__object_array__" in value:
            return np.array(_decode(value["__object_array__"], registry), dtype=object)
        if "__estimator__" in value:
            cls = _known_class(value["__estimator__"], registry)
            return cls(**{k: _decode(v, registry) for k, v in value["params"].items()})
    return value


def _known_class(name, registry):
    if name not in registry:
        raise ValueError(
            f"the file describes a {name!r}, which is not one of skae's estimators "
            f"({', '.join(sorted(registry))}); refusing to load it."
        )
    return registry[name]


def _rebuild(record, prefix, tensors, registry, device):
    cls = _known_class(record["class"], registry)
    estimator = cls(**{k: _decode(v, registry) for k, v in record["params"].items()})
    for key, value in record["attributes"].items():
        setattr(estimator, key, _decode(value, registry))
    for key in record["arrays"]:
        setattr(estimator, key, tensors[f"{prefix}attr.{key}"].numpy().copy())
    for key, child in record["children"].items():
        if isinstance(child, list):
            setattr(estimator, key, [
                _rebuild(c, f"{prefix}{key}.{i}.", tensors, registry, device)
                for i, c in enumerate(child)
            ])
        else:
            setattr(estimator, key, _rebuild(child, f"{prefix}{key}.", tensors, registry, device))
    if "output" in record:
        estimator.set_output(**{key: value for key, value in record["output"].items()
                                if key == "transform"})
    if record["has_net"]:
        estimator._trainer_ = restore_trainer(
            estimator,
            Table.from_dict(record["table"]) if "table" in record else None,
            _state(tensors, f"{prefix}module."),
            _state(tensors, f"{prefix}corruption."),
            device,
        )
    return estimator


def _state(tensors, prefix):
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
