"""Conv against dense denoising autoencoders on scikit-learn's 8 x 8 digits.

The small-image case: pixels scaled to [0, 1], a 75/25 split
(``random_state=0``), ``DenoisingAutoencoder(noise="salt_and_pepper",
noise_level=0.2, n_components=16)`` with each architecture's class defaults
(the MLP: one hidden layer of 64; the conv net: 16-32-64 channels straight to
the code), ``tol=0.0`` so every epoch runs. For each, after ``--epochs``
(default 80) epochs: the final training loss, the first epoch whose loss is at
or below the MLP's final loss, the PSNR of held-out images corrupted the same
way (20% salt and pepper) and of their reconstructions, and seconds per epoch
(median over ``--repeats`` fits, each in this process after a warm-up fit).

Writes ``results/bench_conv_digits.{json,md}``.

Usage::

    python benchmarks/bench_conv_digits.py
    python benchmarks/bench_conv_digits.py --epochs 300
"""

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
ARCHITECTURES = {
    "mlp": dict(),
    "conv": dict(architecture="conv", image_shape=(1, 8, 8)),
}


def psnr(clean, other):
    return float(10 * np.log10(1.0 / np.mean((clean - other) ** 2)))


def main(argv=None):
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from skae import DenoisingAutoencoder

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_conv_digits.json")
    args = parser.parse_args(argv)

    X = (load_digits().data / 16.0).astype(np.float32)
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    rng = np.random.default_rng(1)
    noisy = X_test.copy()
    hit = rng.random(X_test.shape) < 0.2
    noisy[hit] = rng.integers(0, 2, hit.sum())

    def fit(layers, epochs):
        model = DenoisingAutoencoder(noise="salt_and_pepper", noise_level=0.2, n_components=16,
                                     max_iter=epochs, tol=0.0, device="cpu", random_state=0,
                                     **layers)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X_train)
        return model, time.perf_counter() - start

    for layers in ARCHITECTURES.values():  # warm-up: the first fit pays torch's start-up
        fit(layers, 2)
    rows = []
    for name, layers in ARCHITECTURES.items():
        seconds = []
        for _ in range(args.repeats):
            model, elapsed = fit(layers, args.epochs)
            seconds.append(elapsed / model.n_iter_)
        rows.append({
            "architecture": name,
            "epochs": model.n_iter_,
            "loss_curve": [float(v) for v in model.loss_curve_],
            "final_loss": float(model.loss_curve_[-1]),
            "psnr_noisy": psnr(X_test, noisy),
            "psnr_denoised": psnr(X_test, model.inverse_transform(model.transform(noisy))),
            "s_per_epoch": float(np.median(seconds)),
        })
        print(f"{name}: loss {rows[-1]['final_loss']:.3f}, PSNR {rows[-1]['psnr_noisy']:.2f} -> "
              f"{rows[-1]['psnr_denoised']:.2f} dB, {rows[-1]['s_per_epoch'] * 1000:.0f} ms "
              "per epoch", flush=True)
    reference = rows[0]["final_loss"]
    for row in rows:
        reached = [i + 1 for i, v in enumerate(row["loss_curve"]) if v <= reference]
        row["epochs_to_mlp_loss"] = reached[0] if reached else None

    lines = [
        f"Digits (1347 training / 450 test images, 8 x 8), DenoisingAutoencoder, salt and pepper "
        f"0.2, 16 components, class defaults, {args.epochs} epochs; CPU, "
        f"{torch.get_num_threads()} threads, median of {args.repeats} fits.",
        "",
        "| architecture | final training loss | first epoch at the MLP's final loss "
        "| PSNR noisy -> denoised (gain) | ms per epoch |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['architecture']} | {r['final_loss']:.3f} | {r['epochs_to_mlp_loss']} | "
            f"{r['psnr_noisy']:.2f} -> {r['psnr_denoised']:.2f} "
            f"({r['psnr_denoised'] - r['psnr_noisy']:+.2f}) | {r['s_per_epoch'] * 1000:.0f} |"
        )
    table = "\n".join(lines)
    print("\n" + table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                       "python": platform.python_version(),
                                       "torch": torch.__version__, "rows": rows}, indent=2))
    args.output.with_suffix(".md").write_text(table + "\n")


if __name__ == "__main__":
    main()
