"""Measures of information: entropy, cross-entropy, KL and JS divergence, surprisal.

This module knows nothing of codes.  Every function takes probability vectors
(aligned sequences or numpy arrays) or :class:`~entrocode.Distribution` objects,
which are aligned by symbol over the union of their supports.

Conventions shared by every function:

- ``0 * log 0 = 0``: a zero-probability outcome contributes nothing.
- ``base`` sets the unit: 2 gives bits (the default), ``math.e`` nats, 10
  hartleys; any finite base > 1 is allowed.
- Input is validated, never repaired: negative, NaN or infinite entries, empty
  vectors, vectors of different lengths and sums further than 1e-9 from 1 raise
  :class:`~entrocode.errors.DistributionError` naming the offending value.
  Nothing is renormalised silently.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from entrocode.errors import DistributionError

__all__ = [
    "SUM_TOLERANCE",
    "cross_entropy",
    "entropy",
    "js_divergence",
    "kl_divergence",
    "surprisal",
]

#: How far from 1 the sum of a probability vector may be.
SUM_TOLERANCE = 1e-9


def _log_base(base: float) -> float:
    """Return ln(base) after checking that base is a finite number > 1."""
    try:
        b = float(base)
    except (TypeError, ValueError):
        raise DistributionError(f"base must be a number > 1, got {base!r}") from None
    if not math.isfinite(b) or b <= 1.0:
        raise DistributionError(f"base must be a finite number > 1, got {base!r}")
    return math.log(b)


def check_probabilities(p: Any, name: str = "p") -> np.ndarray:
    """Validate a probability vector and return it as a read-only float64 array.

    Parameters
    ----------
    p : sequence of float or numpy.ndarray
        Candidate probabilities.
    name : str
        The name used in error messages.

    Returns
    -------
    numpy.ndarray
        A new 1-D float64 array; the input is not modified.

    Raises
    ------
    DistributionError
        If ``p`` is empty or not one-dimensional, holds a negative, NaN or
        infinite entry, or does not sum to 1 within 1e-9.
    """
    arr = check_weights(p, name)
    try:
        total = math.fsum(arr.tolist())
    except OverflowError:  # finite entries whose sum exceeds the float range
        total = math.inf
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise DistributionError(
            f"{name} must sum to 1 within {SUM_TOLERANCE:g}, but sums to {total!r} "
            "(pass weights or counts with normalize=True / --normalize)"
        )
    return arr


def check_weights(w: Any, name: str = "weights") -> np.ndarray:
    """Validate non-negative finite weights (counts need not sum to 1).

    Returns a new read-only 1-D float64 array.  Raises
    :class:`DistributionError` for empty, non-numeric, negative, NaN or
    infinite input, naming the first offending entry.
    """
    try:
        arr = np.array(w, dtype=np.float64)
    except (TypeError, ValueError):
        raise DistributionError(f"{name} must be numbers, got {w!r}") from None
    if arr.ndim != 1:
        raise DistributionError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise DistributionError(f"{name} is empty")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = "NaN" if np.isnan(arr[i]) else ("infinite" if np.isinf(arr[i]) else "negative")
        raise DistributionError(f"{name}[{i}] = {float(arr[i])!r} is {what}")
    arr.flags.writeable = False
    return arr


def _vector(p: Any, name: str) -> np.ndarray:
    from entrocode.distribution import Distribution

    if isinstance(p, Distribution):
        return p.probabilities
    return check_probabilities(p, name)


def _pair(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate and align two distributions (by symbol when both are Distributions)."""
    from entrocode.distribution import Distribution, align

    if isinstance(p, Distribution) and isinstance(q, Distribution):
        return align(p, q)
    if isinstance(p, Distribution) or isinstance(q, Distribution):
        raise DistributionError(
            "cannot align a Distribution with a plain vector: pass two Distributions "
            "or two aligned vectors"
        )
    pa, qa = _vector(p, "p"), _vector(q, "q")
    if pa.shape != qa.shape:
        raise DistributionError(
            f"p and q must have the same length, got len(p) = {pa.size} and len(q) = {qa.size}"
        )
    return pa, qa


def entropy(p: Any, base: float = 2) -> float:
    """Shannon entropy of a distribution.

    ``H(P) = -sum_i p[i] * log(p[i])``, in the unit of ``base`` (bits for 2).

    H(P) is the average information per outcome: the least average number of
    bits per symbol any lossless code can achieve for a source drawing from P
    (the source coding theorem). It is 0 for a certain outcome and log(n) for
    n equally likely outcomes.

    Parameters
    ----------
    p : sequence of float, numpy.ndarray or Distribution
        Probabilities summing to 1 within 1e-9.
    base : float, default 2
        Logarithm base: 2 for bits, ``math.e`` for nats, 10 for hartleys.

    Returns
    -------
    float
        H(P) >= 0. Terms with p[i] = 0 contribute 0 (0 log 0 = 0).

    Raises
    ------
    DistributionError
        For an invalid vector or base (see the module docstring).

    See Also
    --------
    cross_entropy, kl_divergence, surprisal

    Examples
    --------
    >>> entropy([0.5, 0.5])
    1.0
    >>> round(entropy([0.9, 0.1]), 4)
    0.469
    """
    lb = _log_base(base)
    pa = _vector(p, "p")
    nz = pa[pa > 0]
    h = -float(np.sum(nz * np.log(nz))) / lb
    return h + 0.0 if h != 0 else 0.0


def cross_entropy(p: Any, q: Any, base: float = 2) -> float:
    """Cross-entropy of a model Q relative to the true distribution P.

    ``H(P, Q) = -sum_i p[i] * log(q[i])``, in the unit of ``base``.

    H(P,Q) is the average number of bits per symbol spent when data drawn from
    P is coded with ideal code lengths ``-log2 q[i]`` designed for Q.  It
    splits as ``H(P, Q) = H(P) + D(P || Q)``: the entropy plus the price of
    the wrong model.

    Parameters
    ----------
    p, q : sequence of float, numpy.ndarray or Distribution
        The true distribution and the model, aligned (or two Distributions,
        aligned by symbol over the union of their supports).
    base : float, default 2
        Logarithm base.

    Returns
    -------
    float
        H(P,Q) >= H(P). Terms with p[i] = 0 contribute 0; it is ``inf`` (never
        NaN) when q[i] = 0 < p[i] for some i: an outcome the model calls
        impossible has no finite codeword.

    See Also
    --------
    entropy, kl_divergence

    Examples
    --------
    >>> round(cross_entropy([1.0, 0.0], [0.8, 0.2]), 4)
    0.3219
    """
    lb = _log_base(base)
    pa, qa = _pair(p, q)
    mask = pa > 0
    if np.any(qa[mask] == 0):
        return math.inf
    return -float(np.sum(pa[mask] * np.log(qa[mask]))) / lb + 0.0


def kl_divergence(p: Any, q: Any, base: float = 2) -> float:
    """Kullback-Leibler divergence (relative entropy) of Q from P.

    ``D(P || Q) = sum_i p[i] * log(p[i] / q[i])``, in the unit of ``base``.

    D(P||Q) is the extra bits per symbol paid for coding data from P with a
    code built for Q: ``D(P||Q) = H(P,Q) - H(P)``.  It is >= 0, equal to 0
    only when P = Q, and not symmetric.

    Parameters
    ----------
    p, q : sequence of float, numpy.ndarray or Distribution
        The true distribution and the model.
    base : float, default 2
        Logarithm base.

    Returns
    -------
    float
        D(P||Q) >= 0. Terms with p[i] = 0 contribute 0; it is ``inf`` (never
        NaN) when q[i] = 0 < p[i] for some i.

    See Also
    --------
    cross_entropy, js_divergence

    Examples
    --------
    >>> kl_divergence([0.5, 0.5], [0.5, 0.5])
    0.0
    >>> round(kl_divergence([1.0, 0.0], [0.2, 0.8]), 4)
    2.3219
    """
    lb = _log_base(base)
    pa, qa = _pair(p, q)
    mask = pa > 0
    if np.any(qa[mask] == 0):
        return math.inf
    pm, qm = pa[mask], qa[mask]
    d = float(np.sum(pm * (np.log(pm) - np.log(qm)))) / lb
    return max(d, 0.0)


def js_divergence(p: Any, q: Any, base: float = 2) -> float:
    """Jensen-Shannon divergence between P and Q.

    ``JS(P, Q) = D(P || M) / 2 + D(Q || M) / 2`` with ``M = (P + Q) / 2``,
    in the unit of ``base``.

    A symmetric, always finite smoothing of the KL divergence: the average
    number of bits by which coding with the mixture M loses against the true
    distribution.  It lies between 0 and 1 bit (0 and ln 2 nats); its square
    root is a metric.

    Parameters
    ----------
    p, q : sequence of float, numpy.ndarray or Distribution
        The two distributions.
    base : float, default 2
        Logarithm base.

    Returns
    -------
    float
        0 <= JS(P,Q) <= log_base(2). Zeros are handled by 0 log 0 = 0, so the
        value is finite even where one distribution is 0 and the other is not.

    See Also
    --------
    kl_divergence

    Examples
    --------
    >>> round(js_divergence([1.0, 0.0], [0.8, 0.2]), 3)
    0.108
    """
    lb = _log_base(base)
    pa, qa = _pair(p, q)
    m = 0.5 * (pa + qa)

    def _kl_to_m(a: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * (np.log(a[mask]) - np.log(m[mask]))))

    js = 0.5 * (_kl_to_m(pa) + _kl_to_m(qa)) / lb
    return min(max(js, 0.0), math.log(2) / lb)


def surprisal(p: Any, base: float = 2) -> Any:
    """Surprisal (self-information) of outcomes with probability p.

    ``I(p) = -log(p)``, in the unit of ``base``.

    The information an outcome carries, and the ideal codeword length for it:
    an event of probability 1/2 carries 1 bit, 1/8 carries 3 bits.  The
    entropy is the average surprisal, ``H(P) = sum_i p[i] * I(p[i])``.

    Parameters
    ----------
    p : float, sequence of float or numpy.ndarray
        Probabilities in [0, 1]; they need not sum to 1.
    base : float, default 2
        Logarithm base.

    Returns
    -------
    float or numpy.ndarray
        A float for a scalar input, otherwise an array of the same shape.
        ``I(0) = inf`` (an impossible event), ``I(1) = 0``.

    Raises
    ------
    DistributionError
        For an entry that is NaN, negative or greater than 1.

    Examples
    --------
    >>> surprisal(0.125)
    3.0
    """
    lb = _log_base(base)
    try:
        arr = np.array(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise DistributionError(f"probabilities must be numbers, got {p!r}") from None
    bad = ~((arr >= 0) & (arr <= 1))
    if np.any(bad):
        v = float(arr[bad].flat[0])
        raise DistributionError(f"probability {v!r} is not in [0, 1]")
    with np.errstate(divide="ignore"):
        out = -np.log(arr) / lb + 0.0
    if out.ndim == 0:
        return float(out)
    return out
