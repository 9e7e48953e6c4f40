"""Experiments: the theory of Huffman coding checked by measurement.

This module draws samples, codes them for real and sets what was measured
beside what the theory predicts.

- :func:`draw_sample` draws n symbols i.i.d. from a distribution, the same
  symbols for the same seed; :func:`render_sample` writes them as a stream
  that ``entrocode compress --symbols MODE`` splits back into the same symbols.
- :func:`verify_by_sampling` draws from P, encodes the draws with the Huffman
  code of a model Q through the real codec (:mod:`entrocode.codec`), decodes
  them, and reports the predicted and the measured number of bits (always
  equal), the measured rate with a 95% confidence interval, and the measures
  H(P), H(P,Q), D(P||Q) with the bounds they obey.  :func:`convergence` does it
  for several sample sizes.
- :func:`extension_rates` codes blocks of K symbols at once and shows the rate
  L_K / K approach the entropy: ``H <= L_K / K < H + 1/K``.
- :func:`run_demo` compresses every bundled sample stream with the container
  and checks every prediction; :data:`BUNDLED_STREAMS` lists the streams.

Every result is a frozen dataclass.  Rates and lengths are in bits per symbol
(or per block, where it says so), entropies in bits.
"""

from __future__ import annotations

import io
import math
import re
import secrets
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from entrocode.codebook import huffman_code, huffman_lengths
from entrocode.comparison import shannon_lengths
from entrocode.distribution import Distribution, align, parse_spec
from entrocode.errors import CodebookError, EntrocodeError, ModelError, SymbolError
from entrocode.measures import cross_entropy, entropy, kl_divergence

__all__ = [
    "BUNDLED_STREAMS",
    "MAX_BLOCKS",
    "SAMPLE_MODES",
    "BundledStream",
    "DemoReport",
    "DemoRow",
    "Extension",
    "ExtensionRow",
    "MismatchDemo",
    "Sample",
    "Verification",
    "bundled_distribution",
    "convergence",
    "draw_sample",
    "extension_rates",
    "read_bundled",
    "render_sample",
    "run_demo",
    "verify_by_sampling",
]

#: The largest number of blocks :func:`extension_rates` codes: 2**20.
MAX_BLOCKS = 2**20

#: The symbol modes :func:`render_sample` can write, as in ``--symbols``.
SAMPLE_MODES: tuple[str, ...] = ("bytes", "chars", "words", "lines")

#: The two-sided 95% quantile of the standard normal distribution.
Z95 = 1.959963984540054

#: Slack for comparing floating-point sums in the bounds (bits per symbol).
BOUND_TOLERANCE = 1e-9

_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
def _check_n(n: Any, name: str = "n", unit: str = "draws") -> int:
    """Return ``n`` as an int >= 1, or raise EntrocodeError quoting it (a count of `unit`)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise EntrocodeError(f"{name} must be a whole number of {unit} >= 1, got {n!r}")
    if int(n) < 1:
        raise EntrocodeError(f"{name} must be at least 1 (the number of {unit}), got {int(n)}")
    return int(n)


def _check_seed(seed: Any) -> int:
    """Return the seed, or a fresh random one when ``seed`` is None."""
    if seed is None:
        return secrets.randbits(32)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise EntrocodeError(f"seed must be a whole number >= 0, got {seed!r}")
    if int(seed) < 0:
        raise EntrocodeError(f"seed must be >= 0, got {int(seed)}")
    return int(seed)


def _check_dist(dist: Any, name: str) -> Distribution:
    if not isinstance(dist, Distribution):
        raise TypeError(f"{name} must be a Distribution, not {type(dist).__name__}")
    return dist


# ---------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Sample:
    """n symbols drawn i.i.d. from a distribution.

    Attributes
    ----------
    distribution : Distribution
        The source P.
    ids : numpy.ndarray
        Read-only int64 array of length n: ``ids[i]`` is the position of the
        i-th draw in ``distribution.symbols``.
    seed : int
        The seed of ``numpy.random.default_rng`` that produced the draws;
        drawing again with it gives the same sample.
    """

    distribution: Distribution
    ids: np.ndarray
    seed: int

    @property
    def n(self) -> int:
        """The number of draws."""
        return int(self.ids.size)

    def counts(self) -> np.ndarray:
        """How often each symbol was drawn, aligned with ``distribution.symbols``."""
        return np.bincount(self.ids, minlength=len(self.distribution))

    def symbols(self) -> list[Hashable]:
        """The drawn symbols as a list (one Python object per draw: for small samples)."""
        syms = self.distribution.symbols
        return [syms[i] for i in self.ids.tolist()]


def draw_sample(dist: Distribution, n: int, seed: int | None = None) -> Sample:
    """Draw n symbols i.i.d. from ``dist``, reproducibly.

    The draws use inverse-CDF sampling on ``numpy.random.default_rng(seed)``:
    ``u = rng.random(n)``, then ``id = searchsorted(cdf, u, side="right")``
    with ``cdf[i] = p[0] + ... + p[i]``, so symbol i is drawn with probability
    p[i] and a symbol of probability 0 never is.  One seed gives one sample,
    and the samples of one seed are nested: the first 100 draws of n = 1000
    are the sample of n = 100.

    Parameters
    ----------
    dist : Distribution
        The source P.
    n : int
        Number of draws, >= 1.
    seed : int, optional
        A seed >= 0.  When omitted a random seed is chosen and stored in the
        result, so the sample can still be repeated.

    Returns
    -------
    Sample
        The draws, as positions into ``dist.symbols``.

    Raises
    ------
    EntrocodeError
        For n < 1 or a negative seed.

    Examples
    --------
    >>> coin = Distribution.from_spec("H=0.9,T=0.1")
    >>> draw_sample(coin, 10, seed=1).symbols()
    ['H', 'T', 'H', 'T', 'H', 'H', 'H', 'H', 'H', 'H']
    """
    dist = _check_dist(dist, "dist")
    n = _check_n(n)
    seed = _check_seed(seed)
    cdf = np.cumsum(dist.probabilities)
    cdf /= cdf[-1]  # make the last entry exactly 1, so every u < 1 finds a symbol
    u = np.random.default_rng(seed).random(n)
    ids = np.searchsorted(cdf, u, side="right").astype(np.int64)
    ids.flags.writeable = False
    return Sample(dist, ids, seed)


def _symbol_bytes(symbol: Hashable) -> bytes:
    if isinstance(symbol, bytes):
        return symbol
    return str(symbol).encode("utf-8")


def _check_renderable(symbol: Hashable, raw: bytes, mode: str) -> None:
    """Raise SymbolError when ``symbol`` cannot be written in ``mode``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if mode == "bytes":
        if len(raw) != 1:
            raise SymbolError(
                f"symbol {symbol!r} is {len(raw)} bytes long, but --symbols bytes writes one "
                "byte per symbol: use --symbols lines (one symbol per line)"
            )
        return
    if text is None:
        raise SymbolError(f"symbol {symbol!r} is not UTF-8 text: use --symbols bytes")
    if mode == "chars" and len(text) != 1:
        raise SymbolError(
            f"symbol {symbol!r} is {len(text)} characters long, but --symbols chars writes one "
            "character per symbol: use --symbols lines (one symbol per line)"
        )
    if mode == "words" and not _WORD.fullmatch(text):
        raise SymbolError(
            f"symbol {symbol!r} is not a word (letters, digits or _ only), so --symbols words "
            "would split it differently: use --symbols lines"
        )
    if mode == "lines" and (not raw or b"\n" in raw):
        what = "empty" if not raw else "contains a newline"
        raise SymbolError(f"symbol {symbol!r} is {what}, so it cannot be written one per line")


def render_sample(sample: Sample, mode: str = "lines") -> bytes:
    """Write a sample as a stream that ``--symbols mode`` splits back into the draws.

    ========  ==============================================  =====================
    mode      the stream                                      each symbol must be
    ========  ==============================================  =====================
    lines     each symbol followed by ``"\\n"``                 without a newline
    chars     the symbols concatenated                        one character
    bytes     the symbols concatenated                        one byte
    words     the symbols joined by one space ``" "``         a word: ``\\w+``
    ========  ==============================================  =====================

    In lines, chars and bytes mode, ``tokenize(stream, mode)`` gives exactly the
    n draws.  In words mode a separator is unavoidable (two words side by side
    would read as one), so tokenizing gives the n draws at the even positions
    and n - 1 symbols ``" "`` between them: the words are recovered exactly, and
    a compressor spends about one extra bit per word on the spaces.

    Parameters
    ----------
    sample : Sample
        The draws.
    mode : str, default "lines"
        One of :data:`SAMPLE_MODES`.

    Returns
    -------
    bytes
        The stream, built in whole-array numpy operations.

    Raises
    ------
    SymbolError
        For an unknown mode, or a symbol of positive probability that the mode
        cannot write (the message names it and suggests a mode that can).

    Examples
    --------
    >>> d = Distribution.from_spec("100=0.5,105=0.5")
    >>> render_sample(draw_sample(d, 4, seed=3), "lines")
    b'100\\n100\\n105\\n105\\n'
    """
    if not isinstance(sample, Sample):
        raise TypeError(f"sample must be a Sample, not {type(sample).__name__}")
    if mode not in SAMPLE_MODES:
        raise SymbolError(f"unknown symbol mode {mode!r} (choose bytes, chars, words or lines)")
    dist = sample.distribution
    raw = [_symbol_bytes(s) for s in dist.symbols]
    for s, r, p in zip(dist.symbols, raw, dist.probabilities.tolist(), strict=True):
        if p > 0:
            _check_renderable(s, r, mode)
    sep = {"lines": b"\n", "words": b" "}.get(mode, b"")
    pieces = [r + sep for r in raw]
    out = _gather(pieces, sample.ids)
    return out[: len(out) - len(sep)] if mode == "words" else out


def _gather(pieces: Sequence[bytes], ids: np.ndarray) -> bytes:
    """``b"".join(pieces[i] for i in ids)`` without a Python loop over ``ids``."""
    sizes = np.array([len(p) for p in pieces], dtype=np.int64)
    flat = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    if np.all(sizes == 1):
        return flat[ids].tobytes()
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    lens = sizes[ids]
    total = int(lens.sum())
    out_starts = np.cumsum(lens) - lens
    index = np.repeat(starts[ids] - out_starts, lens) + np.arange(total, dtype=np.int64)
    return flat[index].tobytes()


# ---------------------------------------------------------------------------
# Verification by real coding
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    """Prediction against measurement for one sample coded with Q's Huffman code.

    All rates and lengths are in bits per symbol, all bit counts in bits.

    Attributes
    ----------
    n : int
        Number of draws from P.
    seed : int
        The seed that drew them (see :func:`draw_sample`).
    symbols : tuple
        The alphabet: P's symbols, then Q's symbols that P lacks.
    counts : tuple of int
        How often each symbol was drawn.
    lengths : tuple of int
        The codeword lengths of Q's Huffman code (0: no codeword).
    predicted_bits : int
        ``sum_x count(x) * l_Q(x)``: what the encoded sample must weigh.
    measured_bits : int
        The length of the stream the codec wrote, in bits.
    payload_bytes : int
        Its size in whole bytes, padding included.
    roundtrip : bool
        True when decoding the stream gave back exactly the draws.
    expected_bits_per_symbol : float
        ``L_P(C_Q) = E_P[l_Q] = sum_x p(x) * l_Q(x)``: the rate to expect.
    measured_bits_per_symbol : float
        ``measured_bits / n``.
    ci95 : tuple of float
        A 95% confidence interval for the rate: ``mean +- 1.96 * s / sqrt(n)``
        with s the sample standard deviation of the n codeword lengths.  For
        n = 1, s cannot be estimated and the interval is (-inf, inf).
    entropy_p, cross_entropy, kl_divergence : float
        H(P), H(P,Q) and D(P||Q) = H(P,Q) - H(P), in bits.
    own_length : float
        ``L_P(C_P)``: P's own Huffman code on P; ``H(P) <= it < H(P) + 1``.
    mismatch_cost : float
        ``L_P(C_Q) - L_P(C_P) >= 0``: what the model Q costs a real Huffman
        code, to set beside D(P||Q).
    shannon_length : float
        ``L_P(S_Q) = sum_x p(x) * ceil(-log2 q(x))``: the Shannon code of Q on
        P; ``H(P) + D <= it < H(P) + D + 1`` always.
    smoothing : float or None
        The additive smoothing applied to Q, if any.
    """

    n: int
    seed: int
    symbols: tuple[Hashable, ...]
    counts: tuple[int, ...]
    lengths: tuple[int, ...]
    predicted_bits: int
    measured_bits: int
    payload_bytes: int
    roundtrip: bool
    expected_bits_per_symbol: float
    measured_bits_per_symbol: float
    ci95: tuple[float, float]
    entropy_p: float
    cross_entropy: float
    kl_divergence: float
    own_length: float
    mismatch_cost: float
    shannon_length: float
    smoothing: float | None = None

    @property
    def matched(self) -> bool:
        """True when the measured bits equal the predicted bits."""
        return self.predicted_bits == self.measured_bits

    @property
    def ci_covers_expectation(self) -> bool:
        """True when ``ci95`` contains the expected rate ``L_P(C_Q)``."""
        lo, hi = self.ci95
        return lo <= self.expected_bits_per_symbol <= hi

    @property
    def own_code_in_bounds(self) -> bool:
        """``H(P) <= L_P(C_P) < H(P) + 1``, which Huffman's code always satisfies.

        A lone symbol is the exception: its codeword takes 1 bit while H(P) = 0.
        """
        h = self.entropy_p
        return h - BOUND_TOLERANCE <= self.own_length < h + 1

    @property
    def shannon_in_bounds(self) -> bool:
        """``H(P) + D(P||Q) <= L_P(S_Q) < H(P) + D(P||Q) + 1`` (always true)."""
        low = self.entropy_p + self.kl_divergence
        return low - BOUND_TOLERANCE <= self.shannon_length < low + 1

    @property
    def huffman_in_shannon_bounds(self) -> bool:
        """Whether Q's *Huffman* code happens to obey the Shannon-code bound.

        ``H(P) + D(P||Q) <= L_P(C_Q) < H(P) + D(P||Q) + 1`` is guaranteed for
        the Shannon code of Q, not for its Huffman code: Huffman minimises the
        length under Q, and under P it may land below H(P) + D (for two symbols
        every codeword has 1 bit, whatever D is) or at or above H(P) + D + 1.
        """
        low = self.entropy_p + self.kl_divergence
        length = self.expected_bits_per_symbol
        return low - BOUND_TOLERANCE <= length < low + 1

    def as_dict(self) -> dict[str, Any]:
        """The summary as a dict with the keys of ``entrocode verify --json``."""
        return {
            "n": self.n,
            "seed": self.seed,
            "predicted_bits": self.predicted_bits,
            "measured_bits": self.measured_bits,
            "expected_bits_per_symbol": self.expected_bits_per_symbol,
            "measured_bits_per_symbol": self.measured_bits_per_symbol,
            "ci95": [self.ci95[0], self.ci95[1]],
            "entropy_p": self.entropy_p,
            "cross_entropy": self.cross_entropy,
            "kl_divergence": self.kl_divergence,
            "roundtrip": self.roundtrip,
        }


def _with_support(q: Distribution, symbols: Sequence[Hashable], alpha: float) -> Distribution:
    """Q over ``symbols`` (0 for those it lacks), smoothed by adding ``alpha``."""
    if q.counts is not None:
        lookup = dict(zip(q.symbols, q.counts, strict=True))
        wide = Distribution.from_counts([lookup.get(s, 0) for s in symbols], list(symbols))
    else:
        wide = Distribution.from_probabilities([q.get(s, 0.0) for s in symbols], list(symbols))
    return wide.smoothed(alpha)


@dataclass(frozen=True)
class _Setup:
    p: Distribution
    q: Distribution
    symbols: tuple[Hashable, ...]
    pa: np.ndarray
    qa: np.ndarray
    own: np.ndarray
    lengths: np.ndarray
    smoothing: float | None


def _setup(p: Distribution, q: Distribution | None, smooth: float | None) -> _Setup:
    """Align P and Q, refuse a Q that rules out a symbol of P, build both codes."""
    p = _check_dist(p, "p")
    q = p if q is None else _check_dist(q, "q")
    symbols = tuple(p.symbols) + tuple(s for s in q.symbols if s not in p)
    alpha = None
    if smooth is not None:
        alpha = float(smooth)
        q = _with_support(q, symbols, alpha)
    pa, qa = align(p, q)
    missing = np.flatnonzero((pa > 0) & (qa == 0))
    if missing.size:
        i = int(missing[0])
        raise ModelError(
            f"Q gives probability 0 to symbol {symbols[i]!r}, which P draws with probability "
            f"{pa[i]:.6g}: D(P||Q) is infinite, and Q's code has no codeword for it, so data "
            "from P cannot be encoded. Smooth Q with smooth=A / --smooth A (add A to every "
            "probability of Q, then renormalise; e.g. --smooth 0.01)"
        )
    own_lookup = huffman_code(p).lengths
    q_lookup = huffman_code(q).lengths
    own = np.array([own_lookup.get(s, 0) for s in symbols], dtype=np.int64)
    lengths = np.array([q_lookup.get(s, 0) for s in symbols], dtype=np.int64)
    from entrocode.codec import MAX_CODE_LENGTH

    deepest = int(lengths.max())
    if deepest > MAX_CODE_LENGTH:
        raise CodebookError(
            f"Q's Huffman code has a {deepest}-bit codeword, more than the codec's limit of "
            f"{MAX_CODE_LENGTH} bits: Q's smallest probabilities are too small; smooth Q with "
            "smooth=A / --smooth A to make the code shallower"
        )
    return _Setup(p, q, symbols, pa, qa, own, lengths, alpha)


def _measure(setup: _Setup, n: int, seed: int) -> Verification:
    """Draw, encode with the real codec, decode, and compare."""
    from entrocode.codec import CodeTable, decode, encode

    sample = draw_sample(setup.p, n, seed)
    counts = np.bincount(sample.ids, minlength=len(setup.symbols))
    predicted = int(counts @ setup.lengths)

    table = CodeTable.from_lengths(setup.lengths)
    encoded = encode(sample.ids, table)
    decoded = decode(encoded.payload, table, n, starts=encoded.starts, nbits=encoded.nbits)
    roundtrip = bool(np.array_equal(np.asarray(decoded), sample.ids))

    mean = predicted / n
    if n > 1:
        var = float(counts @ (setup.lengths - mean) ** 2) / (n - 1)
        half = Z95 * math.sqrt(var / n)
        ci = (mean - half, mean + half)
    else:
        ci = (-math.inf, math.inf)

    pa, qa = setup.pa, setup.qa
    expected = math.fsum((pa * setup.lengths).tolist())
    own = math.fsum((pa * setup.own).tolist())
    shannon = math.fsum((pa * shannon_lengths(qa)).tolist())
    return Verification(
        n=n,
        seed=seed,
        symbols=setup.symbols,
        counts=tuple(int(c) for c in counts.tolist()),
        lengths=tuple(int(v) for v in setup.lengths.tolist()),
        predicted_bits=predicted,
        measured_bits=int(encoded.nbits),
        payload_bytes=len(encoded.payload),
        roundtrip=roundtrip,
        expected_bits_per_symbol=expected,
        measured_bits_per_symbol=int(encoded.nbits) / n,
        ci95=ci,
        entropy_p=entropy(pa),
        cross_entropy=cross_entropy(pa, qa),
        kl_divergence=kl_divergence(pa, qa),
        own_length=own,
        mismatch_cost=max(expected - own, 0.0),
        shannon_length=shannon,
        smoothing=setup.smoothing,
    )


def verify_by_sampling(
    p: Distribution,
    q: Distribution | None = None,
    n: int = 10_000,
    seed: int | None = None,
    smooth: float | None = None,
) -> Verification:
    """Draw n symbols from P, code them with Q's Huffman code, and check the theory.

    The draws (see :func:`draw_sample`) are encoded with the canonical Huffman
    code of Q through :func:`entrocode.codec.encode` and decoded with
    :func:`entrocode.codec.decode`.  The result sets side by side:

    - the predicted bits ``sum_x count(x) * l_Q(x)`` and the bits the codec
      wrote, which must be equal;
    - the expected rate ``L_P(C_Q) = sum_x p(x) * l_Q(x)`` and the measured
      rate, with a 95% confidence interval from the sample variance of the
      codeword lengths;
    - H(P), H(P,Q) and D(P||Q), P's own code ``H(P) <= L_P(C_P) < H(P) + 1``,
      the mismatch cost ``L_P(C_Q) - L_P(C_P) >= 0`` beside D(P||Q), and the
      Shannon code of Q, whose length obeys
      ``H(P) + D(P||Q) <= L_P(S_Q) < H(P) + D(P||Q) + 1``.

    Parameters
    ----------
    p : Distribution
        The true source P.
    q : Distribution, optional
        The model Q whose Huffman code is used; P itself when omitted.
    n : int, default 10000
        Number of draws, >= 1.
    seed : int, optional
        Seed >= 0; random (and reported) when omitted.
    smooth : float, optional
        Add this amount to every probability of Q (over the symbols of P and Q)
        and renormalise, so that no symbol of P is left without a codeword.

    Returns
    -------
    Verification
        See its attributes; ``as_dict()`` gives the JSON summary.

    Raises
    ------
    ModelError
        When Q gives probability 0 to a symbol P can draw: D(P||Q) is infinite
        and the data cannot be encoded.  The message suggests ``smooth``.
    CodebookError
        When Q's Huffman code is deeper than the codec's limit
        (:data:`entrocode.codec.MAX_CODE_LENGTH` = 32 bits); smoothing Q helps.
    EntrocodeError
        For n < 1, a negative seed, or a smoothing amount that is not > 0.

    See Also
    --------
    convergence : the same for several n.
    entrocode.analysis.compare : the same figures without sampling.

    Examples
    --------
    >>> p = Distribution.from_spec("a=0.5,b=0.25,c=0.25")
    >>> v = verify_by_sampling(p, n=1000, seed=0)
    >>> v.predicted_bits == v.measured_bits, v.roundtrip
    (True, True)
    """
    n = _check_n(n)
    seed = _check_seed(seed)
    return _measure(_setup(p, q, smooth), n, seed)


def convergence(
    p: Distribution,
    q: Distribution | None = None,
    ns: Sequence[int] = (100, 1_000, 10_000),
    seed: int | None = None,
    smooth: float | None = None,
) -> tuple[Verification, ...]:
    """:func:`verify_by_sampling` for each sample size in ``ns``, with one seed.

    With one seed the samples are nested (the n = 100 sample is the first 100
    draws of the n = 1000 one), so the table shows one growing sample whose
    measured rate settles on the expectation ``L_P(C_Q)`` while its confidence
    interval narrows like ``1 / sqrt(n)``.

    Parameters
    ----------
    p, q, seed, smooth
        As for :func:`verify_by_sampling`; one random seed is chosen for all
        sizes when ``seed`` is omitted.
    ns : sequence of int
        Sample sizes, each >= 1.

    Returns
    -------
    tuple of Verification
        One per size, in the order given.
    """
    sizes = [_check_n(v, "each n") for v in ns]
    if not sizes:
        raise EntrocodeError("give at least one sample size n")
    seed = _check_seed(seed)
    setup = _setup(p, q, smooth)
    return tuple(_measure(setup, size, seed) for size in sizes)


# ---------------------------------------------------------------------------
# Extension (block) coding
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ExtensionRow:
    """The Huffman code of blocks of K symbols.

    Attributes
    ----------
    order : int
        K, the number of symbols per block.
    blocks : int
        ``m**K``, the number of possible blocks (m symbols of positive
        probability).
    block_length : float
        ``L_K = sum_b p(b) * l(b)``: expected bits per block.
    rate : float
        ``L_K / K``: bits per source symbol.
    lower, upper : float
        ``H`` and ``H + 1/K``: the source coding theorem says
        ``H <= L_K / K < H + 1/K``.
    """

    order: int
    blocks: int
    block_length: float
    rate: float
    lower: float
    upper: float

    @property
    def in_bounds(self) -> bool:
        """True when ``H <= L_K / K < H + 1/K`` (the lower bound within 1e-9)."""
        return self.lower - BOUND_TOLERANCE <= self.rate < self.upper


@dataclass(frozen=True)
class Extension:
    """Block-coding rates L_K / K for K = 1 .. order, against the entropy.

    Attributes
    ----------
    distribution : Distribution
        The source P (i.i.d. symbols).
    entropy : float
        H(P) in bits per symbol.
    rows : tuple of ExtensionRow
        One row per block length K.
    """

    distribution: Distribution
    entropy: float
    rows: tuple[ExtensionRow, ...]


def extension_rates(dist: Distribution, order: int) -> Extension:
    """Huffman-code blocks of K i.i.d. symbols, for K = 1 .. order.

    Blocks of K independent symbols form the K-th extension of the source:
    ``p(x1 .. xK) = p(x1) * ... * p(xK)``, with entropy ``K * H``.  Huffman's
    bound for it, ``K*H <= L_K < K*H + 1``, divided by K gives

        ``H <= L_K / K < H + 1/K``

    so the bits per symbol approach the entropy as the blocks grow: the
    source coding theorem made visible.  The cost is an alphabet of ``m**K``
    blocks, limited here to :data:`MAX_BLOCKS` = 2**20.

    Parameters
    ----------
    dist : Distribution
        The source; only symbols of positive probability form blocks.
    order : int
        The largest block length K, >= 1.

    Returns
    -------
    Extension
        One row per K (block probabilities built as numpy outer products).

    Raises
    ------
    EntrocodeError
        For order < 1, or when ``m**order`` exceeds 2**20 blocks (the message
        gives the largest order that fits).

    Notes
    -----
    A source with a single possible symbol is the exception to the bound:
    its entropy is 0, but a code has at least one 1-bit codeword, so
    ``L_K / K = 1/K``.

    Examples
    --------
    >>> ext = extension_rates(Distribution.from_spec("H=0.9,T=0.1"), 3)
    >>> [round(r.rate, 4) for r in ext.rows]
    [1.0, 0.645, 0.5327]
    """
    dist = _check_dist(dist, "dist")
    k_max = _check_n(order, "order", "symbols per block")
    probs = dist.probabilities[dist.probabilities > 0]
    m = int(probs.size)
    if m**k_max > MAX_BLOCKS:
        fits = 0
        while m ** (fits + 1) <= MAX_BLOCKS:
            fits += 1
        advice = f"the largest order is {fits}" if fits else "not even order 1 fits"
        raise EntrocodeError(
            f"order {k_max} needs {m}**{k_max} = {m**k_max:,} blocks, more than the limit "
            f"2**20 = {MAX_BLOCKS:,}; with {m} symbols {advice}"
        )
    h = entropy(dist)
    rows = []
    block = np.ones(1)
    for k in range(1, k_max + 1):
        block = np.multiply.outer(block, probs).ravel()
        lengths = huffman_lengths(block)
        length_k = float(np.dot(block, lengths))
        rows.append(ExtensionRow(k, int(block.size), length_k, length_k / k, h, h + 1 / k))
    return Extension(dist, h, tuple(rows))


# ---------------------------------------------------------------------------
# Bundled samples
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BundledStream:
    """A sample stream shipped in ``entrocode/samples``.

    Attributes
    ----------
    file : str
        File name inside the samples package.
    mode : str
        The symbol mode it is meant to be compressed with.
    source : str or None
        The ``.json`` distribution it was drawn from, when there is one.
    """

    file: str
    mode: str
    source: str | None


#: The sample streams :func:`run_demo` compresses, with their symbol modes.
BUNDLED_STREAMS: tuple[BundledStream, ...] = (
    BundledStream("temperatures.txt", "lines", "temperatures.json"),
    BundledStream("skewed_binary.txt", "chars", "skewed_binary.json"),
    BundledStream("dna.txt", "chars", "dna.json"),
    BundledStream("english.txt", "chars", None),
    BundledStream("english.txt", "words", None),
)


def _bundled_file(name: str) -> Any:
    """The resource ``entrocode/samples/<name>``, or an error listing the samples."""
    folder = resources.files("entrocode.samples")
    item = folder / name
    if "/" in name or "\\" in name or not item.is_file():
        names = sorted(
            e.name for e in folder.iterdir() if e.name.endswith((".json", ".txt"))
        )
        raise EntrocodeError(f"no bundled sample {name!r}; the samples are: {', '.join(names)}")
    return item


def read_bundled(name: str) -> bytes:
    """The bytes of a bundled sample file, e.g. ``read_bundled("dna.txt")``.

    Raises
    ------
    EntrocodeError
        When there is no such sample (the message lists the samples).
    """
    return bytes(_bundled_file(name).read_bytes())


def bundled_distribution(name: str) -> Distribution:
    """A bundled ``.json`` distribution, e.g. ``bundled_distribution("temperatures.json")``."""
    item = _bundled_file(name)
    with resources.as_file(item) as path:
        return parse_spec(str(path))


# ---------------------------------------------------------------------------
# The demo
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoRow:
    """One bundled stream compressed with the ``.ec`` container.

    Attributes
    ----------
    sample, mode : str
        The file and the symbol mode.
    symbols, distinct : int
        Number of symbols in the stream and of distinct ones.
    entropy : float
        Entropy of the stream's own symbol frequencies, bits per symbol.
    predicted_bits : int
        ``sum_x count(x) * l(x)`` for the Huffman code of those frequencies,
        computed here independently of the container (each bundled stream
        fits in one block, coded with one table).
    payload_bits : int
        The bits the container actually wrote for the symbols.
    header_bytes : int
        Bytes of the container spent on everything but the payload.
    input_bytes, output_bytes : int
        Sizes before and after compression.
    roundtrip : bool
        True when decompressing gave back the input exactly.
    """

    sample: str
    mode: str
    symbols: int
    distinct: int
    entropy: float
    predicted_bits: int
    payload_bits: int
    header_bytes: int
    input_bytes: int
    output_bytes: int
    roundtrip: bool

    @property
    def matched(self) -> bool:
        """True when the payload weighs exactly the predicted bits."""
        return self.predicted_bits == self.payload_bits

    @property
    def bits_per_symbol(self) -> float:
        """``payload_bits / symbols``: the rate the code achieved."""
        return self.payload_bits / self.symbols if self.symbols else 0.0

    @property
    def ratio(self) -> float:
        """``input_bytes / output_bytes``, header included."""
        return self.input_bytes / self.output_bytes if self.output_bytes else math.inf


@dataclass(frozen=True)
class MismatchDemo:
    """A stream coded with its own Huffman code and with the code of a wrong model.

    Attributes
    ----------
    sample, model : str
        The stream and the model's ``.json`` file.
    symbols : int
        Number of symbols coded.
    entropy : float
        H(P) of the stream's frequencies P, bits per symbol.
    own_bits, model_bits : int
        Payload bits with P's Huffman code and with the model Q's, both
        written by the real codec.
    kl_divergence : float
        D(P||Q) in bits per symbol: the ideal price of the wrong model.
    """

    sample: str
    model: str
    symbols: int
    entropy: float
    own_bits: int
    model_bits: int
    kl_divergence: float

    @property
    def own_rate(self) -> float:
        """Bits per symbol with the stream's own code."""
        return self.own_bits / self.symbols

    @property
    def model_rate(self) -> float:
        """Bits per symbol with the model's code."""
        return self.model_bits / self.symbols

    @property
    def overhead(self) -> float:
        """``model_rate - own_rate``: bits per symbol lost to the wrong model."""
        return self.model_rate - self.own_rate


@dataclass(frozen=True)
class DemoReport:
    """What :func:`run_demo` found.

    Attributes
    ----------
    rows : tuple of DemoRow
        One per bundled stream.
    mismatch : MismatchDemo
        The temperatures coded with a uniform model.
    """

    rows: tuple[DemoRow, ...]
    mismatch: MismatchDemo

    @property
    def all_matched(self) -> bool:
        """True when every payload equalled its prediction and every round trip held."""
        return all(r.matched and r.roundtrip for r in self.rows)


def _compress_row(stream: BundledStream) -> DemoRow:
    from entrocode import container
    from entrocode.symbols import tokenize

    data = read_bundled(stream.file)
    tokens = tokenize(data, stream.mode)
    counts = np.bincount(tokens.ids, minlength=len(tokens.alphabet))
    lengths = huffman_lengths(counts)
    predicted = int(counts @ lengths)
    present = counts[counts > 0]

    out = io.BytesIO()
    stats = container.compress_stream(io.BytesIO(data), out, symbols=stream.mode)
    blob = out.getvalue()
    back = container.decompress(blob)
    return DemoRow(
        sample=stream.file,
        mode=stream.mode,
        symbols=int(tokens.ids.size),
        distinct=int(present.size),
        entropy=entropy(present / present.sum()),
        predicted_bits=predicted,
        payload_bits=int(stats.payload_bits),
        header_bytes=int(stats.header_bytes),
        input_bytes=len(data),
        output_bytes=len(blob),
        roundtrip=back == data,
    )


def _mismatch_demo() -> MismatchDemo:
    from entrocode.codec import CodeTable, encode
    from entrocode.symbols import tokenize

    data = read_bundled("temperatures.txt")
    model = bundled_distribution("temperatures_uniform.json")
    tokens = tokenize(data, "lines")
    counts = np.bincount(tokens.ids, minlength=len(tokens.alphabet))
    labels = [s.decode("utf-8").rstrip("\n") for s in tokens.alphabet]
    p = Distribution.from_counts(counts.tolist(), labels)
    q_lookup = huffman_code(model).lengths
    own_lookup = huffman_code(p).lengths
    own = np.array([own_lookup[s] for s in labels], dtype=np.int64)
    wrong = np.array([q_lookup[s] for s in labels], dtype=np.int64)
    own_bits = encode(tokens.ids, CodeTable.from_lengths(own)).nbits
    model_bits = encode(tokens.ids, CodeTable.from_lengths(wrong)).nbits
    return MismatchDemo(
        sample="temperatures.txt",
        model="temperatures_uniform.json",
        symbols=int(tokens.ids.size),
        entropy=entropy(p),
        own_bits=int(own_bits),
        model_bits=int(model_bits),
        kl_divergence=kl_divergence(p, model),
    )


def run_demo() -> DemoReport:
    """Compress every bundled stream, check every prediction, show a wrong model.

    For each stream of :data:`BUNDLED_STREAMS`: compress it with the ``.ec``
    container, decompress it, and compare the payload with the prediction
    ``sum_x count(x) * l(x)`` of the Huffman code of the stream's own symbol
    frequencies.  Then code the temperature readings with the Huffman code of
    a uniform model over the eight levels and set the overhead beside D(P||Q).

    Returns
    -------
    DemoReport
        The rows and the mismatch example; ``all_matched`` is the verdict.
    """
    rows = tuple(_compress_row(s) for s in BUNDLED_STREAMS)
    return DemoReport(rows, _mismatch_demo())
