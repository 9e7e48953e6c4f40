"""Tests for entrocode.experiments: sampling, verification by real coding, extension, demo."""

from __future__ import annotations

import doctest
import itertools
import math
import re
from importlib import resources

import numpy as np
import pytest

import entrocode
from entrocode import experiments
from entrocode.analysis import compare
from entrocode.codebook import huffman_code, huffman_lengths, kraft_sum
from entrocode.comparison import shannon_lengths
from entrocode.distribution import Distribution
from entrocode.errors import EntrocodeError, ModelError, SymbolError
from entrocode.experiments import (
    BUNDLED_STREAMS,
    MAX_BLOCKS,
    bundled_distribution,
    convergence,
    draw_sample,
    extension_rates,
    read_bundled,
    render_sample,
    run_demo,
    verify_by_sampling,
)
from entrocode.measures import cross_entropy, entropy, kl_divergence
from entrocode.symbols import tokenize

SAMPLES = resources.files("entrocode.samples")
TEMPS = bundled_distribution("temperatures.json")
COIN = bundled_distribution("coin_biased.json")
CATDOG = bundled_distribution("catdog.json")
CATDOG_QA = bundled_distribution("catdog_qa.json")
CATDOG_QB = bundled_distribution("catdog_qb.json")
UNIFORM8 = bundled_distribution("temperatures_uniform.json")
FIB = Distribution.from_spec("a=1,b=1,c=2,d=3,e=5,f=8,g=13,h=21", normalize=True)
HALF_AB = Distribution.from_spec("a=0.5,b=0.5")


# ---------------------------------------------------------------------------
# draw_sample
# ---------------------------------------------------------------------------
def test_same_seed_same_sample_and_different_seed_different_sample() -> None:
    a = draw_sample(TEMPS, 500, seed=42)
    b = draw_sample(TEMPS, 500, seed=42)
    c = draw_sample(TEMPS, 500, seed=43)
    assert np.array_equal(a.ids, b.ids)
    assert not np.array_equal(a.ids, c.ids)
    assert a.seed == 42 and a.n == 500


def test_samples_of_one_seed_are_nested() -> None:
    small = draw_sample(TEMPS, 100, seed=5)
    large = draw_sample(TEMPS, 1000, seed=5)
    assert np.array_equal(small.ids, large.ids[:100])


def test_random_seed_is_recorded_and_repeats_the_sample() -> None:
    first = draw_sample(COIN, 200)
    assert isinstance(first.seed, int) and first.seed >= 0
    assert np.array_equal(draw_sample(COIN, 200, first.seed).ids, first.ids)


def test_frequencies_follow_p_and_zero_probability_is_never_drawn() -> None:
    d = Distribution.from_spec("z=0,a=0.5,b=0,c=0.25,d=0.25,e=0")
    s = draw_sample(d, 40_000, seed=1)
    counts = s.counts()
    assert counts.sum() == 40_000
    assert counts[[0, 2, 5]].tolist() == [0, 0, 0]
    freq = counts / 40_000
    assert np.allclose(freq, d.probabilities, atol=0.01)


def test_sample_ids_are_read_only_and_input_unchanged() -> None:
    before = TEMPS.probabilities.copy()
    s = draw_sample(TEMPS, 10, seed=0)
    assert not s.ids.flags.writeable
    assert np.array_equal(TEMPS.probabilities, before)
    assert s.symbols()[0] in TEMPS


@pytest.mark.parametrize(
    ("n", "message"),
    [
        (0, "n must be at least 1 (the number of draws), got 0"),
        (-5, "n must be at least 1 (the number of draws), got -5"),
        (2.5, "n must be a whole number of draws >= 1, got 2.5"),
        (True, "n must be a whole number of draws >= 1, got True"),
    ],
)
def test_draw_sample_refuses_bad_n(n: object, message: str) -> None:
    with pytest.raises(EntrocodeError, match=f"^{re.escape(message)}$"):
        draw_sample(COIN, n, seed=1)  # type: ignore[arg-type]


def test_draw_sample_refuses_bad_seed_and_type() -> None:
    with pytest.raises(EntrocodeError, match=r"^seed must be >= 0, got -1$"):
        draw_sample(COIN, 5, seed=-1)
    with pytest.raises(TypeError, match="dist must be a Distribution"):
        draw_sample([0.5, 0.5], 5, seed=1)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# render_sample
# ---------------------------------------------------------------------------
def _drawn_bytes(sample: experiments.Sample) -> list[bytes]:
    return [str(s).encode() for s in sample.symbols()]


@pytest.mark.parametrize(
    ("spec", "mode"),
    [
        ("100=0.3,105=0.4,110=0.3", "lines"),
        ("H=0.9,T=0.1", "chars"),
        ("é=0.5,ß=0.25,x=0.25", "chars"),
        ("A=0.25,C=0.25,G=0.25,T=0.25", "bytes"),
    ],
)
def test_stream_tokenizes_back_into_the_draws(spec: str, mode: str) -> None:
    s = draw_sample(Distribution.from_spec(spec), 300, seed=9)
    stream = render_sample(s, mode)
    tokens = tokenize(stream, mode)
    got = [tokens.alphabet[i] for i in tokens.ids.tolist()]
    sep = b"\n" if mode == "lines" else b""
    assert got == [b + sep for b in _drawn_bytes(s)]


def test_words_mode_separates_words_by_one_space() -> None:
    s = draw_sample(Distribution.from_spec("cat=0.5,dog=0.3,emu_2=0.2"), 50, seed=4)
    stream = render_sample(s, "words")
    tokens = tokenize(stream, "words")
    got = [tokens.alphabet[i] for i in tokens.ids.tolist()]
    assert got[0::2] == _drawn_bytes(s)
    assert set(got[1::2]) == {b" "} and len(got) == 2 * 50 - 1


def test_render_is_the_plain_join() -> None:
    s = draw_sample(Distribution.from_spec("aa=0.5,b=0.25,cccc=0.25"), 100, seed=2)
    assert render_sample(s, "lines") == b"".join(x + b"\n" for x in _drawn_bytes(s))


@pytest.mark.parametrize(
    ("spec", "mode", "message"),
    [
        ("100=0.5,105=0.5", "chars", "symbol '100' is 3 characters long, but --symbols chars"),
        ("é=0.5,e=0.5", "bytes", "symbol 'é' is 2 bytes long, but --symbols bytes"),
        ("a b=0.5,c=0.5", "words", "symbol 'a b' is not a word"),
        ("a=0.5,b=0.5", "poems", "unknown symbol mode 'poems'"),
    ],
)
def test_render_refuses_symbols_the_mode_cannot_write(spec: str, mode: str, message: str) -> None:
    s = draw_sample(Distribution.from_spec(spec), 10, seed=1)
    with pytest.raises(SymbolError, match=re.escape(message)):
        render_sample(s, mode)


def test_render_refuses_a_newline_in_lines_mode() -> None:
    d = Distribution.from_probabilities({"a\nb": 0.5, "c": 0.5})
    with pytest.raises(SymbolError, match="contains a newline"):
        render_sample(draw_sample(d, 5, seed=1), "lines")


# ---------------------------------------------------------------------------
# Bundled samples
# ---------------------------------------------------------------------------
def test_temperature_code_is_the_classic_example() -> None:
    code = huffman_code(TEMPS)
    assert code.expected_length == pytest.approx(2.37, abs=1e-12)
    assert entropy(TEMPS) == pytest.approx(2.3231, abs=5e-5)
    assert sorted(code.lengths.values()) == [1, 2, 4, 4, 5, 5, 5, 5]


def test_temperature_stream_has_exactly_the_frequencies_of_p() -> None:
    data = read_bundled("temperatures.txt")
    tokens = tokenize(data, "lines")
    counts = np.bincount(tokens.ids)
    levels = [a.decode().strip() for a in tokens.alphabet]
    assert dict(zip(levels, counts.tolist(), strict=True)) == {
        "100": 300, "105": 400, "110": 50, "145": 60,
        "160": 70, "162": 20, "174": 50, "180": 50,
    }
    lengths = huffman_lengths(counts)
    assert int(counts @ lengths) == 2370  # L = 2.37 bits/symbol on 1000 readings
    recipe = np.random.default_rng(2024).permutation(
        np.repeat([100, 105, 110, 145, 160, 162, 174, 180], [300, 400, 50, 60, 70, 20, 50, 50])
    )
    assert data == "".join(f"{r}\n" for r in recipe.tolist()).encode()


@pytest.mark.parametrize(
    ("stream", "dist", "n", "seed"),
    [("dna.txt", "dna.json", 4000, 7), ("skewed_binary.txt", "skewed_binary.json", 4096, 11)],
)
def test_drawn_streams_regenerate_from_their_seed(
    stream: str, dist: str, n: int, seed: int
) -> None:
    again = render_sample(draw_sample(bundled_distribution(dist), n, seed), "chars")
    assert read_bundled(stream) == again


def test_every_bundled_file_is_package_data_and_documented() -> None:
    names = {e.name for e in SAMPLES.iterdir() if not e.name.startswith(("_", "."))}
    assert names <= {n for n in names if n.endswith((".json", ".txt", ".md"))}
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for name in names - {"README.md"}:
        assert name in readme, name
        assert len((SAMPLES / name).read_bytes()) < 8192, name
    for name in names:
        if name.endswith(".json"):
            assert len(bundled_distribution(name)) >= 2
    for s in BUNDLED_STREAMS:
        assert 1000 <= len(read_bundled(s.file)) <= 8192
        tokenize(read_bundled(s.file), s.mode)


def test_streams_only_use_symbols_of_their_source() -> None:
    for s in BUNDLED_STREAMS:
        if s.source is None:
            continue
        source = bundled_distribution(s.source)
        tokens = tokenize(read_bundled(s.file), s.mode)
        for sym in tokens.alphabet:
            assert source.get(sym.decode().rstrip("\n"), 0.0) > 0


def test_unknown_bundled_sample_lists_the_samples() -> None:
    with pytest.raises(EntrocodeError, match=r"^no bundled sample 'nope.txt'; the samples are: "):
        read_bundled("nope.txt")


# ---------------------------------------------------------------------------
# Shannon code
# ---------------------------------------------------------------------------
def test_shannon_lengths_exact_on_powers_of_two_and_zero() -> None:
    assert shannon_lengths([0.5, 0.25, 0.125, 0.125]).tolist() == [1, 2, 3, 3]
    assert shannon_lengths([0.5, 0.3, 0.2]).tolist() == [1, 2, 3]
    assert shannon_lengths(CATDOG).tolist() == [0, 0]
    assert shannon_lengths(CATDOG_QB).tolist() == [3, 1]


def test_shannon_code_obeys_its_bound_on_random_models() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        m = int(rng.integers(2, 12))
        p = rng.dirichlet(np.ones(m) * 0.5)
        q = rng.dirichlet(np.ones(m) * 0.5)
        lengths = shannon_lengths(q)
        assert kraft_sum(lengths) <= 1
        low = cross_entropy(p, q)  # = H(P) + D(P||Q)
        length = float(p @ lengths)
        assert low - 1e-12 <= length < low + 1


# ---------------------------------------------------------------------------
# Extension coding
# ---------------------------------------------------------------------------
def test_extension_of_the_biased_coin_converges_to_its_entropy() -> None:
    ext = extension_rates(COIN, 8)
    h = entropy(COIN)
    assert ext.entropy == pytest.approx(0.469, abs=1e-3)
    rates = [r.rate for r in ext.rows]
    assert rates[:3] == pytest.approx([1.0, 0.645, 0.532667], abs=1e-6)
    assert all(a > b for a, b in itertools.pairwise(rates[:6]))  # K = 1..6 decrease
    for r in ext.rows:
        assert r.in_bounds
        assert h <= r.rate < h + 1 / r.order
        assert r.blocks == 2**r.order
    assert rates[-1] - h < 0.01


def test_extension_of_a_dyadic_source_is_exact() -> None:
    ext = extension_rates(Distribution.from_spec("a=0.5,b=0.25,c=0.25"), 4)
    assert [r.rate for r in ext.rows] == pytest.approx([1.5] * 4, abs=1e-12)
    assert all(r.in_bounds for r in ext.rows)


def test_extension_limit_is_two_to_the_twenty_blocks() -> None:
    assert MAX_BLOCKS == 2**20
    with pytest.raises(EntrocodeError, match=re.escape(
        "order 21 needs 2**21 = 2,097,152 blocks, more than the limit 2**20 = 1,048,576; "
        "with 2 symbols the largest order is 20"
    )):
        extension_rates(COIN, 21)
    with pytest.raises(EntrocodeError, match=r"3\*\*13 = 1,594,323 blocks.*largest order is 12"):
        extension_rates(Distribution.from_spec("a=0.2,b=0.3,c=0.5"), 13)
    with pytest.raises(EntrocodeError, match=r"^order must be at least 1"):
        extension_rates(COIN, 0)


def test_extension_ignores_zero_probability_symbols_and_flags_a_lone_symbol() -> None:
    ext = extension_rates(Distribution.from_spec("a=0.9,b=0.1,c=0"), 3)
    assert [r.blocks for r in ext.rows] == [2, 4, 8]
    lone = extension_rates(CATDOG, 2)
    assert [r.rate for r in lone.rows] == [1.0, 0.5]
    assert not any(r.in_bounds for r in lone.rows)


# ---------------------------------------------------------------------------
# verify_by_sampling: prediction against measurement through the real codec
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("p", "q"),
    [
        (TEMPS, None),
        (TEMPS, UNIFORM8),
        (COIN, None),
        (CATDOG, None),
        (CATDOG, CATDOG_QB),
        (HALF_AB, FIB),
        (Distribution.from_spec("a=0.5,b=0.25,c=0.125,d=0.0625,e=0.0625"), None),
    ],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_predicted_bits_equal_measured_bits(
    p: Distribution, q: Distribution | None, seed: int
) -> None:
    v = verify_by_sampling(p, q, n=3000, seed=seed)
    assert v.predicted_bits == v.measured_bits and v.matched
    assert v.roundtrip
    assert v.payload_bytes == math.ceil(v.measured_bits / 8)
    assert v.measured_bits_per_symbol == v.measured_bits / 3000
    assert v.shannon_in_bounds
    assert v.mismatch_cost >= 0


def test_temperatures_with_own_code() -> None:
    v = verify_by_sampling(TEMPS, n=20_000, seed=1)
    assert v.expected_bits_per_symbol == pytest.approx(2.37, abs=1e-12)
    assert v.entropy_p == pytest.approx(2.3231, abs=5e-5)
    assert v.kl_divergence == 0.0 and v.cross_entropy == pytest.approx(v.entropy_p)
    assert v.own_code_in_bounds and v.mismatch_cost == 0.0
    assert abs(v.measured_bits_per_symbol - 2.37) < 0.03
    assert v.ci95[0] < v.measured_bits_per_symbol < v.ci95[1]


def test_mismatch_figures_agree_with_compare() -> None:
    v = verify_by_sampling(TEMPS, UNIFORM8, n=1000, seed=3)
    c = compare(TEMPS, UNIFORM8)
    assert v.expected_bits_per_symbol == pytest.approx(c.expected_length_mismatch)
    assert v.own_length == pytest.approx(c.expected_length_p)
    assert v.mismatch_cost == pytest.approx(c.mismatch_overhead)
    assert v.kl_divergence == pytest.approx(kl_divergence(TEMPS, UNIFORM8))
    assert v.mismatch_cost == pytest.approx(0.63) and v.kl_divergence == pytest.approx(
        3 - entropy(TEMPS)
    )
    # Every codeword of the uniform code has 3 bits: no variance, exact interval.
    assert v.measured_bits == 3000 and v.ci95 == (3.0, 3.0)


def test_huffman_code_of_q_may_fall_below_the_shannon_bound() -> None:
    # Cat/dog with model B: every codeword of a 2-symbol Huffman code has 1 bit.
    v = verify_by_sampling(CATDOG, CATDOG_QB, n=500, seed=0)
    assert v.entropy_p == 0.0 and v.kl_divergence == pytest.approx(math.log2(5))
    assert v.expected_bits_per_symbol == 1.0 < v.entropy_p + v.kl_divergence
    assert not v.huffman_in_shannon_bounds
    assert v.shannon_length == 3.0 and v.shannon_in_bounds


def test_huffman_code_of_q_may_reach_above_the_shannon_bound() -> None:
    # Q with Fibonacci weights: its Huffman code gives the two rarest symbols 7 bits,
    # one more than their Shannon length ceil(log2 54) = 6.
    v = verify_by_sampling(HALF_AB, FIB, n=500, seed=0)
    assert v.expected_bits_per_symbol == 7.0
    assert v.entropy_p + v.kl_divergence + 1 == pytest.approx(1 + math.log2(54))
    assert v.expected_bits_per_symbol >= v.entropy_p + v.kl_divergence + 1
    assert not v.huffman_in_shannon_bounds
    assert v.shannon_length == 6.0 and v.shannon_in_bounds
    assert v.measured_bits == 3500


def test_confidence_interval_covers_the_expectation_in_most_runs() -> None:
    covered = sum(
        verify_by_sampling(TEMPS, n=1000, seed=seed).ci_covers_expectation for seed in range(100)
    )
    assert covered >= 90  # 94 of 100 with these seeds; about 95 expected


def test_json_summary_keys() -> None:
    v = verify_by_sampling(COIN, n=100, seed=8)
    assert list(v.as_dict()) == [
        "n", "seed", "predicted_bits", "measured_bits", "expected_bits_per_symbol",
        "measured_bits_per_symbol", "ci95", "entropy_p", "cross_entropy", "kl_divergence",
        "roundtrip",
    ]
    assert v.as_dict()["ci95"] == list(v.ci95)


def test_a_single_draw_has_an_infinite_interval() -> None:
    v = verify_by_sampling(TEMPS, n=1, seed=0)
    assert v.ci95 == (-math.inf, math.inf) and v.matched


def test_a_model_that_rules_out_a_symbol_is_refused_with_advice() -> None:
    with pytest.raises(ModelError) as info:
        verify_by_sampling(CATDOG_QA, CATDOG, n=100, seed=0)
    message = str(info.value)
    assert message.startswith("Q gives probability 0 to symbol 'dog', which P draws with")
    assert "D(P||Q) is infinite" in message and "--smooth A" in message
    # A symbol of P that Q lacks entirely is the same case.
    with pytest.raises(ModelError, match="symbol 'c'"):
        verify_by_sampling(Distribution.from_spec("a=0.5,c=0.5"), HALF_AB, n=10, seed=0)


def test_smoothing_gives_every_symbol_a_codeword() -> None:
    v = verify_by_sampling(CATDOG_QA, CATDOG, n=2000, seed=0, smooth=0.01)
    assert v.smoothing == 0.01 and v.matched and v.roundtrip
    assert math.isfinite(v.kl_divergence) and v.kl_divergence > 0
    v2 = verify_by_sampling(Distribution.from_spec("a=0.5,c=0.5"), HALF_AB, n=10, seed=0,
                            smooth=1)
    assert v2.symbols == ("a", "c", "b") and all(v2.lengths)
    with pytest.raises(EntrocodeError, match="smoothing must be a positive number"):
        verify_by_sampling(CATDOG_QA, CATDOG, n=10, seed=0, smooth=0)


def test_convergence_uses_one_seed_and_nested_samples() -> None:
    results = convergence(TEMPS, None, [10, 100, 1000], seed=6)
    assert [v.n for v in results] == [10, 100, 1000]
    assert {v.seed for v in results} == {6}
    assert all(v.matched and v.roundtrip for v in results)
    small, large = results[1], results[2]
    assert large.ci95[1] - large.ci95[0] < small.ci95[1] - small.ci95[0]
    with pytest.raises(EntrocodeError, match=r"^each n must be at least 1"):
        convergence(COIN, None, [10, 0], seed=1)
    # A code whose codewords all have one length has no variance: the interval is a point.
    assert convergence(COIN, None, [50], seed=1)[0].ci95 == (1.0, 1.0)
    with pytest.raises(EntrocodeError, match="at least one sample size"):
        convergence(COIN, None, [], seed=1)


# ---------------------------------------------------------------------------
# The demo
# ---------------------------------------------------------------------------
def test_demo_matches_every_prediction() -> None:
    report = run_demo()
    assert report.all_matched
    assert [(r.sample, r.mode) for r in report.rows] == [
        (s.file, s.mode) for s in BUNDLED_STREAMS
    ]
    temps = report.rows[0]
    assert temps.symbols == 1000 and temps.predicted_bits == temps.payload_bits == 2370
    assert temps.bits_per_symbol == pytest.approx(2.37)
    assert temps.entropy == pytest.approx(entropy(TEMPS))
    for r in report.rows:
        assert r.roundtrip and r.entropy <= r.bits_per_symbol < r.entropy + 1
        assert r.output_bytes > 0 and r.ratio == r.input_bytes / r.output_bytes
    m = report.mismatch
    assert m.own_bits == 2370 and m.model_bits == 3000
    assert m.overhead == pytest.approx(0.63)
    assert m.kl_divergence == pytest.approx(3 - entropy(TEMPS))


# ---------------------------------------------------------------------------
# Public API and documentation
# ---------------------------------------------------------------------------
def test_public_functions_are_reexported() -> None:
    for name in ("draw_sample", "render_sample", "verify_by_sampling", "convergence",
                 "extension_rates", "run_demo", "read_bundled",
                 "bundled_distribution"):
        assert getattr(entrocode, name) is getattr(experiments, name)
        assert name in entrocode.__all__


def test_results_are_frozen() -> None:
    v = verify_by_sampling(COIN, n=10, seed=0)
    with pytest.raises(AttributeError):
        v.n = 5  # type: ignore[misc]
    row = extension_rates(COIN, 1).rows[0]
    with pytest.raises(AttributeError):
        row.rate = 0.0  # type: ignore[misc]


def test_docstring_examples() -> None:
    globs = {"Distribution": Distribution, **{n: getattr(experiments, n)
                                              for n in experiments.__all__}}
    result = doctest.testmod(experiments, globs=globs, verbose=False)
    assert result.failed == 0 and result.attempted >= 6
