"""Tests of codec.decode_blocks: several blocks, each with its own code, in one lockstep pass.

The joint decoder must be indistinguishable from decoding the blocks one by
one with codec.decode: the same ids (checked against decode_reference too),
and the same FormatError for the first corrupt block of a batch.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import entrocode
import entrocode.codec as codec
import entrocode.container as container
from entrocode.codebook import limited_lengths
from entrocode.codec import CodeTable, decode, decode_blocks, decode_reference, encode
from entrocode.errors import FormatError


def random_table(rng: np.random.Generator, wide: bool = False) -> CodeTable:
    """A code skewed by a random power, some ids without codewords.

    Over up to 256 ids (the byte automaton's), or with `wide` over 257 to
    3000 (the lookup decoder's, with or without codewords over 12 bits).
    """
    size = int(rng.integers(257, 3001) if wide else rng.integers(2, 257))
    weights = rng.random(size) ** float(rng.uniform(0.5, 8 if wide else 6)) + (
        1e-12 if wide else 1e-9)
    if rng.random() < (0.3 if wide else 0.4):
        weights[rng.random(size) < 0.3] = 0
    if np.count_nonzero(weights) < 2:
        weights[:2] = 1.0
    if wide:
        cap = 12 if rng.random() < 0.25 else int(rng.integers(13, 25))
    else:
        cap = int(rng.integers(8, 25))
    lengths = np.zeros(size, dtype=np.int64)
    used = weights > 0
    lengths[used] = limited_lengths(weights[used], cap)
    return CodeTable.from_lengths(lengths)


def random_block(
    rng: np.random.Generator, table: CodeTable | None = None
) -> tuple[tuple, np.ndarray]:
    """A block (the arguments of decode) and the ids it encodes."""
    table = table or random_table(rng)
    n = int(rng.integers(0, 3000))
    segment = int(rng.choice([1, 5, 16, 64, 257, 4096]))
    p = 1.0 / np.arange(1, table.order.size + 1)
    ids = rng.choice(table.order, size=n, p=p / p.sum()).astype(np.uint8)
    enc = encode(ids, table, segment)
    return (enc.payload, table, n, enc.starts, segment, enc.nbits), ids


def full_table() -> CodeTable:
    """All 256 ids with a codeword: the automaton has no free key and uses a mask."""
    return CodeTable.from_lengths(np.full(256, 8))


@pytest.mark.parametrize("seed", range(25))
def test_agrees_with_decode_and_the_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shared = random_table(rng)
    blocks, expected = [], []
    for _ in range(int(rng.integers(1, 7))):
        table = shared if rng.random() < 0.3 else (full_table() if rng.random() < 0.1 else None)
        block, ids = random_block(rng, table)
        blocks.append(block)
        expected.append(ids)
    assert_agrees_with_decode(list(zip(blocks, expected, strict=True)), reference_up_to=600)


def assert_agrees_with_decode(pairs: list, reference_up_to: int) -> None:
    """decode_blocks gives, for each (block, ids), decode's array (dtype too) and the ids;
    the reference decoder agrees on blocks of up to `reference_up_to` symbols."""
    got = decode_blocks([block for block, _ in pairs])
    assert len(got) == len(pairs)
    for (block, ids), out in zip(pairs, got, strict=True):
        one = decode(*block)
        assert out.dtype == one.dtype
        np.testing.assert_array_equal(out, one)
        np.testing.assert_array_equal(out, ids)
        if ids.size <= reference_up_to:
            np.testing.assert_array_equal(out, decode_reference(block[0], block[1], block[2]))


def test_mixes_lockstep_and_other_blocks() -> None:
    """Blocks the automaton cannot take (large alphabets, one symbol, no starts) fall back."""
    rng = np.random.default_rng(7)
    big = CodeTable.from_lengths(limited_lengths(rng.random(1000) + 0.01, 24))
    ids_big = rng.integers(0, 1000, 5000).astype(np.uint32)
    enc_big = encode(ids_big, big, 256)
    single = CodeTable.from_lengths([0, 0, 1])
    enc_single = encode(np.full(40, 2), single, 16)
    lock, ids_lock = random_block(rng)
    seq, ids_seq = random_block(rng)
    blocks = [
        (enc_big.payload, big, 5000, enc_big.starts, 256, enc_big.nbits),
        lock,
        (enc_single.payload, single, 40, enc_single.starts, 16, enc_single.nbits),
        (seq[0], seq[1], seq[2], None, seq[4], seq[5]),
        (b"", lock[1], 0, np.zeros(0, dtype=np.int64), 16, 0),
    ]
    got = decode_blocks(blocks)
    np.testing.assert_array_equal(got[0], ids_big)
    np.testing.assert_array_equal(got[1], ids_lock)
    np.testing.assert_array_equal(got[2], np.full(40, 2))
    np.testing.assert_array_equal(got[3], ids_seq)
    assert got[4].size == 0
    assert decode_blocks([]) == []


def test_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lanes of several blocks split across lockstep batches and emission groups."""
    monkeypatch.setattr(codec, "_BATCH_ENTRIES", 64)
    monkeypatch.setattr(codec, "_GROUP_ENTRIES", 40)
    rng = np.random.default_rng(11)
    pairs = [random_block(rng) for _ in range(5)]
    got = decode_blocks([b for b, _ in pairs])
    for (_, ids), out in zip(pairs, got, strict=True):
        np.testing.assert_array_equal(out, ids)


def error_of(call) -> str | None:
    try:
        call()
    except FormatError as exc:
        return str(exc)
    return None


def spy(monkeypatch: pytest.MonkeyPatch, name: str, record) -> list:
    """Replace codec.<name> (a function of one argument) by one that also records record(arg)."""
    calls = []
    real = getattr(codec, name)

    def wrapper(arg):
        calls.append(record(arg))
        return real(arg)

    monkeypatch.setattr(codec, name, wrapper)
    return calls


def blocks_to_corrupt(rng: np.random.Generator, make) -> list:
    """Four blocks from make(rng), each of more than 50 symbols."""
    blocks = []
    while len(blocks) < 4:
        block, ids = make(rng)
        if ids.size > 50:
            blocks.append(block)
    return blocks


def assert_decodes_as_one_by_one(blocks: list) -> None:
    """decode_blocks raises the first error decode raises, or gives decode's ids."""
    expected = None
    for block in blocks:
        expected = error_of(lambda b=block: decode(*b))
        if expected is not None:
            break
    if expected is None:
        # The corruption left valid blocks (the same ids or other ids that
        # fit exactly): the joint decode must agree with decode.
        for block, out in zip(blocks, decode_blocks(blocks), strict=True):
            np.testing.assert_array_equal(out, decode(*block))
    else:
        assert error_of(lambda: decode_blocks(blocks)) == expected


@pytest.mark.parametrize("seed", range(40))
def test_corrupt_block_in_a_batch_raises_its_own_error(seed: int) -> None:
    """A corrupt block raises what decode raises for it; never wrong data."""
    rng = np.random.default_rng(100 + seed)
    blocks = blocks_to_corrupt(rng, random_block)
    victim = int(rng.integers(0, len(blocks)))
    payload, table, n, starts, segment, nbits = blocks[victim]
    kind = int(rng.integers(0, 4))
    if kind == 0:  # flip a bit
        buf = bytearray(payload)
        bit = int(rng.integers(0, nbits))
        buf[bit // 8] ^= 0x80 >> (bit % 8)
        payload = bytes(buf)
    elif kind == 1:  # a wrong count, segments adjusted
        n += 1
        starts = starts if -(-n // segment) == starts.size else np.append(starts, nbits - 1)
    elif kind == 2 and starts.size > 1:  # a wrong segment start
        starts = starts.copy()
        k = int(rng.integers(1, starts.size))
        starts[k] += 1 if starts[k] + 1 < nbits and (k + 1 == starts.size or
                                                     starts[k] + 1 < starts[k + 1]) else 0
    else:  # a wrong nbits, still within the last byte
        nbits = nbits - 1 if nbits % 8 != 1 else nbits + 1
        if (nbits + 7) // 8 != len(payload):
            nbits = nbits + 2
    blocks[victim] = (payload, table, n, starts, segment, nbits)
    assert_decodes_as_one_by_one(blocks)


def test_container_batches_blocks_with_their_own_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Multi-segment blocks with different tables round-trip through one joint decode."""
    monkeypatch.setattr(container, "_LOCKSTEP_MIN_SYMBOLS", 1 << 10)
    calls = spy(monkeypatch, "decode_blocks", len)
    rng = np.random.default_rng(5)
    parts = [rng.choice(np.arange(a, a + 40), 30000).astype(np.uint8) for a in (0, 60, 120, 180)]
    data = np.concatenate(parts).tobytes()
    blob = entrocode.compress(data, block_size=30000)
    assert entrocode.decompress(blob) == data
    assert calls and max(calls) >= 2


def test_container_corrupt_block_in_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Damage in one block of a batch: FormatError, and only the blocks before it are written."""
    monkeypatch.setattr(container, "_LOCKSTEP_MIN_SYMBOLS", 1 << 10)
    rng = np.random.default_rng(6)
    data = rng.choice(np.arange(50), 120000).astype(np.uint8).tobytes()
    blob = bytearray(entrocode.compress(data, block_size=30000))
    blob[len(blob) * 3 // 4] ^= 0x10
    out = io.BytesIO()
    with pytest.raises(FormatError):
        entrocode.decompress_stream(io.BytesIO(bytes(blob)), out)
    written = out.getvalue()
    assert data.startswith(written) and len(written) < len(data)


# ---------------------------------------------------------------------------
# Large alphabets: the lookup decoder, several blocks in one lockstep pass
# ---------------------------------------------------------------------------
def random_wide_block(
    rng: np.random.Generator, table: CodeTable | None = None
) -> tuple[tuple, np.ndarray]:
    table = table or random_table(rng, wide=True)
    n = int(rng.integers(1, 6000))
    segment = int(rng.choice([1, 7, 64, 500, 4096]))
    p = 2.0 ** -table.lengths[table.order].astype(float)  # long codewords occur too
    ids = rng.choice(table.order, size=n, p=p / p.sum()).astype(np.uint32)
    enc = encode(ids, table, segment)
    return (enc.payload, table, n, enc.starts, segment, enc.nbits), ids


@pytest.mark.parametrize("seed", range(20))
def test_wide_blocks_decode_together_as_one_by_one(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    shared = random_table(rng, wide=True)
    pairs = []
    for _ in range(int(rng.integers(2, 7))):
        kind = rng.random()
        if kind < 0.2:
            pairs.append(random_block(rng))  # a byte-automaton block among them
        else:
            pairs.append(random_wide_block(rng, shared if kind < 0.45 else None))
    assert_agrees_with_decode(pairs, reference_up_to=300)


def test_wide_blocks_in_groups_of_bounded_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "_LOOKUP_JOINT_BYTES", 3000)
    rng = np.random.default_rng(77)
    pairs = [random_wide_block(rng) for _ in range(6)]
    for (_, ids), out in zip(pairs, decode_blocks([b for b, _ in pairs]), strict=True):
        np.testing.assert_array_equal(out, ids)


@pytest.mark.parametrize("seed", range(30))
def test_corrupt_wide_block_in_a_batch_raises_its_own_error(seed: int) -> None:
    rng = np.random.default_rng(2000 + seed)
    blocks = blocks_to_corrupt(rng, random_wide_block)
    victim = int(rng.integers(0, len(blocks)))
    payload, table, n, starts, segment, nbits = blocks[victim]
    buf = bytearray(payload)
    for _ in range(int(rng.integers(1, 4))):  # flip bits
        bit = int(rng.integers(0, nbits))
        buf[bit // 8] ^= 0x80 >> (bit % 8)
    if rng.random() < 0.3 and starts.size > 1:  # and move a segment start
        starts = starts.copy()
        starts[-1] = min(nbits - 1, starts[-1] + 1)
    blocks[victim] = (bytes(buf), table, n, starts, segment, nbits)
    assert_decodes_as_one_by_one(blocks)


def test_container_words_blocks_decode_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """Words-mode blocks with tables of their own round-trip through one joint decode."""
    monkeypatch.setattr(container, "_LOCKSTEP_MIN_SYMBOLS", 1 << 10)
    groups = spy(monkeypatch, "_decode_wide", len)
    rng = np.random.default_rng(9)
    vocab = [f"w{i}" for i in range(3000)]
    text = " ".join(rng.choice(vocab, 40000, p=None).tolist()).encode()
    blob = entrocode.compress(text, symbols="words", block_size=60000)
    assert entrocode.decompress(blob) == text
    assert groups and max(groups) >= 2


def test_wide_blocks_of_other_segment_sizes_decode_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # A block whose segments are far longer than the others' would make the
    # joint (lanes x steps) output far larger than its symbols: it is
    # decoded in a group of its own.
    groups = spy(monkeypatch, "_decode_wide", lambda group: [item[3] for item in group])
    rng = np.random.default_rng(31)
    table = random_table(rng, wide=True)
    pairs = []
    for segment in (64, 64, 1 << 20, 64):
        ids = rng.choice(table.order, size=3000).astype(np.uint32)
        enc = encode(ids, table, segment)
        pairs.append(((enc.payload, table, ids.size, enc.starts, segment, enc.nbits), ids))
    for (_, ids), out in zip(pairs, decode_blocks([b for b, _ in pairs]), strict=True):
        np.testing.assert_array_equal(out, ids)
    assert groups == [[64, 64], [1 << 20], [64]]
