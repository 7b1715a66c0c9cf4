"""Docstring fragments shared by every estimator, so each is written once."""

N_COMPONENTS = """\
    n_components : int, default=2
        Width of the code (the bottleneck): the number of columns of
        ``transform``'s output."""

COMMON_PARAMETERS = """\
    hidden_layer_sizes : int, tuple of int or "auto", default="auto"
        Widths of the encoder's dense hidden layers, input side first. The
        decoder mirrors them. ``()`` gives a single linear layer each way.
        ``"auto"`` means ``(64,)``, except with ``architecture="conv"``, where
        the convolutions' output goes straight to the code (``()``; the
        ConditionalVAE keeps ``(64,)`` there, the layer where its label joins).
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", "elu", \
"gelu"}, default="relu"
        Activation between hidden layers. The code layer and the output layer
        are linear.
    architecture : {"mlp", "conv"}, default="mlp"
        ``"mlp"``: fully connected layers. ``"conv"``: each row is an image
        (``image_shape``); the encoder is a stack of ``Conv2d`` layers
        (``conv_channels``, kernel 3) followed by the dense
        ``hidden_layer_sizes`` (none by default) and the code, and the decoder mirrors it with
        ``ConvTranspose2d`` layers, cropped to the image size (any height and
        width work).
    image_shape : tuple of int (channels, height, width) or None, default=None
        How each flat row is laid out as an image, C-order
        (``X.reshape(n, channels, height, width)``); its product must equal
        the number of features. Required for ``architecture="conv"``.
    conv_channels : tuple of int, default=(16, 32, 64)
        Output channels of the encoder's convolutions, input side first;
        each halves the height and width (rounding up, stride 2) until the
        smaller side is 4 pixels or fewer, and keeps the size from there
        (stride 1): 28 x 28 images go 14 -> 7 -> 4, 8 x 8 ones 4 -> 4 -> 4.
    encoder : torch.nn.Module or None, default=None
        Your own encoder, used instead of skae's (``architecture``,
        ``hidden_layer_sizes`` and ``conv_channels`` then shape only what you
        do not supply). It maps a float32 batch ``(n, n_features)`` to a 2-D
        tensor: for the autoencoders the code, of width ``n_components``; for
        the VAE features of any width, from which skae's heads give the
        posterior mean and log-variance. ``fit`` trains a copy and keeps its
        initial weights as given (``random_state`` does not re-draw them). The
        exact contractive penalty differentiates it generally.
    decoder : torch.nn.Module or None, default=None
        Your own decoder: from a batch of codes ``(n, n_components)`` (for a
        ConditionalVAE, codes followed by the one-hot label) to ``(n,
        n_features)``: the reconstruction, or the Gaussian mean or Bernoulli
        logits for the VAE. Models with your own modules can be pickled but
        not written by ``skae.save``, whose files never hold code.
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; ``"auto"`` means 256. A last, smaller batch is
        kept; fewer rows than ``batch_size`` make a single batch.
    max_iter : int, default=200
        Maximum number of epochs (passes over the training data).
    learning_rate_init : float, default=1e-3
        Learning rate of the optimizer (the peak rate of a one-cycle schedule).
    learning_rate : {"constant", "onecycle"}, default="constant"
        Learning-rate schedule of ``fit``. ``"constant"`` trains at
        ``learning_rate_init`` throughout. ``"onecycle"`` runs torch's
        ``OneCycleLR`` over the steps of the ``max_iter`` epochs: the rate
        rises from a 25th of ``learning_rate_init`` to it over the first 30%
        of the steps, then falls along a cosine to nearly zero (for Adam and
        AdamW the first beta moves the other way, from 0.95 to 0.85 and
        back). With a higher ``learning_rate_init`` it often reaches a lower
        loss in fewer epochs; ``AutoencoderImputer`` trains this way. The
        stopping rule still applies (it rarely fires while the rate is
        high); a fit that runs all ``max_iter`` epochs has finished its
        schedule and gives no ``ConvergenceWarning``. ``partial_fit`` epochs
        run at the constant rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, \
default="adam"
        Optimizer. A name runs torch's optimizer with its fastest update
        (``fused=True`` for Adam and AdamW on CUDA, and on CPU with torch 2.4
        or newer; otherwise ``foreach=True``); a class is called as
        ``optimizer(params, lr=..., weight_decay=...)``.
    weight_decay : float, default=0.0
        L2 penalty (``weight_decay`` argument of the optimizer).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stop when the validation
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs, and
        keep the weights of the best epoch. When False, the same rule is
        applied to the training loss.
    validation_fraction : float, default=0.1
        Fraction of the rows held out when ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before stopping.
    tol : float, default=1e-4
        Minimum decrease of the monitored loss that counts as an improvement
        (absolute, in the units of ``loss_curve_``).
    trim : float in [0, 0.5), default=0.0
        Robust training for data with anomalies among the training rows:
        from the second epoch on, the rows whose reconstruction error exceeds
        the ``1 - trim`` quantile of the previous epoch's errors are left out
        of each gradient step (a trimmed loss), and out of the statistics
        behind ``score_samples``. Set it near the expected fraction of
        anomalies (``OutlierDetector`` sets it from ``contamination``);
        0 trains on every row.
    warm_start : bool, default=False
        When True and the estimator is fitted, ``fit`` continues training the
        fitted network (its architecture and optimizer state) for up to
        ``max_iter`` more epochs instead of starting afresh.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Where to train and run the network: ``"auto"`` picks CUDA when it is
        available. Any torch device string (``"cuda:1"``) is accepted.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, the validation split and any
        corruption, through generators local to this estimator (torch's global
        generator is never seeded). Pass an int for reproducible results.
    verbose : int, default=0
        Print one line of losses per epoch when positive.
    categorical_features : "from_dtype", array-like of str or int, bool mask or \
None, default="from_dtype"
        For tables (see the user guide, "Real tables"): which columns are
        categorical. A pandas DataFrame with a non-numeric column, or any data
        with missing values, is modelled column by column: numeric columns
        standardised inside the estimator with a Gaussian head, bool columns
        with a Bernoulli head, categorical ones one-hot with a softmax head;
        missing entries are left out of the loss and of the scores.
        ``"from_dtype"`` (or None) takes categorical, string and object
        columns as categorical; names, indices or a mask mark the
        categorical columns explicitly (the others must be numeric or
        bool). Numeric arrays without missing values are modelled as they
        are, and this parameter does not apply to them."""

RESIDUAL_PARAMETERS = """\
    residual_likelihood : {"gaussian", "cauchy"}, default="gaussian"
        The law of each feature's reconstruction residual in ``score_samples``
        (its scale is the training residual's, ``residual_variance_``).
        ``"gaussian"``: probabilistic PCA's analogue. ``"cauchy"``: heavy
        tails, so that one feature far off its usual residual (a rare pixel, a
        count spike) does not dominate a row's score; the anomaly detector's
        default members use it. Training is the same either way."""

COMMON_ATTRIBUTES = """\
    module_ : torch.nn.Module
        The trained PyTorch network (``encode``, ``decode``), in evaluation
        mode; for inspection or export. Training goes through ``fit`` and
        ``partial_fit``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in,)
        Names of features seen during fit, when ``X`` has string column names.
    n_components_ : int
        Width of the fitted code.
    n_iter_ : int
        Number of epochs run (accumulated over warm starts).
    loss_curve_ : list of float
        Training loss at the end of each epoch (mean over rows of the
        per-row loss: summed squared error plus any penalty).
    validation_scores_ : list of float
        Only with ``early_stopping=True``: minus the validation loss of each
        epoch (higher is better, as in scikit-learn's ``MLPRegressor``).
    best_validation_score_ : float
        Only with ``early_stopping=True``: the best of ``validation_scores_``,
        whose weights the estimator keeps.
    column_kinds_ : dict
        Only for tables: each column's treatment, ``"numeric"``, ``"binary"``
        or ``"categorical"``, by column name (position without names)."""

RESIDUAL_ATTRIBUTES = """\
    residual_variance_ : ndarray of shape (n_features_in,)
        Per-feature variance of the reconstruction residual on the training
        data: the noise model behind ``score_samples``. For a table, one per
        numeric column (in its standardised units, observed entries only).
    code_mean_ : ndarray of shape (n_components,)
        Mean of the training codes.
    code_covariance_ : ndarray of shape (n_components, n_components)
        Covariance of the training codes (Ledoit-Wolf shrunk): with
        ``code_mean_``, the Gaussian density of codes in ``score_samples``."""


def fill_doc(cls):
    """Class decorator: insert the shared fragments into ``cls.__doc__``."""
    cls.__doc__ = cls.__doc__.replace("%(n_components)s", N_COMPONENTS)
    cls.__doc__ = cls.__doc__.replace("%(common_parameters)s", COMMON_PARAMETERS)
    cls.__doc__ = cls.__doc__.replace("%(common_attributes)s", COMMON_ATTRIBUTES)
    cls.__doc__ = cls.__doc__.replace("%(residual_parameters)s", RESIDUAL_PARAMETERS)
    cls.__doc__ = cls.__doc__.replace("%(residual_attributes)s", RESIDUAL_ATTRIBUTES)
    return cls
