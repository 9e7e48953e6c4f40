"""Comparison codes and a checker for hand-made code lengths.

Huffman's code is optimal: no prefix code has a smaller expected length
``L = sum_i p[i] * l[i]``.  Two older constructions show what "optimal" buys:

- **Shannon code**: ``l[i] = ceil(-log2 p[i])``, the surprisal rounded up.
  Its Kraft sum is at most ``sum_i p[i] = 1``, so a prefix code exists, and
  ``H(P) <= L < H(P) + 1``; but rounding every length up independently can
  waste almost a bit per symbol (``p = 0.9, 0.1`` gets lengths 1 and 4).
- **Shannon-Fano code**: sort the symbols by decreasing probability, split
  the list where the two halves' totals are closest, give one half a 0 and
  the other a 1, and repeat inside each half.  Top-down splitting is often
  optimal but not always (``0.35, 0.17, 0.17, 0.16, 0.15``: 2.31 bits
  against Huffman's 2.30).

Both codes are returned as canonical codebooks: the lengths are those of the
construction, the codewords the canonical ones for those lengths (the
original constructions assign other bit patterns of the same lengths, which
code equally well).

:func:`check_code_lengths` checks a set of lengths a person chose: the Kraft
sum, whether a prefix code with those lengths exists (Kraft-McMillan: exactly
when the sum is at most 1), its canonical codewords, and how far its expected
length is from the optimum for a distribution.  Every optimal set of lengths
is accepted, not only the one Huffman's tie-breaking picks.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from entrocode.codebook import Codebook, huffman_code
from entrocode.distribution import Distribution
from entrocode.errors import CodebookError

__all__ = [
    "METHODS",
    "LengthCheck",
    "MethodSummary",
    "check_code_lengths",
    "code_by_method",
    "compare_methods",
    "fano_lengths",
    "parse_lengths",
    "shannon_code",
    "shannon_fano_code",
    "shannon_lengths",
]

#: The code constructions :func:`code_by_method` knows, optimal first.
METHODS: tuple[str, ...] = ("huffman", "shannon", "fano")

#: Longest code length accepted from a person (as :func:`entrocode.check_lengths`).
_MAX_LENGTH = 4096


def _weights(dist: Distribution) -> tuple[list[float], list[int] | None]:
    """Probabilities, and the exact counts when the distribution came from counts."""
    counts = list(dist.counts) if dist.counts is not None else None
    return dist.probabilities.tolist(), counts


def _check_distribution(dist: Any) -> Distribution:
    if not isinstance(dist, Distribution):
        raise TypeError(f"expected a Distribution, got {type(dist).__name__}")
    return dist


# ---------------------------------------------------------------------------
# Shannon
# ---------------------------------------------------------------------------
def shannon_lengths(dist: Distribution | Sequence[float] | np.ndarray) -> np.ndarray:
    """Shannon's code lengths ``l[i] = ceil(-log2 p[i])``.

    The smallest whole number of bits at least the surprisal of each symbol:
    the least ``l`` with ``2**-l <= p``.  The comparison is exact (with
    integer arithmetic when the distribution holds counts), so ``p = 1/8``
    gets exactly 3 bits.  Since ``sum_i 2**-l[i] <= sum_i p[i] = 1``, these
    lengths always admit a prefix code, and its expected length ``L``
    satisfies ``H(P) <= L < H(P) + 1``.

    For a model Q used on data from P, the Shannon code's expected length
    obeys ``H(P) + D(P||Q) <= L < H(P) + D(P||Q) + 1``: the price of the wrong
    model is exactly D(P||Q) bits per symbol, plus under one bit of rounding.

    Parameters
    ----------
    dist : Distribution or sequence of float
        The distribution (a sequence is validated as probabilities).

    Returns
    -------
    numpy.ndarray
        int64 lengths aligned with ``dist.symbols``: 0 for probability 0 (no
        codeword), and 0 for a symbol of probability 1 (``-log2 1 = 0``:
        nothing needs to be sent; :func:`shannon_code` still gives it a
        one-bit codeword so that a code exists).

    Examples
    --------
    >>> from entrocode import parse_spec
    >>> shannon_lengths(parse_spec("a=0.9,b=0.1")).tolist()
    [1, 4]
    """
    if not isinstance(dist, Distribution):
        dist = Distribution.from_probabilities(dist)
    probs, counts = _weights(dist)
    total = sum(counts) if counts is not None else 0
    out = np.zeros(len(probs), dtype=np.int64)
    for i, p in enumerate(probs):
        if p <= 0:
            continue
        length = max(math.ceil(-math.log2(p)), 0)

        def fits(n: int, i: int = i, p: float = p) -> bool:
            # 2**-n <= p, exactly.
            if counts is not None:
                return total <= counts[i] << n
            return math.ldexp(1.0, -n) <= p

        while length > 0 and fits(length - 1):
            length -= 1
        while not fits(length):
            length += 1
        out[i] = length
    return out


def shannon_code(dist: Distribution) -> Codebook:
    """The canonical code with Shannon's lengths ``ceil(-log2 p)``.

    See :func:`shannon_lengths`.  Its expected length is within one bit of
    the entropy but can be up to almost a bit worse than Huffman's.

    Examples
    --------
    >>> from entrocode import parse_spec
    >>> shannon_code(parse_spec("a=0.9,b=0.1")).expected_length
    1.3
    """
    dist = _check_distribution(dist)
    lengths = shannon_lengths(dist)
    # A lone symbol of probability 1 has length 0 but still needs a codeword.
    lengths[(lengths == 0) & (dist.probabilities > 0)] = 1
    return Codebook.from_lengths(lengths.tolist(), dist)


# ---------------------------------------------------------------------------
# Shannon-Fano
# ---------------------------------------------------------------------------
def fano_lengths(dist: Distribution) -> np.ndarray:
    """Shannon-Fano code lengths, by recursive splitting.

    Sort the symbols by decreasing probability (ties keep their order in
    ``dist``).  Split the sorted list into a first and a second part whose
    totals are as close as possible; every symbol of the first part gets a 0
    appended to its codeword, of the second a 1.  Repeat on each part until
    every part holds one symbol; a symbol's length is the number of splits
    above it.  When two split points balance equally well (totals within
    1e-12 of each other, relative to the whole) the earlier one is taken, so
    the first part is the smaller.  Counts are used exactly when the
    distribution holds them.

    Parameters
    ----------
    dist : Distribution
        The distribution (symbols of probability 0 get no codeword).

    Returns
    -------
    numpy.ndarray
        int64 lengths aligned with ``dist.symbols`` (0 for probability 0; 1
        for a lone symbol).

    Examples
    --------
    >>> from entrocode import parse_spec
    >>> fano_lengths(parse_spec("a=0.35,b=0.17,c=0.17,d=0.16,e=0.15")).tolist()
    [2, 2, 2, 3, 3]
    """
    dist = _check_distribution(dist)
    probs, counts = _weights(dist)
    weights: list[float] = [float(c) for c in counts] if counts is not None else probs
    present = [i for i, p in enumerate(probs) if p > 0]
    order = sorted(present, key=lambda i: -weights[i])  # stable: ties keep their order
    out = np.zeros(len(probs), dtype=np.int64)
    if len(order) == 1:
        out[order[0]] = 1
        return out
    w = [weights[i] for i in order]
    prefix = [0.0]
    for x in w:
        prefix.append(prefix[-1] + x)
    tolerance = 1e-12 * prefix[-1]
    # Explicit stack of (lo, hi, depth) over the sorted list: parts may be thousands deep.
    stack = [(0, len(order), 0)]
    while stack:
        lo, hi, depth = stack.pop()
        if hi - lo == 1:
            out[order[lo]] = depth
            continue
        best_k, best_diff = lo + 1, math.inf
        for k in range(lo + 1, hi):
            diff = abs((prefix[k] - prefix[lo]) - (prefix[hi] - prefix[k]))
            if diff < best_diff - tolerance:
                best_k, best_diff = k, diff
        stack.append((best_k, hi, depth + 1))
        stack.append((lo, best_k, depth + 1))
    return out


def shannon_fano_code(dist: Distribution) -> Codebook:
    """The canonical code with Shannon-Fano lengths (see :func:`fano_lengths`).

    Examples
    --------
    >>> from entrocode import parse_spec
    >>> round(shannon_fano_code(parse_spec("a=0.35,b=0.17,c=0.17,d=0.16,e=0.15"))
    ...       .expected_length, 4)
    2.31
    """
    dist = _check_distribution(dist)
    return Codebook.from_lengths(fano_lengths(dist).tolist(), dist)


# ---------------------------------------------------------------------------
# All methods side by side
# ---------------------------------------------------------------------------
def code_by_method(dist: Distribution, method: str = "huffman") -> Codebook:
    """The code of ``dist`` built by ``method``: "huffman", "shannon" or "fano".

    Raises
    ------
    CodebookError
        For an unknown method, naming the known ones.
    """
    if method == "huffman":
        return huffman_code(_check_distribution(dist))
    if method == "shannon":
        return shannon_code(dist)
    if method == "fano":
        return shannon_fano_code(dist)
    raise CodebookError(f"unknown code method {method!r}: use one of {', '.join(METHODS)}")


@dataclass(frozen=True)
class MethodSummary:
    """One construction's code for a distribution, with its cost.

    Attributes
    ----------
    method : str
        "huffman", "shannon" or "fano".
    code : Codebook
        The code.
    expected_length : float
        ``L = sum_i p[i] * l[i]`` in bits per symbol.
    redundancy : float
        ``L - H(P)`` in bits per symbol.
    excess : float
        ``L - L_huffman``: what the construction loses against the optimum
        (0 for Huffman, never negative).
    """

    method: str
    code: Codebook
    expected_length: float
    redundancy: float
    excess: float


def compare_methods(dist: Distribution) -> tuple[MethodSummary, ...]:
    """Huffman, Shannon and Shannon-Fano codes of ``dist``, side by side.

    Huffman's expected length is the smallest of all prefix codes, so the
    ``excess`` of the others is never negative: the table shows by example
    why Huffman's bottom-up merging is optimal while rounding up surprisals
    (Shannon) or splitting top-down (Shannon-Fano) may not be.

    Examples
    --------
    >>> from entrocode import parse_spec
    >>> rows = compare_methods(parse_spec("a=0.9,b=0.1"))
    >>> [(r.method, round(r.expected_length, 4)) for r in rows]
    [('huffman', 1.0), ('shannon', 1.3), ('fano', 1.0)]
    """
    dist = _check_distribution(dist)
    codes = [(m, code_by_method(dist, m)) for m in METHODS]
    best = codes[0][1].expected_length
    return tuple(
        MethodSummary(m, c, c.expected_length, c.redundancy, max(c.expected_length - best, 0.0))
        for m, c in codes
    )


# ---------------------------------------------------------------------------
# Checking hand-made lengths
# ---------------------------------------------------------------------------
def parse_lengths(text: str) -> tuple[int, ...]:
    """Parse a comma-separated list of code lengths such as ``"1,2,3,3"``.

    Raises
    ------
    CodebookError
        For an empty list, an entry that is not a whole number, or a
        negative one, quoting the entry.

    Examples
    --------
    >>> parse_lengths("1, 2,3,3")
    (1, 2, 3, 3)
    """
    parts = [p.strip() for p in str(text).split(",")]
    if not any(parts):
        raise CodebookError("no code lengths given: write them like 1,2,3,3")
    out = []
    for i, part in enumerate(parts):
        if not part.lstrip("+-").isdigit() or not part.isascii():
            raise CodebookError(f"code length {i + 1}: {part!r} is not a whole number")
        value = int(part)
        if value < 0:
            raise CodebookError(f"code length {i + 1}: {value} is negative")
        out.append(value)
    return tuple(out)


@dataclass(frozen=True)
class LengthCheck:
    """The verdict on a set of code lengths, optionally for a distribution.

    Attributes
    ----------
    symbols : tuple
        The symbols the lengths belong to.
    lengths : tuple of int
        The lengths, aligned with ``symbols`` (0: no codeword).
    kraft_fraction : fractions.Fraction
        The Kraft sum ``sum_i 2**-l[i]`` over the positive lengths, exactly.
    code : Codebook or None
        The canonical code with these lengths, when one exists.
    distribution : Distribution or None
        The distribution the lengths were checked against.
    expected_length : float or None
        ``sum_i p[i] * l[i]`` in bits per symbol (even when no code exists:
        an over-full set can look shorter than the optimum, which is why it
        is impossible).
    optimal_length : float or None
        The expected length of the optimal (Huffman) code.
    entropy : float or None
        ``H(P)`` in bits, the lower bound.
    is_optimal : bool or None
        True when a prefix code exists and its expected length equals the
        optimum (exactly, with integer arithmetic on counts; else within
        1e-9).  Any optimal set counts, not only Huffman's.
    """

    symbols: tuple[Hashable, ...]
    lengths: tuple[int, ...]
    kraft_fraction: Fraction
    code: Codebook | None
    distribution: Distribution | None = None
    expected_length: float | None = None
    optimal_length: float | None = None
    entropy: float | None = None
    is_optimal: bool | None = None

    @property
    def kraft_sum(self) -> float:
        """The Kraft sum as a float."""
        return float(self.kraft_fraction)

    @property
    def prefix_code_exists(self) -> bool:
        """Kraft-McMillan: a prefix code with these lengths exists exactly when K <= 1."""
        return self.kraft_fraction <= 1

    @property
    def complete(self) -> bool:
        """K = 1: every infinite bit string starts with a codeword; no branch is wasted."""
        return self.kraft_fraction == 1

    @property
    def gap(self) -> float | None:
        """``expected_length - optimal_length`` in bits per symbol (None without a distribution)."""
        if self.expected_length is None or self.optimal_length is None:
            return None
        return self.expected_length - self.optimal_length

    @property
    def verdict(self) -> str:
        """One sentence: is the set optimal, and if not, why."""
        k = self.kraft_fraction
        if k > 1:
            return (f"no prefix code has these lengths: the Kraft sum {_fraction(k)} is more "
                    "than 1 (over-full)")
        if self.distribution is None:
            if k == 1:
                return "a prefix code exists, and it is complete (Kraft sum = 1)"
            return "a prefix code exists, but the Kraft sum < 1: a codeword can be shorter"
        if self.is_optimal:
            return "optimal: no prefix code has a smaller expected length"
        gap = self.gap or 0.0
        hint = ("Kraft sum < 1: a codeword can be shorter" if k < 1
                else "likelier symbols need shorter codewords")
        return f"not optimal: {gap:.4f} bits/symbol too long; {hint}"


def _fraction(k: Fraction) -> str:
    return str(k.numerator) if k.denominator == 1 else f"{k.numerator}/{k.denominator}"


def check_code_lengths(
    lengths: Sequence[int] | Mapping[Hashable, int],
    dist: Distribution | None = None,
) -> LengthCheck:
    """Check a hand-made set of code lengths, and its cost for ``dist``.

    Answers the questions of a coding exercise: the Kraft sum
    ``K = sum_i 2**-l[i]``; whether a prefix code with these lengths exists
    (exactly when ``K <= 1``, the Kraft-McMillan inequality) and whether it is
    complete (``K = 1``); its canonical codewords; and, for a distribution,
    the expected length ``sum_i p[i] * l[i]`` beside the optimum and the
    entropy.  Optimal lengths are not unique (for ``0.4,0.2,0.2,0.1,0.1``
    both ``2,2,2,3,3`` and ``1,2,3,4,4`` give 2.2 bits), so any set that
    reaches the optimal expected length is accepted.

    Parameters
    ----------
    lengths : sequence of int, or mapping symbol -> int
        One length per symbol of ``dist`` in its order (or per symbol
        ``"0"``, ``"1"``, ... without ``dist``); 0 means "no codeword" and is
        allowed only for a symbol of probability 0.
    dist : Distribution, optional
        The distribution to measure the lengths against.

    Returns
    -------
    LengthCheck
        The verdict; see its attributes.

    Raises
    ------
    CodebookError
        For a length that is not a whole number, negative or longer than
        4096; a count of lengths that differs from the number of symbols; a
        length of 0 for a symbol of positive probability; or no positive
        length at all.

    Examples
    --------
    >>> from entrocode import parse_spec
    >>> d = parse_spec("a=0.4,b=0.2,c=0.2,d=0.1,e=0.1")
    >>> check = check_code_lengths([1, 2, 3, 4, 4], d)
    >>> check.kraft_sum, check.is_optimal, check.code.codewords["e"]
    (1.0, True, '1111')
    >>> check_code_lengths([1, 1, 2, 3, 3], d).verdict
    'no prefix code has these lengths: the Kraft sum 3/2 is more than 1 (over-full)'
    """
    if isinstance(lengths, Mapping):
        symbols = list(lengths.keys())
        raw = list(lengths.values())
        if dist is not None:
            missing = [s for s in dist.symbols if s not in lengths and dist[s] > 0]
            extra = [s for s in symbols if s not in dist]
            if extra:
                raise CodebookError(f"symbol {extra[0]!r} is not in the distribution")
            if missing:
                raise CodebookError(f"symbol {missing[0]!r} has probability > 0 but no length")
            by_symbol = dict(zip(symbols, raw, strict=True))
            symbols = list(dist.symbols)
            raw = [by_symbol.get(s, 0) for s in symbols]
    else:
        if isinstance(lengths, (str, bytes)):
            raise TypeError("lengths must be a sequence of whole numbers; parse text with "
                            "parse_lengths")
        raw = list(lengths)
        symbols = list(dist.symbols) if dist is not None else [str(i) for i in range(len(raw))]
        if len(raw) != len(symbols):
            raise CodebookError(
                f"{len(raw)} code lengths for {len(symbols)} symbols: give one length per symbol"
                + (f" ({', '.join(map(str, symbols))})" if len(symbols) <= 20 else "")
            )
    values: list[int] = []
    for i, v in enumerate(raw):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise CodebookError(f"code length {i + 1}: {v!r} is not a whole number")
        if v < 0:
            raise CodebookError(f"code length {i + 1}: {int(v)} is negative")
        if v > _MAX_LENGTH:
            raise CodebookError(f"code length {i + 1}: {int(v)} is absurdly long "
                                f"(more than {_MAX_LENGTH})")
        values.append(int(v))
    if not any(values):
        raise CodebookError("every code length is 0: no symbol has a codeword")
    if dist is not None:
        for s, v in zip(symbols, values, strict=True):
            if v == 0 and dist[s] > 0:
                raise CodebookError(
                    f"symbol {s!r} has probability {dist[s]:.6g} but length 0: every symbol "
                    "that can occur needs a codeword"
                )
    kraft = sum((Fraction(1, 1 << v) for v in values if v > 0), Fraction(0))
    code = Codebook.from_lengths(values, dist) if kraft <= 1 else None
    if code is None and dist is None:
        return LengthCheck(tuple(symbols), tuple(values), kraft, None)
    if dist is None:
        return LengthCheck(tuple(symbols), tuple(values), kraft, code)
    probs, counts = _weights(dist)
    expected = math.fsum(p * v for p, v in zip(probs, values, strict=True))
    optimal = huffman_code(dist)
    if counts is not None:
        opt_lengths = optimal.length_vector().tolist()
        mine = sum(c * v for c, v in zip(counts, values, strict=True))
        best = sum(c * v for c, v in zip(counts, opt_lengths, strict=True))
        same = mine <= best
    else:
        same = expected <= optimal.expected_length + 1e-9
    return LengthCheck(
        tuple(symbols), tuple(values), kraft, code, dist,
        expected_length=expected,
        optimal_length=optimal.expected_length,
        entropy=optimal.entropy,
        is_optimal=bool(code is not None and same),
    )

