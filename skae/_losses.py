"""Training objectives and per-row scores, in plain PyTorch.

An objective is an ``nn.Module`` called as ``objective(output, target,
context)`` and returning a scalar: ``output`` is what the autoencoder
module's ``forward`` returned, ``target`` the clean batch and ``context`` an
:class:`ObjectiveContext`: the (possibly corrupted) batch the module saw, the
module itself (for penalties on its Jacobian), the training run's random
generator (for stochastic terms), the number of training rows and the epoch
(for terms that depend on them, such as a total-correlation penalty that
needs the data set's size). A variant adds a regulariser by subclassing
:class:`PenalizedLoss` and writing only its ``penalty``.

Nothing here imports scikit-learn or skorch.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

__all__ = [
    "ObjectiveContext",
    "ContractiveLoss",
    "PenalizedLoss",
    "ReconstructionLoss",
    "SparsityLoss",
    "VAELoss",
    "gaussian_kl",
    "importance_weighted_bound",
    "log_likelihood",
    "gaussian_log_likelihood",
    "jacobian_frobenius_squared",
    "kl_sparsity",
    "squared_error",
]


def squared_error(reconstruction, target):
    """Squared reconstruction error summed over features: one value per row."""
    return (reconstruction - target).square().flatten(1).sum(dim=1)


def gaussian_log_likelihood(squared_residual, variance):
    """Log-density of residuals under independent ``N(0, variance_d)``, per row.

    Parameters
    ----------
    squared_residual : tensor of shape (n_samples, n_features)
        Squared reconstruction residuals.
    variance : tensor of shape (n_features,)
        Per-feature residual variance (strictly positive).

    Returns
    -------
    tensor of shape (n_samples,)
        ``-1/2 * sum_d (r_d^2 / var_d + log(2 pi var_d))``, in nats.
    """
    log_norm = torch.log(variance).sum() + variance.numel() * math.log(2 * math.pi)
    return -0.5 * ((squared_residual / variance).sum(dim=1) + log_norm)


@dataclass(frozen=True)
class ObjectiveContext:
    """What an objective may use besides the module's output and the clean batch.

    ``inputs``: the batch the module saw (corrupted for a denoising
    autoencoder); ``module``: the autoencoder module; ``generator``: the
    training run's random generator; ``n_rows``: training rows in the data set;
    ``epoch``: the epoch being trained (1-based); ``condition``: the batch's
    condition (one-hot labels of a conditional model), or None.
    """

    inputs: torch.Tensor = None
    module: nn.Module = None
    generator: torch.Generator = None
    n_rows: int = None
    epoch: int = None
    condition: torch.Tensor = None


class ReconstructionLoss(nn.Module):
    """Mean over rows of the squared error summed over features (theory, section 1).

    ``L = (1/n) sum_i ||x_i - D(E(x~_i))||^2``, where ``x~`` is the input the
    module saw (corrupted for a denoising autoencoder) and ``x`` the clean
    target.
    """

    #: A decoder likelihood replacing the squared error (a table's columns), or None.
    likelihood = None

    def use_likelihood(self, likelihood):
        """Score reconstructions by ``-likelihood.log_density`` (in nats) instead of
        the squared error: a table's Gaussian, Bernoulli and softmax heads, with
        missing entries left out."""
        self.likelihood = likelihood

    def forward(self, output, target, context=None):
        if self.likelihood is not None:
            return -self.likelihood.log_density(output.reconstruction, target).mean()
        return squared_error(output.reconstruction, target).mean()


class PenalizedLoss(ReconstructionLoss):
    """Reconstruction loss plus ``weight * penalty(...)``; subclasses define ``penalty``."""

    def __init__(self, weight):
        super().__init__()
        self.weight = float(weight)

    def penalty(self, output, context):
        """The regulariser for this batch: a scalar tensor."""
        raise NotImplementedError

    def forward(self, output, target, context=None):
        loss = super().forward(output, target)
        if self.weight:
            loss = loss + self.weight * self.penalty(output, context)
        return loss


# -------------------------------------------------------------------- sparsity
def kl_sparsity(code, target, eps=1e-6):
    """``sum_j KL(rho || rho_hat_j)`` with ``rho_hat_j`` the batch mean of unit j.

    ``code`` holds activations in (0, 1) (sigmoid units). ``rho_hat`` is
    clamped to ``[eps, 1 - eps]`` so the penalty stays finite when a unit is
    saturated over a whole batch (theory, section 3).
    """
    rho = torch.as_tensor(target, dtype=code.dtype, device=code.device)
    rho_hat = code.mean(dim=0).clamp(eps, 1 - eps)
    return (
        rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
    ).sum()


class SparsityLoss(PenalizedLoss):
    """Reconstruction plus a sparsity penalty on the code.

    Parameters
    ----------
    sparsity : {"kl", "l1", "topk"}
        ``"kl"``: ``sum_j KL(target || rho_hat_j)`` over sigmoid units;
        ``"l1"``: ``mean_i ||code_i||_1``; ``"topk"``: no penalty (the
        sparsity is structural, enforced by the module).
    weight : float
        Multiplies the penalty.
    target : float
        The target mean activation ``rho`` for ``"kl"``.
    """

    def __init__(self, sparsity, weight, target=0.05):
        super().__init__(0.0 if sparsity == "topk" else weight)
        self.sparsity = sparsity
        self.target = target

    def penalty(self, output, context):
        if self.sparsity == "kl":
            return kl_sparsity(output.code, self.target)
        return output.code.abs().sum(dim=1).mean()


# ----------------------------------------------------------------- contraction
# a'(u) of elementwise activations, from the module, its input u and output h.
_DERIVATIVES = {
    nn.Sigmoid: lambda m, u, h: h * (1 - h),
    nn.Tanh: lambda m, u, h: 1 - h * h,
    nn.ReLU: lambda m, u, h: (u > 0).to(u.dtype),
    nn.LeakyReLU: lambda m, u, h: torch.where(u > 0, 1.0, m.negative_slope).to(u.dtype),
    nn.ELU: lambda m, u, h: torch.where(u > 0, torch.ones_like(h), h + m.alpha),
    nn.Identity: lambda m, u, h: torch.ones_like(u),
}


def _elementwise_stack(encoder):
    """The layers of ``encoder`` when it is a stack of ``Linear`` layers and
    elementwise activations with known derivatives (the MLP encoders), else None."""
    layers = list(encoder) if isinstance(encoder, nn.Sequential) else [encoder]
    if not layers or not any(isinstance(layer, nn.Linear) for layer in layers):
        return None
    if all(isinstance(layer, nn.Linear) or type(layer) in _DERIVATIVES for layer in layers):
        return layers
    return None


def _stack_jacobian(layers, x):
    """Per-row Jacobians ``(n, L, D)`` of an elementwise stack, by batched products.

    ``J(x) = W_K A_{K-1} W_{K-1} ... A_1 W_1`` with ``A_k = diag(a'(u_k))``,
    multiplied from the input side when ``D <= L`` (the products stay ``n x
    width x D``) and from the code side otherwise (``n x L x width``).
    """
    factors = []  # ("W", weight) or ("A", slopes of shape (n, width))
    h = x
    for layer in layers:
        if isinstance(layer, nn.Linear):
            h = layer(h)
            factors.append(("W", layer.weight))
        else:
            u = h
            h = layer(u)
            factors.append(("A", _DERIVATIVES[type(layer)](layer, u, h)))
    from_input = x.shape[1] <= h.shape[1]
    jacobian = None  # None stands for the identity
    for kind, factor in factors if from_input else reversed(factors):
        if jacobian is None:
            if kind == "W":
                jacobian = factor.expand(len(x), -1, -1)
            else:
                jacobian = torch.diag_embed(factor)
        elif kind == "W":
            jacobian = factor @ jacobian if from_input else jacobian @ factor
        elif from_input:
            jacobian = factor.unsqueeze(-1) * jacobian
        else:
            jacobian = jacobian * factor.unsqueeze(1)
    return jacobian


def jacobian_frobenius_squared(encoder, x, method="exact", n_projections=1, generator=None,
                               structured=None):
    """``||J_E(x_i)||_F^2`` for each row of ``x`` (theory, section 4).

    Parameters
    ----------
    encoder : callable
        Maps a batch ``(n, D)`` to codes ``(n, L)``, row by row.
    x : tensor of shape (n, D)
        Points where the Jacobian is taken.
    method : {"exact", "stochastic"}
        ``"exact"``: a closed form for one linear layer with an elementwise
        activation, ``sum_j a'(u_j)^2 ||W_j||^2`` (``(h_j(1-h_j))^2`` for a
        sigmoid); for a deeper stack of linear layers and such activations
        (skae's MLP encoders), the per-row Jacobians ``W_K A_{K-1} ... A_1
        W_1`` by batched matrix products; for any other encoder (conv, GELU,
        top-k) the full per-row Jacobian by ``torch.func``, forward mode when
        ``D <= L`` and reverse mode otherwise (each costs ``min(D, L)``
        passes). ``"stochastic"``: the unbiased estimate
        ``mean_k ||J v_k||^2`` with ``v_k ~ N(0, I)``, one forward-mode
        product per projection, for wide inputs.
    n_projections : int, default=1
        Number of random projections for ``"stochastic"``.
    generator : torch.Generator, optional
        Source of the projections.
    structured : None or False, default=None
        None: use the closed form or the layer products when ``encoder`` is a
        stack of ``Linear`` layers and known elementwise activations. False:
        always the general ``torch.func`` path (a user's encoder).

    Returns
    -------
    tensor of shape (n,)
        Differentiable with respect to the encoder's parameters.
    """
    if method == "stochastic":
        total = 0.0
        for _ in range(n_projections):
            v = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            _, jv = torch.func.jvp(encoder, (x,), (v,))
            total = total + jv.square().flatten(1).sum(dim=1)
        return total / n_projections
    layers = None if structured is False else _elementwise_stack(encoder)
    if layers is not None:
        if [isinstance(layer, nn.Linear) for layer in layers] in ([True], [True, False]):
            # One layer: sum_j a'(u_j)^2 ||W_j||^2, without forming J.
            linear, activation = layers[0], (layers[1:] or [nn.Identity()])[0]
            u = linear(x)
            slope = _DERIVATIVES[type(activation)](activation, u, activation(u))
            return slope.square() @ linear.weight.square().sum(dim=1)
        return _stack_jacobian(layers, x).square().flatten(1).sum(dim=1)
    return _torch_func_norms(encoder, x)


def _torch_func_norms(encoder, x):
    """``||J_E(x_i)||_F^2`` from the full per-row Jacobians by ``torch.func`` (any encoder)."""

    def one_row(row):
        return encoder(row.unsqueeze(0)).squeeze(0)

    n_outputs = one_row(x[0].detach()).numel() if len(x) else 0
    jacobian = torch.func.jacfwd if x.shape[1] <= n_outputs else torch.func.jacrev
    return torch.func.vmap(jacobian(one_row))(x).square().flatten(1).sum(dim=1)


class ContractiveLoss(PenalizedLoss):
    """Reconstruction plus ``weight * mean_i ||J_E(x~_i)||_F^2`` (Rifai et al., 2011).

    ``module`` must expose ``encode``; the Jacobian is taken at the inputs the
    module saw.
    """

    def __init__(self, weight, method="exact", n_projections=1):
        super().__init__(weight)
        self.method = method
        self.n_projections = n_projections

    def penalty(self, output, context):
        module = context.module
        encoder = module.encoder if hasattr(module, "encoder") else module.encode
        structured = None if getattr(module, "structured_encoder", False) else False
        return jacobian_frobenius_squared(
            encoder, context.inputs, self.method, self.n_projections, context.generator,
            structured=structured,
        ).mean()


# ---------------------------------------------------------------- variational
def gaussian_kl(mean, log_var):
    """``KL(N(mean, exp(log_var)) || N(0, I))`` per row, in closed form (theory, section 5)."""
    return 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(dim=-1)


def log_likelihood(module, z, x, c=None):
    """``log p(x | z)`` (``log p(x | z, c)``) summed over features, with all constants (nats).

    ``z`` may carry leading sample dimensions in front of ``x``'s batch
    dimension; ``x`` and ``c`` broadcast against the decoder output.
    """
    return module.likelihood.log_density(module.decoder_output(z, c), x, module.log_std)


def _standard_normal(shape, generator, like):
    return torch.randn(shape, generator=generator, device=like.device, dtype=like.dtype)


class VAELoss(nn.Module):
    """Negative ELBO with a weighted divergence: ``-E_q[log p(x|z)] + beta * D(q || p)``.

    One reparameterised sample ``z = mean + exp(log_var / 2) * eps`` per row,
    averaged over the batch (Kingma & Welling, 2014; beta-VAE for beta != 1).
    ``divergence(mean, log_var)`` gives ``D`` per row: by default the KL to
    ``N(0, I)`` in closed form (:func:`gaussian_kl`); another regulariser on
    the posterior (an MMD, a total-correlation term) replaces it there.
    """

    def __init__(self, beta=1.0, divergence=None):
        super().__init__()
        self.beta = float(beta)
        self.divergence = gaussian_kl if divergence is None else divergence

    def use_likelihood(self, likelihood):
        """Nothing to do: the VAE's module carries its likelihood (``module.likelihood``)."""

    def forward(self, output, target, context=None):
        mean, log_var = output.code, output.log_var
        eps = _standard_normal(mean.shape, context.generator, mean)
        z = mean + torch.exp(0.5 * log_var) * eps
        reconstruction = log_likelihood(context.module, z, target, context.condition)
        return (self.beta * self.divergence(mean, log_var) - reconstruction).mean()


def importance_weighted_bound(module, x, eps, c=None):
    """Importance-weighted lower bound on ``log p(x)`` per row (Burda et al., 2016).

    ``log (1/k) sum_s p(x, z_s) / q(z_s | x)`` with ``z_s = mean + std * eps_s``.

    Parameters
    ----------
    module : VAEModule
    x : tensor of shape (n, D)
    eps : tensor of shape (k, n, L)
        Standard normal draws, ``k`` per row.

    Returns
    -------
    tensor of shape (n,)
        In nats; with ``k = 1`` it is a one-sample ELBO estimate.
    """
    mean, log_var = module.posterior(x, c)
    z = mean + torch.exp(0.5 * log_var) * eps  # (k, n, L)
    log_prior = -0.5 * (z.square() + math.log(2 * math.pi)).sum(dim=-1)
    log_posterior = -0.5 * (eps.square() + math.log(2 * math.pi) + log_var).sum(dim=-1)
    log_weights = log_likelihood(module, z, x, c) + log_prior - log_posterior  # (k, n)
    return torch.logsumexp(log_weights, dim=0) - math.log(len(eps))
