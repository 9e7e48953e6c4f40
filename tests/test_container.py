"""Tests of the ``.ec`` container: round trips, exact bit counts, the documented
layout (parsed here independently of the implementation, by docs/FORMAT.md),
models, damaged input and files."""

from __future__ import annotations

import contextlib
import io
import math
import os
import random
import re
import stat
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from entrocode import codec, container
from entrocode.codebook import huffman_lengths
from entrocode.container import (
    CompressStats,
    analyze_stream,
    compress,
    compress_file,
    compress_stream,
    decompress,
    decompress_file,
    decompress_stream,
    stats,
)
from entrocode.distribution import Distribution, parse_spec
from entrocode.errors import CodebookError, FormatError, ModelError, SymbolError
from entrocode.symbols import MODES, split_symbols

TEXT_MODES = ("chars", "words", "lines")
SMALL = 64  # a small block size: many blocks from little data


def round_trip(data: bytes, mode: str, **kwargs: object) -> bytes:
    blob = compress(data, symbols=mode, **kwargs)
    assert decompress(blob) == data
    return blob


def english(n_words: int, seed: int) -> bytes:
    rng = random.Random(seed)
    vocab = ["the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "naïve",
             "café", "über", "Ω", "line\n", "end.\n", "  ", "x"]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    return " ".join(rng.choices(vocab, weights, k=n_words)).encode()


# ---------------------------------------------------------------------------
# An independent reader of the documented layout (docs/FORMAT.md)
# ---------------------------------------------------------------------------
CL_ORDER = [34, 35, 36, 33, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15, *range(16, 33)]


class Parser:
    """Reads an .ec file by the words of FORMAT.md, and decodes it bit by bit."""

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self.pos = 0
        self.bitpos = 0  # bits consumed of the current bit string

    def byte(self) -> int:
        self.pos += 1
        return self.blob[self.pos - 1]

    def take(self, n: int) -> bytes:
        self.pos += n
        return self.blob[self.pos - n : self.pos]

    def varint(self) -> int:
        value = shift = 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value

    # bit strings start at self.pos and end on a byte boundary
    def bit(self) -> int:
        byte = self.blob[self.pos + self.bitpos // 8]
        value = (byte >> (7 - self.bitpos % 8)) & 1
        self.bitpos += 1
        return value

    def bits(self, n: int) -> int:
        v = 0
        for _ in range(n):
            v = (v << 1) | self.bit()
        return v

    def end_bits(self) -> None:
        used = (self.bitpos + 7) // 8
        if self.bitpos % 8:
            last = self.blob[self.pos + used - 1]
            assert last & ((1 << (8 - self.bitpos % 8)) - 1) == 0, "padding must be zero"
        self.pos += used
        self.bitpos = 0

    def canonical(self, lengths: list[int]) -> dict[tuple[int, int], int]:
        """{(length, codeword): symbol index} of the canonical code."""
        order = sorted((n, i) for i, n in enumerate(lengths) if n)
        table, code, prev = {}, 0, order[0][0]
        for k, (n, i) in enumerate(order):
            if k:
                code = (code + 1) << (n - prev)
                prev = n
            table[(n, code)] = i
        return table

    def symbol(self, table: dict[tuple[int, int], int]) -> int:
        code = length = 0
        while (length, code) not in table:
            code = (code << 1) | self.bit()
            length += 1
            assert length <= 32
        return table[(length, code)]

    def lengths(self, n: int) -> list[int]:
        hclen = self.bits(6) + 1
        cl = [0] * 37
        for k in range(hclen):
            cl[CL_ORDER[k]] = self.bits(3)
        table = self.canonical(cl)
        out: list[int] = []
        while len(out) < n:
            s = self.symbol(table)
            if s <= 32:
                out.append(s)
            elif s == 33:
                out += [out[-1]] * (3 + self.bits(2))
            elif s == 34:
                out += [0] * (3 + self.bits(3))
            elif s == 35:
                out += [0] * (11 + self.bits(7))
            else:
                out += [0] * (139 + self.bits(16))
        assert len(out) == n
        self.end_bits()
        return out

    def table(self, mode: int) -> tuple[list[bytes], list[int]]:
        if mode == 0:
            lengths = self.lengths(256)
            return [bytes([b]) for b in range(256)], lengths
        if mode == 1:
            full = self.lengths(self.varint())
            points = [p for p, n in enumerate(full) if n]
            return [chr(p).encode() for p in points], [full[p] for p in points]
        n = self.varint()
        alphabet, prev = [], b""
        for _ in range(n):
            shared = self.varint()
            rest = self.varint()
            prev = prev[:shared] + self.take(rest)
            alphabet.append(prev)
        return alphabet, self.lengths(n)

    def parse(self) -> dict:
        assert self.take(3) == b"\x89EC"
        info: dict = {"version": self.byte(), "mode": self.byte(), "blocks": []}
        text = info["mode"] != 0
        out = b""
        alphabet: list[bytes] = []
        lengths: list[int] = []
        while True:
            kind = self.byte()
            if kind == 0:
                break
            size = self.varint()
            count = self.varint() if text else size
            block = {"kind": kind, "size": size, "count": count}
            info["blocks"].append(block)
            if kind == 1:
                out += self.take(size)
                continue
            nbits = self.varint()
            if kind == 2:
                alphabet, lengths = self.table(info["mode"])
            segment = 1 << self.byte()
            k = -(-count // segment)
            starts = [0]
            if k > 1:
                base, width = self.varint(), self.byte()
                for _ in range(k - 1):
                    starts.append(starts[-1] + base + self.bits(width))
                self.end_bits()
            code = self.canonical(lengths)
            symbols = []
            for i in range(count):
                if i % segment == 0:
                    assert self.bitpos == starts[i // segment]
                symbols.append(self.symbol(code))
            assert self.bitpos == nbits
            self.end_bits()
            block.update(nbits=nbits, segment=segment, lengths=lengths)
            chunk = b"".join(alphabet[s] for s in symbols)
            assert len(chunk) == size
            out += chunk
        info["total_bytes"] = self.varint()
        info["total_symbols"] = self.varint() if text else info["total_bytes"]
        info["crc32"] = int.from_bytes(self.take(4), "little")
        assert self.pos == len(self.blob), "nothing may follow the end record"
        info["data"] = out
        return info


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------
CASES = {
    "empty": b"",
    "one byte": b"a",
    "one distinct symbol": b"aaaa" * 300,
    "one long word": b"x" * 5000,
    "all 256 byte values": bytes(range(256)) * 4,
    "all 256 code points": "".join(map(chr, range(256))).encode() * 3,
    "utf-8 text": "naïve café — Ωμέγα 😀\r\nline two\n\nend".encode() * 40,
    "no final newline": b"one\ntwo\nthree",
    "only newlines": b"\n" * 1000,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
def test_round_trip_edge_cases(mode: str, name: str) -> None:
    data = CASES[name]
    if mode != "bytes" and name == "all 256 byte values":
        with pytest.raises(SymbolError, match=r"UTF-8 at byte 128 \(0x80\); use --symbols"):
            compress(data, symbols=mode)
        return
    round_trip(data, mode)
    round_trip(data, mode, block_size=SMALL)


@pytest.mark.parametrize("mode", MODES)
def test_round_trip_distinct_words(mode: str) -> None:
    sep = "\n" if mode == "lines" else " "
    data = sep.join(f"w{i}" for i in range(10**5)).encode()
    blob = round_trip(data, mode)
    s = stats(data, symbols=mode)
    if mode in ("words", "lines"):
        assert s.distinct_symbols >= 10**5
    assert s.output_bytes == len(blob)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [SMALL - 1, SMALL, SMALL + 1, 2 * SMALL - 1, 2 * SMALL,
                                  2 * SMALL + 1, 5 * SMALL + 3])
def test_round_trip_around_block_boundaries(mode: str, size: int) -> None:
    text = english(400, seed=size)
    data = text[:size]
    while True:  # do not cut a character in two
        try:
            data.decode()
            break
        except UnicodeDecodeError:
            data = data[:-1]
    round_trip(data, mode, block_size=SMALL)
    round_trip(data, mode, block_size=1)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("mode", MODES)
def test_round_trip_random(mode: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    if mode == "bytes":
        skew = rng.dirichlet(np.full(256, 0.1 + seed))
        data = rng.choice(256, size=int(rng.integers(0, 20000)), p=skew).astype(np.uint8).tobytes()
    else:
        data = english(int(rng.integers(0, 3000)), seed)
    block = int(rng.integers(16, 5000))
    blob = round_trip(data, mode, block_size=block)
    s = stats(data, symbols=mode, block_size=block)
    assert s.output_bytes == len(blob)
    assert s.payload_bits == s.predicted_payload_bits


def test_random_bytes_are_stored_raw() -> None:
    data = np.random.default_rng(1).integers(0, 256, 50000, dtype=np.uint8).tobytes()
    s = stats(data, block_size=10000)
    assert s.blocks == s.raw_blocks == 5
    assert s.output_bytes < len(data) + 40
    round_trip(data, "bytes", block_size=10000)


def test_blocks_reuse_a_table_when_it_is_cheaper() -> None:
    data = english(20000, seed=3)
    s = stats(data, block_size=4096)
    assert s.reused_tables > 0
    assert s.blocks - s.raw_blocks - s.reused_tables >= 1
    round_trip(data, "bytes", block_size=4096)
    blocks = Parser(compress(data, block_size=4096)).parse()["blocks"]
    assert {b["kind"] for b in blocks} >= {2, 3}


def fibonacci(n: int) -> list[int]:
    fib = [1, 1]
    while len(fib) < n:
        fib.append(fib[-1] + fib[-2])
    return fib


def test_fibonacci_counts_are_length_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    # Counts 1, 1, 2, 3, 5, ... give the deepest Huffman codes: n symbols, n - 1 levels.
    # A block deeper than the codec's 32 bits would need 9 million symbols; lower the
    # cap instead, so that 25 symbols (about 200 kB) are too deep for it.
    monkeypatch.setattr(codec, "MAX_CODE_LENGTH", 16)
    counts = fibonacci(25)
    assert int(huffman_lengths(counts).max()) == 24
    data = b"".join(bytes([65 + i]) * c for i, c in enumerate(counts))
    data = bytes(np.random.default_rng(0).permutation(np.frombuffer(data, np.uint8)))
    s = stats(data)
    assert s.max_code_length == 16
    assert s.payload_bits == s.predicted_payload_bits
    assert decompress(compress(data)) == data


def test_a_model_deeper_than_64_bits_is_limited() -> None:
    # Fibonacci weights for 90 symbols: an unlimited Huffman code over 64 bits deep.
    symbols = [chr(0x100 + i) for i in range(90)]
    model = Distribution.from_counts(fibonacci(90), symbols)
    assert int(huffman_lengths(fibonacci(90)).max()) > 64
    data = "".join(symbols).encode() * 3
    s = stats(data, symbols="chars", model=model)
    assert s.max_code_length == codec.MAX_CODE_LENGTH
    assert decompress(compress(data, symbols="chars", model=model)) == data


def test_max_length_limits_the_code() -> None:
    data = english(3000, seed=5)
    free = stats(data)
    limited = stats(data, max_length=5)
    assert free.max_code_length > 5
    assert limited.max_code_length == 5
    assert limited.payload_bits >= free.payload_bits
    round_trip(data, "bytes", max_length=5)
    with pytest.raises(CodebookError, match=r"max_length=2 is too small for \d+ symbols"):
        compress(data, max_length=2)


# ---------------------------------------------------------------------------
# Exact bit counts and statistics
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_payload_bits_equal_the_prediction(mode: str) -> None:
    data = english(5000, seed=11)
    s = stats(data, symbols=mode)
    symbols = split_symbols(data, mode)
    counts = Counter(symbols)
    lengths = huffman_lengths(list(counts.values()))
    expected = int(np.dot(list(counts.values()), lengths))
    assert s.blocks == 1 and s.raw_blocks == 0
    assert s.predicted_payload_bits == s.payload_bits == expected
    assert s.symbols == len(symbols)
    assert s.distinct_symbols == len(counts)
    p = np.array(list(counts.values())) / len(symbols)
    assert s.entropy == pytest.approx(float(-(p * np.log2(p)).sum()))
    assert s.entropy <= s.bits_per_symbol < s.entropy + 1
    assert s.huffman_bits_per_symbol == pytest.approx(expected / len(symbols))
    info = Parser(compress(data, symbols=mode)).parse()
    assert info["blocks"][0]["nbits"] == expected


def test_stats_fields_add_up() -> None:
    data = english(8000, seed=2)
    out = io.BytesIO()
    s = compress_stream(io.BytesIO(data), out, block_size=10000)
    blob = out.getvalue()
    assert isinstance(s, CompressStats)
    assert s.input_bytes == len(data)
    assert s.output_bytes == len(blob)
    assert s.crc32 == zlib.crc32(data)
    payload_bytes = sum(
        math.ceil(b["nbits"] / 8) if b["kind"] != 1 else b["size"]
        for b in Parser(blob).parse()["blocks"]
    )
    assert s.header_bytes == len(blob) - payload_bytes
    assert s.bits_per_symbol == s.payload_bits / s.symbols
    assert s.huffman_bits_per_symbol is None
    assert list(s.as_dict()) == [
        "input_bytes", "output_bytes", "symbols", "distinct_symbols", "entropy",
        "predicted_payload_bits", "payload_bits", "bits_per_symbol", "header_bytes",
    ]


def test_stats_of_empty_input() -> None:
    s = stats(b"", symbols="words")
    assert (s.symbols, s.distinct_symbols, s.entropy, s.bits_per_symbol) == (0, 0, 0.0, 0.0)
    assert s.output_bytes == len(compress(b"", symbols="words"))


# ---------------------------------------------------------------------------
# The documented layout, checked against real files
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_documented_fields_match_real_files(mode: str) -> None:
    data = english(3000, seed=7)
    blob = compress(data, symbols=mode, block_size=2000)
    info = Parser(blob).parse()
    assert blob[:3] == b"\x89EC" == container.MAGIC
    assert info["version"] == 1
    assert info["mode"] == MODES.index(mode)
    assert info["data"] == data
    assert info["total_bytes"] == len(data)
    assert info["total_symbols"] == len(split_symbols(data, mode))
    assert sum(b["count"] for b in info["blocks"]) == info["total_symbols"]
    assert info["crc32"] == zlib.crc32(data)
    assert len(info["blocks"]) > 1


def test_documented_header_bytes() -> None:
    assert compress(b"") == b"\x89EC\x01\x00" + b"\x00\x00" + zlib.crc32(b"").to_bytes(4, "little")
    # A tiny input is stored raw: type 01, size 5, the bytes.
    blob = compress(b"hello", symbols="chars")
    assert blob == (b"\x89EC\x01\x01" + b"\x01\x05\x05hello" + b"\x00\x05\x05"
                    + zlib.crc32(b"hello").to_bytes(4, "little"))


def test_documented_model_symbols_and_single_symbol_code() -> None:
    # One codeword of length 1 ('0'): 10 symbols, 10 bits of payload, all zero.
    model = Distribution.from_spec("a=1")
    blob = compress(b"a" * 10, model=model)
    info = Parser(blob).parse()
    (block,) = info["blocks"]
    assert block["kind"] == 2 and block["nbits"] == 10
    assert block["lengths"][ord("a")] == 1 and sum(block["lengths"]) == 1
    assert decompress(blob) == b"a" * 10


def test_segment_offsets_are_documented() -> None:
    data = english(60000, seed=9)  # over 2**17 symbols: segments of 4096, with offsets
    blob = compress(data)
    info = Parser(blob).parse()  # checks every segment start while decoding
    assert any(-(-b["count"] // b["segment"]) > 1 for b in info["blocks"])
    assert all(b["segment"] == 4096 for b in info["blocks"])


@pytest.mark.parametrize("mode", MODES)
def test_small_blocks_are_one_segment(mode: str) -> None:
    # Under 2**17 symbols a block is one segment (no offsets): the smallest
    # segment size of at least 4096 that holds it.
    data = english(25000, seed=9)
    info = Parser(compress(data, symbols=mode)).parse()
    (block,) = info["blocks"]
    assert block["count"] <= block["segment"] == max(4096, 1 << (block["count"] - 1).bit_length())
    assert decompress(compress(data, symbols=mode)) == data


def shifting(seed: int, parts: int = 6, size: int = 40000) -> bytes:
    """Bytes whose statistics change every `size` bytes: each part its own skewed source."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(parts):
        p = rng.dirichlet(np.full(256, 0.05))
        out.append(rng.choice(256, size=size, p=p).astype(np.uint8).tobytes())
    return b"".join(out)


def test_blocks_are_cut_where_the_statistics_change() -> None:
    data = shifting(1)
    blob = compress(data)
    info = Parser(blob).parse()
    assert info["data"] == data
    blocks = info["blocks"]
    assert len(blocks) >= 6 and {b["kind"] for b in blocks} == {2}
    # Cuts fall on the grid of 2**14 symbols, each near a change of source.
    cuts = np.cumsum([b["size"] for b in blocks])[:-1]
    assert all(c % (1 << 14) == 0 for c in cuts)
    assert all(min(abs(c - k * 40000) for k in range(1, 6)) < 1 << 14 for c in cuts)
    s = stats(data)
    assert s.output_bytes == len(blob) and s.payload_bits == s.predicted_payload_bits
    assert s.blocks == len(blocks)


def test_a_chunk_is_cut_only_when_that_saves_one_percent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Stationary data: cutting would save next to nothing, so one block.
    rng = np.random.default_rng(2)
    data = rng.choice(256, 300000, p=rng.dirichlet(np.full(256, 0.1))).astype(np.uint8)
    assert stats(data.tobytes()).blocks == 1
    # Shifting data: the cut blocks take at most 99% of the chunk as one block.
    shifted = shifting(3, parts=3)
    cut = len(compress(shifted))
    monkeypatch.setattr(container, "_SPLIT_MIN_SAVING", 2.0)  # never worth it
    assert stats(shifted).blocks == 1
    whole = len(compress(shifted))
    framing = len(compress(b"")) + len(container._varint(len(shifted))) - 1
    assert cut - framing <= 0.99 * (whole - framing)


@pytest.mark.parametrize("mode", TEXT_MODES)
def test_text_blocks_are_cut_too(mode: str) -> None:
    rng = random.Random(4)
    parts = []
    for k in range(4):
        letters = "abcdefghij" if k % 2 else "klmnopqrstuvwxyz"
        parts.append(" ".join("".join(rng.choices(letters, k=rng.randint(1, 3)))
                              for _ in range(12000)))
    data = "\n".join(parts).encode()
    blob = compress(data, symbols=mode)
    assert decompress(blob) == data
    info = Parser(blob).parse()
    assert info["data"] == data
    if mode == "chars":
        assert len(info["blocks"]) > 1


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------
def test_model_codes_with_the_model() -> None:
    model = parse_spec("a=0.5,b=0.25,c=0.25")
    s = stats(b"abcabc", model=model)
    assert s.payload_bits == s.predicted_payload_bits == 2 * (1 + 2 + 2)
    assert s.raw_blocks == 0
    assert decompress(compress(b"abcabc", model=model)) == b"abcabc"


def test_model_is_stored_once() -> None:
    model = parse_spec("a=0.5,b=0.25,c=0.25")
    data = b"abcab" * 200
    info = Parser(compress(data, model=model, block_size=100)).parse()
    kinds = [b["kind"] for b in info["blocks"]]
    assert kinds == [2] + [3] * 9


def test_model_missing_symbol_message() -> None:
    model = parse_spec("a=0.5,b=0.5")
    with pytest.raises(ModelError) as err:
        compress(b"ab\nab", model=model)
    assert str(err.value) == (
        "symbol '0x0a' occurs in the input but has probability 0 under the model, so it has "
        "no codeword; use --smooth A (smooth=A) to add A to every symbol's weight"
    )
    zero = parse_spec("a=0.5,b=0.5,c=0")
    with pytest.raises(ModelError, match="symbol 'c' occurs in the input"):
        compress(b"abc", model=zero)
    with pytest.raises(ModelError, match="symbol '␠' occurs in the input"):
        compress(b"to be", symbols="words", model=parse_spec("to=0.5,be=0.5"))


@pytest.mark.parametrize("mode", MODES)
def test_model_with_smoothing_covers_the_data(mode: str) -> None:
    model = parse_spec("a=0.5,b=0.25,c=0.25") if mode != "lines" else parse_spec("x=1")
    data = english(2000, seed=4)
    blob = compress(data, symbols=mode, model=model, smooth=0.01, block_size=3000)
    assert decompress(blob) == data
    info = Parser(blob).parse()
    assert all(b["kind"] == 3 for b in info["blocks"][1:])
    if mode == "bytes":  # every byte value has a codeword
        assert all(info["blocks"][0]["lengths"])


class Pipe(io.RawIOBase):
    """A non-seekable source that returns short reads, like a pipe."""

    def __init__(self, data: bytes, step: int = 777) -> None:
        self._data, self._pos, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self._step if n < 0 else min(n, self._step)
        out = self._data[self._pos : self._pos + n]
        self._pos += len(out)
        return out


@pytest.mark.parametrize("step", [1, 2, 3, 5])
@pytest.mark.parametrize("mode", MODES)
def test_decompress_from_a_pipe_of_tiny_reads(mode: str, step: int) -> None:
    # The code-length reader looks up to a byte ahead and gives it back: a
    # source that hands over one byte at a time puts every field at a read
    # boundary.  Mixed data gives many blocks with tables of their own.
    data = english(400, seed=step) + bytes(range(200)) * 3 + english(300, seed=9)
    if mode != "bytes":
        data = data.replace(bytes(range(200)) * 3, "ÿ€ü\n".encode() * 150)
    blob = compress(data, symbols=mode, block_size=SMALL * 4)
    out = io.BytesIO()
    decompress_stream(Pipe(blob, step=step), out)
    assert out.getvalue() == data


def test_smoothing_a_text_model_reads_a_pipe_twice_through_a_spool() -> None:
    data = english(3000, seed=8)
    model = parse_spec("the=0.5,of=0.5")
    out = io.BytesIO()
    s = compress_stream(Pipe(data), out, symbols="words", model=model, smooth=1, block_size=999)
    assert decompress(out.getvalue()) == data
    assert s.input_bytes == len(data)
    assert out.getvalue() == compress(data, symbols="words", model=model, smooth=1,
                                      block_size=999)


def test_model_symbol_rules_in_bytes_mode() -> None:
    data = b"a\n\xe9"
    model = Distribution.from_probabilities({"a": 0.5, "0x0a": 0.25, "é": 0.25})
    s = stats(data, model=model)
    assert s.payload_bits == 1 + 2 + 2
    with pytest.raises(ModelError, match="model symbol 'ab' is not a byte"):
        compress(data, model=parse_spec("ab=1"))
    with pytest.raises(ModelError, match="both stand for 'a'"):
        compress(data, model=Distribution.from_probabilities({"a": 0.5, "0x61": 0.5}))
    with pytest.raises(ModelError, match="is not one character"):
        compress(b"ab", symbols="chars", model=parse_spec("ab=1"))


def test_model_code_matches_huffman_code_of_the_model() -> None:
    from entrocode.codebook import huffman_code

    model = parse_spec("a=0.3,b=0.3,c=0.2,d=0.1,e=0.1")
    code = huffman_code(model)
    data = b"abcdeabcaab"
    expected = sum(code.lengths[chr(b)] for b in data)
    assert stats(data, model=model).payload_bits == expected


def test_smooth_needs_a_model() -> None:
    with pytest.raises(ModelError, match="smoothing applies to a model"):
        compress(b"abc", smooth=1)


# ---------------------------------------------------------------------------
# Damaged, foreign and hostile input
# ---------------------------------------------------------------------------
def sample_blob() -> bytes:
    return compress(english(400, seed=1), symbols="words", block_size=500)


@pytest.mark.parametrize(("blob", "message"), [
    (b"", "not an .ec file (empty input)"),
    (b"GIF89a", "not an .ec file (bad magic)"),
    (b"\x1f\x8b\x08\x00", "not an .ec file (bad magic)"),
    (b"\x89E", "truncated: the data ends inside the header"),
    (b"\x89EC\x07\x00\x00\x00", "unsupported version 7 (this entrocode reads version 1)"),
    (b"\x89EC\x01\x09", "unsupported symbol mode 9"),
    (b"\x89EC\x01\x00\x09", "corrupt block 1: unknown block type 9"),
    (b"\x89EC\x01\x00\x03\x05\x05", "corrupt block 1: reuses a table, but none came before"),
])
def test_format_errors(blob: bytes, message: str) -> None:
    with pytest.raises(FormatError) as err:
        decompress(blob)
    assert str(err.value) == message


def test_truncation_anywhere_is_a_format_error() -> None:
    blob = sample_blob()
    messages = set()
    for n in range(len(blob)):
        with pytest.raises(FormatError) as err:
            decompress(blob[:n])
        messages.add(str(err.value).split(":")[0])
    assert "truncated" in messages


def test_flipped_bits_never_give_wrong_data() -> None:
    data = english(300, seed=2)
    for mode in MODES:
        blob = bytearray(compress(data, symbols=mode, block_size=700))
        rng = random.Random(mode)
        for _ in range(300):
            i, bit = rng.randrange(len(blob)), 1 << rng.randrange(8)
            blob[i] ^= bit
            with contextlib.suppress(FormatError):
                assert decompress(bytes(blob)) == data
            blob[i] ^= bit


def test_checksum_mismatch() -> None:
    data = b"hello" * 10
    blob = bytearray(compress(data))
    blob[-1] ^= 0x01
    with pytest.raises(FormatError, match=r"^checksum mismatch: the data is corrupt \(CRC-32"):
        decompress(bytes(blob))


def test_trailing_data_is_refused() -> None:
    with pytest.raises(FormatError, match="trailing data after the end"):
        decompress(compress(b"abc") + b"\x00")


def test_huge_declared_sizes_fail_fast() -> None:
    head = b"\x89EC\x01\x00"
    cases = [
        head + b"\x01" + container._varint(container.MAX_BLOCK_BYTES),  # raw, 16 MiB, absent
        head + b"\x02" + container._varint(container.MAX_BLOCK_BYTES + 1),
        head + b"\x02\x10" + container._varint(10**6),  # nbits far beyond 31 * count
        b"\x89EC\x01\x02\x02\x05\x05\x05" + container._varint(1 << 24) + b"\x00" * 8,
    ]
    for blob in cases:
        with pytest.raises(FormatError):
            decompress(blob)


def test_decompress_never_raises_anything_else_on_garbage() -> None:
    rng = random.Random(0)
    good = sample_blob()
    for _ in range(300):
        blob = bytearray(good)
        start = rng.randrange(5, len(blob))
        blob[start : start + rng.randrange(1, 6)] = rng.randbytes(rng.randrange(1, 6))
        with contextlib.suppress(FormatError):
            decompress(bytes(blob))


# ---------------------------------------------------------------------------
# Streams and files
# ---------------------------------------------------------------------------
def test_streams_from_pipes_with_progress() -> None:
    data = english(20000, seed=12)
    seen: list[int] = []
    out = io.BytesIO()
    s = compress_stream(Pipe(data), out, symbols="words", block_size=4096, progress=seen.append)
    assert sum(seen) == len(data) and len(seen) == s.blocks > 10
    back = io.BytesIO()
    read: list[int] = []
    d = decompress_stream(Pipe(out.getvalue()), back, progress=read.append)
    assert back.getvalue() == data
    assert (d.mode, d.output_bytes, d.blocks, d.symbols) == ("words", len(data), s.blocks,
                                                             s.symbols)
    assert d.input_bytes == len(out.getvalue())
    assert d.crc32 == s.crc32 == zlib.crc32(data)


def test_analyze_stream_writes_nothing_and_predicts_exactly() -> None:
    data = english(5000, seed=6)
    s = analyze_stream(io.BytesIO(data), symbols="chars", block_size=3000)
    assert s.output_bytes == len(compress(data, symbols="chars", block_size=3000))
    assert s.entropy <= s.huffman_bits_per_symbol < s.entropy + 1


def test_bad_arguments() -> None:
    with pytest.raises(SymbolError, match="unknown symbol mode 'bits'"):
        compress(b"a", symbols="bits")
    with pytest.raises(TypeError, match="data must be bytes, not str"):
        compress("text")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="block_size must be between 1 and"):
        compress(b"a", block_size=0)
    with pytest.raises(TypeError, match="blob must be bytes"):
        decompress(None)  # type: ignore[arg-type]


def test_utf8_error_names_the_offset_in_the_whole_input() -> None:
    data = b"abc " * 100 + b"\xff" + b"tail"
    with pytest.raises(SymbolError, match=r"not valid UTF-8 at byte 400 \(0xff\)"):
        compress(data, symbols="words", block_size=64)


def test_files_round_trip_with_default_names(tmp_path) -> None:
    src = tmp_path / "notes.txt"
    data = english(2000, seed=13)
    src.write_bytes(data)
    src.chmod(0o640)
    s = compress_file(src, symbols="words")
    packed = tmp_path / "notes.txt.ec"
    assert packed.read_bytes() == compress(data, symbols="words")
    assert s.output_bytes == packed.stat().st_size
    assert stat.S_IMODE(packed.stat().st_mode) == 0o640
    assert src.read_bytes() == data  # the input is kept, unchanged
    src.unlink()
    d = decompress_file(packed)
    assert src.read_bytes() == data and d.output_bytes == len(data)
    with pytest.raises(FileExistsError):
        compress_file(src)
    compress_file(src, overwrite=True)
    with pytest.raises(ValueError, match=r"does not end in \.ec"):
        decompress_file(src)


def test_no_partial_file_after_a_failure(tmp_path) -> None:
    src = tmp_path / "data.txt"
    src.write_bytes(english(3000, seed=1) + b"\nzzz")
    with pytest.raises(ModelError):
        compress_file(src, model=parse_spec("the=1"), block_size=100)
    assert sorted(os.listdir(tmp_path)) == ["data.txt"]
    bad = tmp_path / "bad.ec"
    blob = bytearray(compress(b"hello world " * 50))
    blob[-2] ^= 0xFF
    bad.write_bytes(bytes(blob))
    with pytest.raises(FormatError, match="checksum mismatch"):
        decompress_file(bad)
    assert sorted(os.listdir(tmp_path)) == ["bad.ec", "data.txt"]


def test_atomic_output_keeps_the_old_file_on_error(tmp_path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), container.atomic_output(target, overwrite=True) as fh:
        fh.write(b"new, partial")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_atomic_output_names_the_target_in_its_errors(tmp_path, monkeypatch) -> None:
    # The temporary file cannot be made: the error names the file asked for.
    import errno
    import tempfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".out.bin.x.tmp"))

    target = tmp_path / "out.bin"
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as caught, container.atomic_output(target):
        pass
    assert caught.value.filename == str(target)
    monkeypatch.undo()
    # A full disk while writing names it too; other errors pass unchanged.
    for error, name in ((OSError(errno.ENOSPC, "No space left on device"), str(target)),
                        (OSError(errno.EIO, "Input/output error"), None)):
        with pytest.raises(OSError) as caught, container.atomic_output(target) as fh:
            fh.write(b"partial")
            raise error
        assert (caught.value.errno, caught.value.filename) == (error.errno, name)
        assert os.listdir(tmp_path) == []


def test_hostile_tables_and_segments() -> None:
    words = b"\x89EC\x01\x02"
    # A words alphabet out of order: "b", then "a".
    with pytest.raises(FormatError, match="alphabet not in increasing order"):
        decompress(words + b"\x02\x02\x02\x02" + b"\x02" + b"\x00\x01b" + b"\x00\x01a")
    # A shared prefix longer than the previous entry.
    with pytest.raises(FormatError, match="shared prefix length 5 exceeds the limit 1"):
        decompress(words + b"\x02\x02\x02\x02" + b"\x02" + b"\x00\x01b" + b"\x05\x01a")
    # A segment size below 2**4, after a valid table.
    blob = bytearray(compress(b"abracadabra" * 3))
    assert blob[5 + 3 + 14] == 12  # the segment byte of docs/FORMAT.md's example
    blob[5 + 3 + 14] = 3
    with pytest.raises(FormatError, match=r"segment size 2\*\*3 is out of range"):
        decompress(bytes(blob))


@pytest.mark.parametrize("width", [1, 2, 7, 8, 9, 13, 31, 32])
def test_fixed_width_offsets_round_trip(width: int) -> None:
    values = np.random.default_rng(width).integers(0, 1 << width, 101)
    packed = container._pack_fixed(values, width)
    assert len(packed) == (101 * width + 7) // 8
    assert container._unpack_fixed(packed, 101, width).tolist() == values.tolist()


def test_the_format_document_example_is_a_real_file() -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "FORMAT.md").read_text()
    block = doc.split("## Example", 1)[1].split("```", 2)[1]
    hex_bytes: list[str] = []
    for line in block.splitlines():
        if line[:1].isspace():
            continue  # an annotation
        for token in line.split():
            if not re.fullmatch(r"[0-9a-f]{2}", token):
                break
            hex_bytes.append(token)
    assert bytes.fromhex("".join(hex_bytes)) == compress(b"abracadabra" * 3)


def _front_coded_plainly(symbols: tuple[bytes, ...]) -> bytes:
    """Front coding symbol by symbol, as docs/FORMAT.md describes it."""
    out, previous = b"", b""
    for symbol in symbols:
        k = 0
        while k < min(len(previous), len(symbol)) and previous[k] == symbol[k]:
            k += 1
        out += container._varint(k) + container._varint(len(symbol) - k) + symbol[k:]
        previous = symbol
    return out


@pytest.mark.parametrize("array_bytes", [0, container._FRONT_CODED_ARRAY_BYTES])
def test_front_coded_alphabets(monkeypatch: pytest.MonkeyPatch, array_bytes: int) -> None:
    # The shared prefixes come eight bytes, then one, at a time; the bytes
    # are laid out by whole arrays (short symbols, small alphabets) or one
    # symbol at a time: both give FORMAT.md's front coding.
    monkeypatch.setattr(container, "_FRONT_CODED_ARRAY_BYTES", array_bytes)
    rng = random.Random(4 + array_bytes)
    cases = [(), (b"x",), (b"ab", b"abc"), (b"a" * 20, b"a" * 20 + b"b", b"b"),
             (b"a" * 127, b"a" * 128, b"b" * 300)]
    for _ in range(300):
        size = rng.choice([3, 9, 17, 40, 200])
        cases.append(tuple(sorted({bytes(rng.choice(b"ab") for _ in range(rng.randint(1, size)))
                                   for _ in range(rng.randint(1, 50))})))
    for symbols in cases:
        assert container._front_coded(symbols) == _front_coded_plainly(symbols), symbols


@pytest.mark.parametrize("step", [1, 3, 1000, 1 << 20])
def test_long_symbols_round_trip_through_any_reads(step: int) -> None:
    # Lines of 1 to 40,000 bytes: their lengths take one, two and three
    # varint bytes, read from the buffer at once or field by field.
    rng = random.Random(step)
    lines = [bytes(rng.choice(b"abc ") for _ in range(rng.choice([1, 100, 127, 128, 300,
                                                                    16383, 16384, 40000])))
             + b"\n" for _ in range(60)]
    data = b"".join(rng.choice(lines) for _ in range(200))
    blob = compress(data, symbols="lines")
    out = io.BytesIO()
    decompress_stream(Pipe(blob, step=step), out)
    assert out.getvalue() == data
