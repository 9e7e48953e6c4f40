"""Tests for entrocode.comparison: Shannon and Shannon-Fano codes, and the length checker."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrocode import Distribution, huffman_code, parse_spec
from entrocode.comparison import (
    METHODS,
    LengthCheck,
    check_code_lengths,
    code_by_method,
    compare_methods,
    fano_lengths,
    parse_lengths,
    shannon_code,
    shannon_fano_code,
    shannon_lengths,
)
from entrocode.errors import CodebookError, DistributionError
from entrocode.measures import entropy

FIVE = parse_spec("a=0.4,b=0.2,c=0.2,d=0.1,e=0.1")
FANO_LOSES = parse_spec("a=0.35,b=0.17,c=0.17,d=0.16,e=0.15")

counts_strategy = st.lists(
    st.integers(min_value=0, max_value=1000), min_size=1, max_size=30
).filter(any)


# ---------------------------------------------------------------------------
# Shannon
# ---------------------------------------------------------------------------
def test_shannon_lengths_of_a_skewed_coin() -> None:
    assert shannon_lengths(parse_spec("a=0.9,b=0.1")).tolist() == [1, 4]
    assert shannon_code(parse_spec("a=0.9,b=0.1")).expected_length == pytest.approx(1.3)


@pytest.mark.parametrize("k", range(2, 12))
def test_shannon_lengths_are_exact_for_dyadic_probabilities(k: int) -> None:
    # p = 2**-k for k-1 symbols plus the rest: -log2 p is a whole number, no rounding up.
    probs = [2.0**-i for i in range(1, k)] + [2.0 ** -(k - 1)]
    dist = Distribution.from_probabilities(probs)
    assert shannon_lengths(dist).tolist() == [*range(1, k), k - 1]
    code = shannon_code(dist)
    assert code.expected_length == pytest.approx(code.entropy)


def test_shannon_lengths_use_counts_exactly() -> None:
    # 1/8 and 7/8: lengths 3 and 1 exactly (ceil(-log2 7/8) = 1).
    assert shannon_lengths(Distribution.from_counts([1, 7])).tolist() == [3, 1]
    assert shannon_lengths(Distribution.from_counts([1, 2, 5])).tolist() == [3, 2, 1]


def test_shannon_lengths_zero_and_lone_symbol() -> None:
    assert shannon_lengths(parse_spec("a=0,b=1")).tolist() == [0, 0]  # -log2 1 = 0
    assert shannon_code(parse_spec("a=0,b=1")).codewords == {"b": "0"}


@settings(max_examples=150, deadline=None)
@given(counts_strategy)
def test_shannon_code_theorems(counts: list[int]) -> None:
    dist = Distribution.from_counts(counts)
    lengths = shannon_lengths(dist)
    probs = dist.probabilities
    for p, length in zip(probs.tolist(), lengths.tolist(), strict=True):
        if p == 0:
            assert length == 0
        elif p < 1:
            assert length == math.ceil(-math.log2(p) - 1e-12)
    code = shannon_code(dist)
    assert code.kraft_sum <= 1
    h = entropy(probs)
    if np.count_nonzero(probs) > 1:
        assert h - 1e-9 <= code.expected_length < h + 1
    assert code.expected_length >= huffman_code(dist).expected_length - 1e-12


# ---------------------------------------------------------------------------
# Shannon-Fano
# ---------------------------------------------------------------------------
def test_fano_is_not_always_optimal() -> None:
    assert fano_lengths(FANO_LOSES).tolist() == [2, 2, 2, 3, 3]
    assert shannon_fano_code(FANO_LOSES).expected_length == pytest.approx(2.31)
    assert huffman_code(FANO_LOSES).expected_length == pytest.approx(2.30)


def test_fano_tie_takes_the_earlier_split() -> None:
    # 0.4 | 0.6 and 0.6 | 0.4 balance equally well: the first part is the smaller one.
    assert fano_lengths(FIVE).tolist() == [1, 2, 3, 4, 4]
    # Decimal ties that float rounding would break still count as ties: 0.35 | 0.65 and
    # 0.65 | 0.35 balance equally (in floats the second looks 2e-16 better).
    assert fano_lengths(parse_spec("a=0.35,b=0.3,c=0.3,d=0.05")).tolist() == [1, 2, 3, 3]
    # A perfect balance (0.5 | 0.5) wins over the earlier split.
    assert fano_lengths(parse_spec("a=0.3,b=0.2,c=0.2,d=0.2,e=0.1")).tolist() == [2, 2, 2, 3, 3]


def test_fano_sorts_by_probability_keeping_ties_in_order() -> None:
    dist = parse_spec("x=0.1,y=0.5,z=0.25,w=0.15")
    # sorted: y .5 | z .25, w .15, x .1  -> y 1; z | w, x -> z 2; w 3, x 3
    assert fano_lengths(dist).tolist() == [3, 1, 2, 3]


def test_fano_special_cases() -> None:
    assert fano_lengths(parse_spec("a=1")).tolist() == [1]
    assert fano_lengths(parse_spec("a=0,b=1,c=0")).tolist() == [0, 1, 0]
    assert fano_lengths(parse_spec("a=0.5,b=0.5")).tolist() == [1, 1]
    uniform = Distribution.from_counts([1] * 64)
    assert set(fano_lengths(uniform).tolist()) == {6}


def test_fano_handles_deep_splits() -> None:
    fib = [1, 1]
    while len(fib) < 60:
        fib.append(fib[-1] + fib[-2])
    code = shannon_fano_code(Distribution.from_counts(fib))
    assert code.kraft_sum == 1
    assert code.max_length > 20


@settings(max_examples=150, deadline=None)
@given(counts_strategy)
def test_fano_code_theorems(counts: list[int]) -> None:
    dist = Distribution.from_counts(counts)
    code = shannon_fano_code(dist)
    if np.count_nonzero(dist.probabilities) > 1:
        assert code.kraft_sum == 1  # splitting always yields a complete code
    assert code.is_prefix_free
    assert code.expected_length >= huffman_code(dist).expected_length - 1e-12
    if np.count_nonzero(dist.probabilities) > 1:
        assert code.expected_length < entropy(dist.probabilities) + 1


# ---------------------------------------------------------------------------
# All methods
# ---------------------------------------------------------------------------
def test_compare_methods_table() -> None:
    rows = compare_methods(FIVE)
    assert [r.method for r in rows] == list(METHODS) == ["huffman", "shannon", "fano"]
    assert [round(r.expected_length, 10) for r in rows] == [2.2, 2.8, 2.2]
    assert rows[0].excess == 0.0
    assert rows[1].excess == pytest.approx(0.6)
    assert rows[1].redundancy == pytest.approx(2.8 - entropy(FIVE.probabilities))


@settings(max_examples=100, deadline=None)
@given(counts_strategy)
def test_huffman_is_never_beaten(counts: list[int]) -> None:
    rows = compare_methods(Distribution.from_counts(counts))
    assert all(r.excess >= 0 for r in rows)
    assert rows[0].expected_length == min(r.expected_length for r in rows)


def test_code_by_method() -> None:
    assert code_by_method(FIVE) == huffman_code(FIVE)
    assert code_by_method(FIVE, "shannon") == shannon_code(FIVE)
    assert code_by_method(FIVE, "fano") == shannon_fano_code(FIVE)
    with pytest.raises(CodebookError) as info:
        code_by_method(FIVE, "arithmetic")
    assert str(info.value) == "unknown code method 'arithmetic': use one of huffman, shannon, fano"


def test_methods_need_a_distribution() -> None:
    with pytest.raises(TypeError, match="expected a Distribution, got list"):
        shannon_code([0.5, 0.5])  # type: ignore[arg-type]


def test_shannon_lengths_validate_a_plain_vector() -> None:
    assert shannon_lengths([0.5, 0.25, 0.25]).tolist() == [1, 2, 2]
    with pytest.raises(DistributionError, match=r"sums to 1\.1"):
        shannon_lengths([0.5, 0.6])


def test_inputs_are_not_modified() -> None:
    dist = parse_spec("a=0.7,b=0.2,c=0.1")
    before = dist.probabilities.copy()
    lengths = [1, 2, 2]
    for m in METHODS:
        code_by_method(dist, m)
    check_code_lengths(lengths, dist)
    assert np.array_equal(dist.probabilities, before)
    assert lengths == [1, 2, 2]


# ---------------------------------------------------------------------------
# The length checker
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lengths", [[2, 2, 2, 3, 3], [1, 2, 3, 4, 4], [1, 3, 2, 4, 4],
                                     [1, 3, 3, 3, 3]])
def test_every_optimal_answer_is_accepted(lengths: list[int]) -> None:
    # Several length sets reach the optimum 2.2 bits; each is accepted.
    check = check_code_lengths(lengths, FIVE)
    assert check.is_optimal is True
    assert check.expected_length == pytest.approx(2.2)
    assert check.gap == pytest.approx(0.0, abs=1e-12)
    assert check.complete and check.prefix_code_exists
    assert check.verdict == "optimal: no prefix code has a smaller expected length"
    assert check.code is not None and check.code.lengths == dict(zip("abcde", lengths,
                                                                          strict=True))


def test_optimal_answer_needs_the_right_symbols() -> None:
    # The same multiset of lengths, but the short codeword on an unlikely symbol.
    check = check_code_lengths([4, 2, 3, 1, 4], FIVE)
    assert check.is_optimal is False
    assert check.complete
    assert check.gap == pytest.approx(0.9)
    assert check.verdict == ("not optimal: 0.9000 bits/symbol too long; likelier symbols need "
                             "shorter codewords")


def test_incomplete_set_is_not_optimal() -> None:
    check = check_code_lengths([2, 2, 3, 3, 3], FIVE)
    assert check.kraft_fraction == Fraction(7, 8)
    assert check.prefix_code_exists and not check.complete
    assert check.is_optimal is False
    assert check.code is not None
    assert check.code.codewords == {"a": "00", "b": "01", "c": "100", "d": "101", "e": "110"}
    assert check.verdict == ("not optimal: 0.2000 bits/symbol too long; Kraft sum < 1: a codeword "
                             "can be shorter")


def test_over_full_set_has_no_code() -> None:
    check = check_code_lengths([1, 1, 2, 3, 3], FIVE)
    assert check.kraft_fraction == Fraction(3, 2) and check.kraft_sum == 1.5
    assert not check.prefix_code_exists
    assert check.code is None
    assert check.is_optimal is False
    # It looks shorter than the optimum: that is exactly why it cannot exist.
    assert check.expected_length is not None and check.expected_length < 2.2
    assert check.verdict == ("no prefix code has these lengths: the Kraft sum 3/2 is more than "
                             "1 (over-full)")


def test_checker_without_distribution() -> None:
    check = check_code_lengths([1, 2, 3, 3])
    assert isinstance(check, LengthCheck)
    assert check.symbols == ("0", "1", "2", "3")
    assert check.kraft_sum == 1.0 and check.complete
    assert check.code is not None
    assert [check.code.codewords[s] for s in check.symbols] == ["0", "10", "110", "111"]
    assert check.expected_length is None and check.is_optimal is None and check.gap is None
    assert check.verdict == "a prefix code exists, and it is complete (Kraft sum = 1)"
    assert check_code_lengths([2, 2, 2]).verdict == (
        "a prefix code exists, but the Kraft sum < 1: a codeword can be shorter")
    assert check_code_lengths([1, 1, 1]).code is None


def test_checker_accepts_a_mapping() -> None:
    check = check_code_lengths({"e": 3, "d": 3, "c": 2, "b": 2, "a": 2}, FIVE)
    assert check.symbols == tuple("abcde") and check.lengths == (2, 2, 2, 3, 3)
    assert check.is_optimal
    with pytest.raises(CodebookError, match="symbol 'e' has probability > 0 but no length"):
        check_code_lengths({"a": 1, "b": 2, "c": 3, "d": 4}, FIVE)
    with pytest.raises(CodebookError, match="symbol 'z' is not in the distribution"):
        check_code_lengths({"z": 1}, FIVE)


def test_checker_with_zero_probability_symbols() -> None:
    dist = parse_spec("a=0.5,b=0,c=0.5")
    assert check_code_lengths([1, 0, 1], dist).is_optimal
    with pytest.raises(CodebookError) as info:
        check_code_lengths([1, 1, 0], dist)
    assert str(info.value) == ("symbol 'c' has probability 0.5 but length 0: every symbol that "
                               "can occur needs a codeword")


def test_checker_is_exact_with_counts() -> None:
    dist = Distribution.from_counts([3, 3, 3], ["x", "y", "z"])  # thirds are not exact floats
    assert check_code_lengths([1, 2, 2], dist).is_optimal
    assert check_code_lengths([2, 2, 1], dist).is_optimal
    assert not check_code_lengths([2, 2, 2], dist).is_optimal


@pytest.mark.parametrize(
    ("lengths", "error"),
    [
        ([1, 2, 3], "3 code lengths for 5 symbols: give one length per symbol (a, b, c, d, e)"),
        ([1, 2, 3, 4, -4], "code length 5: -4 is negative"),
        ([1, 2, 3, 4, 4.0], "code length 5: 4.0 is not a whole number"),
        ([1, 2, 3, 4, True], "code length 5: True is not a whole number"),
        ([1, 2, 3, 4, 5000], "code length 5: 5000 is absurdly long (more than 4096)"),
        ([1, 2, 3, 4, 0], "symbol 'e' has probability 0.1 but length 0: every symbol that can "
                          "occur needs a codeword"),
    ],
)
def test_checker_errors(lengths: list[object], error: str) -> None:
    with pytest.raises(CodebookError) as info:
        check_code_lengths(lengths, FIVE)  # type: ignore[arg-type]
    assert str(info.value) == error


def test_checker_refuses_all_zero_and_text() -> None:
    with pytest.raises(CodebookError, match="every code length is 0"):
        check_code_lengths([0, 0])
    with pytest.raises(TypeError, match="parse text with parse_lengths"):
        check_code_lengths("1,2")  # type: ignore[arg-type]


def test_check_result_is_immutable() -> None:
    check = check_code_lengths([1, 1])
    with pytest.raises(AttributeError):
        check.lengths = (2, 2)  # type: ignore[misc]


@pytest.mark.parametrize("seed", range(30))
def test_checker_agrees_with_huffman_and_with_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(2, 5)
    dist = Distribution.from_counts([rng.randint(1, 20) for _ in range(n)])
    huffman = huffman_code(dist)
    assert check_code_lengths(huffman.length_vector().tolist(), dist).is_optimal
    # Every complete length set up to depth n: optimal exactly when it matches Huffman's cost.
    counts = dist.counts
    assert counts is not None
    best = sum(c * n for c, n in zip(counts, huffman.length_vector().tolist(), strict=True))
    for lengths in itertools.product(range(1, n), repeat=n):
        check = check_code_lengths(list(lengths), dist)
        cost = sum(c * n for c, n in zip(counts, lengths, strict=True))
        if check.prefix_code_exists:
            assert cost >= best
        assert check.is_optimal == (check.prefix_code_exists and cost == best)


# ---------------------------------------------------------------------------
# Parsing --lengths
# ---------------------------------------------------------------------------
def test_parse_lengths() -> None:
    assert parse_lengths("1,2,3,3") == (1, 2, 3, 3)
    assert parse_lengths(" 1 , 2 ") == (1, 2)
    assert parse_lengths("0,1") == (0, 1)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "no code lengths given: write them like 1,2,3,3"),
        ("1,,2", "code length 2: '' is not a whole number"),
        ("1,x", "code length 2: 'x' is not a whole number"),
        ("1,2.5", "code length 2: '2.5' is not a whole number"),
        ("1,-3", "code length 2: -3 is negative"),
        ("1,٣", "code length 2: '٣' is not a whole number"),
    ],
)
def test_parse_lengths_errors(text: str, error: str) -> None:
    with pytest.raises(CodebookError) as info:
        parse_lengths(text)
    assert str(info.value) == error
