"""Tests for entrocode.codec: symbol ids to bits and back.

Layers: a worked example; analytic cases (8-bit codes are the identity);
invariants checked on every round trip (payload bits equal the prediction,
the payload equals an independent bit-string construction, the fast decoders
agree with the reference decoder); seeded random round trips around segment
boundaries; exact error messages; corrupt input that must raise FormatError
and nothing else.
"""

from __future__ import annotations

import doctest
import os

import numpy as np
import pytest
from bitarray import bitarray

import entrocode.codec as codec
from entrocode.codebook import canonical_codewords, huffman_lengths, limited_lengths
from entrocode.codec import (
    DEFAULT_SEGMENT,
    MAX_CODE_LENGTH,
    CodeTable,
    Encoded,
    MissingCodewordError,
    TraceStep,
    decode,
    decode_reference,
    encode,
    payload_bits,
)
from entrocode.errors import CodebookError, EntrocodeError, FormatError, ModelError


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def skewed_table(rng: np.random.Generator, n: int, power: float = 4.0) -> CodeTable:
    """A code for ``n`` ids with random, skewed weights (every id coded)."""
    weights = rng.random(n) ** power + 1e-9
    return CodeTable.from_lengths(limited_lengths(weights, MAX_CODE_LENGTH))


def sample(rng: np.random.Generator, table: CodeTable, count: int, dtype: type) -> np.ndarray:
    """``count`` coded ids drawn with probabilities ``2**-length``."""
    coded = table.order
    p = 2.0 ** -table.lengths[coded].astype(float)
    return rng.choice(coded, size=count, p=p / p.sum()).astype(dtype)


def bit_string(ids: np.ndarray, table: CodeTable) -> str:
    """The codewords of ``ids`` concatenated as a '0'/'1' string."""
    words = [table.codeword(i) for i in range(table.size)]
    return "".join(words[i] for i in ids.tolist())


def packed(bits: str) -> bytes:
    """A '0'/'1' string packed MSB-first and zero-padded to whole bytes."""
    if not bits:
        return b""
    size = (len(bits) + 7) // 8
    return int(bits.ljust(8 * size, "0"), 2).to_bytes(size, "big")


def expected_starts(ids: np.ndarray, table: CodeTable, segment: int) -> list[int]:
    lengths = table.lengths[ids].astype(np.int64)
    ends = np.concatenate(([0], np.cumsum(lengths)))
    return ends[0 : ids.size : segment].tolist()


def round_trip(
    ids: np.ndarray, table: CodeTable, segment: int = DEFAULT_SEGMENT, reference: bool = True
) -> Encoded:
    """Encode, check every invariant, decode every way, compare."""
    before = ids.copy()
    enc = encode(ids, table, segment)
    np.testing.assert_array_equal(ids, before)  # input left unchanged

    counts = np.bincount(ids.astype(np.int64), minlength=table.size)
    predicted = int(sum(int(c) * int(n) for c, n in zip(counts, table.lengths, strict=True)))
    assert enc.nbits == payload_bits(ids, table.lengths) == predicted
    assert len(enc.payload) == (enc.nbits + 7) // 8
    assert isinstance(enc.payload, bytes)
    if ids.size <= 50_000:
        assert enc.payload == packed(bit_string(ids, table))
    assert enc.starts.dtype == np.int64
    assert not enc.starts.flags.writeable
    assert enc.starts.tolist() == expected_starts(ids, table, segment)

    n = ids.size
    outputs = [
        decode(enc.payload, table, n, enc.starts, segment, nbits=enc.nbits),
        decode(enc.payload, table, n, enc.starts, segment),
        decode(enc.payload, table, n),
        decode(enc.payload, table, n, nbits=enc.nbits),
    ]
    if reference:
        outputs.append(decode_reference(enc.payload, table, n))
    for out in outputs:
        assert out.dtype == table.id_dtype
        np.testing.assert_array_equal(out, ids)
    return enc


# ---------------------------------------------------------------------------
# Worked example and analytic cases
# ---------------------------------------------------------------------------
def test_worked_example() -> None:
    table = CodeTable.from_lengths([1, 2, 2])
    assert [table.codeword(i) for i in range(3)] == ["0", "10", "11"]
    ids = np.array([0, 1, 2, 0], dtype=np.uint8)
    enc = encode(ids, table, segment=2)
    # 0 10 11 0 -> 010110, padded to 01011000 = 0x58.
    assert enc.payload == b"X"
    assert enc.nbits == 6
    assert enc.starts.tolist() == [0, 3]
    np.testing.assert_array_equal(decode(b"X", table, 4, enc.starts, 2, nbits=6), ids)


def test_module_doctests() -> None:
    result = doctest.testmod(codec)
    assert result.failed == 0
    assert result.attempted >= 6


def test_eight_bit_code_is_the_identity() -> None:
    # 256 codewords of 8 bits: the canonical code of id i is i itself.
    table = CodeTable.from_lengths([8] * 256)
    ids = np.arange(256, dtype=np.uint8)
    enc = round_trip(ids, table, segment=7)
    assert enc.payload == ids.tobytes()
    data = np.random.default_rng(5).integers(0, 256, 10_001).astype(np.uint8)
    assert encode(data, table).payload == data.tobytes()


def test_all_256_byte_values_with_a_huffman_code() -> None:
    rng = np.random.default_rng(11)
    table = skewed_table(rng, 256, power=6)
    ids = np.concatenate([np.arange(256), sample(rng, table, 5000, np.int64)]).astype(np.uint8)
    rng.shuffle(ids)
    round_trip(ids, table, segment=100)


def test_payload_matches_bitarray_encode() -> None:
    rng = np.random.default_rng(3)
    table = skewed_table(rng, 40)
    ids = sample(rng, table, 3001, np.uint8)
    code = {i: bitarray(table.codeword(i)) for i in table.order.tolist()}
    bits = bitarray(endian="big")
    bits.encode(code, ids.tolist())
    enc = encode(ids, table)
    assert enc.payload == bits.tobytes()
    assert enc.nbits == len(bits)


def test_codes_are_canonical() -> None:
    lengths = [3, 0, 2, 3, 2, 2]
    table = CodeTable.from_lengths(lengths)
    np.testing.assert_array_equal(table.codes, canonical_codewords(lengths))
    assert table.order.tolist() == [2, 4, 5, 0, 3]
    assert table.max_length == 3
    assert table.size == 6
    assert table.codeword(1) == ""
    for arr in (table.lengths, table.codes, table.order):
        assert not arr.flags.writeable
    assert table == CodeTable.from_lengths(np.array(lengths))
    assert hash(table) == hash(CodeTable.from_lengths(lengths))
    assert table != CodeTable.from_lengths([1, 1])
    assert "max_length=3" in repr(table)


# ---------------------------------------------------------------------------
# Degenerate inputs
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", [3, 300])
def test_empty_input(size: int) -> None:
    table = CodeTable.from_lengths([1, 2, 2] + [0] * (size - 3))
    enc = encode(np.zeros(0, dtype=np.uint32), table)
    assert enc == Encoded(b"", 0, np.zeros(0, dtype=np.int64))
    assert payload_bits(np.zeros(0, dtype=np.int64), table.lengths) == 0
    for out in (
        decode(b"", table, 0),
        decode(b"", table, 0, enc.starts, nbits=0),
        decode_reference(b"", table, 0),
    ):
        assert out.size == 0
        assert out.dtype == table.id_dtype


@pytest.mark.parametrize("count", [1, 7, 8, 9, 100, 4097])
def test_one_symbol_code(count: int) -> None:
    # The only codeword is '0': each symbol costs one bit.
    table = CodeTable.from_lengths([0, 0, 1])
    ids = np.full(count, 2, dtype=np.uint8)
    enc = round_trip(ids, table, segment=3)
    assert enc.payload == bytes((count + 7) // 8)
    assert enc.nbits == count


def test_one_symbol_code_rejects_a_one_bit() -> None:
    table = CodeTable.from_lengths([1])
    with pytest.raises(FormatError, match="bit 5 is a 1"):
        decode(b"\x04", table, 8)
    with pytest.raises(FormatError, match="not a codeword"):
        decode_reference(b"\x04", table, 8)
    with pytest.raises(FormatError, match="segment starts do not match"):
        decode(b"\x00", table, 8, np.array([0, 3]), segment=4)


def test_one_symbol_decode_of_a_single_id() -> None:
    table = CodeTable.from_lengths([1])
    np.testing.assert_array_equal(decode(b"\x00", table, 1, np.array([0]), nbits=1), [0])


# ---------------------------------------------------------------------------
# Seeded random round trips
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("alphabet", [2, 3, 17, 256, 1000])
def test_random_round_trips(seed: int, alphabet: int) -> None:
    rng = np.random.default_rng(seed)
    table = skewed_table(rng, alphabet)
    dtype = [np.uint8, np.uint16, np.uint32, np.int64][seed % 4]
    if alphabet > 256 and dtype == np.uint8:
        dtype = np.uint16
    count = int(rng.integers(1, 3000))
    round_trip(sample(rng, table, count, dtype), table, segment=int(rng.integers(1, 200)))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64, np.int64])
def test_id_dtypes(dtype: type) -> None:
    rng = np.random.default_rng(8)
    table = skewed_table(rng, 30)
    ids = sample(rng, table, 999, dtype)
    round_trip(ids, table, segment=50)


def test_strided_and_list_inputs() -> None:
    rng = np.random.default_rng(9)
    table = skewed_table(rng, 20)
    ids = sample(rng, table, 2001, np.uint8)
    assert encode(ids[::2], table, 16) == encode(ids[::2].copy(), table, 16)
    assert encode(ids.tolist(), table) == encode(ids, table)


@pytest.mark.parametrize("alphabet", [70, 300])
@pytest.mark.parametrize("cap", [MAX_CODE_LENGTH, 31])
def test_codes_at_max_code_length(alphabet: int, cap: int) -> None:
    # Fibonacci weights (then equal ones) make the unlimited Huffman code
    # deeper than 64 bits; package-merge limits it to exactly `cap`.  The
    # sequential decoder uses canonical tables up to 31 bits, a tree beyond.
    fib = [1, 1]
    while len(fib) < alphabet:
        fib.append(fib[-1] + fib[-2] if len(fib) < 70 else fib[-1])
    weights = np.array(fib, dtype=float)
    assert huffman_lengths(weights).max() > 64
    table = CodeTable.from_lengths(limited_lengths(weights, cap))
    assert table.max_length == cap
    rng = np.random.default_rng(4)
    deepest = table.order[-8:]
    ids = np.concatenate([deepest, sample(rng, table, 3000, np.int64), deepest])
    round_trip(ids.astype(np.uint32), table, segment=33)


def test_many_distinct_ids() -> None:
    rng = np.random.default_rng(12)
    k = 10**5
    zipf = 1.0 / np.arange(1, k + 1)
    ids = np.concatenate([rng.permutation(k), rng.choice(k, 50_000, p=zipf / zipf.sum())])
    table = CodeTable.from_lengths(limited_lengths(np.bincount(ids, minlength=k), MAX_CODE_LENGTH))
    assert table.id_dtype == np.uint32
    round_trip(ids.astype(np.uint32), table, reference=False)
    small = ids[:3000].astype(np.uint32)
    enc = encode(small, table, 100)
    np.testing.assert_array_equal(decode_reference(enc.payload, table, small.size), small)


@pytest.mark.parametrize("segment", [1, 2, 3, 8, 64])
@pytest.mark.parametrize("alphabet", [5, 256, 600])
def test_counts_around_segment_boundaries(segment: int, alphabet: int) -> None:
    rng = np.random.default_rng(segment * 1000 + alphabet)
    table = skewed_table(rng, alphabet)
    for count in sorted({1, segment - 1, segment, segment + 1, 3 * segment, 3 * segment + 1}):
        if count >= 1:
            round_trip(sample(rng, table, count, np.uint32), table, segment)


@pytest.mark.parametrize("count", [DEFAULT_SEGMENT - 1, DEFAULT_SEGMENT, 3 * DEFAULT_SEGMENT + 1])
def test_default_segment_boundaries(count: int) -> None:
    rng = np.random.default_rng(count)
    table = skewed_table(rng, 64, power=8)
    round_trip(sample(rng, table, count, np.uint8), table, reference=False)


@pytest.mark.parametrize("alphabet", [100, 400])
def test_small_chunks_batches_and_groups(monkeypatch: pytest.MonkeyPatch, alphabet: int) -> None:
    # Small limits force the encoder through many chunks of pairs and the
    # automaton through several batches and groups.
    monkeypatch.setattr(codec, "_ENCODE_PAIRS", 7)
    monkeypatch.setattr(codec, "_BATCH_ENTRIES", 50)
    monkeypatch.setattr(codec, "_GROUP_ENTRIES", 30)
    rng = np.random.default_rng(21)
    table = skewed_table(rng, alphabet)
    for count in (1, 14, 15, 5001):
        round_trip(sample(rng, table, count, np.uint32), table, segment=37, reference=False)


@pytest.mark.parametrize("pair_table", [True, False], ids=["pair table", "per symbol"])
@pytest.mark.parametrize("longest", [4, 16, 17, 32])
@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6, 7, 8, 9, 4095, 4096, 4097, 4098, 4099])
def test_encode_every_remainder(
    monkeypatch: pytest.MonkeyPatch, longest: int, count: int, pair_table: bool
) -> None:
    # The encoder places pairs of codewords, looked up in a pair table (long
    # inputs) or merged from each symbol's codeword (short ones); odd counts,
    # short and long codes and every segment size must come out exactly as
    # the codewords written one by one, and so must the segment starts.
    monkeypatch.setattr(codec, "_PAIR_TABLE_MIN", 0 if pair_table else 1 << 62)
    rng = np.random.default_rng(longest * 100 + count)
    lengths = [*range(1, longest), longest, longest]
    table = CodeTable.from_lengths(lengths)
    assert table.max_length == longest
    ids = rng.integers(0, len(lengths), size=count).astype(np.uint8)
    for segment in (1, 2, 3, 4, 8, 4096):
        enc = encode(ids, table, segment)
        assert enc.payload == packed(bit_string(ids, table))
        assert enc.starts.tolist() == expected_starts(ids, table, segment)
    round_trip(ids, table, segment=4)


def test_automaton_tables_agree_with_the_code_tree() -> None:
    # The tables are built from a nibble table; check every entry of every
    # state against walking the code tree bit by bit.
    rng = np.random.default_rng(8)
    for n in (2, 3, 9, 40, 256):
        table = skewed_table(rng, n)
        auto = table._automaton
        child = table._tree
        m = child.size // 2
        for entry in range(auto.next.size):
            state, column = divmod(entry, 257)
            node, skip = (state, 0) if state < m else (0, state - m + 1)
            emitted, ends = [], []
            if column < 256:
                for i in range(skip, 8):
                    node = int(child[2 * node + ((column >> (7 - i)) & 1)])
                    if node < 0:
                        emitted.append(~node)
                        ends.append(i + 1)
                        node = 0
            else:
                node = state
            assert auto.next[entry] == node * 257
            assert auto.counts[entry] == len(emitted)
            slots = [(int(auto.packed[entry]) >> (8 * j)) & 255 for j in range(len(emitted))]
            assert [v ^ auto.key for v in slots] == emitted
            assert [(int(auto.ends[entry]) >> (4 * j)) & 15 for j in range(len(ends))] == ends


@pytest.mark.parametrize("threads", [True, False])
def test_large_batches_with_and_without_the_helper_thread(
    monkeypatch: pytest.MonkeyPatch, threads: bool
) -> None:
    # Small thresholds put a modest input through the two-thread path (or,
    # without the helper, the single-thread one), with several blocks of
    # steps and groups of lanes; both must give the same ids and errors.
    monkeypatch.setattr(codec, "_THREAD_ENTRIES", 1 if threads else 1 << 62)
    monkeypatch.setattr(codec, "_BLOCK_CELLS", 256)
    monkeypatch.setattr(codec, "_GROUP_ENTRIES", 500)
    rng = np.random.default_rng(31)
    for alphabet in (5, 256):
        table = skewed_table(rng, alphabet)
        ids = sample(rng, table, 20_000, np.uint8)
        enc = round_trip(ids, table, segment=64, reference=False)
        # Corrupt lanes are reported as the first one that fails, whichever
        # thread met it: the same message on both paths.
        bad = bytearray(enc.payload)
        middle = len(bad) * 3 // 4
        bad[middle : middle + 64] = b"\xff" * 64
        with pytest.raises(FormatError) as caught:
            decode(bytes(bad), table, ids.size, enc.starts, 64, nbits=enc.nbits)
        monkeypatch.setattr(codec, "_THREAD_ENTRIES", 1 << 62)
        with pytest.raises(FormatError) as alone:
            decode(bytes(bad), table, ids.size, enc.starts, 64, nbits=enc.nbits)
        monkeypatch.setattr(codec, "_THREAD_ENTRIES", 1 if threads else 1 << 62)
        assert str(caught.value) == str(alone.value)
        assert str(caught.value).startswith("segment ")


def test_a_forked_child_decodes_with_its_own_helper_thread() -> None:
    # The parent's helper thread does not exist in a forked child; the child
    # must start its own rather than wait for it forever.
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: the decoder uses no helper thread")
    rng = np.random.default_rng(12)
    table = skewed_table(rng, 40)
    ids = sample(rng, table, 700_000, np.uint8)
    enc = encode(ids, table)
    np.testing.assert_array_equal(decode(enc.payload, table, ids.size, enc.starts), ids)
    assert codec._pool  # the parent's helper thread exists now
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        result = pool.apply_async(decode, (enc.payload, table, ids.size, enc.starts))
        np.testing.assert_array_equal(result.get(timeout=60), ids)


def test_concurrent_decodes_share_the_helper_safely() -> None:
    # Several threads decoding at once: each borrows its own workspace and
    # all queue work on the one helper thread; every result must be exact.
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(14)
    jobs = []
    for alphabet in (3, 60, 256, 60):
        table = skewed_table(rng, alphabet)
        ids = sample(rng, table, 400_000, np.uint8)
        jobs.append((ids, table, encode(ids, table)))
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(decode, e.payload, t, ids.size, e.starts, nbits=e.nbits)
                   for ids, t, e in jobs]
        for (ids, _, _), future in zip(jobs, futures, strict=True):
            np.testing.assert_array_equal(future.result(timeout=120), ids)


def test_workspace_is_reused_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # The decoder keeps its scratch buffers for the next decode, drops
    # those above the limit, and concurrent decodes get their own.
    rng = np.random.default_rng(4)
    table = skewed_table(rng, 30)
    ids = sample(rng, table, 50_000, np.uint8)
    enc = encode(ids, table)
    decode(enc.payload, table, ids.size, enc.starts, nbits=enc.nbits)
    kept = codec._idle[0]
    packed_buffer = kept._buffers["packed"]
    np.testing.assert_array_equal(
        decode(enc.payload, table, ids.size, enc.starts, nbits=enc.nbits), ids
    )
    assert codec._idle == [kept] and kept._buffers["packed"] is packed_buffer
    with codec._workspace() as first, codec._workspace() as second:
        assert first is kept and second is not kept and codec._idle == []
    assert len(codec._idle) == 1  # one is kept, the other dropped
    monkeypatch.setattr(codec, "_WORKSPACE_KEEP", 1000)
    decode(enc.payload, table, ids.size, enc.starts, nbits=enc.nbits)
    assert all(b.size <= 1000 for b in codec._idle[0]._buffers.values())


def test_automaton_without_and_with_an_unused_id() -> None:
    # All 256 ids coded: no id is free to mark empty slots, a mask is used.
    full = CodeTable.from_lengths([8] * 256)
    assert full._automaton.mask is not None
    # Id 0 has no codeword: it marks empty slots and ids are stored as they are.
    free = CodeTable.from_lengths([0, 7] + [8] * 254)
    assert free._automaton.mask is None and free._automaton.key == 0
    rng = np.random.default_rng(2)
    round_trip(sample(rng, free, 2000, np.uint8), free, segment=9)


def test_a_one_bit_codeword_fills_eight_slots() -> None:
    # Length 1 for the common symbol: one byte can complete 8 codewords.
    lengths = [1] + [i for i in range(2, 12)] + [11]
    table = CodeTable.from_lengths(lengths)
    assert table._automaton.slots == 8
    rng = np.random.default_rng(6)
    round_trip(sample(rng, table, 4000, np.uint8), table, segment=50)


def test_payload_types() -> None:
    rng = np.random.default_rng(13)
    table = skewed_table(rng, 10)
    ids = sample(rng, table, 500, np.uint8)
    enc = encode(ids, table, 32)
    for payload in (
        enc.payload,
        bytearray(enc.payload),
        memoryview(enc.payload),
        np.frombuffer(enc.payload, dtype=np.uint8),
    ):
        np.testing.assert_array_equal(decode(payload, table, ids.size, enc.starts, 32), ids)
        np.testing.assert_array_equal(decode_reference(payload, table, ids.size), ids)


# ---------------------------------------------------------------------------
# The reference decoder's trace
# ---------------------------------------------------------------------------
def test_trace_records_each_symbol() -> None:
    table = CodeTable.from_lengths([1, 2, 2])
    steps: list[TraceStep] = []
    out = decode_reference(b"X", table, 4, trace=steps)
    assert out.tolist() == [0, 1, 2, 0]
    assert steps == [
        TraceStep(0, 0, "0", 0),
        TraceStep(1, 1, "10", 1),
        TraceStep(2, 3, "11", 2),
        TraceStep(3, 5, "0", 0),
    ]


def test_trace_covers_the_payload_exactly() -> None:
    rng = np.random.default_rng(14)
    table = skewed_table(rng, 50)
    ids = sample(rng, table, 400, np.uint16)
    enc = encode(ids, table)
    steps: list[TraceStep] = []
    decode_reference(enc.payload, table, ids.size, trace=steps)
    assert [s.symbol_id for s in steps] == ids.tolist()
    assert [s.bits for s in steps] == [table.codeword(i) for i in ids.tolist()]
    assert [s.start for s in steps] == np.cumsum([0, *[len(s.bits) for s in steps]])[:-1].tolist()
    assert sum(len(s.bits) for s in steps) == enc.nbits


# ---------------------------------------------------------------------------
# Errors: bad ids and bad lengths
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", [10, 300])
@pytest.mark.parametrize("where", [0, 5, 6])
def test_unknown_id_is_a_model_error(size: int, where: int) -> None:
    lengths = [0] * size
    lengths[:4] = [1, 2, 3, 3]
    table = CodeTable.from_lengths(lengths)
    ids = np.array([0, 1, 2, 3, 0, 1, 2], dtype=np.int64)
    ids[where] = 7
    with pytest.raises(MissingCodewordError, match=r"^symbol id 7 has no codeword$") as info:
        encode(ids, table)
    assert info.value.symbol_id == 7
    assert isinstance(info.value, ModelError)
    with pytest.raises(ModelError, match="symbol id 7"):
        payload_bits(ids, table.lengths)


@pytest.mark.parametrize("bad", [-1, 10, 255, 1000])
def test_out_of_range_id(bad: int) -> None:
    table = CodeTable.from_lengths([1, 2, 3, 4, 5, 6, 7, 8, 9, 9])
    ids = np.array([1, 2, bad, 3], dtype=np.int64)
    with pytest.raises(MissingCodewordError) as info:
        encode(ids, table)
    assert info.value.symbol_id == bad
    with pytest.raises(MissingCodewordError):
        payload_bits(ids, table.lengths)


def test_uint8_id_beyond_a_small_table() -> None:
    table = CodeTable.from_lengths([1, 1])
    with pytest.raises(MissingCodewordError, match="symbol id 200"):
        encode(np.array([0, 1, 200], dtype=np.uint8), table)
    with pytest.raises(MissingCodewordError, match="symbol id 9"):
        encode(np.array([0, 9, 1, 1], dtype=np.uint8), table)


@pytest.mark.parametrize(
    ("lengths", "message"),
    [
        ([1, 1, 1], "over-full: Kraft sum 1.5 > 1"),
        ([1, 2], "under-full: Kraft sum 0.75 < 1"),
        ([2], "under-full: Kraft sum 0.25 < 1"),
        ([0, 0, 0], "no symbol id has a codeword: 3 code lengths, all 0"),
        ([], "no symbol id has a codeword: 0 code lengths, all 0"),
        ([1, -1], "code length -1 is negative"),
        ([*range(1, 34), 33], "code length 33 exceeds MAX_CODE_LENGTH = 32"),
    ],
)
def test_bad_lengths_are_codebook_errors(lengths: list[int], message: str) -> None:
    with pytest.raises(CodebookError, match=message.replace(".", r"\.")):
        CodeTable.from_lengths(lengths)


def test_bad_arguments() -> None:
    table = CodeTable.from_lengths([1, 1])
    with pytest.raises(TypeError, match="integer array"):
        encode(np.array([0.0, 1.0]), table)
    with pytest.raises(TypeError, match="one-dimensional"):
        encode(np.zeros((2, 2), dtype=np.uint8), table)
    with pytest.raises(EntrocodeError, match="segment must be at least 1 symbol, got 0"):
        encode(np.array([0, 1]), table, segment=0)
    with pytest.raises(TypeError, match="segment must be a whole number"):
        encode(np.array([0, 1]), table, segment=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="payload must be"):
        decode("01", table, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="segment starts"):
        decode(b"\x40", table, 2, np.array([0.0]))
    with pytest.raises(FormatError, match="count must be >= 0"):
        decode(b"", table, -1)


# ---------------------------------------------------------------------------
# Errors: corrupt payloads and offsets
# ---------------------------------------------------------------------------
@pytest.fixture(params=[("bytes", 40), ("all bytes", 256), ("words", 700)], ids=lambda p: p[0])
def stream(request: pytest.FixtureRequest) -> tuple[CodeTable, np.ndarray, Encoded, int]:
    rng = np.random.default_rng(request.param[1])
    table = skewed_table(rng, request.param[1])
    segment = 50
    ids = sample(rng, table, 1234, np.uint32)
    return table, ids, encode(ids, table, segment), segment


def decoders(table: CodeTable, enc: Encoded, segment: int, count: int, payload: bytes) -> list:
    return [
        lambda: decode(payload, table, count, enc.starts, segment, nbits=enc.nbits),
        lambda: decode(payload, table, count, enc.starts, segment),
        lambda: decode(payload, table, count),
        lambda: decode_reference(payload, table, count),
    ]


def test_truncated_payload(stream: tuple[CodeTable, np.ndarray, Encoded, int]) -> None:
    table, ids, enc, segment = stream
    for cut in (1, 2, len(enc.payload) // 2):
        short = enc.payload[:-cut]
        for run in decoders(table, enc, segment, ids.size, short)[1:]:
            with pytest.raises(FormatError):
                run()
        with pytest.raises(FormatError, match="takes"):
            decode(short, table, ids.size, enc.starts, segment, nbits=enc.nbits)


def test_extra_byte_and_dirty_padding(stream: tuple[CodeTable, np.ndarray, Encoded, int]) -> None:
    table, ids, enc, segment = stream
    for run in decoders(table, enc, segment, ids.size, enc.payload + b"\x00")[1:]:
        with pytest.raises(FormatError):
            run()
    if enc.nbits % 8:
        dirty = enc.payload[:-1] + bytes([enc.payload[-1] | 1])
        for run in decoders(table, enc, segment, ids.size, dirty):
            with pytest.raises(FormatError, match="padding"):
                run()


def test_wrong_count(stream: tuple[CodeTable, np.ndarray, Encoded, int]) -> None:
    table, ids, enc, segment = stream
    n = ids.size
    longer = encode(np.append(ids, ids[:1]), table, segment).starts
    # With nbits a wrong count is always caught; without, the zero padding
    # may itself read as one more all-zero codeword.
    with pytest.raises(FormatError):
        decode(enc.payload, table, n + 1, longer, segment, nbits=enc.nbits)
    with pytest.raises(FormatError):
        decode(enc.payload, table, n - 1, enc.starts, segment, nbits=enc.nbits)
    with pytest.raises(FormatError):
        decode(enc.payload, table, n + 1, nbits=enc.nbits)
    with pytest.raises(FormatError):
        decode(enc.payload, table, n + 9)
    with pytest.raises(FormatError, match="holds at most"):
        decode(enc.payload, table, 8 * len(enc.payload) + 1)


def test_wrong_starts(stream: tuple[CodeTable, np.ndarray, Encoded, int]) -> None:
    table, ids, enc, segment = stream
    n = ids.size
    starts = enc.starts

    def run(bad: np.ndarray, seg: int = segment) -> None:
        decode(enc.payload, table, n, bad, seg, nbits=enc.nbits)

    with pytest.raises(FormatError, match="need 25 start offsets, got 24"):
        run(starts[:-1])
    with pytest.raises(FormatError, match="need 50 start offsets"):
        run(starts, 25)
    with pytest.raises(FormatError, match="first segment must start at bit 0"):
        run(starts + 1)
    swapped = starts.copy()
    swapped[[3, 4]] = swapped[[4, 3]]
    with pytest.raises(FormatError, match=r"segment 4 starts at bit .*must increase"):
        run(swapped)
    with pytest.raises(FormatError, match="beyond the"):
        run(np.append(starts[:-1], enc.nbits))
    for k in (1, 7, starts.size - 1):
        for delta in (-1, 1, 8):
            bad = starts.copy()
            bad[k] += delta
            if k + 1 < bad.size and bad[k] >= bad[k + 1]:
                continue
            with pytest.raises(FormatError, match=f"segment {k - 1}|segment {k}"):
                run(bad)
            with pytest.raises(FormatError):
                decode(enc.payload, table, n, bad, segment)


def test_corruption_never_escapes(stream: tuple[CodeTable, np.ndarray, Encoded, int]) -> None:
    # Flipped bits, random bytes and random offsets: the decoders return the
    # right number of ids of the right dtype, or raise FormatError.
    table, ids, enc, segment = stream
    rng = np.random.default_rng(99)
    payload = np.frombuffer(enc.payload, dtype=np.uint8)
    for trial in range(40):
        bad = payload.copy()
        if trial % 3 == 0:
            bad = rng.integers(0, 256, payload.size).astype(np.uint8)
        else:
            spots = rng.integers(0, 8 * payload.size, 1 + trial % 4)
            np.bitwise_xor.at(bad, spots // 8, (128 >> (spots % 8)).astype(np.uint8))
        starts = enc.starts
        if trial % 5 == 4:
            starts = np.sort(rng.choice(8 * payload.size, starts.size, replace=False))
            starts[0] = 0
        for kwargs in (
            {"starts": starts, "segment": segment, "nbits": enc.nbits},
            {"starts": starts, "segment": segment},
            {},
        ):
            try:
                out = decode(bad, table, ids.size, **kwargs)
            except FormatError:
                continue
            assert out.shape == ids.shape
            assert out.dtype == table.id_dtype


def test_nbits_must_match_the_payload() -> None:
    table = CodeTable.from_lengths([1, 2, 2])
    with pytest.raises(FormatError, match="a payload of 9 bits takes 2 bytes, but it has 1"):
        decode(b"X", table, 4, nbits=9)
    with pytest.raises(FormatError, match="end at bit 6, not at nbits = 7"):
        decode(b"X", table, 4, nbits=7)
