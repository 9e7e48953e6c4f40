"""Tests of entrocode.measures: worked examples, conventions, scipy as an oracle, errors.

Expected values are textbook values, computed here from the definitions with
``math.log2``, or taken from scipy; never copied from entrocode's own output.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy as scipy_entropy

from entrocode import (
    Distribution,
    DistributionError,
    cross_entropy,
    entropy,
    js_divergence,
    kl_divergence,
    surprisal,
)

# Any RuntimeWarning (divide by zero, invalid value in log) is a bug in the zero rules.
pytestmark = pytest.mark.filterwarnings("error")

BASES = [2, math.e, 10]
PAIR_MEASURES = [cross_entropy, kl_divergence, js_divergence]


def h_bits(p: list[float]) -> float:
    """Entropy from the definition, in bits (0 log 0 = 0)."""
    return -math.fsum(x * math.log2(x) for x in p if x > 0)


# ---------------------------------------------------------------------------
# Worked examples
# ---------------------------------------------------------------------------
def test_fair_coin_has_one_bit():
    assert entropy([0.5, 0.5]) == pytest.approx(1.0, rel=1e-15)


def test_biased_coin_0_9_0_1_has_about_0_469_bits():
    h = entropy([0.9, 0.1])
    assert h == pytest.approx(0.469, abs=5e-4)
    assert h == pytest.approx(-(0.9 * math.log2(0.9) + 0.1 * math.log2(0.1)), rel=1e-12)


def test_uniform_distributions_have_log_n_bits():
    for n in (1, 2, 3, 8, 10, 1000):
        assert entropy([1 / n] * n) == pytest.approx(math.log2(n), rel=1e-12, abs=1e-15)
    assert entropy([0.1] * 10, base=10) == pytest.approx(1.0, rel=1e-12)
    assert entropy([0.25] * 4, base=math.e) == pytest.approx(math.log(4), rel=1e-12)


class TestCatDogClassifier:
    """True label cat, P = [1, 0]; classifier A says [0.8, 0.2], classifier B [0.2, 0.8]."""

    P = (1.0, 0.0)
    QA = (0.8, 0.2)
    QB = (0.2, 0.8)

    def test_good_classifier_costs_about_0_3219_bits(self):
        expected = -math.log2(0.8)
        assert expected == pytest.approx(0.3219, abs=5e-5)
        assert cross_entropy(self.P, self.QA) == pytest.approx(expected, rel=1e-12)
        assert kl_divergence(self.P, self.QA) == pytest.approx(expected, rel=1e-12)

    def test_bad_classifier_costs_about_2_3219_bits(self):
        expected = -math.log2(0.2)
        assert expected == pytest.approx(2.3219, abs=5e-5)
        assert cross_entropy(self.P, self.QB) == pytest.approx(expected, rel=1e-12)
        assert kl_divergence(self.P, self.QB) == pytest.approx(expected, rel=1e-12)

    def test_cross_entropy_equals_kl_because_a_certain_label_has_no_entropy(self):
        assert entropy(self.P) == 0.0
        for q in (self.QA, self.QB):
            assert cross_entropy(self.P, q) == pytest.approx(kl_divergence(self.P, q), rel=1e-12)

    def test_js_of_good_classifier_is_about_0_108_bits(self):
        m = [0.9, 0.1]
        d_pm = math.log2(1 / m[0])
        d_qm = 0.8 * math.log2(0.8 / 0.9) + 0.2 * math.log2(0.2 / 0.1)
        expected = (d_pm + d_qm) / 2
        assert expected == pytest.approx(0.108, abs=5e-4)
        assert js_divergence(self.P, self.QA) == pytest.approx(expected, rel=1e-12)
        assert js_divergence(self.QA, self.P) == pytest.approx(expected, rel=1e-12)

    def test_reverse_kl_is_infinite_since_p_rules_out_dog(self):
        # D(Q_A || P) is infinite: Q_A gives 0.2 to "dog", which P calls impossible.
        assert kl_divergence(self.QA, self.P) == math.inf


def test_planet_temperatures_have_about_2_3231_bits():
    p = [0.30, 0.40, 0.05, 0.06, 0.07, 0.02, 0.05, 0.05]
    assert entropy(p) == pytest.approx(2.3231, abs=5e-5)
    assert entropy(p) == pytest.approx(h_bits(p), rel=1e-12)


def test_cover_thomas_source_has_about_2_2855_bits():
    p = [0.25, 0.25, 0.2, 0.15, 0.15]
    assert entropy(p) == pytest.approx(2.2855, abs=5e-5)
    assert entropy(p) == pytest.approx(h_bits(p), rel=1e-12)


def test_surprisal_worked_values():
    assert surprisal(0.5) == 1.0
    assert surprisal(0.125) == 3.0
    assert surprisal(1.0) == 0.0
    assert surprisal(0.0) == math.inf
    assert surprisal(0.01, base=10) == pytest.approx(2.0, rel=1e-12)
    assert isinstance(surprisal(0.25), float)
    out = surprisal([0.5, 0.25, 0.0])
    assert isinstance(out, np.ndarray)
    assert out.tolist() == [1.0, 2.0, math.inf]


def test_entropy_is_the_average_surprisal():
    p = np.array([0.5, 0.25, 0.125, 0.125])
    assert entropy(p) == pytest.approx(float(np.sum(p * surprisal(p))), rel=1e-12)


# ---------------------------------------------------------------------------
# Conventions: zeros, infinities, bounds, bases
# ---------------------------------------------------------------------------
def test_zero_log_zero_is_zero():
    assert entropy([1.0, 0.0, 0.0]) == 0.0
    assert entropy([0.0, 1.0]) == 0.0
    assert entropy([0.5, 0.0, 0.5]) == pytest.approx(1.0, rel=1e-15)
    # inserting zero-probability outcomes changes nothing
    p = [0.2, 0.3, 0.5]
    assert entropy([0.0, 0.2, 0.0, 0.3, 0.5, 0.0]) == pytest.approx(entropy(p), rel=1e-15)


def test_entropy_of_a_certain_outcome_is_positive_zero():
    h = entropy([1.0])
    assert h == 0.0
    assert math.copysign(1.0, h) == 1.0


@pytest.mark.parametrize("measure", [cross_entropy, kl_divergence])
@pytest.mark.parametrize("base", BASES)
def test_cross_entropy_and_kl_are_inf_not_nan_where_q_is_zero_and_p_is_not(measure, base):
    value = measure([0.5, 0.5], [1.0, 0.0], base=base)
    assert value == math.inf
    value = measure([0.1, 0.2, 0.7], [0.5, 0.5, 0.0], base=base)
    assert value == math.inf


def test_p_zero_where_q_positive_contributes_nothing():
    # D([1, 0] || [0.5, 0.5]) = 1 * log2(1 / 0.5) = 1 bit
    assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(1.0, rel=1e-12)
    assert cross_entropy([1.0, 0.0], [0.5, 0.5]) == pytest.approx(1.0, rel=1e-12)
    assert kl_divergence([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0


def test_kl_of_a_distribution_with_itself_is_zero():
    p = [0.1, 0.2, 0.3, 0.4]
    assert kl_divergence(p, p) == 0.0
    assert js_divergence(p, p) == 0.0
    assert cross_entropy(p, p) == pytest.approx(entropy(p), rel=1e-12)


def test_kl_is_not_symmetric():
    p, q = [0.9, 0.1], [0.5, 0.5]
    forward = 0.9 * math.log2(0.9 / 0.5) + 0.1 * math.log2(0.1 / 0.5)
    backward = 0.5 * math.log2(0.5 / 0.9) + 0.5 * math.log2(0.5 / 0.1)
    assert kl_divergence(p, q) == pytest.approx(forward, rel=1e-12)
    assert kl_divergence(q, p) == pytest.approx(backward, rel=1e-12)
    assert forward != pytest.approx(backward)


@pytest.mark.parametrize(
    ("base", "bound"), [(2, 1.0), (math.e, math.log(2)), (10, math.log10(2))]
)
def test_js_is_finite_and_reaches_its_bound_on_disjoint_supports(base, bound):
    value = js_divergence([1.0, 0.0], [0.0, 1.0], base=base)
    assert math.isfinite(value)
    assert value == pytest.approx(bound, rel=1e-12)
    value = js_divergence([0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.25, 0.75], base=base)
    assert value == pytest.approx(bound, rel=1e-12)
    assert value <= bound


def test_js_is_symmetric_and_bounded_on_random_distributions():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        p, q = _random_distribution(rng, n), _random_distribution(rng, n)
        js = js_divergence(p, q)
        assert 0.0 <= js <= 1.0
        assert js == pytest.approx(js_divergence(q, p), rel=1e-12, abs=1e-15)
        assert 0.0 <= js_divergence(p, q, base=math.e) <= math.log(2)


def test_surprisal_of_zero_is_inf_and_of_one_is_zero_in_every_base():
    for base in BASES:
        assert surprisal(0.0, base=base) == math.inf
        assert surprisal(1.0, base=base) == 0.0


@pytest.mark.parametrize("base", [2, 2.0, math.e, 10, 3, 1.5, 256])
def test_any_base_above_one_is_a_change_of_unit(base):
    p = [0.5, 0.25, 0.125, 0.125]
    q = [0.25, 0.25, 0.25, 0.25]
    scale = math.log(2) / math.log(base)  # bits -> base-b units
    assert entropy(p, base=base) == pytest.approx(entropy(p) * scale, rel=1e-12)
    assert kl_divergence(p, q, base=base) == pytest.approx(kl_divergence(p, q) * scale, rel=1e-12)
    assert cross_entropy(p, q, base=base) == pytest.approx(2.0 * scale, rel=1e-12)
    assert js_divergence(p, q, base=base) == pytest.approx(js_divergence(p, q) * scale, rel=1e-12)
    assert surprisal(0.125, base=base) == pytest.approx(3 * scale, rel=1e-12)


BAD_BASES = [1, 1.0, 0.5, 0, -2, math.inf, math.nan, "two", None]


@pytest.mark.parametrize("base", BAD_BASES, ids=repr)
def test_bad_base_is_refused_with_the_value_quoted(base):
    calls = [
        lambda: entropy([0.5, 0.5], base=base),
        lambda: cross_entropy([0.5, 0.5], [0.5, 0.5], base=base),
        lambda: kl_divergence([0.5, 0.5], [0.5, 0.5], base=base),
        lambda: js_divergence([0.5, 0.5], [0.5, 0.5], base=base),
        lambda: surprisal(0.5, base=base),
    ]
    for call in calls:
        with pytest.raises(DistributionError, match=re.escape(repr(base))) as info:
            call()
        assert "base" in str(info.value)
        assert isinstance(info.value, ValueError)


# ---------------------------------------------------------------------------
# scipy as the oracle, on seeded random distributions with zeros
# ---------------------------------------------------------------------------
def _random_distribution(rng: np.random.Generator, n: int, zero_share: float = 0.3) -> np.ndarray:
    """A random distribution over n outcomes; about ``zero_share`` of them get 0."""
    w = rng.dirichlet(np.full(n, float(rng.choice([0.2, 1.0, 5.0]))))
    w[rng.random(n) < zero_share] = 0.0
    if w.sum() == 0:
        w[int(rng.integers(n))] = 1.0
    return w / w.sum()


def _random_pairs(seed: int, count: int = 40):
    """(p, q) pairs with zeros, where q > 0 wherever p > 0 (so KL is finite)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(1, 40))
        p = _random_distribution(rng, n)
        q = _random_distribution(rng, n, zero_share=0.0)
        # zeros of q only where p is 0 as well
        q[(p == 0) & (rng.random(n) < 0.5)] = 0.0
        yield p, q / q.sum()


SEEDS = range(6)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_entropy_matches_scipy(seed, base):
    for p, q in _random_pairs(seed):
        assert entropy(p, base=base) == pytest.approx(scipy_entropy(p, base=base), rel=1e-12)
        assert entropy(q, base=base) == pytest.approx(scipy_entropy(q, base=base), rel=1e-12)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_kl_and_cross_entropy_match_scipy(seed, base):
    for p, q in _random_pairs(seed):
        kl = scipy_entropy(p, q, base=base)
        assert math.isfinite(kl)
        assert kl_divergence(p, q, base=base) == pytest.approx(kl, rel=1e-12, abs=1e-300)
        h_pq = scipy_entropy(p, base=base) + kl
        assert cross_entropy(p, q, base=base) == pytest.approx(h_pq, rel=1e-12)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_js_matches_scipy_jensenshannon_squared(seed, base):
    rng = np.random.default_rng(1000 + seed)
    for _ in range(40):
        n = int(rng.integers(1, 40))
        # independent zeros in p and q: JS must stay finite where KL would not
        p, q = _random_distribution(rng, n), _random_distribution(rng, n)
        expected = jensenshannon(p, q, base=base) ** 2
        assert js_divergence(p, q, base=base) == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_kl_is_inf_exactly_where_scipy_says_so(seed):
    rng = np.random.default_rng(2000 + seed)
    infinite = 0
    for _ in range(40):
        n = int(rng.integers(2, 20))
        p, q = _random_distribution(rng, n), _random_distribution(rng, n)
        expected = scipy_entropy(p, q, base=2)
        assert kl_divergence(p, q) == pytest.approx(expected, rel=1e-12, abs=1e-300)
        assert (kl_divergence(p, q) == math.inf) == bool(np.any((q == 0) & (p > 0)))
        assert (cross_entropy(p, q) == math.inf) == (expected == math.inf)
        infinite += expected == math.inf
    assert infinite > 0  # the helper does produce the q = 0 < p case


def test_the_random_distributions_do_contain_zeros():
    zeros = sum(int((p == 0).sum()) for seed in SEEDS for p, _ in _random_pairs(seed))
    assert zeros > 100


# ---------------------------------------------------------------------------
# Distribution objects: aligned by symbol over the union of their supports
# ---------------------------------------------------------------------------
def test_distributions_are_aligned_by_symbol_not_position():
    p = Distribution.from_probabilities({"a": 0.9, "b": 0.1})
    q = Distribution.from_probabilities({"b": 0.1, "a": 0.9})
    assert kl_divergence(p, q) == 0.0
    assert js_divergence(p, q) == 0.0
    assert cross_entropy(p, q) == pytest.approx(entropy([0.9, 0.1]), rel=1e-12)
    # position-wise the same numbers would give a positive divergence
    assert kl_divergence([0.9, 0.1], [0.1, 0.9]) > 2


def test_distributions_over_different_symbols_use_the_union():
    p = Distribution.from_probabilities({"a": 0.5, "b": 0.5})
    q = Distribution.from_probabilities({"b": 0.5, "c": 0.5})
    assert entropy(p) == pytest.approx(1.0, rel=1e-15)
    assert kl_divergence(p, q) == math.inf  # q gives "a" probability 0
    assert kl_divergence(q, p) == math.inf  # p gives "c" probability 0
    assert cross_entropy(p, q) == math.inf
    # over (a, b, c): P = (1/2, 1/2, 0), Q = (0, 1/2, 1/2), M = (1/4, 1/2, 1/4)
    # D(P||M) = 1/2 log2 2 + 1/2 log2 1 = 1/2 = D(Q||M), so JS = 1/2 bit
    assert js_divergence(p, q) == pytest.approx(0.5, rel=1e-12)
    aligned = jensenshannon([0.5, 0.5, 0.0], [0.0, 0.5, 0.5], base=2) ** 2
    assert js_divergence(p, q) == pytest.approx(aligned, rel=1e-12)


def test_a_symbol_missing_from_p_has_probability_zero_in_p():
    p = Distribution.from_probabilities({"a": 1.0})
    q = Distribution.from_probabilities({"a": 0.5, "b": 0.5})
    assert kl_divergence(p, q) == pytest.approx(1.0, rel=1e-12)
    assert kl_divergence(q, p) == math.inf
    assert cross_entropy(p, q) == pytest.approx(1.0, rel=1e-12)


def test_a_distribution_and_a_plain_vector_are_not_mixed():
    p = Distribution.from_probabilities([0.5, 0.5])
    for measure in PAIR_MEASURES:
        with pytest.raises(DistributionError, match="cannot align a Distribution"):
            measure(p, [0.5, 0.5])
        with pytest.raises(DistributionError, match="cannot align a Distribution"):
            measure([0.5, 0.5], p)


# ---------------------------------------------------------------------------
# Errors: each message names the offending value
# ---------------------------------------------------------------------------
def _raises(call, message: str) -> DistributionError:
    with pytest.raises(DistributionError) as info:
        call()
    assert isinstance(info.value, ValueError)
    assert message in str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("p", "message"),
    [
        ([0.5, -0.1, 0.6], "p[1] = -0.1 is negative"),
        ([math.nan, 0.5, 0.5], "p[0] = nan is NaN"),
        ([0.5, 0.5, math.inf], "p[2] = inf is infinite"),
        ([-math.inf, 1.0], "p[0] = -inf is infinite"),
        ([], "p is empty"),
        (np.array([]), "p is empty"),
        ([[0.5, 0.5]], "p must be one-dimensional, got shape (1, 2)"),
        (["a", "b"], "p must be numbers, got ['a', 'b']"),
    ],
    ids=["negative", "nan", "inf", "minus-inf", "empty", "empty-array", "2d", "non-numeric"],
)
def test_invalid_p_is_refused_naming_the_value(p, message):
    err = _raises(lambda: entropy(p), message)
    assert str(err) == message
    for measure in PAIR_MEASURES:
        _raises(lambda m=measure: m(p, p), message)


@pytest.mark.parametrize("measure", PAIR_MEASURES)
def test_invalid_q_is_refused_under_its_own_name(measure):
    _raises(lambda: measure([0.5, 0.5], [1.5, -0.5]), "q[1] = -0.5 is negative")
    _raises(lambda: measure([0.5, 0.5], [math.nan, 1.0]), "q[0] = nan is NaN")
    _raises(lambda: measure([0.5, 0.5], []), "q is empty")


@pytest.mark.parametrize("measure", PAIR_MEASURES)
def test_vectors_of_different_lengths_are_refused(measure):
    err = _raises(
        lambda: measure([0.5, 0.5], [0.2, 0.3, 0.5]),
        "p and q must have the same length, got len(p) = 2 and len(q) = 3",
    )
    assert str(err) == "p and q must have the same length, got len(p) = 2 and len(q) = 3"


@pytest.mark.parametrize(
    "p", [[0.5, 0.6], [0.5, 0.4], [0.3, 0.3, 0.3], [1 + 2e-9], [0.5, 0.5 - 1.5e-9]]
)
def test_sums_further_than_1e_9_from_one_are_refused_quoting_the_sum(p):
    total = math.fsum(p)
    err = _raises(lambda: entropy(p), f"p must sum to 1 within 1e-09, but sums to {total!r}")
    assert "--normalize" in str(err)  # the message tells how to pass weights
    _raises(lambda: kl_divergence([1.0] + [0.0] * (len(p) - 1), p), f"sums to {total!r}")


def test_a_sum_beyond_the_float_range_is_refused_not_a_crash():
    err = _raises(lambda: entropy([1e308, 1e308]), "p must sum to 1 within 1e-09, but sums to inf")
    assert isinstance(err, DistributionError)


@pytest.mark.parametrize("p", [[1 + 9e-10], [0.5, 0.5 + 9e-10], [0.5, 0.5 - 9e-10], [0.1] * 10])
def test_sums_within_1e_9_of_one_are_accepted(p):
    h = entropy(p)
    assert h == pytest.approx(h_bits(p), rel=1e-9, abs=1e-8)


def test_nothing_is_renormalised_silently():
    with pytest.raises(DistributionError):
        entropy([1, 1])
    with pytest.raises(DistributionError):
        kl_divergence([0.5, 0.5], [2, 2])


@pytest.mark.parametrize(
    ("value", "quoted"), [(-0.5, "-0.5"), (1.5, "1.5"), (math.nan, "nan")]
)
def test_surprisal_refuses_values_outside_0_1(value, quoted):
    err = _raises(lambda: surprisal(value), f"probability {quoted} is not in [0, 1]")
    assert str(err) == f"probability {quoted} is not in [0, 1]"
    _raises(lambda: surprisal([0.5, value]), f"probability {quoted} is not in [0, 1]")


def test_inputs_are_not_modified():
    p = np.array([0.25, 0.25, 0.5, 0.0])
    q = np.array([0.5, 0.25, 0.25, 0.0])
    p_list = [0.25, 0.25, 0.5, 0.0]
    before_p, before_q = p.copy(), q.copy()
    for call in (
        lambda: entropy(p),
        lambda: entropy(p_list),
        lambda: cross_entropy(p, q),
        lambda: kl_divergence(p, q),
        lambda: js_divergence(p, q),
        lambda: surprisal(p),
    ):
        call()
    assert np.array_equal(p, before_p)
    assert np.array_equal(q, before_q)
    assert p_list == [0.25, 0.25, 0.5, 0.0]
    assert p.flags.writeable
    assert q.flags.writeable


def test_docstring_examples_run():
    import doctest

    import entrocode.measures

    result = doctest.testmod(entrocode.measures)
    assert result.attempted > 0
    assert result.failed == 0
