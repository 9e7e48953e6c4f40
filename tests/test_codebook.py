"""Tests of entrocode.codebook (and entrocode.analysis.compare).

Worked examples with textbook values, canonical codewords and tie-breaking
pinned down, degenerate cases, exact error messages, and theorems checked on
seeded random and Hypothesis-generated distributions against brute force.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrocode import (
    Codebook,
    CodebookError,
    CodeEntry,
    Distribution,
    DistributionError,
    canonical_codewords,
    check_lengths,
    cross_entropy,
    entropy,
    huffman_code,
    huffman_lengths,
    huffman_merges,
    kl_divergence,
    kraft_sum,
    limited_lengths,
    parse_spec,
)
from entrocode.analysis import compare

COVER_THOMAS = [0.25, 0.25, 0.2, 0.15, 0.15]
PLANETS = [0.30, 0.40, 0.05, 0.06, 0.07, 0.02, 0.05, 0.05]

HYPOTHESIS = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def fibonacci(n: int) -> list[int]:
    fib = [1, 1]
    while len(fib) < n:
        fib.append(fib[-1] + fib[-2])
    return fib[:n]


def expected_length(p, lengths) -> float:
    """sum_i p[i] * l[i], computed independently of the Codebook."""
    return math.fsum(float(x) * int(n) for x, n in zip(p, lengths, strict=True))


def exact_kraft(lengths) -> Fraction:
    return sum((Fraction(1, 2**n) for n in lengths if n > 0), Fraction(0))


def prefix_free(words) -> bool:
    """Quadratic check: no codeword is a prefix of another."""
    words = list(words)
    return all(
        not b.startswith(a) for i, a in enumerate(words) for j, b in enumerate(words) if i != j
    )


# ---------------------------------------------------------------------------
# Brute force references
# ---------------------------------------------------------------------------
@functools.cache
def feasible_lengths(n: int, longest: int) -> np.ndarray:
    """Every vector of n lengths in 1..longest with Kraft sum <= 1 (all prefix codes)."""
    vectors = np.array(list(itertools.product(range(1, longest + 1), repeat=n)), dtype=np.int64)
    kraft = (np.int64(1) << (longest - vectors)).sum(axis=1)
    return vectors[kraft <= (1 << longest)]


def brute_force_optimum(weights, longest: int | None = None) -> tuple[float, np.ndarray]:
    """Least sum w*l over all prefix codes (lengths <= longest), and all optimal vectors.

    For the unconstrained optimum, lengths never need to exceed n - 1.
    """
    w = np.array([x for x in weights if x > 0], dtype=np.float64)
    n = w.size
    bound = n - 1 if longest is None else min(longest, max(n - 1, 1))
    vectors = feasible_lengths(n, bound)
    costs = vectors @ w
    best = costs.min()
    return float(best), vectors[np.isclose(costs, best, rtol=1e-12, atol=0)]


def dp_limited_optimum(weights, limit: int) -> int:
    """Least sum w*l over prefix codes with l <= limit, by dynamic programming.

    Heavier symbols sit no deeper, so with w sorted in decreasing order a code is a
    choice of how many leaves k to place at each depth d among the open nodes a.
    """
    w = sorted((x for x in weights if x > 0), reverse=True)
    n = len(w)
    prefix = list(itertools.accumulate(w, initial=0))
    states = {(0, 2): 0}  # (leaves placed, open nodes at depth d) -> least cost so far
    for d in range(1, limit + 1):
        nxt: dict[tuple[int, int], int] = {}
        for (i, a), cost in states.items():
            for k in range(min(a, n - i) + 1):
                j = i + k
                key = (n, 0) if j == n else (j, min(2 * (a - k), n - j))
                if key[1] == 0 and j < n:
                    continue
                c = cost + d * (prefix[j] - prefix[i])
                if c < nxt.get(key, math.inf):
                    nxt[key] = c
        states = nxt
    return states[(n, 0)]


def random_weights(rng: np.random.Generator, n: int, integer: bool) -> list[float]:
    if integer:  # small integers: many ties
        w = rng.integers(0, 12, size=n)
        if not w.any():
            w[0] = 1
        return [int(x) for x in w]
    w = rng.dirichlet(np.full(n, 0.5))
    w[rng.random(n) < 0.2] = 0.0
    if not w.any():
        w[0] = 1.0
    return (w / w.sum()).tolist()


# ---------------------------------------------------------------------------
# Worked examples
# ---------------------------------------------------------------------------
def test_cover_thomas_example():
    code = huffman_code(COVER_THOMAS)
    assert code.length_vector().tolist() == [2, 2, 2, 3, 3]
    assert code.expected_length == pytest.approx(2.3, rel=1e-12)
    assert code.codewords == {0: "00", 1: "01", 2: "10", 3: "110", 4: "111"}
    h = -math.fsum(p * math.log2(p) for p in COVER_THOMAS)
    assert code.entropy == pytest.approx(h, rel=1e-12)
    assert code.redundancy == pytest.approx(2.3 - h, rel=1e-9)
    assert code.efficiency == pytest.approx(h / 2.3, rel=1e-12)
    assert code.kraft_sum == 1.0
    # lengths 2 (p = 0.7) and 3 (p = 0.3) around L = 2.3
    assert code.length_variance == pytest.approx(0.7 * 0.3**2 + 0.3 * 0.7**2, rel=1e-12)
    assert code.is_prefix_free
    assert code.max_length == 3


def test_planet_temperatures_code_has_expected_length_2_37():
    code = huffman_code(Distribution.from_probabilities(PLANETS))
    assert code.expected_length == pytest.approx(2.37, rel=1e-12)
    assert code.entropy == pytest.approx(2.3231, abs=5e-5)
    assert code.entropy <= code.expected_length < code.entropy + 1
    # in hundredths: the optimum over all prefix codes is 237
    assert dp_limited_optimum([30, 40, 5, 6, 7, 2, 5, 5], limit=7) == 237


def test_dyadic_distribution_has_no_redundancy():
    code = huffman_code(parse_spec("a=0.5,b=0.25,c=0.125,d=0.125"))
    assert code.codewords == {"a": "0", "b": "10", "c": "110", "d": "111"}
    assert code.expected_length == 1.75
    assert code.entropy == 1.75
    assert code.redundancy == 0.0
    assert code.efficiency == 1.0


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_two_to_the_k_equal_weights_give_k_bit_codes(k):
    n = 2**k
    code = huffman_code([1] * n)
    assert code.length_vector().tolist() == [k] * n
    # canonical: equal lengths are numbered in symbol order
    assert [code[i] for i in range(n)] == [format(i, f"0{k}b") for i in range(n)]
    assert code.length_variance == 0.0


def test_docstring_example():
    code = huffman_code(Distribution.from_spec("a=0.5,b=0.25,c=0.25"))
    assert code.codewords == {"a": "0", "b": "10", "c": "11"}
    assert code.expected_length == 1.5


# ---------------------------------------------------------------------------
# Tie-breaking and determinism
# ---------------------------------------------------------------------------
def test_minimum_variance_tie_breaking_where_it_matters():
    p = [0.4, 0.2, 0.2, 0.1, 0.1]
    code = huffman_code(p)
    assert code.length_vector().tolist() == [2, 2, 2, 3, 3]
    # the other Huffman code, (1, 2, 3, 4, 4), is just as short on average ...
    assert expected_length(p, [1, 2, 3, 4, 4]) == pytest.approx(2.2, rel=1e-12)
    assert code.expected_length == pytest.approx(2.2, rel=1e-12)
    # ... but its lengths spread far more: 1.36 against 0.16
    assert code.length_variance == pytest.approx(0.16, rel=1e-12)
    assert code.max_length == 3
    # same with exact counts, where the ties are exact
    assert huffman_code([4, 2, 2, 1, 1]).length_vector().tolist() == [2, 2, 2, 3, 3]


def test_merge_steps_take_the_older_node_on_equal_weights():
    steps = huffman_merges([4, 2, 2, 1, 1])
    assert len(steps) == 4
    assert (steps[0].left, steps[0].right) == ((3,), (4,))
    # the merged node {3, 4} weighs 2, as do leaves 1 and 2: the leaves go first
    assert (steps[1].left, steps[1].right) == ((1,), (2,))
    assert steps[1].weight == 4
    assert sorted(steps[-1].left + steps[-1].right) == [0, 1, 2, 3, 4]
    assert steps[-1].weight == 10


def test_equal_weights_are_ordered_by_position():
    # the two first symbols are merged first, so the last one gets the short codeword
    code = huffman_code([1, 1, 1])
    assert code.codewords == {2: "0", 0: "10", 1: "11"}
    assert code.symbols == (2, 0, 1)


def test_same_input_same_code():
    rng = np.random.default_rng(3)
    for _ in range(50):
        w = random_weights(rng, int(rng.integers(1, 30)), integer=True)
        first, second = huffman_code(w), huffman_code(list(w))
        assert first == second
        assert first.entries == second.entries


def test_heavier_symbols_never_get_longer_codewords():
    rng = np.random.default_rng(4)
    for _ in range(100):
        w = random_weights(rng, int(rng.integers(2, 40)), integer=bool(rng.integers(2)))
        lengths = huffman_lengths(w)
        for i, j in itertools.combinations(range(len(w)), 2):
            if w[i] > w[j] > 0:
                assert lengths[i] <= lengths[j]


# ---------------------------------------------------------------------------
# Canonical codewords
# ---------------------------------------------------------------------------
def test_canonical_codewords_example():
    assert canonical_codewords([2, 1, 3, 3]).tolist() == [0b10, 0b0, 0b110, 0b111]
    code = Codebook.from_lengths({"a": 2, "b": 1, "c": 3, "d": 3})
    assert code.codewords == {"b": "0", "a": "10", "c": "110", "d": "111"}
    assert code.symbols == ("b", "a", "c", "d")


def test_canonical_codewords_skip_zero_lengths():
    assert canonical_codewords([0, 1, 0, 1]).tolist() == [0, 0, 0, 1]
    assert canonical_codewords([0, 0]).tolist() == [0, 0]


def _assert_canonical(code: Codebook) -> None:
    position = {s: i for i, s in enumerate(code.distribution.symbols)}
    keys = [(e.length, position[e.symbol]) for e in code.entries]
    assert keys == sorted(keys), "entries are in canonical order: by length, then position"
    previous = None
    for e in code.entries:
        assert len(e.codeword) == e.length and set(e.codeword) <= {"0", "1"}
        value = int(e.codeword, 2)
        if previous is None:
            assert value == 0  # the first codeword is all zeros
        else:
            # consecutive numbers, shifted left when the length grows
            assert value == (int(previous.codeword, 2) + 1) << (e.length - previous.length)
        previous = e


def test_codewords_are_canonical_on_random_codes():
    rng = np.random.default_rng(5)
    for _ in range(100):
        w = random_weights(rng, int(rng.integers(1, 60)), integer=bool(rng.integers(2)))
        _assert_canonical(huffman_code(w))


def _canonical_by_the_rule(lengths: list[int]) -> list[int]:
    """code[k+1] = (code[k] + 1) << (l[k+1] - l[k]), symbols sorted by (length, position)."""
    codes = [0] * len(lengths)
    order = sorted((n, i) for i, n in enumerate(lengths) if n)
    code = previous = None
    for n, i in order:
        code = 0 if code is None else (code + 1) << (n - previous)
        codes[i], previous = code, n
    return codes


def test_canonical_codewords_follow_the_rule_on_under_full_and_deep_sets():
    rng = np.random.default_rng(11)
    sets = [[*range(1, 65), 64], [64], [3, 0, 3, 3, 1], [5, 5, 0, 7]]
    for _ in range(200):
        w = random_weights(rng, int(rng.integers(1, 300)), integer=bool(rng.integers(2)))
        lengths = huffman_lengths(w)
        # Lengthening codewords keeps the Kraft sum <= 1 (an under-full set).
        longer = lengths + (lengths > 0) * rng.integers(0, 3, lengths.size)
        sets += [lengths.tolist(), longer.tolist()]
    for lengths in sets:
        assert canonical_codewords(lengths).tolist() == _canonical_by_the_rule(lengths), lengths


def test_canonical_codewords_as_integers_refuse_more_than_64_bits():
    with pytest.raises(CodebookError, match="need lengths <= 64, got 65"):
        canonical_codewords([1, *range(2, 66), 65])


# ---------------------------------------------------------------------------
# Degenerate cases
# ---------------------------------------------------------------------------
def test_one_symbol_gets_the_codeword_0():
    for code in (huffman_code({"x": 5}), huffman_code(parse_spec("x=1")), huffman_code([1.0])):
        assert len(code) == 1
        assert list(code.codewords.values()) == ["0"]
        assert code.expected_length == 1.0
        assert code.entropy == 0.0
        assert code.redundancy == 1.0
        assert code.kraft_sum == 0.5
        assert code.is_prefix_free
    assert huffman_lengths([0, 7, 0]).tolist() == [0, 1, 0]
    assert huffman_code([0, 7, 0]).codewords == {1: "0"}


def test_zero_probability_symbols_get_no_codeword():
    d = parse_spec("a=0.5,b=0,c=0.5")
    code = huffman_code(d)
    assert code.codewords == {"a": "0", "c": "1"}
    assert "b" not in code.lengths
    with pytest.raises(KeyError):
        code["b"]
    assert code.length_vector().tolist() == [1, 0, 1]
    assert code.distribution == d  # the analysis still knows about "b"
    assert code.encode(["a", "c", "a"]) == "010"
    with pytest.raises(CodebookError, match="symbol 'b' has no codeword"):
        code.encode(["a", "b"])
    assert huffman_lengths([0.0, 0.5, 0.0, 0.5]).tolist() == [0, 1, 0, 1]


def test_accepted_inputs():
    by_dist = huffman_code(Distribution.from_counts({"a": 3, "b": 1}))
    by_map = huffman_code({"a": 3, "b": 1})
    by_seq = huffman_code([3, 1])
    by_array = huffman_code(np.array([3.0, 1.0]))
    assert by_dist.codewords == by_map.codewords == {"a": "0", "b": "1"}
    assert by_seq.codewords == by_array.codewords == {0: "0", 1: "1"}
    assert by_seq.distribution.probabilities.tolist() == [0.75, 0.25]


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ([1, -1], "counts[1] = -1.0 is negative"),
        ([0, 0], "counts sum to 0: at least one must be positive"),
        ([], "counts is empty"),
        ("abc", "expected a Distribution, a mapping or a sequence of counts, got 'abc'"),
    ],
)
def test_bad_input_to_huffman_code(arg, message):
    with pytest.raises(DistributionError) as info:
        huffman_code(arg)
    assert str(info.value) == message


def test_fibonacci_weights_give_a_code_deeper_than_64_bits():
    weights = fibonacci(70)
    code = huffman_code(weights)
    lengths = code.length_vector().tolist()
    # the maximally unbalanced tree: depths 69, 69, 68, ..., 2, 1
    assert lengths == [69, *range(69, 0, -1)]
    assert code.max_length == 69
    assert code.codewords[69] == "0"
    assert code.codewords[68] == "10"
    assert code.codewords[0] == "1" * 68 + "0"
    assert code.codewords[1] == "1" * 69
    assert code.kraft_sum == 1.0
    assert exact_kraft(lengths) == 1
    assert code.is_prefix_free
    _assert_canonical(code)
    assert code.entropy <= code.expected_length < code.entropy + 1
    assert Codebook.from_lengths(code.lengths, code.distribution) == code


@pytest.mark.parametrize("limit", [7, 10, 16, 40])
def test_fibonacci_weights_with_a_length_limit(limit):
    weights = fibonacci(70)
    code = huffman_code(weights, max_length=limit)
    lengths = code.length_vector()
    assert lengths.max() == limit
    assert exact_kraft(lengths.tolist()) == 1
    assert code.is_prefix_free
    _assert_canonical(code)
    assert int(np.dot(lengths, weights)) == dp_limited_optimum(weights, limit)
    assert code.expected_length >= huffman_code(weights).expected_length


# ---------------------------------------------------------------------------
# Length limits
# ---------------------------------------------------------------------------
def test_length_limit_too_small_is_refused_with_the_exact_message():
    with pytest.raises(CodebookError) as info:
        huffman_code([1] * 5, max_length=2)
    assert str(info.value) == (
        "max_length=2 is too small for 5 symbols: 2**2 = 4 < 5 (need at least 3)"
    )
    with pytest.raises(CodebookError) as info:
        limited_lengths([1] * 300, 8)
    assert str(info.value) == (
        "max_length=8 is too small for 300 symbols: 2**8 = 256 < 300 (need at least 9)"
    )


def test_length_limit_counts_only_symbols_with_positive_probability():
    assert limited_lengths([1, 1, 1, 1, 0, 0], 2).tolist() == [2, 2, 2, 2, 0, 0]
    assert huffman_code([5, 0, 0], max_length=1).codewords == {0: "0"}


def test_length_limit_equal_to_log2_n_gives_a_block_code():
    # 2**L symbols within L bits: every codeword has exactly L bits, whatever the weights
    assert limited_lengths([100, 1, 1, 1, 1, 1, 1, 1], 3).tolist() == [3] * 8
    assert limited_lengths([9, 1, 1, 1], 2).tolist() == [2, 2, 2, 2]
    code = huffman_code([9, 1, 1, 1], max_length=2)
    assert code.codewords == {0: "00", 1: "01", 2: "10", 3: "11"}


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        (0, "max_length must be at least 1, got 0"),
        (-3, "max_length must be at least 1, got -3"),
        (2.5, "max_length must be a whole number >= 1, got 2.5"),
        ("3", "max_length must be a whole number >= 1, got '3'"),
        (True, "max_length must be a whole number >= 1, got True"),
    ],
)
def test_bad_length_limits(limit, message):
    with pytest.raises(CodebookError) as info:
        huffman_code([1, 2, 3], max_length=limit)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_a_limit_the_huffman_code_already_meets_changes_nothing():
    rng = np.random.default_rng(6)
    for _ in range(50):
        w = random_weights(rng, int(rng.integers(1, 30)), integer=True)
        free = huffman_code(w)
        assert huffman_code(w, max_length=max(free.max_length, 1)) == free
        assert huffman_code(w, max_length=free.max_length + 5) == free


# ---------------------------------------------------------------------------
# Codebook: immutable, carries its analysis, converts to and from lengths
# ---------------------------------------------------------------------------
def test_codebook_is_immutable():
    code = huffman_code(COVER_THOMAS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        code.entries = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        code.distribution = parse_spec("1")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        code.entries[0].codeword = "1"  # type: ignore[misc]
    assert isinstance(code.entries, tuple)
    # the dict views are fresh copies
    code.codewords[0] = "junk"
    code.lengths[0] = 99
    assert code.codewords[0] == "00" and code.lengths[0] == 2


def test_huffman_code_leaves_its_input_alone():
    counts = np.array([5.0, 1.0, 1.0, 3.0])
    mapping = {"a": 5, "b": 1}
    huffman_code(counts)
    huffman_code(mapping, max_length=1)
    assert counts.tolist() == [5.0, 1.0, 1.0, 3.0] and counts.flags.writeable
    assert mapping == {"a": 5, "b": 1}


def test_codebook_analysis_matches_the_definitions():
    rng = np.random.default_rng(8)
    for _ in range(60):
        w = random_weights(rng, int(rng.integers(1, 50)), integer=bool(rng.integers(2)))
        code = huffman_code(w)
        p = code.distribution.probabilities
        lengths = code.length_vector()
        big_l = expected_length(p, lengths)
        assert code.expected_length == pytest.approx(big_l, rel=1e-12)
        assert code.entropy == pytest.approx(entropy(p), rel=1e-12, abs=1e-15)
        assert code.redundancy == pytest.approx(max(big_l - code.entropy, 0.0), abs=1e-12)
        assert code.efficiency == pytest.approx(code.entropy / big_l, rel=1e-12, abs=1e-15)
        assert code.kraft_sum == float(exact_kraft(lengths.tolist()))
        variance = math.fsum(pi * (li - big_l) ** 2 for pi, li in zip(p, lengths, strict=True))
        assert code.length_variance == pytest.approx(variance, rel=1e-9, abs=1e-12)
        assert code.max_length == lengths.max()
        assert code.is_prefix_free == prefix_free(code.codewords.values())


def test_is_prefix_free_is_checked_not_assumed():
    d = parse_spec("a=0.5,b=0.25,c=0.25")
    bad = Codebook(
        (CodeEntry("a", 0.5, "0", 1), CodeEntry("b", 0.25, "01", 2), CodeEntry("c", 0.25, "11", 2)),
        d,
    )
    assert not bad.is_prefix_free
    good = Codebook(
        (CodeEntry("a", 0.5, "0", 1), CodeEntry("b", 0.25, "10", 2), CodeEntry("c", 0.25, "11", 2)),
        d,
    )
    assert good.is_prefix_free


def test_from_lengths_round_trip():
    rng = np.random.default_rng(9)
    for _ in range(60):
        w = random_weights(rng, int(rng.integers(1, 40)), integer=bool(rng.integers(2)))
        code = huffman_code(w)
        assert Codebook.from_lengths(code.lengths, code.distribution) == code
        assert Codebook.from_lengths(code.length_vector().tolist(), code.distribution) == code
        # the lengths alone determine the codewords
        alone = Codebook.from_lengths(code.lengths)
        assert alone.codewords == code.codewords


def test_from_lengths_without_a_distribution_is_uniform_over_the_coded_symbols():
    code = Codebook.from_lengths([1, 2, 2])
    assert code.codewords == {"0": "0", "1": "10", "2": "11"}
    assert code.distribution.probabilities.tolist() == pytest.approx([1 / 3] * 3)
    assert code.expected_length == pytest.approx(5 / 3, rel=1e-12)
    partial = Codebook.from_lengths({"a": 1, "b": 0, "c": 1})
    assert partial.codewords == {"a": "0", "c": "1"}
    assert partial.distribution.as_dict() == {"a": 0.5, "b": 0.0, "c": 0.5}


def test_from_lengths_accepts_an_under_full_set():
    code = Codebook.from_lengths({"a": 1, "b": 2})
    assert code.codewords == {"a": "0", "b": "10"}
    assert code.kraft_sum == 0.75
    assert code.is_prefix_free


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: Codebook.from_lengths([1, 1, 1]),
            "code lengths are over-full: Kraft sum 1.5 > 1, so no prefix code exists",
        ),
        (
            lambda: Codebook.from_lengths({"a": 1, "b": 2, "c": 2, "d": 2}),
            "code lengths are over-full: Kraft sum 1.25 > 1, so no prefix code exists",
        ),
        (
            lambda: check_lengths([1, 1, 1]),
            "code lengths are over-full: Kraft sum 1.5 > 1, so no prefix code exists",
        ),
        (
            lambda: check_lengths([1, 2], complete=True),
            "code lengths are under-full: Kraft sum 0.75 < 1 (some bit strings are not a "
            "codeword)",
        ),
        (lambda: Codebook.from_lengths([1, -1]), "code length -1 is negative"),
        (lambda: Codebook.from_lengths([0, 0]), "no symbol has a codeword"),
        (
            lambda: Codebook.from_lengths({"a": 1}, parse_spec("a=0.5,b=0.5")),
            "symbol 'b' has probability > 0 but no codeword",
        ),
        (
            lambda: Codebook.from_lengths({"a": 1, "z": 1}, parse_spec("a=0.5,b=0.5")),
            "symbol 'z' is not in the distribution",
        ),
        (
            lambda: Codebook.from_lengths([1, 1], parse_spec("a=0.5,b=0.25,c=0.25")),
            "2 lengths for 3 symbols: the counts must match",
        ),
        (lambda: check_lengths(["x"]), "code lengths must be whole numbers, got ['x']"),
    ],
    ids=[
        "over-full",
        "over-full-map",
        "check-over-full",
        "under-full",
        "negative",
        "none",
        "missing",
        "stranger",
        "count",
        "non-numeric",
    ],
)
def test_from_lengths_errors(call, message):
    with pytest.raises(CodebookError) as info:
        call()
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_check_lengths_accepts_complete_sets_and_a_lone_one_bit_code():
    assert check_lengths([1, 2, 2], complete=True).tolist() == [1, 2, 2]
    assert check_lengths([0, 1, 0], complete=True).tolist() == [0, 1, 0]
    assert check_lengths([1, 2]).tolist() == [1, 2]


def test_kraft_sum_function():
    assert kraft_sum([1, 2, 3, 3]) == 1.0
    assert kraft_sum([1, 2]) == 0.75
    assert kraft_sum([0, 1, 0]) == 0.5
    assert kraft_sum([1, 1, 1]) == 1.5
    assert kraft_sum([]) == 0.0
    assert kraft_sum([70] * 2**10) == 2.0**-60


# ---------------------------------------------------------------------------
# Theorems on random distributions
# ---------------------------------------------------------------------------
def _check_theorems(code: Codebook) -> None:
    h, big_l = code.entropy, code.expected_length
    assert h <= big_l + 1e-12
    if len(code.entries) >= 2:
        assert big_l < h + 1
        assert exact_kraft(e.length for e in code.entries) == 1
        assert code.kraft_sum == 1.0
    else:  # a lone symbol: one bit for no information, the one case where L = H + 1
        assert (h, big_l, code.kraft_sum) == (0.0, 1.0, 0.5)
    assert prefix_free(code.codewords.values())
    assert code.is_prefix_free
    # exactly the symbols with positive probability have codewords
    assert set(code.codewords) == set(code.distribution.support)


@pytest.mark.parametrize("seed", range(4))
def test_theorems_on_seeded_random_distributions(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        n = int(rng.integers(1, 80))
        _check_theorems(huffman_code(random_weights(rng, n, integer=bool(rng.integers(2)))))


# Weights within a factor 1e9 of each other (or 0), so that L < H + 1 is still strict
# in floating point: with p = (1, 1e-70), H + 1 rounds to exactly L = 1.
WEIGHT = st.one_of(st.just(0.0), st.floats(1e-3, 1e6))


@HYPOTHESIS
@given(st.lists(WEIGHT, min_size=1, max_size=50))
def test_theorems_hypothesis(weights):
    if sum(weights) <= 0:
        with pytest.raises(DistributionError):
            huffman_code(weights)
        return
    _check_theorems(huffman_code(weights))


@pytest.mark.parametrize("seed", range(3))
def test_huffman_is_optimal_against_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    for _ in range(60):
        n = int(rng.integers(1, 8))
        w = random_weights(rng, n, integer=bool(rng.integers(2)))
        if sum(1 for x in w if x > 0) < 2:
            continue
        best, _ = brute_force_optimum(w)
        lengths = huffman_lengths(w)
        assert expected_length(w, lengths) == pytest.approx(best, rel=1e-12)


@HYPOTHESIS
@given(st.lists(st.integers(0, 40), min_size=2, max_size=7).filter(lambda w: sum(w) > 0 and
                                                                   sum(x > 0 for x in w) >= 2))
def test_huffman_is_optimal_and_minimum_variance_hypothesis(weights):
    best, optimal = brute_force_optimum(weights)
    code = huffman_code(weights)
    positive = [x for x in weights if x > 0]
    lengths = [n for n in code.length_vector().tolist() if n > 0]
    assert expected_length(positive, lengths) == pytest.approx(best, rel=1e-12)
    # documented: among the optimal codes, the one with the least spread of lengths
    p = np.array(positive, dtype=np.float64) / sum(positive)
    means = optimal @ p
    variances = ((optimal - means[:, None]) ** 2) @ p
    assert code.length_variance <= variances.min() + 1e-12
    assert code.max_length == optimal.max(axis=1).min()


@HYPOTHESIS
@given(
    st.lists(st.integers(0, 40), min_size=2, max_size=7).filter(
        lambda w: sum(x > 0 for x in w) >= 2
    ),
    st.integers(1, 6),
)
def test_length_limited_is_optimal_against_exhaustive_search(weights, limit):
    n = sum(x > 0 for x in weights)
    if 2**limit < n:
        with pytest.raises(CodebookError, match="is too small for"):
            huffman_code(weights, max_length=limit)
        return
    code = huffman_code(weights, max_length=limit)
    lengths = code.length_vector()
    assert lengths.max() <= limit
    assert exact_kraft(lengths.tolist()) == 1
    assert code.is_prefix_free
    _assert_canonical(code)
    best, _ = brute_force_optimum(weights, longest=limit)
    assert float(np.dot(lengths, weights)) == pytest.approx(best, rel=1e-12)
    assert int(np.dot(lengths, weights)) == dp_limited_optimum(weights, limit)


@pytest.mark.parametrize("seed", range(3))
def test_length_limited_on_seeded_random_floats(seed):
    rng = np.random.default_rng(200 + seed)
    for _ in range(40):
        n = int(rng.integers(2, 8))
        w = random_weights(rng, n, integer=False)
        m = sum(1 for x in w if x > 0)
        if m < 2:
            continue
        for limit in range(math.ceil(math.log2(m)), m):
            lengths = limited_lengths(w, limit)
            assert lengths.max() <= limit
            best, _ = brute_force_optimum(w, longest=limit)
            assert expected_length(w, lengths) == pytest.approx(best, rel=1e-12)


def test_brute_force_reference_is_itself_right():
    # Cover & Thomas: 2.3 bits; and with lengths <= 2 the best is the 2-bit-ish block code
    assert brute_force_optimum(COVER_THOMAS)[0] == pytest.approx(2.3, rel=1e-12)
    assert brute_force_optimum([1, 1, 1, 1], longest=2)[0] == 8
    # [8, 4, 2, 1, 1]: Huffman's lengths 1, 2, 3, 4, 4 cost 30; within 3 bits the best
    # is 1, 3, 3, 3, 3 (32), better than 2, 2, 2, 3, 3 (34)
    assert brute_force_optimum([8, 4, 2, 1, 1])[0] == 30
    assert brute_force_optimum([8, 4, 2, 1, 1], longest=3)[0] == 32
    assert dp_limited_optimum([8, 4, 2, 1, 1], 3) == 32
    assert dp_limited_optimum([8, 4, 2, 1, 1], 4) == 30


# ---------------------------------------------------------------------------
# analysis.compare: a code set beside the measures
# ---------------------------------------------------------------------------
def test_compare_without_q():
    result = compare(Distribution.from_probabilities(PLANETS))
    assert result.unit == "bits"
    assert result.entropy_p == pytest.approx(2.3231, abs=5e-5)
    assert result.expected_length_p == pytest.approx(2.37, rel=1e-12)
    assert result.redundancy_p == pytest.approx(2.37 - entropy(PLANETS), rel=1e-9)
    assert set(result.as_dict()) == {"unit", "entropy_p", "expected_length_p", "redundancy_p"}


def test_compare_cat_dog():
    p = parse_spec("cat=1,dog=0")
    qa = parse_spec("cat=0.8,dog=0.2")
    result = compare(p, qa)
    assert result.entropy_p == 0.0
    assert result.cross_entropy == pytest.approx(-math.log2(0.8), rel=1e-12)
    assert result.kl_divergence == pytest.approx(-math.log2(0.8), rel=1e-12)
    assert result.kl_divergence_reverse == math.inf
    assert result.js_divergence == pytest.approx(0.108, abs=5e-4)
    # P's own code for one symbol is one bit; Q's code gives "cat" one bit as well
    assert result.expected_length_p == 1.0
    assert result.expected_length_mismatch == 1.0
    assert result.mismatch_overhead == 0.0


def test_compare_in_nats_keeps_code_lengths_in_bits():
    p, q = parse_spec("0.5,0.25,0.25"), parse_spec("0.25,0.25,0.5")
    bits, nats = compare(p, q), compare(p, q, base=math.e)
    assert nats.unit == "nats" and compare(p, q, base=10).unit == "hartleys"
    assert nats.entropy_p == pytest.approx(bits.entropy_p * math.log(2), rel=1e-12)
    assert nats.kl_divergence == pytest.approx(bits.kl_divergence * math.log(2), rel=1e-12)
    assert nats.expected_length_p == bits.expected_length_p == 1.5
    assert nats.redundancy_p == bits.redundancy_p == 0.0
    # Q's code: "2" gets 1 bit, "0" and "1" get 2 bits; under P: 0.5*2 + 0.25*2 + 0.25*1
    assert bits.expected_length_mismatch == pytest.approx(1.75, rel=1e-12)
    assert bits.mismatch_overhead == pytest.approx(0.25, rel=1e-12)
    assert bits.kl_divergence == pytest.approx(0.25, rel=1e-12)


def test_compare_is_infinite_when_q_rules_out_a_symbol_of_p():
    result = compare(parse_spec("a=0.5,b=0.5"), parse_spec("b=0.5,c=0.5"))
    assert result.expected_length_mismatch == math.inf
    assert result.mismatch_overhead == math.inf
    assert result.kl_divergence == math.inf
    assert result.js_divergence == pytest.approx(0.5, rel=1e-12)


def test_mismatch_overhead_is_never_negative_and_measures_agree():
    rng = np.random.default_rng(11)
    for _ in range(60):
        n = int(rng.integers(2, 20))
        p = Distribution.from_probabilities(random_weights(rng, n, integer=False))
        q = Distribution.from_probabilities(random_weights(rng, n, integer=False))
        result = compare(p, q)
        assert result.mismatch_overhead >= -1e-12
        assert result.cross_entropy == pytest.approx(cross_entropy(p, q), rel=1e-12)
        assert result.kl_divergence == pytest.approx(kl_divergence(p, q), rel=1e-12, abs=1e-300)
        if math.isfinite(result.kl_divergence):
            assert result.cross_entropy == pytest.approx(
                result.entropy_p + result.kl_divergence, rel=1e-9, abs=1e-12
            )


def test_docstring_examples_run():
    import doctest

    import entrocode.codebook

    result = doctest.testmod(entrocode.codebook)
    assert result.attempted > 0
    assert result.failed == 0


def test_analysis_docstring_examples_run():
    import doctest

    import entrocode.analysis

    result = doctest.testmod(entrocode.analysis)
    assert result.attempted > 0
    assert result.failed == 0
