"""Huffman codebooks: optimal and length-limited canonical prefix codes.

This module turns weights into code lengths and code lengths into canonical
codewords.  It knows nothing of files.

- :func:`huffman_lengths` builds an optimal (Huffman) code with the
  minimum-variance tie-breaking rule: leaves are sorted by weight (ties by
  position), and whenever a leaf and a merged node weigh the same, the older
  node, the leaf, is merged first.  The result is identical on every machine.
- :func:`limited_lengths` builds the optimal code whose lengths do not exceed
  a limit L, by the package-merge algorithm (Larmore and Hirschberg, 1990).
- :func:`canonical_codewords` assigns canonical codewords: symbols sorted by
  (length, position) receive consecutive binary numbers, shifted left when the
  length grows.  Canonical code lengths are the exchange format: the lengths
  alone determine the code.
- :class:`Codebook` is the immutable result and carries its own analysis.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from entrocode.distribution import Distribution
from entrocode.errors import CodebookError, DistributionError
from entrocode.measures import check_weights

__all__ = [
    "CodeEntry",
    "Codebook",
    "MergeStep",
    "canonical_codewords",
    "check_lengths",
    "huffman_code",
    "huffman_lengths",
    "huffman_merges",
    "kraft_sum",
    "limited_lengths",
]


# ---------------------------------------------------------------------------
# Lengths
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MergeStep:
    """One step of Huffman's algorithm: the two lightest nodes become one.

    Attributes
    ----------
    left, right : tuple of int
        Positions (into the weight vector) of the leaves under each merged node.
    left_weight, right_weight : float
        Their weights; ``weight = left_weight + right_weight``.
    """

    left: tuple[int, ...]
    right: tuple[int, ...]
    left_weight: float
    right_weight: float

    @property
    def weight(self) -> float:
        """Weight of the new node."""
        return self.left_weight + self.right_weight


def _huffman(weights: np.ndarray, record: bool) -> tuple[np.ndarray, list[MergeStep]]:
    """Two-queue Huffman with minimum-variance tie-breaking.

    Returns lengths for every position (0 where the weight is 0) and, when
    ``record``, the merge steps.
    """
    n = weights.size
    lengths = np.zeros(n, dtype=np.int64)
    present = np.flatnonzero(weights > 0)
    m = present.size
    if m == 0:
        return lengths, []
    if m == 1:
        lengths[present[0]] = 1
        return lengths, []
    order = present[np.argsort(weights[present], kind="stable")]
    w = weights[order].tolist()
    # Nodes 0..m-1 are leaves (in sorted order), m.. are merged nodes.
    total = 2 * m - 1
    parent = [0] * total
    node_w = w + [0.0] * (m - 1)
    leaves_of: list[tuple[int, ...]] = [(int(i),) for i in order.tolist()] if record else []
    steps: list[MergeStep] = []
    li, qi = 0, m  # next leaf, next merged node
    for nxt in range(m, total):
        # Take the two lightest nodes; on equal weights the leaf (older node)
        # goes first: minimum variance.  (The two takes are written out: this
        # loop is the cost of every code the compressor weighs.)
        if li < m and (qi >= nxt or node_w[li] <= node_w[qi]):
            a, li = li, li + 1
        else:
            a, qi = qi, qi + 1
        if li < m and (qi >= nxt or node_w[li] <= node_w[qi]):
            b, li = li, li + 1
        else:
            b, qi = qi, qi + 1
        node_w[nxt] = node_w[a] + node_w[b]
        parent[a] = parent[b] = nxt
        if record:
            leaves_of.append(leaves_of[a] + leaves_of[b])
            steps.append(MergeStep(leaves_of[a], leaves_of[b], node_w[a], node_w[b]))
    depth = [0] * total
    for node in range(total - 2, -1, -1):
        depth[node] = depth[parent[node]] + 1
    lengths[order] = depth[:m]
    return lengths, steps


def huffman_lengths(weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Optimal (Huffman) code lengths for non-negative weights.

    Minimises ``sum_i w[i] * l[i]`` over all prefix codes.  Ties are broken by
    the minimum-variance rule (on equal weights the older node is merged
    first), so among the optimal codes the one with the least spread of
    lengths is chosen, the same on every machine.

    Parameters
    ----------
    weights : sequence of float or numpy.ndarray
        Probabilities or counts, not all zero.

    Returns
    -------
    numpy.ndarray
        int64 lengths aligned with ``weights``: 0 for a zero weight, 1 for the
        only symbol when just one weight is positive.

    Examples
    --------
    >>> huffman_lengths([0.25, 0.25, 0.2, 0.15, 0.15]).tolist()
    [2, 2, 2, 3, 3]
    """
    w = check_weights(weights)
    return _huffman(w, record=False)[0]


def huffman_merges(weights: Sequence[float] | np.ndarray) -> tuple[MergeStep, ...]:
    """The merge steps Huffman's algorithm takes on ``weights``, in order.

    Each step joins the two lightest nodes (see :class:`MergeStep`); the
    tie-breaking is that of :func:`huffman_lengths`.
    """
    w = check_weights(weights)
    return tuple(_huffman(w, record=True)[1])


def limited_lengths(weights: Sequence[float] | np.ndarray, max_length: int) -> np.ndarray:
    """Optimal code lengths no longer than ``max_length`` (package-merge).

    Minimises ``sum_i w[i] * l[i]`` subject to ``l[i] <= max_length``.  When
    the unconstrained Huffman code already fits, it is returned unchanged.

    Parameters
    ----------
    weights : sequence of float or numpy.ndarray
        Non-negative weights, not all zero.
    max_length : int
        The limit L >= 1; ``2**L`` must be at least the number of positive
        weights.

    Raises
    ------
    CodebookError
        When ``2**max_length`` is less than the number of symbols.
    """
    w = check_weights(weights)
    limit = _check_limit(max_length, int(np.count_nonzero(w)))
    lengths = _huffman(w, record=False)[0]
    if lengths.max() <= limit:
        return lengths
    return _package_merge(w, limit)


def _check_limit(max_length: Any, n: int) -> int:
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)):
        raise CodebookError(f"max_length must be a whole number >= 1, got {max_length!r}")
    limit = int(max_length)
    if limit < 1:
        raise CodebookError(f"max_length must be at least 1, got {limit}")
    if n > 1 and (1 << min(limit, 4096)) < n:
        need = math.ceil(math.log2(n))
        raise CodebookError(
            f"max_length={limit} is too small for {n} symbols: 2**{limit} = {1 << limit} < {n} "
            f"(need at least {need})"
        )
    return limit


def _package_merge(w: np.ndarray, limit: int) -> np.ndarray:
    """Package-merge for n >= 2 positive weights; returns lengths <= limit."""
    n_all = w.size
    present = np.flatnonzero(w > 0)
    order = present[np.argsort(w[present], kind="stable")]
    leaves = w[order]
    n = leaves.size
    # Build the lists from the deepest level (limit) up to level 1.  Each list
    # is the merge of the leaves with the packages (pairs) of the list below;
    # on equal weights leaves come first.  We record, per level, which merged
    # positions are leaves.
    is_leaf_levels: list[np.ndarray] = []
    current = leaves.copy()
    current_is_leaf = np.ones(n, dtype=bool)
    is_leaf_levels.append(current_is_leaf)
    for _ in range(limit - 1):
        pk = current[0 : 2 * (current.size // 2) : 2] + current[1 : 2 * (current.size // 2) : 2]
        merged = np.concatenate([leaves, pk])
        idx = np.argsort(merged, kind="stable")
        current = merged[idx]
        current_is_leaf = idx < n
        is_leaf_levels.append(current_is_leaf)
    # Select 2n - 2 items at level 1 and expand downwards.
    counts = np.zeros(n, dtype=np.int64)
    take = 2 * n - 2
    for is_leaf in reversed(is_leaf_levels):
        sel = is_leaf[:take]
        n_leaves = int(np.count_nonzero(sel))
        counts[:n_leaves] += 1  # selected leaves are a prefix of the sorted leaves
        take = 2 * (take - n_leaves)
        if take == 0:
            break
    lengths = np.zeros(n_all, dtype=np.int64)
    lengths[order] = counts
    return lengths


# ---------------------------------------------------------------------------
# Canonical codes
# ---------------------------------------------------------------------------
def kraft_sum(lengths: Sequence[int] | np.ndarray) -> float:
    """Kraft sum ``K = sum_i 2**(-l[i])`` over the positive lengths.

    A prefix code with these lengths exists if and only if K <= 1 (the
    Kraft-McMillan inequality); K = 1 means the code is complete: every
    infinite bit string starts with a codeword.
    """
    return float(_kraft_exact(np.asarray(lengths, dtype=np.int64)))


def _kraft_exact(lengths: np.ndarray) -> Fraction:
    pos = lengths[lengths > 0]
    if pos.size == 0:
        return Fraction(0)
    top = int(pos.max())
    counts = np.bincount(pos, minlength=top + 1)
    total = sum(int(c) << (top - n) for n, c in enumerate(counts.tolist()) if c)
    return Fraction(total, 1 << top)


def check_lengths(lengths: Sequence[int] | np.ndarray, complete: bool = False) -> np.ndarray:
    """Validate a set of code lengths and return it as an int64 array.

    Lengths of 0 mean "no codeword".  The set is refused when it is
    over-full (Kraft sum > 1: no prefix code exists) and, with
    ``complete=True``, also when it is under-full (Kraft sum < 1: some bit
    strings decode to nothing), except for a single symbol of length 1.

    Raises
    ------
    CodebookError
        Naming the Kraft sum and whether the set is over-full or under-full.
    """
    try:
        arr = np.array(lengths, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        raise CodebookError(f"code lengths must be whole numbers, got {lengths!r}") from None
    if arr.ndim != 1:
        raise CodebookError(f"code lengths must be one-dimensional, got shape {arr.shape}")
    if arr.size and arr.min() < 0:
        bad = int(arr[arr < 0][0])
        raise CodebookError(f"code length {bad} is negative")
    if arr.size and arr.max() > 4096:
        raise CodebookError(f"code length {int(arr.max())} is absurdly long (more than 4096)")
    k = _kraft_exact(arr)
    if k > 1:
        raise CodebookError(
            f"code lengths are over-full: Kraft sum {float(k):.6g} > 1, so no prefix code exists"
        )
    n = int(np.count_nonzero(arr))
    if complete and k < 1 and not (n == 1 and int(arr.max()) == 1):
        raise CodebookError(
            f"code lengths are under-full: Kraft sum {float(k):.6g} < 1 "
            "(some bit strings are not a codeword)"
        )
    return arr


def canonical_codewords(lengths: Sequence[int] | np.ndarray) -> np.ndarray:
    """Canonical codewords, as integers, for valid code lengths.

    Symbols are sorted by (length, position); the first gets all zeros, and
    each next codeword is the previous plus one, shifted left by the growth
    in length: ``code[k+1] = (code[k] + 1) << (l[k+1] - l[k])``.  The codeword
    of symbol i is the ``l[i]``-bit big-endian binary form of ``codes[i]``.

    Parameters
    ----------
    lengths : sequence of int or numpy.ndarray
        Code lengths (0: no codeword) with Kraft sum <= 1, at most 64.

    Returns
    -------
    numpy.ndarray
        uint64 codes aligned with ``lengths`` (0 where the length is 0).
    """
    arr = check_lengths(lengths)
    if arr.size and int(arr.max()) > 64:
        raise CodebookError(f"canonical codewords as integers need lengths <= 64, got {arr.max()}")
    present = np.flatnonzero(arr)
    if present.size == 0:
        return np.zeros(arr.size, dtype=np.uint64)
    return _canonical_array(arr, present)


def _canonical_ints(arr: np.ndarray) -> list[int]:
    """Canonical codewords as Python ints (any length), aligned with ``arr``."""
    present = np.flatnonzero(arr > 0)
    if present.size and int(arr[present].max()) <= 64:
        return _canonical_array(arr, present).tolist()
    codes = [0] * arr.size
    if present.size == 0:
        return codes
    order = present[np.lexsort((present, arr[present]))]
    code = 0
    prev = int(arr[order[0]])
    for k, i in enumerate(order.tolist()):
        length = int(arr[i])
        if k:
            code = (code + 1) << (length - prev)
            prev = length
        codes[i] = code
    return codes


def _canonical_array(arr: np.ndarray, present: np.ndarray) -> np.ndarray:
    """:func:`_canonical_ints` for lengths of at most 64, as uint64, without a loop over symbols.

    The first codeword of each length is deflate's ``next_code``:
    ``first[l] = (first[l-1] + count[l-1]) << 1``; the symbols of one length
    then take consecutive codewords in the order of their position.
    """
    lens = arr[present]
    top = int(lens.max())
    count = np.bincount(lens, minlength=top + 1).tolist()
    first = [0] * (top + 1)
    code = 0
    for length in range(2, top + 1):
        code = (code + count[length - 1]) << 1
        first[length] = code
    first_of = np.array(first, dtype=np.uint64)
    order = present[np.argsort(lens, kind="stable")]
    sorted_lens = arr[order]
    start = np.concatenate(([0], np.cumsum(count)))[sorted_lens]
    rank = np.arange(order.size, dtype=np.uint64) - start.astype(np.uint64)
    codes = np.zeros(arr.size, dtype=np.uint64)
    codes[order] = first_of[sorted_lens] + rank
    return codes


# ---------------------------------------------------------------------------
# Codebook
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeEntry:
    """One row of a codebook: a symbol, its probability and its codeword."""

    symbol: Hashable
    probability: float
    codeword: str
    length: int


@dataclass(frozen=True)
class Codebook:
    """An immutable canonical prefix code with its analysis.

    Build one with :func:`huffman_code` or :meth:`Codebook.from_lengths`.

    Attributes
    ----------
    entries : tuple of CodeEntry
        One entry per symbol with a codeword, in canonical order (by length,
        then by the symbol's position in the distribution).
    distribution : Distribution
        The probabilities the analysis refers to (including zero-probability
        symbols, which have no codeword).
    """

    entries: tuple[CodeEntry, ...]
    distribution: Distribution

    # -- construction -----------------------------------------------------
    @classmethod
    def from_lengths(
        cls,
        lengths: Mapping[Hashable, int] | Sequence[int],
        distribution: Distribution | None = None,
    ) -> Codebook:
        """The canonical code with the given lengths.

        Parameters
        ----------
        lengths : mapping or sequence of int
            ``{symbol: length}``, or a sequence aligned with
            ``distribution.symbols`` (or with symbols ``"0"``, ``"1"``, ...).
            A length of 0 means "no codeword".
        distribution : Distribution, optional
            Probabilities for the analysis; uniform over the coded symbols when
            omitted.

        Raises
        ------
        CodebookError
            When the lengths are over-full (Kraft sum > 1), or a symbol has a
            positive probability and no codeword.
        """
        if isinstance(lengths, Mapping):
            symbols = list(lengths.keys())
            values = list(lengths.values())
        else:
            values = list(lengths)
            symbols = (
                list(distribution.symbols)
                if distribution is not None
                else [str(i) for i in range(len(values))]
            )
            if len(symbols) != len(values):
                raise CodebookError(
                    f"{len(values)} lengths for {len(symbols)} symbols: the counts must match"
                )
        arr = check_lengths(values)
        if distribution is None:
            coded = arr > 0
            if not coded.any():
                raise CodebookError("no symbol has a codeword")
            probs = coded / coded.sum()
            distribution = Distribution.from_probabilities(probs.tolist(), symbols)
        by_symbol = dict(zip(symbols, arr.tolist(), strict=True))
        for s in by_symbol:
            if s not in distribution:
                raise CodebookError(f"symbol {s!r} is not in the distribution")
        full = np.array([by_symbol.get(s, 0) for s in distribution.symbols], dtype=np.int64)
        missing = (full == 0) & (distribution.probabilities > 0)
        if missing.any():
            s = distribution.symbols[int(np.flatnonzero(missing)[0])]
            raise CodebookError(f"symbol {s!r} has probability > 0 but no codeword")
        return cls._build(full, distribution)

    @classmethod
    def _build(cls, lengths: np.ndarray, distribution: Distribution) -> Codebook:
        # Python ints, not uint64: Huffman codes can be deeper than 64 bits
        # (Fibonacci weights), and the codebook must still be built.
        codes = _canonical_ints(check_lengths(lengths))
        present = np.flatnonzero(lengths > 0)
        order = present[np.lexsort((present, lengths[present]))]
        probs = distribution.probabilities
        entries = tuple(
            CodeEntry(
                distribution.symbols[i],
                float(probs[i]),
                format(codes[i], f"0{int(lengths[i])}b"),
                int(lengths[i]),
            )
            for i in order.tolist()
        )
        return cls(entries, distribution)

    # -- views ------------------------------------------------------------
    @property
    def symbols(self) -> tuple[Hashable, ...]:
        """The coded symbols in canonical order."""
        return tuple(e.symbol for e in self.entries)

    @property
    def codewords(self) -> dict[Hashable, str]:
        """A new ``{symbol: codeword}`` dict, codewords as '0'/'1' strings."""
        return {e.symbol: e.codeword for e in self.entries}

    @property
    def lengths(self) -> dict[Hashable, int]:
        """A new ``{symbol: length}`` dict: the exchange format of the code."""
        return {e.symbol: e.length for e in self.entries}

    def length_vector(self) -> np.ndarray:
        """Lengths aligned with ``distribution.symbols`` (0: no codeword)."""
        lookup = self.lengths
        return np.array([lookup.get(s, 0) for s in self.distribution.symbols], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, symbol: Hashable) -> str:
        for e in self.entries:
            if e.symbol == symbol:
                return e.codeword
        raise KeyError(symbol)

    def encode(self, symbols: Sequence[Hashable]) -> str:
        """Concatenated codewords of ``symbols`` as a '0'/'1' string (for teaching).

        Raises :class:`CodebookError` for a symbol without a codeword.
        """
        table = self.codewords
        try:
            return "".join(table[s] for s in symbols)
        except KeyError as exc:
            raise CodebookError(f"symbol {exc.args[0]!r} has no codeword") from None

    # -- analysis ---------------------------------------------------------
    @property
    def max_length(self) -> int:
        """The longest codeword length in bits."""
        return max((e.length for e in self.entries), default=0)

    @property
    def expected_length(self) -> float:
        """Expected codeword length ``L = sum_i p[i] * l[i]``, in bits per symbol."""
        return math.fsum(e.probability * e.length for e in self.entries)

    @property
    def entropy(self) -> float:
        """Entropy ``H(P)`` of the distribution, in bits: the lower bound on L."""
        from entrocode.measures import entropy

        return entropy(self.distribution.probabilities)

    @property
    def redundancy(self) -> float:
        """Redundancy ``L - H(P)`` in bits per symbol; 0 <= it < 1 for Huffman."""
        return max(self.expected_length - self.entropy, 0.0)

    @property
    def efficiency(self) -> float:
        """Efficiency ``H(P) / L``: the share of each code bit that is information."""
        length = self.expected_length
        return self.entropy / length if length > 0 else 1.0

    @property
    def kraft_sum(self) -> float:
        """Kraft sum ``sum_i 2**(-l[i])``: <= 1 always, 1 for a complete code."""
        return kraft_sum([e.length for e in self.entries])

    @property
    def length_variance(self) -> float:
        """Variance of the codeword length under P: ``sum_i p[i] * (l[i] - L)**2``."""
        mean = self.expected_length
        return math.fsum(e.probability * (e.length - mean) ** 2 for e in self.entries)

    @property
    def is_prefix_free(self) -> bool:
        """True when no codeword is a prefix of another (checked, not assumed)."""
        words = sorted(e.codeword for e in self.entries)
        return all(not b.startswith(a) for a, b in itertools.pairwise(words))

    def expected_length_under(self, p: Distribution) -> float:
        """Expected length ``sum_x p(x) * l(x)`` of this code for data from ``p``.

        Returns ``inf`` when ``p`` gives positive probability to a symbol that
        has no codeword here.
        """
        lookup = self.lengths
        total = 0.0
        for s, prob in p.items():
            if prob > 0:
                if s not in lookup:
                    return math.inf
                total += prob * lookup[s]
        return total


def _as_distribution(dist_or_counts: Any) -> Distribution:
    if isinstance(dist_or_counts, Distribution):
        return dist_or_counts
    if isinstance(dist_or_counts, Mapping):
        return Distribution.from_counts(dist_or_counts)
    if isinstance(dist_or_counts, (str, bytes)):
        raise DistributionError(
            f"expected a Distribution, a mapping or a sequence of counts, got {dist_or_counts!r}"
        )
    values = list(
        dist_or_counts.tolist() if isinstance(dist_or_counts, np.ndarray) else dist_or_counts
    )
    return Distribution.from_counts(values, list(range(len(values))))


def huffman_code(dist_or_counts: Any, max_length: int | None = None) -> Codebook:
    """The optimal canonical prefix code for a distribution or counts.

    Minimises the expected length ``L = sum_i p[i] * l[i]``; Huffman's code
    satisfies ``H(P) <= L < H(P) + 1``.  With ``max_length``, the optimal code
    among those whose codewords are at most ``max_length`` bits long
    (package-merge).

    Parameters
    ----------
    dist_or_counts : Distribution, mapping or sequence
        A :class:`Distribution`, a ``{symbol: count}`` mapping, or a sequence
        of counts whose symbols are 0, 1, 2, ...
    max_length : int, optional
        Longest allowed codeword; ``2**max_length`` must be at least the number
        of symbols with positive probability.

    Returns
    -------
    Codebook
        Canonical codewords; the minimum-variance tie-breaking rule makes the
        result the same on every machine.  A lone symbol gets the codeword
        ``"0"``; zero-probability symbols get none.

    Raises
    ------
    DistributionError
        For invalid probabilities or counts.
    CodebookError
        When ``max_length`` is too small.

    Examples
    --------
    >>> code = huffman_code(Distribution.from_spec("a=0.5,b=0.25,c=0.25"))
    >>> code.codewords
    {'a': '0', 'b': '10', 'c': '11'}
    >>> code.expected_length
    1.5
    """
    dist = _as_distribution(dist_or_counts)
    weights = (
        np.array(dist.counts, dtype=np.float64) if dist.counts is not None else dist.probabilities
    )
    if max_length is None:
        lengths = _huffman(weights, record=False)[0]
    else:
        lengths = limited_lengths(weights, max_length)
    return Codebook._build(lengths, dist)
