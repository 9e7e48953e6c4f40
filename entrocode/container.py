"""The ``.ec`` container: compress and decompress byte streams with Huffman codes.

This is the only module that knows the byte layout of an ``.ec`` file; the
layout is described byte by byte in ``docs/FORMAT.md``.  In short::

    file   = header block* end
    header = magic "\\x89EC", version 1, symbol mode
    block  = RAW     (stored bytes, when coding would not help)
           | NEW     (a canonical code table, then the coded symbols)
           | REUSE   (the coded symbols, with the most recent table)
    end    = total input bytes [, total symbols], CRC-32 of the original data

How compression works, one chunk of input at a time:

1. Read about ``block_size`` bytes of input (1 MiB by default) and cut it on a
   symbol boundary (:func:`entrocode.symbols.safe_boundary`), so memory stays
   bounded for inputs of any size, from files and from pipes alike.
2. Split the chunk into symbols (bytes, chars, words or lines) and count them,
   per cell of 2**14 symbols.
3. Cut the chunk into blocks where its statistics change, if that saves 1%
   (:class:`_Planner`): each block gets a code table of its own.
4. Build the Huffman code of each block's counts.  Its code lengths are the
   whole code: the decoder rebuilds the canonical codewords from them.  A code
   deeper than :data:`entrocode.codec.MAX_CODE_LENGTH` bits (Fibonacci-like
   counts) is replaced by the optimal length-limited code (package-merge).
5. Store the block with the cheapest of: a new table, the previous block's
   table (when it covers every symbol of the block), or the raw bytes.
6. Write the payload: the concatenated codewords, ``sum(count * length)``
   bits exactly (no end-of-file symbol: the block stores its symbol count),
   plus, for a block of 2**17 symbols or more, the bit offsets of every
   segment of the payload, which let the decoder decode all segments in
   lockstep with whole-array operations (a smaller block decodes faster
   sequentially, and has one segment).

Decompression reads the blocks back one at a time and checks every field
against the format's limits and the data actually present, so a damaged or
hostile file raises :class:`~entrocode.errors.FormatError` and nothing
else; the CRC-32 at the end catches whatever damage the structure does not.

Examples
--------
>>> blob = compress(b"abracadabra")
>>> decompress(blob)
b'abracadabra'
>>> s = stats(b"abracadabra" * 3)  # a:15 b:6 r:6 c:3 d:3, codewords of 1 and 3 bits
>>> s.payload_bits, s.predicted_payload_bits  # 15*1 + 18*3
(69, 69)

See also
--------
entrocode.symbols : input bytes to symbol ids and back.
entrocode.codec : symbol ids to bits and back.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import itertools
import math
import numbers
import os
import re
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, cast

import numpy as np

from entrocode import codec
from entrocode.codebook import canonical_codewords, check_lengths, huffman_lengths, limited_lengths
from entrocode.distribution import Distribution
from entrocode.errors import (
    WRITE_ERRNOS,
    CodebookError,
    DistributionError,
    EntrocodeError,
    FormatError,
    ModelError,
    SymbolError,
)
from entrocode.measures import entropy as _entropy
from entrocode.symbols import MODES, check_mode, detokenize, safe_boundary, symbol_label, tokenize

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "MAGIC",
    "MAX_BLOCK_BYTES",
    "MAX_BLOCK_SIZE",
    "VERSION",
    "CompressStats",
    "DecompressStats",
    "analyze_stream",
    "atomic_output",
    "compress",
    "compress_file",
    "compress_stream",
    "decompress",
    "decompress_file",
    "decompress_stream",
    "stats",
]

# ---------------------------------------------------------------------------
# Format constants (docs/FORMAT.md)
# ---------------------------------------------------------------------------
MAGIC = b"\x89EC"
"""The first three bytes of every ``.ec`` file."""

VERSION = 1
"""The format version this module writes and reads."""

DEFAULT_BLOCK_SIZE = 1 << 20
"""Input bytes per block unless told otherwise (1 MiB)."""

MAX_BLOCK_SIZE = 1 << 23
"""The largest ``block_size`` the compressor accepts (8 MiB)."""

MAX_BLOCK_BYTES = 1 << 24
"""The largest block (original bytes) a decoder accepts (16 MiB).

A block may exceed ``block_size`` by up to 3 bytes (to finish a UTF-8
character), so every file the compressor writes stays far below this limit.
"""

MAX_ALPHABET_BYTES = 1 << 25
"""The largest total size of a stored alphabet (words and lines modes), 32 MiB."""

FORMAT_MAX_LENGTH = 32
"""The longest code length the code-length alphabet can express."""

_BLOCK_END, _BLOCK_RAW, _BLOCK_NEW, _BLOCK_REUSE = 0, 1, 2, 3
_KIND_NAMES = {_BLOCK_RAW: "raw", _BLOCK_NEW: "new table", _BLOCK_REUSE: "reused table"}

# The code-length alphabet: 0..32 are lengths, then four run codes
# (symbol, extra bits, smallest run).
_CL_REPEAT, _CL_ZEROS, _CL_ZEROS_LONG, _CL_ZEROS_HUGE = 33, 34, 35, 36
_CL_SIZE = 37
_CL_RUNS = {_CL_REPEAT: (2, 3), _CL_ZEROS: (3, 3), _CL_ZEROS_LONG: (7, 11),
            _CL_ZEROS_HUGE: (16, 139)}
_CL_MAX_LENGTH = 7
# The order in which the code-length code's own lengths are stored: likely
# ones first, so that trailing unused entries can be left out.
_CL_ORDER = (34, 35, 36, 33, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
             *range(16, 33))

_MAX_VARINT_BYTES = 10
_READ_CHUNK = 1 << 20
_UNICODE_LIMIT = 0x110000
_MIN_SEGMENT_LOG2, _MAX_SEGMENT_LOG2 = 4, 24


def _segment_log2() -> int:
    """log2 of the segment size written: the codec's default, rounded up to a power of 2."""
    log2 = (int(codec.DEFAULT_SEGMENT) - 1).bit_length()
    return max(_MIN_SEGMENT_LOG2, min(_MAX_SEGMENT_LOG2, log2))


# How the compressor cuts a chunk of input (about `block_size` bytes) into
# blocks; any cut is a valid file, so these are encoder choices only.
_SPLIT_CELL = 1 << 14
"""Symbols per cell of the grid on which block boundaries are chosen."""

_SPLIT_SPAN = 16
"""The longest block the search builds from cells (256 Ki symbols), besides the whole chunk."""

_SPLIT_MAX_ALPHABET = 1024
"""A chunk with more distinct symbols stays one block (its tables cost too much)."""

_SPLIT_MIN_SAVING = 0.01
"""A chunk becomes several blocks only when that saves at least this fraction (1%).

Every block costs the decoder a table and a call of its own, and small blocks
decode sequentially, so near-stationary data (English text would gain 0.1% to
0.7%) keeps its large blocks and decodes fast; data whose statistics shift
(spreadsheets, binaries, mixed text) gains 2% to 7%.
"""

_SPLIT_BATCH = 1 << 14
"""Counts (candidate blocks x alphabet) whose entropy the planner computes at once."""

_BLOCK_ALLOWANCE = 24
"""Bytes an extra block must save beyond its own table and header."""

_DECODE_BATCH = 8 << 20
"""Bytes of output decoded at a time: consecutive blocks up to this size (or
just past it) are decoded together, in one lockstep pass.  Bounds the memory
of decompression to a few times this, whatever the file size."""

_TABLE_ENTRY_BYTES = 256
"""What one entry of a code table counts for in a batch, in bytes of output.

A table held in memory (its symbols, its encoding and decoding tables)
costs some 70 to 150 bytes an entry; counting it keeps the batches, and with
them the memory, bounded also for files of many small blocks with tables."""

_LOCKSTEP_MIN_SYMBOLS = 1 << 17
"""Blocks with fewer symbols are written as one segment, without offsets.

Lockstep decoding pays a fixed cost per block (its automaton and one step per
byte of a segment) that only many segments repay; a block of fewer than
2**17 symbols (32 segments) decodes faster sequentially, and saves its offsets.
"""

_OFFSET_BITS_ESTIMATE = 12
"""Bits per stored segment offset, as the block planner estimates them."""


def _length_cap(max_length: int | None) -> int:
    """The longest code length used: the codec's and format's limit, or the user's."""
    cap = min(int(codec.MAX_CODE_LENGTH), FORMAT_MAX_LENGTH)
    return cap if max_length is None else min(cap, max_length)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CompressStats:
    """What compression did (or, from :func:`analyze_stream`, would do).

    Attributes
    ----------
    mode : str
        The symbol mode.
    input_bytes, output_bytes : int
        Sizes of the original data and of the ``.ec`` data.
    symbols : int
        Number of symbols in the input.
    distinct_symbols : int
        Number of different symbols in the input.
    entropy : float
        Empirical order-0 entropy of the input's symbols over the whole
        input, ``H = -sum_x (n_x / N) * log2(n_x / N)`` bits per symbol: the
        least any code with one codeword per symbol could average.
    predicted_payload_bits : int
        ``sum over symbols of count * codeword length`` for the tables
        chosen, plus 8 bits per byte of raw blocks.
    payload_bits : int
        The bits the encoder actually wrote for the same; always equal to
        the prediction (there is no end-of-file symbol and no slack).
    bits_per_symbol : float
        ``payload_bits / symbols`` (0.0 for empty input).
    header_bytes : int
        Everything that is not payload: file header, block headers, code
        tables, segment offsets, padding to whole bytes and the end record.
        ``output_bytes = header_bytes + sum of payload bytes``.
    blocks, raw_blocks, reused_tables : int
        Number of blocks; how many were stored raw; how many reused the
        previous block's table.
    max_code_length : int
        Longest codeword of any table used (0 when nothing was coded).
    crc32 : int
        CRC-32 (``zlib.crc32``) of the input.
    huffman_bits_per_symbol : float or None
        Expected length of the single Huffman code of the whole input, bits
        per symbol; only :func:`analyze_stream` computes it (None otherwise).
    """

    mode: str
    input_bytes: int
    output_bytes: int
    symbols: int
    distinct_symbols: int
    entropy: float
    predicted_payload_bits: int
    payload_bits: int
    bits_per_symbol: float
    header_bytes: int
    blocks: int
    raw_blocks: int
    reused_tables: int
    max_code_length: int
    crc32: int
    huffman_bits_per_symbol: float | None = None

    def as_dict(self) -> dict[str, int | float]:
        """The statistics that ``entrocode compress --json`` prints, in order.

        Keys: ``input_bytes, output_bytes, symbols, distinct_symbols,
        entropy, predicted_payload_bits, payload_bits, bits_per_symbol,
        header_bytes``.
        """
        return {
            "input_bytes": self.input_bytes,
            "output_bytes": self.output_bytes,
            "symbols": self.symbols,
            "distinct_symbols": self.distinct_symbols,
            "entropy": self.entropy,
            "predicted_payload_bits": self.predicted_payload_bits,
            "payload_bits": self.payload_bits,
            "bits_per_symbol": self.bits_per_symbol,
            "header_bytes": self.header_bytes,
        }


@dataclass(frozen=True)
class DecompressStats:
    """What decompression found.

    Attributes
    ----------
    mode : str
        The symbol mode the file was written with.
    input_bytes, output_bytes : int
        Sizes of the ``.ec`` data read and of the original data restored.
    symbols : int
        Number of symbols decoded (raw blocks count as their symbols).
    blocks, raw_blocks : int
        Number of blocks, and how many of them were stored raw.
    crc32 : int
        CRC-32 of the restored data (checked against the stored one).
    """

    mode: str
    input_bytes: int
    output_bytes: int
    symbols: int
    blocks: int
    raw_blocks: int
    crc32: int


# ---------------------------------------------------------------------------
# Code tables
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Table:
    """A canonical code: symbols and their code lengths.

    In bytes mode ``symbols`` is None and ``lengths`` has 256 entries, one
    per byte value (0: no codeword).  In the text modes ``symbols`` is the
    sorted tuple of the symbols' bytes and ``lengths`` is aligned with it.
    """

    symbols: tuple[bytes, ...] | None
    lengths: np.ndarray

    @property
    def code(self) -> Any:
        """The codec's table, built on first use."""
        built = self.__dict__.get("_code")
        if built is None:
            built = codec.CodeTable.from_lengths(self.lengths)
            object.__setattr__(self, "_code", built)
        return built

    @property
    def index(self) -> dict[bytes, int]:
        """``{symbol: position}`` for the text modes, built on first use."""
        built = self.__dict__.get("_index")
        if built is None:
            built = {s: i for i, s in enumerate(self.symbols or ())}
            object.__setattr__(self, "_index", built)
        return built

    @property
    def max_length(self) -> int:
        built = self.__dict__.get("_max_length")
        if built is None:
            built = int(self.lengths.max()) if self.lengths.size else 0
            object.__setattr__(self, "_max_length", built)
        return built

    @property
    def min_length(self) -> int:
        built = self.__dict__.get("_min_length")
        if built is None:
            used = self.lengths[self.lengths > 0]
            built = int(used.min()) if used.size else 0
            object.__setattr__(self, "_min_length", built)
        return built


def _code_lengths(weights: np.ndarray, cap: int, max_length: int | None) -> np.ndarray:
    """Huffman lengths of `weights`, limited optimally to `cap` bits if deeper."""
    distinct = int(np.count_nonzero(weights))
    if max_length is None and distinct > (1 << cap):
        raise SymbolError(
            f"a block has {distinct} distinct symbols, more than codes of at most {cap} bits "
            "can tell apart; use a smaller block size"
        )
    return limited_lengths(weights.astype(np.float64), cap)


# ---------------------------------------------------------------------------
# Bit and byte helpers
# ---------------------------------------------------------------------------
def _varint(value: int) -> bytes:
    """Unsigned LEB128: 7 bits per byte, low bits first, high bit = more follows."""
    if value < 0x80:
        return _ONE_BYTE[value]
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


_ONE_BYTE = tuple(bytes((value,)) for value in range(0x80))


class _BitWriter:
    """Bits, most significant first, into bytes; the last byte is zero-padded."""

    def __init__(self) -> None:
        self._out = bytearray()
        self._acc = 0
        self._count = 0

    def write(self, value: int, nbits: int) -> None:
        self._acc = (self._acc << nbits) | value
        self._count += nbits
        while self._count >= 8:
            self._count -= 8
            self._out.append((self._acc >> self._count) & 0xFF)
        self._acc &= (1 << self._count) - 1

    def getvalue(self) -> bytes:
        if self._count:
            return bytes(self._out) + bytes([(self._acc << (8 - self._count)) & 0xFF])
        return bytes(self._out)


def _pack_fixed(values: np.ndarray, width: int) -> bytes:
    """Pack non-negative integers in `width` bits each, MSB first, zero-padded."""
    if width == 0 or values.size == 0:
        return b""
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    bits = ((values.astype(np.uint64)[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)
    return np.packbits(bits.ravel()).tobytes()


def _unpack_fixed(data: bytes, count: int, width: int) -> np.ndarray:
    """Inverse of :func:`_pack_fixed`: `count` integers of `width` <= 32 bits (int64).

    Each value is cut from the 64-bit big-endian window that starts at its
    first byte, so memory stays a small multiple of ``8 * count`` bytes.
    """
    if width == 0:
        return np.zeros(count, dtype=np.int64)
    total = count * width
    if total % 8 and data[-1] & ((1 << (8 - total % 8)) - 1):
        raise FormatError("corrupt segment offsets: nonzero padding bits")
    padded = np.frombuffer(data + bytes(8), dtype=np.uint8)
    offsets = np.arange(count, dtype=np.int64) * width
    first = offsets >> 3
    window = np.zeros(count, dtype=np.uint64)
    for k in range(8):
        window <<= np.uint64(8)
        window |= padded[first + k]
    window <<= (offsets & 7).astype(np.uint64)
    return (window >> np.uint64(64 - width)).astype(np.int64)


def _read_some(src: BinaryIO) -> Callable[[int], bytes]:
    """``src.read1`` when there is one, else ``src.read``.

    ``read1`` returns what one system call gives, so the loop that calls it
    returns to Python between reads, where a pending Ctrl-C is raised at
    once; a buffered ``read(n)`` on a stalled pipe would keep waiting.
    """
    return getattr(src, "read1", None) or src.read


def _not_binary(chunk: object) -> TypeError:
    return TypeError(f"src must be a binary file; its read() gave {type(chunk).__name__}")


class _Reader:
    """Reads an ``.ec`` stream, turning every shortfall into a FormatError.

    ``where`` names the part being read, for the "truncated" message.  Reads
    go to the source in chunks of at most 1 MiB, so a huge declared size
    costs memory only as far as the data really exists.
    """

    def __init__(self, src: BinaryIO) -> None:
        self._read = _read_some(src)
        self._buf = b""
        self._pos = 0
        self.consumed = 0
        self.where = "the header"

    def _truncated(self) -> FormatError:
        return FormatError(f"truncated: the data ends inside {self.where}")

    def _more(self, need: int) -> bool:
        """Make at least `need` bytes available if the source has them."""
        while len(self._buf) - self._pos < need:
            chunk = self._read(max(need - (len(self._buf) - self._pos), 1 << 16))
            if not chunk:
                return False
            if not isinstance(chunk, bytes | bytearray):
                raise _not_binary(chunk)
            self._buf = self._buf[self._pos :] + bytes(chunk)
            self._pos = 0
        return True

    def byte(self) -> int:
        if self._pos >= len(self._buf) and not self._more(1):
            raise self._truncated()
        value = self._buf[self._pos]
        self._pos += 1
        self.consumed += 1
        return value

    def has_byte(self) -> bool:
        """Whether another byte can be read."""
        return self._pos < len(self._buf) or self._more(1)

    def unread(self, n: int) -> None:
        """Step back over the last `n` bytes read by :meth:`byte` (at most one)."""
        if n > min(self._pos, 1):
            raise ValueError(f"cannot step back {n} bytes")
        self._pos -= n
        self.consumed -= n

    def take(self, n: int) -> bytes:
        """Exactly `n` bytes."""
        have = len(self._buf) - self._pos
        if n <= have:
            out = self._buf[self._pos : self._pos + n]
            self._pos += n
            self.consumed += n
            return out
        parts = [self._buf[self._pos :]]
        self._buf, self._pos = b"", 0
        left = n - have
        while left:
            chunk = self._read(min(left, _READ_CHUNK))
            if not chunk:
                raise self._truncated()
            parts.append(bytes(chunk))
            left -= len(chunk)
        self.consumed += n
        return b"".join(parts)

    def varint(self, limit: int, what: str) -> int:
        """An unsigned LEB128 number, refused if above `limit`."""
        value = 0
        for i in range(_MAX_VARINT_BYTES):
            byte = self.byte()
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                if i and byte == 0:
                    raise FormatError(f"corrupt {self.where}: {what} has a needless zero byte")
                if value > limit:
                    raise FormatError(
                        f"corrupt {self.where}: {what} {value} exceeds the limit {limit}"
                    )
                return value
        raise FormatError(f"corrupt {self.where}: {what} is longer than {_MAX_VARINT_BYTES} bytes")

    def front_coded(self, count: int) -> list[bytes]:
        """`count` front-coded symbols of a text table (docs/FORMAT.md), checked.

        Each is the length of the prefix it shares with the one before, the
        length of the rest, then the rest.  Where the first length is a
        one-byte varint, the second one of one or two bytes, and the rest is
        buffered, the symbol is read from the buffer at once; the errors are
        those of reading field by field.
        """
        entries: list[bytes] = []
        previous = b""
        total = 0
        tail: bytes | None
        for _ in range(count):
            buf, pos = self._buf, self._pos
            size = len(buf)
            start = -1  # where the rest begins, once both lengths are read here
            if pos + 2 <= size and buf[pos] < 0x80:
                shared, rest = buf[pos], buf[pos + 1]
                if rest < 0x80:
                    start = pos + 2
                elif pos + 3 <= size and 0 < buf[pos + 2] < 0x80:
                    rest = (rest & 0x7F) | buf[pos + 2] << 7
                    start = pos + 3
            if start >= 0 and start + rest <= size:
                if shared > len(previous):
                    raise FormatError(f"corrupt {self.where}: shared prefix length {shared} "
                                      f"exceeds the limit {len(previous)}")
                tail = buf[start : start + rest]
                self._pos = start + rest
                self.consumed += start + rest - pos
            else:
                shared = self.varint(len(previous), "shared prefix length")
                rest = self.varint(MAX_ALPHABET_BYTES, "symbol length")
                tail = None  # taken once the size is checked
            total += shared + rest
            if total > MAX_ALPHABET_BYTES:
                raise FormatError(
                    f"corrupt {self.where}: the alphabet exceeds {MAX_ALPHABET_BYTES} bytes"
                )
            symbol = previous[:shared] + (self.take(rest) if tail is None else tail)
            if entries and symbol <= previous:
                raise FormatError(f"corrupt {self.where}: alphabet not in increasing order")
            if not symbol:
                raise FormatError(f"corrupt {self.where}: an empty symbol in the alphabet")
            entries.append(symbol)
            previous = symbol
        return entries

    def at_eof(self) -> bool:
        return self._pos >= len(self._buf) and not self._more(1)


class _BitReader:
    """Bits, most significant first, from a :class:`_Reader`, a byte at a time.

    :meth:`symbol` may look at up to 8 bits past the last one used; the
    whole byte it read too far is given back to the reader by :meth:`finish`.
    """

    def __init__(self, reader: _Reader) -> None:
        self._reader = reader
        self._acc = 0  # the unused bits, `_count` of them
        self._count = 0

    def bits(self, nbits: int) -> int:
        while self._count < nbits:
            self._acc = (self._acc << 8) | self._reader.byte()
            self._count += 8
        self._count -= nbits
        value = self._acc >> self._count
        self._acc &= (1 << self._count) - 1
        return value

    def symbol(self, symbol_at: Sequence[int], length_at: Sequence[int], width: int) -> int:
        """One prefix-coded symbol, looked up on the next `width` bits.

        ``symbol_at[w]`` is the symbol whose codeword starts the `width`-bit
        window ``w`` (-1 for none) and ``length_at[w]`` its length.  Up to a
        byte may be read ahead (given back by :meth:`finish`); past the end
        of the data the window is padded with zeros, and a codeword that
        needs those bits is "truncated".
        """
        acc, count = self._acc, self._count
        while count < width and self._reader.has_byte():
            acc = (acc << 8) | self._reader.byte()
            count += 8
        window = acc >> (count - width) if count >= width else acc << (width - count)
        symbol, length = symbol_at[window], length_at[window]
        if symbol < 0:
            raise FormatError("corrupt code lengths: invalid code")
        if length > count:
            raise self._reader._truncated()
        count -= length
        self._acc, self._count = acc & ((1 << count) - 1), count
        return symbol

    def finish(self, what: str) -> None:
        """Give back the whole bytes read ahead, then drop the padding, which must be zero."""
        ahead, _ = divmod(self._count, 8)
        if self._acc >> (8 * ahead):
            raise FormatError(f"corrupt {what}: nonzero padding bits")
        self._reader.unread(ahead)
        self._acc = self._count = 0


# ---------------------------------------------------------------------------
# Code lengths: run-length coded, then Huffman coded (like deflate)
# ---------------------------------------------------------------------------
def _length_tokens(lengths: np.ndarray) -> list[tuple[int, int, int]]:
    """The code-length symbols of `lengths`: ``(symbol, extra bits, extra value)``."""
    tokens: list[tuple[int, int, int]] = []
    n = lengths.size
    change = (np.flatnonzero(lengths[1:] != lengths[:-1]) + 1).tolist()
    starts = [0, *change]
    ends = [*change, n]
    values = lengths[starts].tolist() if n else []
    for value, start, end in zip(values, starts, ends, strict=True):
        run = end - start
        if value == 0:
            while run >= 139:
                step = min(run, 139 + 0xFFFF)
                tokens.append((_CL_ZEROS_HUGE, 16, step - 139))
                run -= step
            if run >= 11:
                tokens.append((_CL_ZEROS_LONG, 7, run - 11))
                run = 0
            elif run >= 3:
                tokens.append((_CL_ZEROS, 3, run - 3))
                run = 0
            tokens.extend([(0, 0, 0)] * run)
        else:
            tokens.append((value, 0, 0))
            run -= 1
            while run >= 3:
                step = min(run, 6)
                tokens.append((_CL_REPEAT, 2, step - 3))
                run -= step
            tokens.extend([(value, 0, 0)] * run)
    return tokens


def _lengths_code(lengths: np.ndarray) -> tuple[list[tuple[int, int, int]], np.ndarray, list[int]]:
    """The tokens of `lengths`, the CL code's lengths, and those stored."""
    tokens = _length_tokens(lengths)
    counts = np.zeros(_CL_SIZE, dtype=np.float64)
    for symbol, _, _ in tokens:
        counts[symbol] += 1
    cl_lengths = limited_lengths(counts, _CL_MAX_LENGTH)
    ordered = [int(cl_lengths[s]) for s in _CL_ORDER]
    while ordered[-1] == 0:
        ordered.pop()
    return tokens, cl_lengths, ordered


def _lengths_size(lengths: np.ndarray) -> int:
    """``len(_lengths_bytes(lengths))``."""
    return len(_lengths_bytes(lengths))


def _lengths_bytes(lengths: np.ndarray) -> bytes:
    """Code lengths as a byte-padded bit string (docs/FORMAT.md, "Code lengths").

    The block planner sizes the tables it weighs, and the encoder then writes
    the same ones: the bytes of tables of up to :data:`_CACHED_LENGTHS`
    lengths are kept for the next call.
    """
    key = np.asarray(lengths, dtype=np.uint8).tobytes()
    if len(key) <= _CACHED_LENGTHS:
        return _lengths_written(key)
    return _lengths_written.__wrapped__(key)


_CACHED_LENGTHS = 4096
"""Tables of at most this many code lengths are kept by :func:`_lengths_bytes`."""


@functools.lru_cache(maxsize=128)
def _lengths_written(key: bytes) -> bytes:
    tokens, cl_lengths, ordered = _lengths_code(np.frombuffer(key, dtype=np.uint8))
    cl_codes = canonical_codewords(cl_lengths).tolist()
    writer = _BitWriter()
    writer.write(len(ordered) - 1, 6)
    for length in ordered:
        writer.write(length, 3)
    cl_list = cl_lengths.tolist()
    for symbol, nbits, extra in tokens:
        writer.write(cl_codes[symbol], cl_list[symbol])
        if nbits:
            writer.write(extra, nbits)
    return writer.getvalue()


@functools.lru_cache(maxsize=64)
def _cl_lookup(cl_lengths: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Lookup tables of a code-length code: the symbol and length per 7-bit window.

    The next :data:`_CL_MAX_LENGTH` bits give the symbol whose codeword
    starts them and its length.  Every window has one (the code is checked
    complete), except after a lone codeword '0' (symbol -1).  Kept for the
    next tables: neighbouring blocks often share their code-length code.
    """
    try:
        check_lengths(cl_lengths, complete=True)
    except CodebookError as exc:
        raise FormatError(f"corrupt code lengths: invalid code-length code ({exc})") from None
    if not any(cl_lengths):
        raise FormatError("corrupt code lengths: the code-length code is empty")
    symbol_at = [-1] * (1 << _CL_MAX_LENGTH)
    length_at = [0] * (1 << _CL_MAX_LENGTH)
    for symbol, code in enumerate(canonical_codewords(cl_lengths).tolist()):
        length = cl_lengths[symbol]
        if length:
            low = code << (_CL_MAX_LENGTH - length)
            high = (code + 1) << (_CL_MAX_LENGTH - length)
            symbol_at[low:high] = [symbol] * (high - low)
            length_at[low:high] = [length] * (high - low)
    return tuple(symbol_at), tuple(length_at)


def _read_lengths(reader: _Reader, n: int) -> np.ndarray:
    """Read `n` code lengths written by :func:`_lengths_bytes`."""
    bits = _BitReader(reader)
    stored = bits.bits(6) + 1
    if stored > _CL_SIZE:
        raise FormatError(f"corrupt code lengths: {stored} code-length codes, at most {_CL_SIZE}")
    cl_lengths = [0] * _CL_SIZE
    for i in range(stored):
        cl_lengths[_CL_ORDER[i]] = bits.bits(3)
    symbol_at, length_at = _cl_lookup(tuple(cl_lengths))
    values: list[int] = []
    runs: list[int] = []
    have = 0
    previous = -1
    while have < n:
        symbol = bits.symbol(symbol_at, length_at, _CL_MAX_LENGTH)
        if symbol < _CL_REPEAT:
            value, run = symbol, 1
        else:
            nbits, smallest = _CL_RUNS[symbol]
            run = smallest + bits.bits(nbits)
            if symbol == _CL_REPEAT:
                if previous < 0:
                    raise FormatError("corrupt code lengths: a repeat with nothing to repeat")
                value = previous
            else:
                value = 0
        if have + run > n:
            raise FormatError(f"corrupt code lengths: more than the {n} expected")
        values.append(value)
        runs.append(run)
        previous = value
        have += run
    bits.finish("code lengths")
    # One byte per length: a chars table may declare 0x110000 entries in a
    # few bytes of runs, and this array is all the memory they cost.
    return np.repeat(np.array(values, dtype=np.uint8), np.array(runs, dtype=np.int64))


# ---------------------------------------------------------------------------
# Tables: alphabet and lengths
# ---------------------------------------------------------------------------
def _shared_prefixes(sizes: np.ndarray, joined: np.ndarray) -> np.ndarray:
    """Length of the prefix each symbol shares with the one before it (0 for the first).

    `joined` is the symbols end to end, `sizes` their lengths.  By whole
    arrays: eight bytes compared at a time while the pairs agree, then one
    byte at a time.
    """
    n = sizes.size
    shared = np.zeros(n, dtype=np.int64)
    if n < 2:
        return shared
    padded = np.zeros(joined.size + 8, dtype=np.uint8)
    padded[:-8] = joined
    words = np.ndarray(shape=(padded.size - 7,), dtype=">u8", buffer=padded, strides=(1,))
    first = np.cumsum(sizes) - sizes
    a, b = first[:-1], first[1:]
    limit = np.minimum(sizes[1:], sizes[:-1])
    k = shared[1:]
    for step, view in ((8, words), (1, padded)):
        active = np.flatnonzero(limit - k >= step)
        while active.size:
            at = k[active]
            active = active[view[a[active] + at] == view[b[active] + at]]
            k[active] += step
            active = active[limit[active] - k[active] >= step]
    return shared


_FRONT_CODED_ARRAY_BYTES = 1 << 20
"""Alphabets of up to this many bytes are front-coded by whole arrays."""


def _front_coded(symbols: tuple[bytes, ...]) -> bytes:
    """The sorted symbols of a text table, front-coded (docs/FORMAT.md, "Code table").

    Each symbol is written as the length of the prefix it shares with the
    one before, the length of the rest, then the rest.  When every length
    is a one-byte varint (words, short lines) and the alphabet is small,
    the bytes are laid out by whole arrays; otherwise symbol by symbol.
    """
    if not symbols:
        return b""
    sizes = np.fromiter(map(len, symbols), dtype=np.int64, count=len(symbols))
    joined = np.frombuffer(b"".join(symbols), dtype=np.uint8)
    shared = _shared_prefixes(sizes, joined)
    rest = sizes - shared
    if (joined.size > _FRONT_CODED_ARRAY_BYTES or int(shared.max()) >= 0x80
            or int(rest.max()) >= 0x80):
        out = bytearray()
        for symbol, k in zip(symbols, shared.tolist(), strict=True):
            out += _varint(k)
            out += _varint(len(symbol) - k)
            out += symbol[k:]
        return bytes(out)
    entry = rest + 2
    ends = np.cumsum(entry)
    out_array = np.empty(int(ends[-1]), dtype=np.uint8)
    begin = ends - entry
    out_array[begin] = shared
    out_array[begin + 1] = rest
    # The rests: output byte begin + 2 + j of a symbol is its byte shared + j.
    rest_start = np.cumsum(rest) - rest
    step = np.arange(int(rest.sum()))
    source = np.repeat(np.cumsum(sizes) - sizes + shared - rest_start, rest) + step
    target = np.repeat(begin + 2 - rest_start, rest) + step
    out_array[target] = joined[source]
    return out_array.tobytes()


def _table_bytes(mode: str, table: _Table) -> bytes:
    """The stored form of a code table (docs/FORMAT.md, "Code table")."""
    if mode == "bytes":
        return _lengths_bytes(table.lengths)
    symbols = table.symbols or ()
    if mode == "chars":
        points = np.fromiter((ord(s.decode("utf-8")) for s in symbols), dtype=np.int64,
                             count=len(symbols))
        size = int(points.max()) + 1
        full = np.zeros(size, dtype=np.int64)
        full[points] = table.lengths
        return _varint(size) + _lengths_bytes(full)
    return _varint(len(symbols)) + _front_coded(symbols) + _lengths_bytes(table.lengths)


def _read_table(reader: _Reader, mode: str) -> _Table:
    """Read a code table written by :func:`_table_bytes` and validate it."""
    if mode == "bytes":
        symbols = None
        lengths = _read_lengths(reader, 256)
    elif mode == "chars":
        size = reader.varint(_UNICODE_LIMIT, "alphabet size")
        if size == 0:
            raise FormatError(f"corrupt {reader.where}: empty alphabet")
        full = _read_lengths(reader, size)
        points = np.flatnonzero(full)
        if np.any((points >= 0xD800) & (points <= 0xDFFF)):
            raise FormatError(f"corrupt {reader.where}: a surrogate code point in the alphabet")
        symbols = tuple(chr(p).encode("utf-8") for p in points.tolist())
        lengths = full[points]
    else:
        count = reader.varint(MAX_BLOCK_BYTES, "alphabet size")
        if count == 0:
            raise FormatError(f"corrupt {reader.where}: empty alphabet")
        symbols = tuple(reader.front_coded(count))
        lengths = _read_lengths(reader, count)
        if not lengths.all():
            raise FormatError(f"corrupt {reader.where}: a symbol of the alphabet has no code")
    if not lengths.any():
        raise FormatError(f"corrupt {reader.where}: no symbol has a code")
    top = int(lengths.max())
    if top > _length_cap(None):
        raise FormatError(
            f"corrupt {reader.where}: code length {top} exceeds the maximum {_length_cap(None)}"
        )
    table = _Table(symbols, lengths)
    try:
        table.code  # noqa: B018 - builds and validates the codec's table
    except CodebookError as exc:
        raise FormatError(f"corrupt {reader.where}: {exc}") from None
    return table


# ---------------------------------------------------------------------------
# Segment offsets
# ---------------------------------------------------------------------------
def _segments_bytes(starts: np.ndarray) -> bytes:
    """The bit lengths of all segments but the last: a base, a width, fixed-width offsets."""
    if starts.size <= 1:
        return b""
    sizes = np.diff(np.asarray(starts, dtype=np.int64))
    base = int(sizes.min())
    width = int(sizes.max() - base).bit_length()
    return _varint(base) + bytes([width]) + _pack_fixed(sizes - base, width)


def _read_segments(reader: _Reader, table: _Table, count: int, nbits: int,
                   segment: int) -> tuple[np.ndarray, bytes]:
    """Read the segment offsets and the payload of a block; return (all start offsets, payload).

    The payload is read before the offsets are unpacked, so that a block that
    declares a million segments in a few bytes (offsets of width 0) fails as
    truncated before memory is set aside for them.
    """
    segments = -(-count // segment)
    low, high = table.min_length, table.max_length
    payload_bytes = (nbits + 7) // 8
    if segments <= 1:
        return np.zeros(1, dtype=np.int64), reader.take(payload_bytes)
    base = reader.varint(segment * high, "segment size")
    width = reader.byte()
    if width > 32:
        raise FormatError(f"corrupt {reader.where}: segment offsets of {width} bits")
    packed = reader.take(((segments - 1) * width + 7) // 8)
    payload = reader.take(payload_bytes)
    sizes = base + _unpack_fixed(packed, segments - 1, width)
    if sizes.min() < segment * low or sizes.max() > segment * high:
        raise FormatError(f"corrupt {reader.where}: a segment size is impossible for its code")
    starts = np.zeros(segments, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    last_symbols = count - (segments - 1) * segment
    last_bits = nbits - int(starts[-1])
    if not last_symbols * low <= last_bits <= last_symbols * high:
        raise FormatError(f"corrupt {reader.where}: the segment sizes do not add up")
    return starts, payload


# ---------------------------------------------------------------------------
# Models (mismatched coding)
# ---------------------------------------------------------------------------
_HEX_BYTE = re.compile(r"0x[0-9a-fA-F]{2}")


def _model_key(symbol: Any, mode: str) -> bytes:
    """The data symbol (its bytes) that a model's symbol stands for."""
    key: bytes | None = None
    if isinstance(symbol, bytes):
        key = symbol
    elif isinstance(symbol, str):
        if mode == "bytes":
            if len(symbol) == 1 and ord(symbol) < 256:
                key = bytes([ord(symbol)])
            elif _HEX_BYTE.fullmatch(symbol):
                key = bytes([int(symbol[2:], 16)])
            else:
                raise ModelError(
                    f"model symbol {symbol!r} is not a byte: in bytes mode use one character "
                    "with a code point below 256, or 0x and two hex digits (0x0a)"
                )
        else:
            try:
                key = symbol.encode("utf-8")
            except UnicodeEncodeError:
                raise ModelError(f"model symbol {symbol!r} is not valid Unicode text") from None
    elif isinstance(symbol, numbers.Integral) and mode == "bytes" and 0 <= int(symbol) < 256:
        key = bytes([int(symbol)])
    if key is None:
        raise ModelError(f"model symbol {symbol!r} is not a {mode}-mode symbol")
    if mode == "bytes":
        if len(key) != 1:
            raise ModelError(f"model symbol {symbol!r} is not a single byte")
        return key
    try:
        text = key.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelError(f"model symbol {symbol!r} is not valid UTF-8") from None
    if not text:
        raise ModelError("a model symbol is empty, so it can never occur")
    if mode == "chars" and len(text) != 1:
        raise ModelError(f"model symbol {symbol!r} is not one character (--symbols chars)")
    return key


def _model_table(model: Distribution, mode: str, smooth: float | None, cap: int,
                 data_symbols: set[bytes] | None) -> _Table:
    """The Huffman code of `model` (smoothed, if asked) over the mode's data symbols.

    The lengths are those of ``huffman_code(model)`` (or of the smoothed
    model), limited to `cap` bits when deeper.  With `smooth`, the model's
    symbols are extended first by every other byte value (bytes mode) or by
    every symbol of the data the model lacks (text modes), with weight 0,
    and then A is added to every weight.
    """
    if not isinstance(model, Distribution):
        raise TypeError(f"model must be a Distribution, not {type(model).__name__}")
    keys = [_model_key(s, mode) for s in model.symbols]
    first: dict[bytes, Any] = {}
    for key, symbol in zip(keys, model.symbols, strict=True):
        if key in first:
            raise ModelError(
                f"model symbols {first[key]!r} and {symbol!r} both stand for "
                f"{symbol_label(key, mode)!r}"
            )
        first[key] = symbol
    dist = Distribution(tuple(keys), model.probabilities, model.counts)
    if smooth is not None:
        if mode == "bytes":
            extra = [bytes([b]) for b in range(256) if bytes([b]) not in first]
        else:
            extra = sorted((data_symbols or set()) - set(first))
        if extra:
            symbols = (*keys, *extra)
            if model.counts is not None:
                dist = Distribution.from_counts([*model.counts, *[0] * len(extra)], symbols)
            else:
                dist = Distribution.from_probabilities(
                    [*model.probabilities.tolist(), *[0.0] * len(extra)], symbols
                )
        dist = dist.smoothed(smooth)
    weights = (
        np.array(dist.counts, dtype=np.float64) if dist.counts is not None else dist.probabilities
    )
    lengths = limited_lengths(weights, cap)
    coded = cast(tuple[bytes, ...], dist.symbols)  # the keys made above
    if mode == "bytes":
        full = np.zeros(256, dtype=np.int64)
        full[[key[0] for key in coded]] = lengths
        return _Table(None, full)
    pairs = sorted((key, int(n)) for key, n in zip(coded, lengths.tolist(), strict=True)
                   if n > 0)
    if sum(len(key) for key, _ in pairs) > MAX_ALPHABET_BYTES:
        raise ModelError(f"the model's symbols exceed {MAX_ALPHABET_BYTES} bytes in all")
    return _Table(tuple(k for k, _ in pairs), np.array([n for _, n in pairs], dtype=np.int64))


def _missing_symbol_error(symbol: bytes, mode: str) -> ModelError:
    return ModelError(
        f"symbol '{symbol_label(symbol, mode)}' occurs in the input but has probability 0 "
        "under the model, so it has no codeword; use --smooth A (smooth=A) to add A to "
        "every symbol's weight"
    )


# ---------------------------------------------------------------------------
# Compression
# ---------------------------------------------------------------------------
def _read_blocks(src: BinaryIO, mode: str, block_size: int) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, chunk)``: the input cut into blocks on symbol boundaries.

    Each chunk holds at most `block_size` bytes, ending where
    :func:`~entrocode.symbols.safe_boundary` allows.  When a single word or
    line fills a whole block it is cut at a character boundary instead (it
    becomes two symbols; the bytes are unchanged).  In chars mode a block
    may run up to 3 bytes over to finish a character when `block_size` < 4.
    """
    read = _read_some(src)
    parts: list[bytes] = []
    have = 0
    offset = 0
    target = block_size
    eof = False
    while True:
        while have < target and not eof:
            chunk = read(target - have)
            if not chunk:
                eof = True
            elif not isinstance(chunk, bytes | bytearray):
                raise _not_binary(chunk)
            else:
                parts.append(bytes(chunk))
                have += len(chunk)
        buf = b"".join(parts)
        if eof:
            if buf:
                yield offset, buf
            return
        cut = safe_boundary(buf, mode)
        if cut == 0 and mode in ("words", "lines"):
            cut = safe_boundary(buf, "chars")
        if cut == 0:
            parts, target = [buf], have + 4
            continue
        yield offset, buf[:cut]
        offset += cut
        rest = buf[cut:]
        parts, have, target = ([rest] if rest else []), len(rest), block_size


def _tokenize(chunk: bytes, mode: str, offset: int) -> Any:
    """Tokenize a block; a UTF-8 error names its offset in the whole input."""
    try:
        return tokenize(chunk, mode)
    except SymbolError:
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SymbolError(
                f"input is not valid UTF-8 at byte {offset + exc.start} "
                f"(0x{chunk[exc.start]:02x}); use --symbols bytes for binary data"
            ) from None
        raise


def _offsets_estimate(count: int) -> int:
    """Bytes of the segment offsets of a block of `count` symbols, estimated."""
    if count < _LOCKSTEP_MIN_SYMBOLS:
        return 0
    segments = -(-count // (1 << _segment_log2()))
    return 3 + ((segments - 1) * _OFFSET_BITS_ESTIMATE + 7) // 8


def _entropy_bits(counts: np.ndarray) -> np.ndarray:
    """``n * H`` in bits for each row of counts: ``n log2 n - sum c log2 c``."""
    c = counts.astype(np.float64)
    n = c.sum(axis=-1)
    logs = np.log2(c, out=np.zeros_like(c), where=c > 0)
    return n * np.log2(np.maximum(n, 1)) - (c * logs).sum(axis=-1)


class _Planner:
    """Chooses where a chunk's blocks start: the cuts that make it cheapest.

    The chunk is a grid of cells of :data:`_SPLIT_CELL` symbols (the last one
    takes the remainder) with known symbol counts.  A block of cells costs about
    ``n H / 8`` bytes of payload (its empirical entropy) plus its table and
    header; a dynamic program over the cuts on that estimate proposes blocks,
    whose exact costs (Huffman lengths, table bytes) decide: the chunk is cut
    only if that saves at least :data:`_SPLIT_MIN_SAVING` of its size as one
    block.
    """

    def __init__(self, encoder: _Encoder, alphabet: tuple[bytes, ...],
                 sizes: np.ndarray | None, cum: np.ndarray, bounds: list[int]) -> None:
        self.encoder = encoder
        self.alphabet = alphabet
        self.sizes = sizes
        self.cum = cum
        self.bounds = bounds
        self.cells = cum.shape[0] - 1

    def exact(self, i: int, j: int) -> tuple[int, int, np.ndarray]:
        """(bytes, table bytes, code lengths) of cells i .. j-1 as one block."""
        counts = self.cum[j] - self.cum[i]
        n = self.bounds[j] - self.bounds[i]
        nbytes = n if self.sizes is None else int(counts @ self.sizes)
        return self.encoder.block_cost(self.alphabet, counts, n, nbytes)

    def cuts(self) -> tuple[list[int], list[np.ndarray]]:
        """The cells where blocks start, then the number of cells; and each block's lengths."""
        cells = self.cells
        single, table, lengths = self.exact(0, cells)
        whole = ([0, cells], [lengths])
        need = _SPLIT_MIN_SAVING * single
        # Cutting everywhere gives the lowest entropy any cuts can reach; if
        # even that, less one more table, saves too little, no cuts will.
        gain = float(_entropy_bits(self.cum[cells])) - float(
            _entropy_bits(np.diff(self.cum, axis=0)).sum())
        if gain / 8 - table < need:
            return whole
        cuts = self._propose(table)
        if len(cuts) == 2:
            return whole
        costs = [self.exact(a, b) for a, b in itertools.pairwise(cuts)]
        if single - sum(c[0] for c in costs) < need:
            return whole
        return cuts, [c[2] for c in costs]

    def _propose(self, table: int) -> list[int]:
        """Cuts minimizing the estimated cost, in blocks of at most _SPLIT_SPAN cells."""
        cells = self.cells
        span = min(_SPLIT_SPAN, cells)
        starts = np.concatenate([np.arange(0, cells + 1 - s) for s in range(1, span + 1)])
        ends = starts + np.concatenate([np.full(cells + 1 - s, s) for s in range(1, span + 1)])
        rows = max(1, _SPLIT_BATCH // self.cum.shape[1])  # bounded memory
        bits = np.concatenate([
            _entropy_bits(self.cum[ends[k : k + rows]] - self.cum[starts[k : k + rows]])
            for k in range(0, starts.size, rows)
        ])
        bounds = np.asarray(self.bounds)
        offsets = [_offsets_estimate(int(m)) for m in (bounds[ends] - bounds[starts]).tolist()]
        estimate = (bits / 8 + (table + 8 + _BLOCK_ALLOWANCE) + np.array(offsets)).tolist()
        cost_of = dict(zip(zip(starts.tolist(), ends.tolist(), strict=True), estimate,
                           strict=True))
        best = [0.0] + [math.inf] * cells
        back = [0] * (cells + 1)
        for j in range(1, cells + 1):
            for i in range(max(0, j - span), j):
                c = best[i] + cost_of[(i, j)]
                if c < best[j]:
                    best[j], back[j] = c, i
        cuts = [cells]
        while cuts[-1]:
            cuts.append(back[cuts[-1]])
        return cuts[::-1]


class _Encoder:
    """Turns input blocks into ``.ec`` bytes and keeps the statistics."""

    def __init__(self, mode: str, model_table: _Table | None, max_length: int | None) -> None:
        self.mode = mode
        self.model_table = model_table
        self.max_length = max_length
        self.cap = _length_cap(max_length)
        self.segment_log2 = _segment_log2()
        self.segment = 1 << self.segment_log2
        self.current: _Table | None = None
        self.crc = 0
        self.input_bytes = 0
        self.output_bytes = 0
        self.symbols = 0
        self.payload_bytes = 0
        self.predicted_bits = 0
        self.payload_bits = 0
        self.blocks = 0
        self.raw_blocks = 0
        self.reused = 0
        self.max_code_length = 0
        self.byte_counts = np.zeros(256, dtype=np.int64)
        self.text_counts: dict[bytes, int] = {}

    # -- records -----------------------------------------------------------
    def header(self) -> bytes:
        out = MAGIC + bytes([VERSION, MODES.index(self.mode)])
        self.output_bytes += len(out)
        return out

    def end(self) -> bytes:
        out = bytes([_BLOCK_END]) + _varint(self.input_bytes)
        if self.mode != "bytes":
            out += _varint(self.symbols)
        out += self.crc.to_bytes(4, "little")
        self.output_bytes += len(out)
        return out

    def block(self, chunk: bytes, offset: int) -> bytes:
        """Encode one chunk of input, as one block or several, and return their bytes."""
        tokens = _tokenize(chunk, self.mode, offset)
        ids = tokens.ids
        alphabet = tokens.alphabet
        counts, grid, bounds = self._cells(ids, len(alphabet))
        self._count(alphabet, counts)
        self.crc = zlib.crc32(chunk, self.crc)
        self.input_bytes += len(chunk)
        self.symbols += int(ids.size)
        if grid is None:
            return self._block(chunk, alphabet, ids, counts)
        sizes = (
            None if self.mode == "bytes"
            else np.fromiter(map(len, alphabet), dtype=np.int64, count=len(alphabet))
        )
        cum = np.zeros((grid.shape[0] + 1, grid.shape[1]), dtype=np.int64)
        np.cumsum(grid, axis=0, out=cum[1:])
        cuts, lengths = _Planner(self, alphabet, sizes, cum, bounds).cuts()
        if len(cuts) == 2:
            whole: np.ndarray | None = lengths[0]
            if sizes is not None and len(lengths[0]) != len(alphabet):
                whole = None  # some symbol of the alphabet does not occur
            return self._block(chunk, alphabet, ids, counts, whole)
        out = []
        byte_at = [bounds[c] if sizes is None else int(cum[c] @ sizes) for c in cuts]
        for k in range(len(cuts) - 1):
            lo, hi = bounds[cuts[k]], bounds[cuts[k + 1]]
            part = chunk[byte_at[k] : byte_at[k + 1]]
            part_counts = cum[cuts[k + 1]] - cum[cuts[k]]
            if sizes is None:
                out.append(self._block(part, alphabet, ids[lo:hi], part_counts, lengths[k]))
                continue
            present = np.flatnonzero(part_counts)
            renumber = np.zeros(len(alphabet), dtype=np.uint32)
            renumber[present] = np.arange(present.size, dtype=np.uint32)
            out.append(self._block(part, tuple(alphabet[i] for i in present.tolist()),
                                   renumber[ids[lo:hi]], part_counts[present], lengths[k]))
        return b"".join(out)

    def _cells(self, ids: np.ndarray,
               size: int) -> tuple[np.ndarray, np.ndarray | None, list[int]]:
        """The chunk's symbol counts and, if it may be split, the counts of each grid cell."""
        n = int(ids.size)
        cells = n // _SPLIT_CELL
        if self.model_table is not None or cells < 2 or size > _SPLIT_MAX_ALPHABET:
            return np.bincount(ids, minlength=size).astype(np.int64), None, [0, n]
        bounds = [k * _SPLIT_CELL for k in range(cells)] + [n]
        grid = np.empty((cells, size), dtype=np.int64)
        for k in range(cells):
            grid[k] = np.bincount(ids[bounds[k] : bounds[k + 1]], minlength=size)
        return grid.sum(axis=0), grid, bounds

    def block_cost(self, alphabet: tuple[bytes, ...], counts: np.ndarray, n: int,
                   nbytes: int) -> tuple[int, int, np.ndarray]:
        """A block of these symbol counts with its own table: (bytes, table bytes, lengths).

        The lengths are those of the symbols that occur, in order.  The
        segment offsets are estimated; everything else is exact.
        """
        head = 1 + len(_varint(nbytes))
        if self.mode == "bytes":
            lengths = _code_lengths(counts, self.cap, self.max_length)
            table = _lengths_size(lengths)
        else:
            head += len(_varint(n))
            present = np.flatnonzero(counts)
            counts = counts[present]
            lengths = _code_lengths(counts, self.cap, self.max_length)
            symbols = tuple(alphabet[i] for i in present.tolist())
            table = len(_table_bytes(self.mode, _Table(symbols, lengths)))
        nbits = int(counts @ lengths)
        coded = (head + len(_varint(nbits)) + table + 1 + _offsets_estimate(n)
                 + (nbits + 7) // 8)
        return min(coded, head + nbytes), table, lengths

    def _segment_log2_for(self, count: int) -> int:
        """Segments of the codec's size for a large block; one segment for a small one."""
        if count >= _LOCKSTEP_MIN_SYMBOLS:
            return self.segment_log2
        return min(_MAX_SEGMENT_LOG2, max(self.segment_log2, (count - 1).bit_length()))

    def _block(self, chunk: bytes, alphabet: tuple[bytes, ...], ids: np.ndarray,
               counts: np.ndarray, lengths: np.ndarray | None = None) -> bytes:
        """Encode one block (NEW, REUSE or RAW) and return its bytes.

        `lengths`, when known, are the Huffman lengths of `counts`.
        """
        text = self.mode != "bytes"
        self.blocks += 1
        choice = self._choose(alphabet, ids, counts, lengths)
        kind, table, table_ids, predicted, table_bytes = choice
        segment_log2 = self._segment_log2_for(int(ids.size))
        encoded = codec.encode(table_ids, table.code, segment=1 << segment_log2)
        out = bytearray([kind])
        out += _varint(len(chunk))
        if text:
            out += _varint(int(ids.size))
        out += _varint(int(encoded.nbits))
        out += table_bytes
        out.append(segment_log2)
        out += _segments_bytes(np.asarray(encoded.starts))
        out += encoded.payload
        raw = bytes([_BLOCK_RAW]) + _varint(len(chunk))
        if text:
            raw += _varint(int(ids.size))
        if self.model_table is None and len(out) >= len(raw) + len(chunk):
            self.raw_blocks += 1
            self.predicted_bits += 8 * len(chunk)
            self.payload_bits += 8 * len(chunk)
            self.payload_bytes += len(chunk)
            self.output_bytes += len(raw) + len(chunk)
            return raw + chunk
        if kind == _BLOCK_NEW:
            self.current = table
        else:
            self.reused += 1
        self.max_code_length = max(self.max_code_length, table.max_length)
        self.predicted_bits += predicted
        self.payload_bits += int(encoded.nbits)
        self.payload_bytes += len(encoded.payload)
        self.output_bytes += len(out)
        return bytes(out)

    # -- helpers -------------------------------------------------------------
    def _count(self, alphabet: tuple[bytes, ...], counts: np.ndarray) -> None:
        if self.mode == "bytes":
            self.byte_counts += counts
            return
        totals = self.text_counts
        for symbol, n in zip(alphabet, counts.tolist(), strict=True):
            totals[symbol] = totals.get(symbol, 0) + n

    def _map(self, table: _Table, alphabet: tuple[bytes, ...], ids: np.ndarray,
             counts: np.ndarray, name: bool = True) -> tuple[np.ndarray, int, bytes | None]:
        """Ids of the block in `table`, and the payload bits, or a missing symbol.

        The missing symbol is the first one in the input, or just b"" when
        `name` is false (its name then costs nothing).
        """
        if self.mode == "bytes":
            lengths = table.lengths
            if np.any((counts > 0) & (lengths == 0)):
                if not name:
                    return ids, 0, b""
                first = int(np.argmax(lengths[ids] == 0))  # first occurrence in the input
                return ids, 0, bytes([int(ids[first])])
            return ids, int(counts @ lengths), None
        index = table.index
        position = np.fromiter((index.get(s, -1) for s in alphabet), dtype=np.int64,
                               count=len(alphabet))
        if position.size and position.min() < 0:
            first = int(np.argmax(position[ids] < 0))
            return ids, 0, alphabet[int(ids[first])]
        bits = int(counts @ table.lengths[position]) if position.size else 0
        return position.astype(np.uint32)[ids], bits, None

    def _choose(self, alphabet: tuple[bytes, ...], ids: np.ndarray, counts: np.ndarray,
                lengths: np.ndarray | None) -> tuple[int, _Table, np.ndarray, int, bytes]:
        """Pick NEW or REUSE (the raw fallback is decided after coding)."""
        if self.model_table is not None:
            mapped, bits, missing = self._map(self.model_table, alphabet, ids, counts)
            if missing is not None:
                raise _missing_symbol_error(missing, self.mode)
            if self.current is None:
                return (_BLOCK_NEW, self.model_table, mapped, bits,
                        _table_bytes(self.mode, self.model_table))
            return _BLOCK_REUSE, self.model_table, mapped, bits, b""
        if lengths is None:
            lengths = _code_lengths(counts, self.cap, self.max_length)
        own = _Table(None if self.mode == "bytes" else alphabet, lengths)
        own_bits = int(counts @ lengths)
        own_bytes = _table_bytes(self.mode, own)
        if self.current is not None:
            mapped, bits, missing = self._map(self.current, alphabet, ids, counts, name=False)
            if missing is None and (bits + 7) // 8 <= len(own_bytes) + (own_bits + 7) // 8:
                return _BLOCK_REUSE, self.current, mapped, bits, b""
        return _BLOCK_NEW, own, ids, own_bits, own_bytes

    def stats(self, huffman: bool = False) -> CompressStats:
        if self.mode == "bytes":
            counts = self.byte_counts[self.byte_counts > 0]
        else:
            counts = np.fromiter(self.text_counts.values(), dtype=np.int64,
                                 count=len(self.text_counts))
        total = int(counts.sum())
        h = _entropy(counts / total) if total else 0.0
        huffman_bps = None
        if huffman:
            huffman_bps = (
                float(counts @ huffman_lengths(counts.astype(np.float64))) / total
                if total else 0.0
            )
        return CompressStats(
            mode=self.mode,
            input_bytes=self.input_bytes,
            output_bytes=self.output_bytes,
            symbols=self.symbols,
            distinct_symbols=int(counts.size),
            entropy=h,
            predicted_payload_bits=self.predicted_bits,
            payload_bits=self.payload_bits,
            bits_per_symbol=self.payload_bits / self.symbols if self.symbols else 0.0,
            header_bytes=self.output_bytes - self.payload_bytes,
            blocks=self.blocks,
            raw_blocks=self.raw_blocks,
            reused_tables=self.reused,
            max_code_length=self.max_code_length,
            crc32=self.crc,
            huffman_bits_per_symbol=huffman_bps,
        )


def _check_options(symbols: str, model: Distribution | None, smooth: float | None,
                   max_length: int | None, block_size: int) -> None:
    check_mode(symbols)
    if model is not None and not isinstance(model, Distribution):
        raise TypeError(f"model must be a Distribution, not {type(model).__name__}")
    if smooth is not None:
        if model is None:
            raise ModelError("smoothing applies to a model: pass model= (--model) as well")
        if isinstance(smooth, bool) or not isinstance(smooth, numbers.Real):
            raise TypeError(f"smooth must be a number, not {type(smooth).__name__}")
        if not math.isfinite(smooth) or smooth <= 0:
            raise DistributionError(f"smoothing must be a positive number, got {smooth!r}")
    if max_length is not None:
        if isinstance(max_length, bool) or not isinstance(max_length, numbers.Integral):
            raise TypeError(f"max_length must be an int, not {type(max_length).__name__}")
        if max_length < 1:
            raise CodebookError(f"max_length must be at least 1, got {max_length}")
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral):
        raise TypeError(f"block_size must be an int, not {type(block_size).__name__}")
    if not 1 <= block_size <= MAX_BLOCK_SIZE:
        raise ValueError(f"block_size must be between 1 and {MAX_BLOCK_SIZE}, got {block_size}")


def _prescan(src: BinaryIO, mode: str, block_size: int,
             stack: contextlib.ExitStack) -> tuple[BinaryIO, set[bytes]]:
    """Collect the distinct symbols of the input, and return a source to read it again.

    A seekable source is rewound; any other is copied to a temporary file
    on the way (bounded memory, one extra pass).
    """
    found: set[bytes] = set()
    seekable = False
    with contextlib.suppress(AttributeError, OSError, ValueError):
        seekable = bool(src.seekable())
    if seekable:
        start = src.tell()
        for offset, chunk in _read_blocks(src, mode, block_size):
            found.update(_tokenize(chunk, mode, offset).alphabet)
        src.seek(start)
        return src, found
    spool = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by `stack`
    for offset, chunk in _read_blocks(src, mode, block_size):
        spool.write(chunk)
        found.update(_tokenize(chunk, mode, offset).alphabet)
    spool.seek(0)
    return spool, found


def _run_compress(src: BinaryIO, dst: BinaryIO | None, symbols: str, model: Distribution | None,
                  smooth: float | None, max_length: int | None, block_size: int,
                  progress: Callable[[int], Any] | None, huffman: bool) -> CompressStats:
    _check_options(symbols, model, smooth, max_length, block_size)
    with contextlib.ExitStack() as stack:
        table = None
        if model is not None:
            data_symbols = None
            if smooth is not None and symbols != "bytes":
                src, data_symbols = _prescan(src, symbols, block_size, stack)
            table = _model_table(model, symbols, smooth, _length_cap(max_length), data_symbols)
        encoder = _Encoder(symbols, table, max_length)
        write = dst.write if dst is not None else (lambda _: None)
        write(encoder.header())
        for offset, chunk in _read_blocks(src, symbols, block_size):
            write(encoder.block(chunk, offset))
            if progress is not None:
                progress(len(chunk))
        write(encoder.end())
        return encoder.stats(huffman)


def compress_stream(src: BinaryIO, dst: BinaryIO, *, symbols: str = "bytes",
                    model: Distribution | None = None, smooth: float | None = None,
                    max_length: int | None = None, block_size: int = DEFAULT_BLOCK_SIZE,
                    progress: Callable[[int], Any] | None = None) -> CompressStats:
    """Compress the binary stream `src` into `dst`, one block at a time.

    Memory stays bounded by a few times `block_size` whatever the input's
    length (in the text modes, plus the table of distinct symbols).

    Parameters
    ----------
    src : binary file object
        Read with ``read(n)`` until it returns ``b""`` (a file, a pipe,
        ``sys.stdin.buffer``, ``io.BytesIO``).
    dst : binary file object
        Receives the ``.ec`` data through ``write``.
    symbols : str, default "bytes"
        The symbol mode: ``"bytes"``, ``"chars"``, ``"words"`` or ``"lines"``.
    model : Distribution, optional
        Code every block with the Huffman code of this distribution instead
        of the data's own (mismatched coding, for measurement); the code is
        stored once.  Model symbols stand for data symbols: in the text
        modes their UTF-8; in bytes mode a one-character string with code
        point below 256 is that byte, and ``"0xHH"`` (two hex digits) is
        byte HH.  No block is stored raw.
    smooth : float, optional
        With `model`: add ``smooth`` to every symbol's weight
        (:meth:`Distribution.smoothed`) after extending the model by the
        symbols it lacks, every byte value in bytes mode and every symbol of
        the input in the text modes (which takes one extra pass over the
        input), so that every symbol gets a codeword.
    max_length : int, optional
        Longest codeword allowed, below the built-in cap
        (:data:`entrocode.codec.MAX_CODE_LENGTH`): tables are the optimal
        length-limited codes (package-merge).
    block_size : int, default 1 MiB
        Input bytes per block, 1 to :data:`MAX_BLOCK_SIZE`.
    progress : callable, optional
        Called with the number of input bytes of each block when done.

    Returns
    -------
    CompressStats
        Sizes, symbol counts, entropy, predicted and actual payload bits.

    Raises
    ------
    SymbolError
        For input that is not UTF-8 in a text mode (naming the byte offset).
    ModelError
        When the input holds a symbol that has no codeword under `model`.
    CodebookError
        When `max_length` is too small for the number of distinct symbols.
    TypeError, ValueError
        For arguments of the wrong type or out of range.

    Notes
    -----
    On an error, `dst` holds part of the output; :func:`compress_file` and
    the command line write to a temporary file and remove it.
    """
    return _run_compress(src, dst, symbols, model, smooth, max_length, block_size, progress,
                         huffman=False)


def analyze_stream(src: BinaryIO, *, symbols: str = "bytes", model: Distribution | None = None,
                   smooth: float | None = None, max_length: int | None = None,
                   block_size: int = DEFAULT_BLOCK_SIZE,
                   progress: Callable[[int], Any] | None = None) -> CompressStats:
    """What :func:`compress_stream` would produce for `src`, writing nothing.

    The result is exact: ``output_bytes`` is the size of the ``.ec`` data
    that compressing would write.  In addition ``huffman_bits_per_symbol``
    is the expected length of the one Huffman code of the whole input's
    symbol counts, which lies between ``entropy`` and ``entropy + 1``.
    Parameters and errors are those of :func:`compress_stream`.
    """
    return _run_compress(src, None, symbols, model, smooth, max_length, block_size, progress,
                         huffman=True)


def _as_bytes(data: Any, name: str) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise TypeError(f"{name} must be bytes, not {type(data).__name__}")


def compress(data: bytes, *, symbols: str = "bytes", model: Distribution | None = None,
             smooth: float | None = None, max_length: int | None = None,
             block_size: int = DEFAULT_BLOCK_SIZE) -> bytes:
    """Compress `data` into ``.ec`` bytes.

    See :func:`compress_stream` for the parameters.

    Examples
    --------
    >>> blob = compress(b"to be or not to be", symbols="words")
    >>> decompress(blob)
    b'to be or not to be'
    """
    out = io.BytesIO()
    compress_stream(io.BytesIO(_as_bytes(data, "data")), out, symbols=symbols, model=model,
                    smooth=smooth, max_length=max_length, block_size=block_size)
    return out.getvalue()


def stats(data: bytes, *, symbols: str = "bytes", model: Distribution | None = None,
          smooth: float | None = None, max_length: int | None = None,
          block_size: int = DEFAULT_BLOCK_SIZE) -> CompressStats:
    """The statistics of compressing `data` (see :func:`analyze_stream`), writing nothing.

    Examples
    --------
    >>> s = stats(b"abracadabra" * 3)
    >>> s.symbols, s.distinct_symbols, s.payload_bits, s.output_bytes
    (33, 5, 69, 38)
    >>> round(s.entropy, 4), round(s.bits_per_symbol, 4)
    (2.0404, 2.0909)

    A few bytes are stored raw, since a code table would cost more than it
    saves; then the payload is 8 bits per byte:

    >>> stats(b"abc").raw_blocks, stats(b"abc").payload_bits
    (1, 24)
    """
    return analyze_stream(io.BytesIO(_as_bytes(data, "data")), symbols=symbols, model=model,
                          smooth=smooth, max_length=max_length, block_size=block_size)


# ---------------------------------------------------------------------------
# Decompression
# ---------------------------------------------------------------------------
def _read_header(reader: _Reader) -> str:
    """Check magic, version and mode; return the mode."""
    if reader.at_eof():
        raise FormatError("not an .ec file (empty input)")
    head = b""
    while len(head) < len(MAGIC):
        if reader.at_eof():
            if MAGIC.startswith(head):
                raise FormatError("truncated: the data ends inside the header")
            break
        head += bytes([reader.byte()])
    if head != MAGIC:
        raise FormatError("not an .ec file (bad magic)")
    version = reader.byte()
    if version != VERSION:
        raise FormatError(f"unsupported version {version} (this entrocode reads version {VERSION})")
    mode_code = reader.byte()
    if mode_code >= len(MODES):
        raise FormatError(f"unsupported symbol mode {mode_code}")
    return MODES[mode_code]


@dataclass(frozen=True, eq=False)
class _Block:
    """A block read but not yet decoded (see :func:`_read_block`).

    ``raw`` holds the data of a RAW block; a coded block has ``args``, the
    arguments of :func:`entrocode.codec.decode` for its symbol ids.
    ``where`` names the block in error messages and ``consumed`` is its
    size in the ``.ec`` stream, for the progress callback.
    """

    size: int
    count: int
    table: _Table | None
    raw: bytes | None
    args: tuple[Any, ...] | None
    where: str
    consumed: int = 0


def _read_block(reader: _Reader, kind: int, mode: str, current: _Table | None) -> _Block:
    """Read one RAW, NEW or REUSE block and check its fields, without decoding it."""
    size = reader.varint(MAX_BLOCK_BYTES, "block size")
    if size == 0:
        raise FormatError(f"corrupt {reader.where}: an empty block")
    count = size if mode == "bytes" else reader.varint(size, "symbol count")
    if count == 0:
        raise FormatError(f"corrupt {reader.where}: a block without symbols")
    if kind == _BLOCK_RAW:
        return _Block(size, count, current, reader.take(size), None, reader.where)
    nbits = reader.varint(count * FORMAT_MAX_LENGTH, "payload size")
    if kind == _BLOCK_NEW:
        table = _read_table(reader, mode)
    elif current is None:
        raise FormatError(f"corrupt {reader.where}: reuses a table, but none came before")
    else:
        table = current
    if not count * table.min_length <= nbits <= count * table.max_length:
        raise FormatError(
            f"corrupt {reader.where}: {nbits} payload bits cannot hold {count} symbols"
        )
    segment_log2 = reader.byte()
    if not _MIN_SEGMENT_LOG2 <= segment_log2 <= _MAX_SEGMENT_LOG2:
        raise FormatError(f"corrupt {reader.where}: segment size 2**{segment_log2} is out of "
                          f"range (2**{_MIN_SEGMENT_LOG2} to 2**{_MAX_SEGMENT_LOG2})")
    segment = 1 << segment_log2
    starts, payload = _read_segments(reader, table, count, nbits, segment)
    if nbits % 8 and payload[-1] & ((1 << (8 - nbits % 8)) - 1):
        raise FormatError(f"corrupt {reader.where}: nonzero padding bits")
    # The codec checks that every segment ends where the next one starts and
    # the last one at nbits, so the symbols account for the payload exactly.
    # A block of one segment (no offsets) decodes sequentially: lockstep over
    # a single lane would take one numpy step per byte.
    args = (payload, table.code, count, starts if starts.size > 1 else None, segment, nbits)
    return _Block(size, count, table, None, args, reader.where)


def _block_data(block: _Block, decoded: Any, mode: str) -> bytes | memoryview:
    """The bytes of a coded block from its decoded symbol ids, checked against its size.

    In bytes mode the ids are the bytes: the result is a view of them, not a copy.
    """
    size, count, where = block.size, block.count, block.where
    table = block.table
    assert table is not None
    ids = np.asarray(decoded)
    if ids.shape != (count,):
        raise FormatError(f"corrupt {where}: the payload does not decode")
    data: bytes | memoryview
    if mode == "bytes":
        data = memoryview(np.ascontiguousarray(ids, dtype=np.uint8).data)
    else:
        symbols = table.symbols or ()
        if len(symbols) > count:
            # A table larger than the block (a model's, or a hostile one): keep
            # to the symbols the block uses, so that a block costs time in
            # proportion to itself, not to the table it reuses.
            used, ids = np.unique(ids, return_inverse=True)
            symbols = tuple(symbols[i] for i in used.tolist())
        sizes = np.fromiter(map(len, symbols), dtype=np.int64, count=len(symbols))
        if int(sizes[ids].sum()) != size:
            raise FormatError(f"corrupt {where}: the symbols do not add up to its size")
        data = detokenize(ids, symbols, mode)
    if len(data) != size:
        raise FormatError(f"corrupt {where}: decodes to the wrong size")
    return data


@contextlib.contextmanager
def _block_errors(where: str) -> Iterator[None]:
    """Turn any error from reading or decoding a block into a FormatError naming it."""
    try:
        yield
    except FormatError:
        raise
    except EntrocodeError as exc:
        raise FormatError(f"corrupt {where}: {exc}") from None
    except (ValueError, IndexError, OverflowError) as exc:
        raise FormatError(f"corrupt {where}: {exc}") from None


def _run_decompress(src: BinaryIO, dst: BinaryIO,
                    progress: Callable[[int], Any] | None) -> DecompressStats:
    reader = _Reader(src)
    mode = _read_header(reader)
    current: _Table | None = None
    crc = 0
    total = 0
    symbols = 0
    blocks = 0
    raw_blocks = 0
    # Blocks are read ahead and decoded in batches of up to _DECODE_BATCH
    # bytes of output: codec.decode_blocks runs the segments of all of them
    # in one lockstep pass.  The output is the same as decoding block by
    # block, and so are the errors: an error while reading a block first
    # decodes and writes the blocks before it, and when the joint decode of
    # a batch fails, its blocks are decoded again one at a time.
    pending: list[_Block] = []

    def flush() -> None:
        nonlocal crc, total
        coded = [b.args for b in pending if b.args is not None]
        joint: list[Any] | None = None
        if len(coded) > 1:
            try:
                joint = codec.decode_blocks(coded)
            except (ValueError, IndexError, OverflowError):
                joint = None
        k = 0
        for block in pending:
            data: bytes | memoryview
            with _block_errors(block.where):
                if block.args is None:
                    data = block.raw or b""
                else:
                    ids = joint[k] if joint is not None else codec.decode(*block.args)
                    k += 1
                    data = _block_data(block, ids, mode)
            total += len(data)
            crc = zlib.crc32(data, crc)
            dst.write(data)
            if progress is not None:
                progress(block.consumed)
        pending.clear()

    batched = 0
    while True:
        reader.where = f"block {blocks + 1}"
        before = reader.consumed
        try:
            kind = reader.byte()
            if kind == _BLOCK_END:
                break
            if kind not in _KIND_NAMES:
                raise FormatError(f"corrupt {reader.where}: unknown block type {kind}")
            with _block_errors(reader.where):
                block = _read_block(reader, kind, mode, current)
        except Exception:
            flush()
            raise
        current = block.table
        pending.append(replace(block, consumed=reader.consumed - before))
        blocks += 1
        raw_blocks += kind == _BLOCK_RAW
        symbols += block.count
        batched += block.size
        if kind == _BLOCK_NEW and block.table is not None:
            # A table waiting for its batch costs memory far beyond its bytes
            # in the file (a few bytes of runs can stand for thousands of
            # symbols): count it too, so that tables cannot pile up.
            batched += _TABLE_ENTRY_BYTES * int(block.table.lengths.size)
        if batched >= _DECODE_BATCH:
            flush()
            batched = 0
    flush()
    reader.where = "the end record"
    stored_total = reader.varint(1 << 62, "total size")
    stored_symbols = symbols if mode == "bytes" else reader.varint(1 << 62, "symbol count")
    stored_crc = int.from_bytes(reader.take(4), "little")
    if stored_total != total or stored_symbols != symbols:
        raise FormatError(
            f"corrupt end record: it declares {stored_total} bytes and {stored_symbols} symbols, "
            f"the blocks hold {total} and {symbols}"
        )
    if stored_crc != crc:
        raise FormatError(
            f"checksum mismatch: the data is corrupt (CRC-32 stored 0x{stored_crc:08x}, "
            f"computed 0x{crc:08x})"
        )
    if not reader.at_eof():
        raise FormatError("trailing data after the end of the .ec data")
    return DecompressStats(mode, reader.consumed, total, symbols, blocks, raw_blocks, crc)


def decompress_stream(src: BinaryIO, dst: BinaryIO, *,
                      progress: Callable[[int], Any] | None = None) -> DecompressStats:
    """Decompress the ``.ec`` stream `src` into `dst`, one block at a time.

    Every field is checked against the format's limits and against the data
    really present before anything is allocated, and the CRC-32 of the
    output is compared with the stored one at the end.

    Parameters
    ----------
    src : binary file object
        The ``.ec`` data.
    dst : binary file object
        Receives the original data, block by block, through ``dst.write``
        of bytes-like objects (in bytes mode, memoryviews of the decoded
        arrays, which are never reused).
    progress : callable, optional
        Called with the number of ``.ec`` bytes of each block when done.

    Returns
    -------
    DecompressStats

    Raises
    ------
    FormatError
        For anything that is not a complete, intact ``.ec`` stream: "not an
        .ec file (bad magic)", "truncated: ...", "unsupported version 7",
        "checksum mismatch: ...", "corrupt block 3: ...".  No other
        exception comes from bad data.

    Notes
    -----
    On an error `dst` may already hold the blocks before the damage (each
    one was decoded consistently, but the checksum over the whole data had
    not been checked yet).  :func:`decompress`, :func:`decompress_file` and
    the command line never let such a prefix out.
    """
    return _run_decompress(src, dst, progress)


def decompress(blob: bytes) -> bytes:
    """Restore the original bytes from ``.ec`` data.

    Raises
    ------
    FormatError
        For corrupt, truncated or foreign input (see :func:`decompress_stream`).

    Examples
    --------
    >>> decompress(compress(b"hello, hello"))
    b'hello, hello'
    >>> decompress(b"GIF89a")
    Traceback (most recent call last):
    ...
    entrocode.errors.FormatError: not an .ec file (bad magic)
    """
    out = _Chunks()
    decompress_stream(io.BytesIO(_as_bytes(blob, "blob")), out)  # type: ignore[arg-type]
    return b"".join(out.chunks)


class _Chunks:
    """A write-only sink that keeps what it is given (views included) for one join."""

    def __init__(self) -> None:
        self.chunks: list[bytes | memoryview] = []

    def write(self, data: bytes | memoryview) -> int:
        self.chunks.append(data)
        return len(data)


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------
def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, overwrite: bool = False,
                  mode: int | None = None) -> Iterator[BinaryIO]:
    """Write a file all at once or not at all.

    Yields a binary file object on a temporary file in the target's
    directory (named ``.NAME.<random>.tmp``).  When the block ends normally
    the data is flushed to disk (``fsync``) and the file takes the target's
    name in one atomic step; when it raises (including ``KeyboardInterrupt``)
    the temporary file is removed.  A process killed outright (SIGKILL) can
    leave the temporary file behind, never a partial file under `path`.

    Parameters
    ----------
    path : str or path-like
        The file to create.
    overwrite : bool, default False
        Replace an existing file.  Without it an existing `path` raises
        :class:`FileExistsError`, also when it appears while writing.
    mode : int, optional
        Permission bits of the new file (default ``0o666`` less the umask).

    Raises
    ------
    FileExistsError
        When `path` exists and `overwrite` is false.
    OSError
        When the directory is not writable, the disk is full, and so on.
    """
    target = os.fspath(path)
    if not overwrite and os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "file exists (pass overwrite=True to replace it)",
                              target)
    directory = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                   dir=directory)
    except OSError as exc:  # name the file asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, target) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as exc:
                # A full disk or quota while writing: say which file.
                if exc.filename is None and exc.errno in WRITE_ERRNOS:
                    raise OSError(exc.errno, exc.strerror, target) from None
                raise
        os.chmod(tmp, _default_mode() if mode is None else mode)
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # fails if the target appeared meanwhile
            except FileExistsError:
                raise FileExistsError(errno.EEXIST, "file exists", target) from None
            except OSError:  # no hard links here: fall back to rename
                if os.path.lexists(target):
                    raise FileExistsError(errno.EEXIST, "file exists", target) from None
                os.replace(tmp, target)
            else:
                os.unlink(tmp)
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _file_mode(path: str | os.PathLike[str]) -> int | None:
    """Permission bits of a regular file, to give its output the same."""
    with contextlib.suppress(OSError):
        st = os.stat(path)
        if os.path.isfile(path):
            return st.st_mode & 0o777
    return None


def compress_file(path_in: str | os.PathLike[str], path_out: str | os.PathLike[str] | None = None,
                  *, overwrite: bool = False, symbols: str = "bytes",
                  model: Distribution | None = None, smooth: float | None = None,
                  max_length: int | None = None, block_size: int = DEFAULT_BLOCK_SIZE,
                  progress: Callable[[int], Any] | None = None) -> CompressStats:
    """Compress the file `path_in` into `path_out` (default: `path_in` + ``".ec"``).

    The output is written atomically (see :func:`atomic_output`) with the
    input's permission bits; the input is never changed.  Other parameters
    and errors are those of :func:`compress_stream`, plus
    :class:`FileExistsError` when `path_out` exists and `overwrite` is false.
    """
    target = os.fspath(path_out) if path_out is not None else os.fspath(path_in) + ".ec"
    with open(path_in, "rb") as src, atomic_output(target, overwrite=overwrite,
                                                   mode=_file_mode(path_in)) as dst:
        return compress_stream(src, dst, symbols=symbols, model=model, smooth=smooth,
                               max_length=max_length, block_size=block_size, progress=progress)


def decompress_file(path_in: str | os.PathLike[str],
                    path_out: str | os.PathLike[str] | None = None, *,
                    overwrite: bool = False,
                    progress: Callable[[int], Any] | None = None) -> DecompressStats:
    """Decompress the file `path_in` into `path_out` (default: `path_in` without ``.ec``).

    Written atomically: on a :class:`FormatError` (including a checksum
    mismatch at the very end) no output file is left.

    Raises
    ------
    FormatError
        For a damaged or foreign file.
    ValueError
        When `path_out` is omitted and `path_in` does not end in ``.ec``.
    FileExistsError
        When `path_out` exists and `overwrite` is false.
    """
    source = os.fspath(path_in)
    if path_out is None:
        if not source.endswith(".ec") or not os.path.basename(source)[:-3]:
            raise ValueError(f"cannot name the output: {source!r} does not end in .ec; "
                             "pass path_out")
        path_out = source[:-3]
    with open(source, "rb") as src, atomic_output(path_out, overwrite=overwrite,
                                                  mode=_file_mode(source)) as dst:
        return decompress_stream(src, dst, progress=progress)
