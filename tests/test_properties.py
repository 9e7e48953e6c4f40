"""Properties: round trips through the ``.ec`` container, and the invariants of codebooks.

- ``decompress(compress(x)) == x`` for arbitrary bytes, text and word streams
  in every mode, with and without a model (smoothed or covering the data) and
  a length limit, with blocks down to one byte so that every boundary is hit;
  the statistics agree with the file (size, payload bits, block kinds).
- For arbitrary count vectors, from 2 symbols to thousands, with ratios up to
  1 : 10**15: the Huffman code is complete (Kraft sum exactly 1), prefix-free,
  canonical and optimal, checked against an independent heapq Huffman in exact
  integer arithmetic; the length-limited code against an independent
  package-merge.

Hypothesis runs derandomized (the same examples on every run) with bounded
example counts; the large cases are seeded loops.
"""

from __future__ import annotations

import heapq
import io
import itertools
import math
import random
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entrocode.codebook import huffman_code, limited_lengths
from entrocode.container import compress, compress_stream, decompress
from entrocode.distribution import Distribution
from entrocode.errors import ModelError
from entrocode.symbols import MODES, split_symbols, symbol_label

ROUND_TRIP = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CODEBOOK = settings(max_examples=300, deadline=None, derandomize=True, database=None)
TEXT_MODES = ("chars", "words", "lines")


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------
def round_trip(data: bytes, **options: object) -> bytes:
    """Compress and decompress; check the file against the statistics; return the file."""
    out = io.BytesIO()
    s = compress_stream(io.BytesIO(data), out, **options)  # type: ignore[arg-type]
    blob = out.getvalue()
    assert decompress(blob) == data
    assert s.output_bytes == len(blob)
    assert s.input_bytes == len(data)
    assert s.payload_bits == s.predicted_payload_bits
    if data:
        # A word or line longer than a block is cut in two: never fewer symbols.
        assert len(split_symbols(data, s.mode)) <= s.symbols <= len(data)
        assert 1 <= s.blocks <= len(data)
    return blob


def feasible_limit(data: bytes, mode: str, wanted: int | None) -> int | None:
    """`wanted`, raised to what the distinct symbols need (2**L >= distinct)."""
    if wanted is None or not data:
        return wanted
    distinct = len(set(split_symbols(data, mode)))
    return max(wanted, (distinct - 1).bit_length(), 1)


# Block sizes from one byte up, with data short enough that tiny blocks stay cheap.
BLOCKS = st.sampled_from([1, 2, 3, 5, 16, 64, 333, 1 << 20])


def sized(block_size: int) -> int:
    return 200 if block_size < 16 else 2500


@ROUND_TRIP
@given(st.data(), BLOCKS, st.one_of(st.none(), st.integers(1, 12)))
def test_bytes_round_trip(data: st.DataObject, block_size: int, max_length: int | None) -> None:
    raw = data.draw(st.one_of(
        st.binary(max_size=sized(block_size)),
        st.lists(st.sampled_from(b"\x00\x01ab\xff"), max_size=sized(block_size)).map(bytes),
    ))
    round_trip(raw, block_size=block_size, max_length=feasible_limit(raw, "bytes", max_length))


@ROUND_TRIP
@given(st.data(), st.sampled_from(MODES), BLOCKS, st.one_of(st.none(), st.integers(1, 12)))
def test_text_round_trip(data: st.DataObject, mode: str, block_size: int,
                         max_length: int | None) -> None:
    text = data.draw(st.text(max_size=sized(block_size) // 3))
    raw = text.encode("utf-8")
    round_trip(raw, symbols=mode, block_size=block_size,
               max_length=feasible_limit(raw, mode, max_length))


WORD = st.one_of(
    st.sampled_from(["the", "a", "naïve", "café", "Ωμέγα", "😀", "x" * 40, "42", "_id", "ß"]),
    st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12),
)
SEPARATOR = st.sampled_from([" ", "  ", "\n", "\r\n", "\t", ", ", ". ", "\n\n", "—", " 🙂 "])


@settings(ROUND_TRIP, max_examples=80)
@given(st.lists(st.tuples(WORD, SEPARATOR), max_size=200), st.sampled_from(TEXT_MODES), BLOCKS,
       st.one_of(st.none(), st.integers(1, 12)))
def test_word_stream_round_trip(pairs: list[tuple[str, str]], mode: str, block_size: int,
                                max_length: int | None) -> None:
    raw = "".join(w + s for w, s in pairs).encode("utf-8")
    if block_size < 16:  # keep one-byte blocks cheap; do not cut a character in two
        raw = raw[:300].decode("utf-8", "ignore").encode("utf-8")
    round_trip(raw, symbols=mode, block_size=block_size,
               max_length=feasible_limit(raw, mode, max_length))


def model_symbol(symbol: bytes, mode: str) -> str:
    """How a data symbol is named in a model (bytes mode: one character or 0xHH)."""
    if mode == "bytes":
        return chr(symbol[0]) if symbol[0] % 2 else f"0x{symbol[0]:02x}"
    return symbol.decode("utf-8")


@ROUND_TRIP
@given(st.data(), st.sampled_from(MODES), st.sampled_from([7, 64, 400, 1 << 20]),
       st.one_of(st.none(), st.integers(6, 12)), st.floats(1e-3, 10.0))
def test_a_smoothed_model_codes_any_data(data: st.DataObject, mode: str, block_size: int,
                                         max_length: int | None, smooth: float) -> None:
    text = data.draw(st.text(st.characters(max_codepoint=0x3FF), max_size=400))
    raw = text.encode("utf-8")
    symbols = sorted(set(split_symbols(raw, mode)))
    known = data.draw(st.lists(st.sampled_from(symbols), unique=True) if symbols else st.just([]))
    foreign = ["0x00", "0xfe"] if mode == "bytes" else ["zz", "Ж"] if mode != "chars" else ["Ж"]
    names = [model_symbol(s, mode) for s in known]
    names += [f for f in foreign if f not in names and f.encode() not in symbols]
    counts = data.draw(st.lists(st.integers(0, 1000), min_size=len(names), max_size=len(names)))
    if not any(counts):
        counts[0] = 1
    model = Distribution.from_counts(counts, names)
    # Smoothing gives every byte value (bytes mode), or every symbol of the model and of
    # the data (text modes), a codeword: 2**L must be at least their number.
    coded = 256 if mode == "bytes" else len(set(symbols) | {n.encode() for n in names})
    limit = None if max_length is None else max(max_length, (coded - 1).bit_length())
    out = io.BytesIO()
    s = compress_stream(io.BytesIO(raw), out, symbols=mode, model=model, smooth=smooth,
                        max_length=limit, block_size=block_size)
    assert decompress(out.getvalue()) == raw
    # With a model: the first block carries its table, every other block reuses it.
    assert s.raw_blocks == 0
    assert s.reused_tables == max(s.blocks - 1, 0)


@ROUND_TRIP
@given(st.text(st.characters(max_codepoint=0x3FF), min_size=1, max_size=400),
       st.sampled_from(MODES), st.sampled_from([5, 64, 1 << 20]))
def test_a_model_without_smoothing_codes_its_own_data_and_refuses_the_rest(
        text: str, mode: str, block_size: int) -> None:
    raw = text.encode("utf-8")
    symbols = split_symbols(raw, mode)
    if max(map(len, symbols)) >= block_size // 2:
        block_size = 1 << 20  # no word or line cut in two at a block boundary
    counts = Counter(symbols)
    names = [model_symbol(s, mode) for s in counts]
    model = Distribution.from_counts(list(counts.values()), names)
    blob = compress(raw, symbols=mode, model=model, block_size=block_size)
    assert decompress(blob) == raw
    if len(counts) < 2:
        return
    # Leave out a symbol: the first place it occurs is named in the error.
    missing = symbols[-1]
    kept = [(n, c) for s, n, c in zip(counts, names, counts.values(), strict=True)
            if s != missing]
    partial = Distribution.from_counts([c for _, c in kept], [n for n, _ in kept])
    with pytest.raises(ModelError) as err:
        compress(raw, symbols=mode, model=partial, block_size=block_size)
    assert str(err.value) == (
        f"symbol '{symbol_label(missing, mode)}' occurs in the input but has probability 0 "
        "under the model, so it has no codeword; use --smooth A (smooth=A) to add A to every "
        "symbol's weight"
    )


def seeded_text(rng: random.Random, n_bytes: int) -> bytes:
    """Zipf-like words with non-ASCII letters, long runs and bursts of rare characters."""
    vocab = ["the", "of", "naïve", "Ωμέγα", "😀", "data", "\n", "  ", "\t", "ß" * 30,
             "x" * 700, *(chr(rng.randrange(0x100, 0x3000)) for _ in range(60))]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    out = []
    size = 0
    while size < n_bytes:
        word = rng.choices(vocab, weights)[0]
        out.append(word + rng.choice(" \n,"))
        size += len(out[-1].encode())
    return "".join(out).encode()


@pytest.mark.parametrize("seed", range(16))
def test_seeded_large_round_trips(seed: int) -> None:
    """Tens of kilobytes, many blocks, with a smoothed model or a length limit."""
    rng = random.Random(seed)
    mode = MODES[seed % 4]
    data = seeded_text(rng, rng.randrange(3000, 40000))
    if mode == "bytes" and seed % 8 == 0:
        data = bytes(rng.choice(b"\x00\x01\x02\xff") for _ in range(20000)) + data
    block_size = rng.choice([97, 512, 4096, 1 << 16])
    if seed % 2:
        model = Distribution.from_counts([5, 3, 1], ["t", "h", "e"])
        round_trip(data, symbols=mode, block_size=block_size, model=model,
                   smooth=rng.choice([0.01, 1.0]))
    else:
        limit = feasible_limit(data, mode, rng.choice([None, 4, 9, 15]))
        round_trip(data, symbols=mode, block_size=block_size, max_length=limit)


# ---------------------------------------------------------------------------
# Codebook invariants against independent references (exact integers)
# ---------------------------------------------------------------------------
def reference_huffman_cost(weights: Sequence[int]) -> int:
    """The least ``sum w * l`` of any prefix code: the sum of all merged weights (heapq)."""
    heap = [w for w in weights if w > 0]
    heapq.heapify(heap)
    if len(heap) == 1:
        return heap[0]
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


def reference_limited_cost(weights: Sequence[int], limit: int) -> int:
    """Package-merge as a coin collector's problem, cost only: the 2n - 2 cheapest items."""
    leaves = sorted(w for w in weights if w > 0)
    items = list(leaves)
    for _ in range(limit - 1):
        packages = [items[i] + items[i + 1] for i in range(0, len(items) - 1, 2)]
        items = sorted(leaves + packages)
    return sum(items[: 2 * len(leaves) - 2])


def check_code(weights: Sequence[int], lengths: Sequence[int], codewords: Sequence[str]) -> None:
    """Complete, prefix-free and canonical; zero weights get no codeword."""
    coded = [(n, i) for i, n in enumerate(lengths) if n]
    assert all((n > 0) == (w > 0) for w, n in zip(weights, lengths, strict=True))
    if len(coded) >= 2:
        assert sum(Fraction(1, 2**n) for n, _ in coded) == 1
    else:
        assert [n for n, _ in coded] == [1]
    words = sorted(c for c in codewords if c)
    assert all(not b.startswith(a) for a, b in itertools.pairwise(words))
    assert [len(codewords[i]) for _, i in coded] == [n for n, _ in coded]
    # canonical: by (length, position), each codeword is the previous plus one, shifted
    ordered = [codewords[i] for _, i in sorted(coded)]
    for a, b in itertools.pairwise(ordered):
        assert int(b, 2) == (int(a, 2) + 1) << (len(b) - len(a))
    assert set(ordered[0]) == {"0"}


def check_huffman(weights: list[int]) -> None:
    code = huffman_code(weights)
    lengths = code.length_vector().tolist()
    codewords = code.codewords  # a new dict on every access
    check_code(weights, lengths, [codewords.get(i, "") for i in range(len(weights))])
    cost = sum(w * n for w, n in zip(weights, lengths, strict=True))
    assert cost == reference_huffman_cost(weights)
    # a heavier symbol never has a longer codeword
    pairs = sorted((w, -n) for w, n in zip(weights, lengths, strict=True) if w)
    assert all(-a[1] >= -b[1] for a, b in itertools.pairwise(pairs))
    positive = sum(1 for w in weights if w)
    assert max(lengths) <= max(positive - 1, 1)


COUNT = st.one_of(st.integers(0, 10), st.integers(1, 10**15), st.sampled_from([1, 10**15]))


@CODEBOOK
@given(st.lists(COUNT, min_size=2, max_size=80).filter(lambda w: sum(x > 0 for x in w) >= 2))
def test_huffman_codes_are_complete_prefix_free_and_optimal(weights: list[int]) -> None:
    check_huffman(weights)


@CODEBOOK
@given(st.integers(1, 200), st.integers(1, 200), st.integers(0, 15))
def test_extreme_ratios(n_small: int, n_large: int, exponent: int) -> None:
    """n_small symbols of weight 1 beside n_large of weight 10**exponent."""
    check_huffman([1] * n_small + [10**exponent] * n_large)


@pytest.mark.parametrize("n", [1000, 3000, 8000])
def test_thousands_of_symbols(n: int) -> None:
    rng = random.Random(n)
    shapes = {
        "uniform": [rng.randint(1, 10**15) for _ in range(n)],
        "two levels": [rng.choice([1, 10**15]) for _ in range(n)],
        "near-equal": [10**15 - rng.randint(0, 10**6) for _ in range(n)],
        "every scale": [rng.randint(1, 9) * 10 ** rng.randint(0, 15) for _ in range(n)],
        "zipf": [10**15 // (i + 1) for i in range(n)],
        "powers of two": [2 ** (i % 50) for i in range(n)],
        "with zeros": [rng.choice([0, 0, 1, 7, 10**15]) for _ in range(n)],
    }
    for weights in shapes.values():
        check_huffman(weights)


def test_a_lone_symbol_and_equal_weights() -> None:
    check_code([5], [1], ["0"])
    assert huffman_code([0, 7, 0]).codewords == {1: "0"}
    for k in range(1, 13):  # 2**k equal weights: the k-bit block code
        lengths = huffman_code([3] * 2**k).length_vector()
        assert set(lengths.tolist()) == {k}


@CODEBOOK
@given(st.lists(st.one_of(st.integers(1, 10**15), st.sampled_from([1, 2, 10**15])),
                min_size=2, max_size=60), st.integers(1, 24))
def test_length_limited_codes_are_optimal_within_the_limit(weights: list[int],
                                                           limit: int) -> None:
    limit = max(limit, math.ceil(math.log2(len(weights))))
    lengths = limited_lengths(weights, limit).tolist()
    assert max(lengths) <= limit
    huffman = huffman_code(weights).length_vector().tolist()
    code = huffman_code(weights, max_length=limit)
    codewords = code.codewords
    check_code(weights, lengths, [codewords.get(i, "") for i in range(len(weights))])
    cost = sum(w * n for w, n in zip(weights, lengths, strict=True))
    assert cost == reference_limited_cost(weights, limit)
    assert cost >= reference_huffman_cost(weights)
    if max(huffman) <= limit:
        assert lengths == huffman


def test_fibonacci_weights_deeper_than_the_limit() -> None:
    fib = [1, 1]
    while len(fib) < 70:  # all sums below 2**53
        fib.append(fib[-1] + fib[-2])
    check_huffman(fib)
    assert max(huffman_code(fib).length_vector()) == 69
    for limit in (7, 12, 32, 60):
        lengths = limited_lengths(fib, limit).tolist()
        assert max(lengths) == limit
        assert sum(w * n for w, n in zip(fib, lengths, strict=True)) == \
            reference_limited_cost(fib, limit)


def test_the_references_are_themselves_right() -> None:
    assert reference_huffman_cost([8, 4, 2, 1, 1]) == 30  # lengths 1, 2, 3, 4, 4
    assert reference_limited_cost([8, 4, 2, 1, 1], 4) == 30
    assert reference_limited_cost([8, 4, 2, 1, 1], 3) == 32  # 1, 3, 3, 3, 3
    assert reference_limited_cost([1, 1, 1, 1], 2) == 8
    assert reference_huffman_cost([5]) == 5  # one symbol, one bit each
    with pytest.raises(AssertionError):
        check_code([1, 1, 1], [1, 2, 3], ["0", "10", "110"])  # under-full
    with pytest.raises(AssertionError):
        check_code([1, 1], [1, 1], ["0", "01"])  # not prefix-free

