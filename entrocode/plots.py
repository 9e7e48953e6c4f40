"""Plots for teaching: distributions and code lengths, convergence, extension coding.

Needs matplotlib, the optional ``plot`` extra (``pip install "entrocode[plot]"``).
matplotlib is imported only when a plot is drawn, so the rest of entrocode
never pays for it; without it, every function raises :class:`PlotError`
saying how to install it.

Drawing is headless: figures are rendered with matplotlib's Agg canvas
directly, never through ``pyplot``, so no window opens, no display is
needed and the caller's matplotlib backend is left alone.  Every PNG is
written atomically: to a temporary file in the target's folder, then renamed
over the target, so a reader never sees half an image.

- :func:`plot_distribution`: P (and a model Q) as bars, with each symbol's
  surprisal ``-log2 p`` beside its Huffman codeword length.
- :func:`plot_convergence`: the measured bits per symbol of growing samples
  converging to the expected rate, with a confidence band, and the lines
  H(P) and H(P,Q).
- :func:`plot_extension`: ``L_K / K``, the bits per symbol of a Huffman code
  on blocks of K symbols, against K, between H and the bound H + 1/K.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from entrocode.distribution import Distribution, align
from entrocode.errors import EntrocodeError

__all__ = ["PlotError", "plot_convergence", "plot_distribution", "plot_extension"]

#: Figure size in inches and resolution: 960 x 600 pixels.
_FIGSIZE = (9.6, 6.0)
_DPI = 100
#: Above this many symbols the x axis carries no symbol names.
_MAX_TICK_LABELS = 40


class PlotError(EntrocodeError):
    """A plot cannot be drawn: matplotlib is missing, or the data to plot is invalid."""


def _figure() -> tuple[Any, Any]:
    """A new headless figure and its Agg canvas; PlotError when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotError(
            'plotting needs matplotlib, which is not installed: pip install "entrocode[plot]"'
        ) from None
    fig = Figure(figsize=_FIGSIZE, dpi=_DPI, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    return fig, canvas


def _save(fig: Any, canvas: Any, path: str | os.PathLike[str]) -> Path:
    """Write the figure as PNG to ``path`` atomically; return the path."""
    from entrocode.container import atomic_output

    target = Path(path)
    try:
        with atomic_output(target, overwrite=True) as fh:
            canvas.print_png(fh)
    finally:
        fig.clear()
    return target


def _series(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise PlotError(f"{name} must be numbers, got {values!r}") from None
    if arr.ndim != 1 or arr.size == 0:
        raise PlotError(f"{name} must be a non-empty list of numbers, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise PlotError(f"{name} holds a value that is NaN or infinite: {arr.tolist()!r}")
    return arr


def _number(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise PlotError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise PlotError(f"{name} must be finite, got {value!r}")
    return v


def _same_length(named: dict[str, np.ndarray]) -> None:
    sizes = {name: arr.size for name, arr in named.items()}
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"{n}: {s}" for n, s in sizes.items())
        raise PlotError(f"the series must have the same length, got {listed}")


def plot_distribution(
    p: Distribution, q: Distribution | None, path: str | os.PathLike[str]
) -> Path:
    """Plot P (and a model Q) with their surprisals and Huffman codeword lengths.

    Top panel: the probability of each symbol under P, and under Q beside it.
    Bottom panel: each symbol's surprisal ``-log2 p(x)``, its ideal code
    length in bits, as bars, and the length of its codeword in the Huffman
    code built for P (and for Q) as markers.  The lesson: Huffman lengths
    are whole numbers that track the surprisal, so likely symbols get short
    codewords; a symbol Q gives probability 0 has no codeword under Q (its
    surprisal is infinite, marked ``inf``).

    Parameters
    ----------
    p : Distribution
        The true distribution.
    q : Distribution or None
        A model; its symbols are aligned with P's (P's order first).
    path : str or path-like
        Where to write the PNG (960 x 600 pixels); written atomically.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    PlotError
        When matplotlib is not installed.
    """
    from entrocode.codebook import huffman_code
    from entrocode.render import symbol_text

    fig, canvas = _figure()
    if q is None:
        symbols = list(p.symbols)
        series = [("P", p.probabilities.astype(np.float64), huffman_code(p))]
    else:
        symbols = list(p.symbols) + [s for s in q.symbols if s not in p]
        pa, qa = align(p, q)
        series = [("P", pa, huffman_code(p)), ("Q", qa, huffman_code(q))]
    x = np.arange(len(symbols))
    width = 0.8 / len(series)
    ax_p, ax_s = fig.subplots(2, 1, sharex=True)
    colors = ("tab:blue", "tab:orange")
    for k, (name, probs, code) in enumerate(series):
        offset = (k - (len(series) - 1) / 2) * width
        ax_p.bar(x + offset, probs, width, label=f"{name}(x)", color=colors[k])
        with np.errstate(divide="ignore"):
            surprisal = -np.log2(probs)
        finite = np.isfinite(surprisal)
        ax_s.bar(x[finite] + offset, surprisal[finite], width, color=colors[k], alpha=0.45,
                 label=f"-log2 {name.lower()}(x)")
        lengths = code.lengths
        lx = [i for i, s in enumerate(symbols) if s in lengths]
        ax_s.plot(x[lx] + offset, [lengths[symbols[i]] for i in lx], linestyle="none",
                  marker="_", markersize=14, markeredgewidth=2.5, color=colors[k],
                  label=f"codeword length, {name}'s Huffman code")
        for i in np.flatnonzero(~finite).tolist():
            ax_s.annotate("inf", (x[i] + offset, 0), ha="center", va="bottom", fontsize=8)
    ax_p.set_ylabel("probability")
    ax_p.set_title("P and Q" if q is not None else "P")
    ax_p.legend(loc="upper right")
    ax_s.set_ylabel("bits")
    ax_s.set_title("surprisal -log2 p(x) and Huffman codeword length")
    ax_s.legend(loc="upper left", fontsize=8)
    if len(symbols) <= _MAX_TICK_LABELS:
        ax_s.set_xticks(x, [symbol_text(s) for s in symbols])
    else:
        ax_s.set_xlabel(f"{len(symbols)} symbols")
    return _save(fig, canvas, path)


def plot_convergence(
    ns: Sequence[float] | np.ndarray,
    measured_rates: Sequence[float] | np.ndarray,
    ci_low: Sequence[float] | np.ndarray,
    ci_high: Sequence[float] | np.ndarray,
    expected_rate: float,
    entropy_p: float,
    cross_entropy: float | None,
    path: str | os.PathLike[str],
) -> Path:
    """Plot measured bits per symbol converging to the expected rate as samples grow.

    The measured rate (bits of the encoded sample divided by its length n) is
    a line with its confidence band ``[ci_low, ci_high]`` shaded; the
    expected rate ``L = sum_x p(x) * l(x)`` is a horizontal line it should
    converge to, with ``H(P)`` (the best any code can do on average) and
    ``H(P,Q)`` (the ideal rate of a code built for a model Q) as horizontal
    lines for reference.  The x axis is logarithmic when n spans more than a
    factor of 20.

    Parameters
    ----------
    ns : sequence of float
        Sample sizes, one per point (positive).
    measured_rates, ci_low, ci_high : sequence of float
        Measured bits per symbol and the band's bounds, aligned with ``ns``.
    expected_rate : float
        The expected bits per symbol of the code used.
    entropy_p : float
        H(P) in bits.
    cross_entropy : float or None
        H(P,Q) in bits; None when no model is involved.
    path : str or path-like
        Where to write the PNG; written atomically.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    PlotError
        When matplotlib is missing, the series are empty, of different
        lengths or not finite, or a sample size is not positive.
    """
    n = _series(ns, "ns")
    rates = _series(measured_rates, "measured_rates")
    low = _series(ci_low, "ci_low")
    high = _series(ci_high, "ci_high")
    _same_length({"ns": n, "measured_rates": rates, "ci_low": low, "ci_high": high})
    if np.any(n <= 0):
        raise PlotError(f"sample sizes must be positive, got {n.tolist()!r}")
    expected = _number(expected_rate, "expected_rate")
    h = _number(entropy_p, "entropy_p")
    hpq = None if cross_entropy is None else _number(cross_entropy, "cross_entropy")
    fig, canvas = _figure()
    ax = fig.subplots()
    ax.fill_between(n, low, high, color="tab:blue", alpha=0.2, label="confidence band")
    ax.plot(n, rates, marker="o", color="tab:blue", label="measured bits/symbol")
    ax.axhline(expected, color="black", linestyle="-", linewidth=1.2,
               label=f"expected rate L = {expected:.4f}")
    ax.axhline(h, color="tab:green", linestyle="--", label=f"H(P) = {h:.4f}")
    if hpq is not None:
        ax.axhline(hpq, color="tab:red", linestyle=":", label=f"H(P,Q) = {hpq:.4f}")
    if n.max() / n.min() > 20:
        ax.set_xscale("log")
    ax.set_xlabel("sample size n (symbols)")
    ax.set_ylabel("bits per symbol")
    ax.set_title("measured rate converging to the expected rate")
    ax.legend(loc="best")
    return _save(fig, canvas, path)


def plot_extension(
    orders: Sequence[int] | np.ndarray,
    rates: Sequence[float] | np.ndarray,
    entropy: float,
    path: str | os.PathLike[str],
) -> Path:
    """Plot ``L_K / K`` against K: coding blocks of K symbols approaches the entropy.

    A Huffman code for blocks of K symbols has expected length ``L_K`` with
    ``K*H <= L_K < K*H + 1``, so its bits per symbol ``L_K / K`` lies between
    H and ``H + 1/K``.  The plot shows the measured ``L_K / K`` with H as a
    horizontal line and the bound ``H + 1/K`` as a dashed curve closing in.

    Parameters
    ----------
    orders : sequence of int
        The block lengths K (positive).
    rates : sequence of float
        ``L_K / K`` in bits per symbol, aligned with ``orders``.
    entropy : float
        H in bits per symbol.
    path : str or path-like
        Where to write the PNG; written atomically.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    PlotError
        When matplotlib is missing, the series are empty, of different
        lengths or not finite, or an order is not positive.
    """
    k = _series(orders, "orders")
    r = _series(rates, "rates")
    _same_length({"orders": k, "rates": r})
    if np.any(k <= 0):
        raise PlotError(f"block lengths K must be positive, got {k.tolist()!r}")
    h = _number(entropy, "entropy")
    fig, canvas = _figure()
    ax = fig.subplots()
    grid = np.linspace(k.min(), k.max(), 200) if k.size > 1 else k
    ax.plot(grid, h + 1.0 / grid, color="tab:red", linestyle="--", label="bound H + 1/K")
    ax.axhline(h, color="tab:green", linestyle="-", label=f"H = {h:.4f}")
    ax.plot(k, r, marker="o", color="tab:blue", label="L_K / K (Huffman code on K-blocks)")
    if np.unique(k).size <= 20:
        ax.set_xticks(np.unique(k))
    ax.set_xlabel("block length K (symbols)")
    ax.set_ylabel("bits per symbol")
    ax.set_title("extension coding: bits per symbol against block length")
    ax.legend(loc="best")
    return _save(fig, canvas, path)
