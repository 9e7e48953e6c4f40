"""The codec: integer symbol ids to a Huffman bitstream and back, vectorized.

The codec knows nothing of tokenization or of file layout.  It takes the
canonical code lengths of a prefix code (the exchange format, see
:mod:`entrocode.codebook`), turns an array of symbol ids into the
concatenation of their codewords, and turns such a bitstream back into ids.

Bit layout
----------
The payload is the codewords of the symbols, one after another, each written
most significant bit first, packed into bytes most significant bit first, and
zero-padded to a whole byte.  Its exact length in bits is::

    nbits = sum_i count[i] * length[i]

where ``count[i]`` is how often id ``i`` occurs: the encoder's output always
equals this prediction (:func:`payload_bits`).  There is no end-of-stream
symbol: the decoder is told how many symbols to read.

Segments
--------
The symbols are cut into consecutive *segments* of ``segment`` symbols (the
last may be shorter).  Segments are contiguous, so the payload is still the
plain concatenation of codewords; the encoder also reports ``starts``, the bit
offset at which each segment begins.  With those offsets the fast decoder
decodes all segments at once, in lockstep: one numpy operation advances every
segment by one step.  Storing one offset per segment is the price of speed.

How the fast paths work
-----------------------
Encoding (:func:`encode`) has no per-symbol Python loop:

1. look up each symbol's ``(codeword, length)`` and merge each *pair* of
   symbols into one item (``code[a] << length[b] | code[b]``, at most
   ``2 * MAX_CODE_LENGTH = 64`` bits), which halves all the work that
   follows; for alphabets of at most 256 symbols and inputs of ``2**16``
   symbols or more, one lookup in a 65536-entry table of pairs does both;
2. the cumulative sum of the lengths gives the bit ``end`` of every item;
3. an item ending at bit ``e`` lands in the 64-bit words ``e // 64 - 1`` (its
   value shifted right by ``e % 64``) and ``e // 64`` (shifted left by
   ``64 - e % 64``); ``np.bitwise_or.reduceat`` merges all the items of one
   word at once.  Steps 2 and 3 run over chunks of ``2**14`` pairs, whose
   temporary arrays stay in cache (and in memory the allocator reuses:
   large fresh arrays cost a page fault per 4 KiB touched); besides the
   payload, the encoder holds one width byte per pair.

Decoding (:func:`decode`) uses one of two lockstep decoders:

* for at most 256 symbol ids, a *byte automaton*.  Its states are the
  internal nodes of the code tree: a state says how much of a codeword has
  been read.  Reading one byte moves it to a new node and completes between
  0 and 8 codewords.  A table with one row per state and one column per byte
  value gives, for every (state, byte), the next state and the completed
  symbols packed into one integer.  The table is built a nibble at a time:
  what 4 bits do from each state, then each byte as two nibbles (whole-row
  gathers, about a millisecond for 256 symbols).  Each segment reads one
  byte per step, so a step is two numpy operations (add the byte to the
  state, look up the next state), whatever the code lengths:
  ``ceil(bits / 8)`` steps for a segment of ``bits`` bits.  The steps run
  in blocks of a few hundred; each finished block is *filed* (its packed
  symbols written, transposed, one row per segment) while the next block
  runs.  Read as bytes, the filed rows hold the symbols in output order
  among zero bytes (empty slots): ``np.flatnonzero`` finds them, and the
  positions where each row starts count each segment's symbols.
* for larger alphabets, a *lookup table* on the next ``T`` bits (``T <= 12``)
  gives one symbol and its length per step; longer codewords are resolved
  with the canonical "limit" comparison (``np.searchsorted`` over the
  left-justified first codes of each length).

Both decoders check every segment: it must hold exactly its number of
symbols and its last codeword must end exactly where the next segment
starts.  Corrupt input raises :class:`~entrocode.errors.FormatError`.

A lockstep step costs about a microsecond per numpy call whatever the number
of segments it advances, so a block of a few hundred segments is bound by
that overhead.  :func:`decode_blocks` decodes several blocks, each with its
own code, in one lockstep pass: their automata side by side in one table
(or, for large alphabets, their lookup tables end to end), one lane per
segment of every block.

Two performance measures outside the algorithm: on a machine with more than
one CPU, a large batch (``2**18`` cells or more) uses one helper thread,
which files blocks of steps while the main thread runs the next ones and
then shares the emitting of symbols (numpy releases the GIL in these
whole-array calls; the result is the same as on one thread).  And the
decoder's scratch arrays (about 4 bytes per payload byte) are kept for the
next decode instead of being allocated afresh, which costs page faults
about as expensive as the decoding itself; buffers above 64 MiB are not
kept.

Without segment offsets, :func:`decode` falls back to bitarray's sequential
canonical decoder (C; one symbol at a time, faster than lockstep for a
block too small to cut into many segments).  :func:`decode_reference` is the
textbook decoder, a walk down the code tree bit by bit, kept plain to teach
and to check the fast one.

See also
--------
entrocode.codebook : Huffman and length-limited code lengths, canonical codewords.
entrocode.container : stores the lengths, the symbol count and the segment offsets.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NoReturn

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from entrocode.codebook import canonical_codewords, check_lengths
from entrocode.errors import CodebookError, EntrocodeError, FormatError, ModelError

__all__ = [
    "DEFAULT_SEGMENT",
    "MAX_CODE_LENGTH",
    "CodeTable",
    "Encoded",
    "MissingCodewordError",
    "TraceStep",
    "decode",
    "decode_blocks",
    "decode_reference",
    "encode",
    "payload_bits",
]

MAX_CODE_LENGTH: int = 32
"""The longest codeword the codec accepts, in bits.

Why 32:

* two codewords merged into one item fit in a 64-bit word
  (``2 * 32 = 64``), which lets the encoder work on pairs of symbols;
* the lookup decoder reads a 64-bit window at any byte offset; after skipping
  up to 7 bits of the first byte, 57 bits remain, more than one codeword;
* it leaves ample room: ``10**5`` distinct words need only ``ceil(log2(10**5))
  = 17`` bits, and an optimal code built from counts is deeper than 32 bits
  only when there are at least ``F(36) - 1 = 14,930,351`` symbols (Fibonacci
  counts 1, 1, 2, 3, 5, ... give depth ``d`` from ``F(d + 3) - 1`` symbols).
  Deeper codes are limited optimally with
  :func:`entrocode.codebook.limited_lengths` before they reach the codec.
"""

DEFAULT_SEGMENT: int = 4096
"""Symbols per segment: one stored start offset per 4096 symbols.

A lockstep step costs a fixed ~1 microsecond per numpy call plus a little
per segment; a segment of ``s`` symbols of ``L`` bits each takes about
``s * L / 8`` steps.  Shorter segments mean fewer steps over more segments,
but each segment costs the container one start offset (about 10 bits).
Measured on ``bible.txt`` (4 MB of English, 4.4 bits per symbol), whole
decompress: segments of 2048 symbols make the file 1,135 bytes (0.05%)
larger than segments of 4096 and decode it about 4% faster (26.7 against
27.8 ms).  4096 keeps the offsets at 0.06% of the payload.  Decoding is
fastest with many segments per call: a call decoding fewer than about 1000
segments (4 million symbols) is bound by the per-step overhead.
"""

_AUTOMATON_MAX_IDS = 256
"""Alphabets up to this size decode with the byte automaton (uint8 ids)."""

_LOOKUP_BITS = 12
"""Bits looked up at once by the large-alphabet decoder (a 4096-entry table)."""

_LOOKUP_JOINT_BYTES = 1 << 21
"""Payload bytes of large-alphabet blocks decoded together (their 64-bit
windows take 8 bytes of memory per payload byte)."""

_ENCODE_PAIRS = 1 << 14
"""Pairs of symbols placed at a time by the encoder.

Small enough that each temporary array (128 KiB) stays in cache and comes
from the allocator's reused memory: larger ones are mapped afresh, and the
page faults of touching them cost more than the encoding itself.
"""

_PAIR_TABLE_MIN = 1 << 16
"""Symbols from which the encoder builds a code's 65536-entry pair table."""

_GROUP_ENTRIES = 1 << 18
"""Recorded automaton steps turned into symbols at a time (fits in cache)."""

_BATCH_ENTRIES = 1 << 22
"""At most this many lockstep cells (segments x steps, 4 bytes each) per batch."""

_BLOCK_CELLS = 1 << 18
"""Lockstep cells per block of steps, filed (transposed) as the next block runs."""

_CELL = np.int32
"""dtype of lockstep cells, states and ``next`` (int32: half the memory of intp, as fast)."""

_THREAD_ENTRIES = 1 << 18
"""Batches of at least this many cells are emitted by two threads (see ``_emit``)."""

_NULL = 256
"""Automaton column read past the end of a segment: no bits, no symbol."""

_COLUMNS = 257


class MissingCodewordError(ModelError):
    """A symbol id has no codeword in the code (length 0, or beyond the table).

    Attributes
    ----------
    symbol_id : int
        The offending id, so that a caller who knows the alphabet can name the
        real symbol.
    """

    def __init__(self, symbol_id: int) -> None:
        super().__init__(f"symbol id {symbol_id} has no codeword")
        self.symbol_id = symbol_id


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


# ---------------------------------------------------------------------------
# The code table
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class CodeTable:
    """Per-code lookup tables, built once per code (immutable: arrays read-only).

    Build one with :meth:`CodeTable.from_lengths`.  The decoding tables are
    built on first use and kept (a few milliseconds for 256 symbols).

    Attributes
    ----------
    lengths : numpy.ndarray
        uint8 codeword length of every symbol id; 0 means the id has no
        codeword.
    codes : numpy.ndarray
        uint64 canonical codeword of every id: the codeword of id ``i`` is the
        ``lengths[i]``-bit big-endian binary form of ``codes[i]``.
    order : numpy.ndarray
        int64 ids with a codeword in canonical order: by length, then by id.
        The canonical code gives them consecutive codewords.

    Examples
    --------
    >>> table = CodeTable.from_lengths([1, 2, 2])
    >>> [format(int(c), f"0{n}b") for c, n in zip(table.codes, table.lengths)]
    ['0', '10', '11']
    """

    lengths: np.ndarray
    codes: np.ndarray
    order: np.ndarray

    @classmethod
    def from_lengths(cls, lengths: Sequence[int] | np.ndarray) -> CodeTable:
        """The table of the canonical code with the given lengths.

        Parameters
        ----------
        lengths : sequence of int or numpy.ndarray
            Codeword length per symbol id; 0 for an id without a codeword.

        Raises
        ------
        CodebookError
            When the lengths are over-full or under-full (Kraft sum
            ``sum_i 2**-lengths[i]`` not exactly 1; a lone symbol of length 1
            is the one exception), when no id has a codeword, or when a length
            exceeds :data:`MAX_CODE_LENGTH`.
        """
        checked = check_lengths(lengths)
        if not checked.any():
            raise CodebookError(f"no symbol id has a codeword: {checked.size} code lengths, all 0")
        check_lengths(checked, complete=True)
        longest = int(checked.max())
        if longest > MAX_CODE_LENGTH:
            raise CodebookError(
                f"code length {longest} exceeds MAX_CODE_LENGTH = {MAX_CODE_LENGTH}; "
                f"limit the code first, e.g. with limited_lengths(weights, {MAX_CODE_LENGTH})"
            )
        codes = canonical_codewords(checked)
        present = np.flatnonzero(checked)
        order = present[np.lexsort((present, checked[present]))]
        return cls(
            _readonly(checked.astype(np.uint8)),
            _readonly(codes),
            _readonly(order.astype(np.int64)),
        )

    # -- views ------------------------------------------------------------
    @property
    def max_length(self) -> int:
        """The longest codeword, in bits."""
        return int(self.lengths.max())

    @property
    def size(self) -> int:
        """Number of symbol ids the table covers (with or without a codeword)."""
        return int(self.lengths.size)

    @property
    def id_dtype(self) -> np.dtype:
        """dtype of decoded ids: uint8 for at most 256 ids, else uint32."""
        return np.dtype(np.uint8) if self.size <= 256 else np.dtype(np.uint32)

    def codeword(self, symbol_id: int) -> str:
        """The codeword of ``symbol_id`` as a '0'/'1' string ('' when it has none)."""
        n = int(self.lengths[symbol_id])
        return format(int(self.codes[symbol_id]), f"0{n}b") if n else ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CodeTable):
            return NotImplemented
        return bool(np.array_equal(self.lengths, other.lengths))

    def __hash__(self) -> int:
        return hash(self.lengths.tobytes())

    def __repr__(self) -> str:
        return f"CodeTable(size={self.size}, coded={self.order.size}, max_length={self.max_length})"

    # -- derived tables, built on first use -------------------------------
    @cached_property
    def _pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Encoder tables for at most 256 ids, indexed by ``a | b << 8``.

        ``value[a | b << 8] = code[a] << length[b] | code[b]`` and
        ``width[...] = length[a] + length[b]``, or 0 when ``a`` or ``b`` has no
        codeword.
        """
        lens = np.zeros(256, dtype=np.uint64)
        codes = np.zeros(256, dtype=np.uint64)
        lens[: self.size] = self.lengths
        codes[: self.size] = self.codes
        # Row b, column a: entry a | b << 8 (broadcast, no gathers).
        # In place: a second 512 KiB temporary would cost fresh pages.
        value = codes[None, :] << lens[:, None]
        value |= codes[:, None]
        width = (lens[None, :] + lens[:, None]).astype(np.uint8)
        width[:, lens == 0] = 0
        width[lens == 0, :] = 0
        return _readonly(value.ravel()), _readonly(width.ravel())

    @cached_property
    def _tree(self) -> np.ndarray:
        """The code tree as a child array over internal nodes (root = 0).

        ``child[2 * node + bit]`` is the internal node reached by ``bit``, or
        ``~id`` (negative) for a leaf; ``_MISSING`` where no codeword continues.
        """
        lens = self.lengths[self.order].astype(np.int64)
        codes = self.codes[self.order].astype(np.int64)
        total = int(lens.sum())
        owner = np.repeat(np.arange(lens.size), lens)
        depth = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
        prefix = codes[owner] >> (lens[owner] - depth)
        nodes = np.unique((depth << 32) | prefix)
        leaves = (lens << 32) | codes
        node_depth = nodes >> 32
        node_prefix = nodes & 0xFFFFFFFF
        child = np.full(2 * nodes.size, _MISSING, dtype=np.int64)
        for bit in (0, 1):
            key = ((node_depth + 1) << 32) | (2 * node_prefix + bit)
            at = np.minimum(np.searchsorted(nodes, key), nodes.size - 1)
            inner = nodes[at] == key
            at_leaf = np.minimum(np.searchsorted(leaves, key), leaves.size - 1)
            leaf = leaves[at_leaf] == key
            child[bit::2] = np.where(inner, at, np.where(leaf, ~self.order[at_leaf], _MISSING))
        return _readonly(child)

    @cached_property
    def _automaton(self) -> _Automaton:
        return _Automaton.build(self)

    @cached_property
    def _lookup(self) -> _Lookup:
        return _Lookup.build(self)

    def _sequential(self, bits: Any) -> Iterator[int]:
        """bitarray's C decoder over `bits`: canonical tables, or a tree past 31 bits."""
        if self.max_length <= _CANONICAL_MAX_LENGTH:
            from bitarray.util import canonical_decode

            count, symbols = self._canonical
            return canonical_decode(bits, count, symbols)
        return bits.decode(self._decodetree)

    @cached_property
    def _canonical(self) -> tuple[list[int], list[int]]:
        """``(count per length, ids in canonical order)`` for canonical_decode."""
        count = np.bincount(self.lengths, minlength=self.max_length + 1)
        count[0] = 0
        return count.tolist(), self.order.tolist()

    @cached_property
    def _decodetree(self) -> Any:
        from bitarray import bitarray, decodetree

        return decodetree({int(i): bitarray(self.codeword(int(i))) for i in self.order})


_MISSING = np.iinfo(np.int64).min
_CANONICAL_MAX_LENGTH = 31  # the longest code bitarray.util.canonical_decode takes


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Encoded:
    """The result of :func:`encode`.

    Attributes
    ----------
    payload : bytes
        The codewords concatenated, most significant bit first within bytes,
        zero-padded to a whole byte: ``len(payload) == ceil(nbits / 8)``.
    nbits : int
        Exact number of payload bits, ``sum_i count[i] * length[i]``.
    starts : numpy.ndarray
        Read-only int64 bit offset at which each segment begins, one per
        ``segment`` symbols (``ceil(n / segment)`` of them, none for no
        symbols); ``starts[0] == 0``.
    """

    payload: bytes
    nbits: int
    starts: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Encoded):
            return NotImplemented
        return (
            self.payload == other.payload
            and self.nbits == other.nbits
            and bool(np.array_equal(self.starts, other.starts))
        )


def _as_ids(ids: Any) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"symbol ids must be an integer array, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise TypeError(f"symbol ids must be one-dimensional, got shape {arr.shape}")
    return arr


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def _check_segment(segment: Any) -> int:
    seg = _check_count(segment, "segment")
    if seg < 1:
        raise EntrocodeError(f"segment must be at least 1 symbol, got {seg}")
    return seg


def _first_missing(arr: np.ndarray, lengths: np.ndarray) -> int:
    """The first id in ``arr`` without a codeword (out of range or of length 0)."""
    ok = (arr >= 0) & (arr < lengths.size)
    ok[ok] = lengths[arr[ok]] > 0
    return int(arr[np.argmin(ok)])


def _check_range(arr: np.ndarray, lengths: np.ndarray) -> None:
    """Raise MissingCodewordError when an id lies outside ``0 <= id < lengths.size``."""
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= lengths.size):
        raise MissingCodewordError(_first_missing(arr, lengths))


def payload_bits(ids: np.ndarray, lengths: np.ndarray) -> int:
    """Payload size in bits predicted from the symbol counts, without encoding.

    ``nbits = sum_i count[i] * length[i]``: each occurrence of id ``i`` costs
    its codeword length.  Counted with ``np.bincount``.

    Parameters
    ----------
    ids : numpy.ndarray
        1-D integer symbol ids.
    lengths : numpy.ndarray
        Codeword length per id (``CodeTable.lengths``).

    Raises
    ------
    MissingCodewordError
        For an id without a codeword (a :class:`ModelError`).

    Examples
    --------
    >>> payload_bits(np.array([0, 0, 1, 2]), np.array([1, 2, 2]))
    6
    """
    arr = _as_ids(ids)
    lens = np.asarray(lengths, dtype=np.int64)
    if arr.size == 0:
        return 0
    _check_range(arr, lens)
    counts = np.bincount(arr.astype(np.intp, copy=False), minlength=lens.size)
    if np.any((counts > 0) & (lens == 0)):
        raise MissingCodewordError(_first_missing(arr, lens))
    return int(counts @ lens)


def _place(values: np.ndarray, ends: np.ndarray, out: np.ndarray) -> None:
    """OR right-aligned items of at most 64 bits into big-endian 64-bit words.

    An item ending at bit ``e`` lands in two words: its high part, the value
    shifted right by ``e % 64``, in word ``e // 64 - 1``, and its low part,
    shifted left by ``64 - e % 64``, in word ``e // 64`` (numpy shifts by 64
    give 0).  Word ``k`` of the payload is ``out[k + 1]``; ``out[0]`` only
    ever receives zeros.  Items arrive in order, so the items of one word
    are neighbours and ``np.bitwise_or.reduceat`` merges them at once.
    """
    rem = ends.view(np.uint64) & np.uint64(63)
    word = ends >> 6
    high = values >> rem
    low = values << (np.uint64(64) - rem)
    firsts = np.concatenate(([0], np.flatnonzero(word[1:] != word[:-1]) + 1))
    first_word = int(word[0])
    groups = firsts.size
    out[first_word + 1 : first_word + 1 + groups] |= np.bitwise_or.reduceat(low, firsts)
    out[first_word : first_word + groups] |= np.bitwise_or.reduceat(high, firsts)


def _place_one(value: int, end: int, out: np.ndarray) -> None:
    """OR one item ending at bit ``end`` into ``out``, as :func:`_place` does."""
    k, rem = divmod(end, 64)
    merged = (int(out[k]) << 64 | int(out[k + 1])) | (value << (64 - rem))
    out[k] = merged >> 64
    out[k + 1] = merged & ((1 << 64) - 1)


def encode(ids: np.ndarray, table: CodeTable, segment: int = DEFAULT_SEGMENT) -> Encoded:
    """Encode symbol ids as the concatenation of their codewords.

    Parameters
    ----------
    ids : numpy.ndarray
        1-D integer symbol ids (uint8, uint16, uint32, int64, ...); left
        unchanged.
    table : CodeTable
        The code.
    segment : int, optional
        Symbols per segment: ``starts`` records the bit offset of symbols
        ``0, segment, 2 * segment, ...``.

    Returns
    -------
    Encoded
        ``payload`` (bytes), ``nbits = sum_i count[i] * length[i]`` and the
        segment ``starts``.

    Raises
    ------
    MissingCodewordError
        A :class:`ModelError` naming the first id that has no codeword
        (attribute ``symbol_id``).

    Examples
    --------
    >>> table = CodeTable.from_lengths([1, 2, 2])
    >>> enc = encode(np.array([0, 1, 2, 0], dtype=np.uint8), table, segment=2)
    >>> enc.payload, enc.nbits, enc.starts.tolist()
    (b'X', 6, [0, 3])

    The codewords 0, 10, 11, 0 give ``010110``, padded to ``01011000``.
    """
    arr = _as_ids(ids)
    seg = _check_segment(segment)
    n = arr.size
    if n == 0:
        return Encoded(b"", 0, _readonly(np.zeros(0, dtype=np.int64)))
    half = n // 2
    # The pair table (576 KiB) takes longer to build than a short input
    # takes to encode without it: it is built for a long input, or used
    # once built; a short input merges each pair's two codewords itself.
    pairs_path = table.size <= 256 and (n >= _PAIR_TABLE_MIN or "_pairs" in table.__dict__)
    if pairs_path:
        if arr.dtype != np.uint8:
            _check_range(arr, table.lengths)
            arr = arr.astype(np.uint8)
        arr = np.ascontiguousarray(arr)
        value_table, width_table = table._pairs
        pairs = arr[: 2 * half].view("<u2")
        widths = width_table[pairs]
        if (half and int(widths.min()) == 0) or (n % 2 and table.size <= arr[-1]):
            raise MissingCodewordError(_first_missing(arr, table.lengths))
    else:
        _check_range(arr, table.lengths)
        lens = table.lengths[arr]
        if int(lens.min()) == 0:
            raise MissingCodewordError(_first_missing(arr, table.lengths))
        widths = lens[0 : 2 * half : 2] + lens[1 : 2 * half : 2]
    last_width = int(table.lengths[arr[-1]]) if n % 2 else 0
    if n % 2 and last_width == 0:
        raise MissingCodewordError(int(arr[-1]))
    nbits = int(widths.sum(dtype=np.int64)) + last_width
    out = np.zeros((nbits + 63) // 64 + 2, dtype=np.uint64)
    end = 0
    for lo in range(0, half, _ENCODE_PAIRS):
        hi = min(half, lo + _ENCODE_PAIRS)
        ends = np.cumsum(widths[lo:hi], dtype=np.int64)
        ends += end
        end = int(ends[-1])
        if pairs_path:
            values = value_table[pairs[lo:hi]]
        else:
            codes = table.codes[arr[2 * lo : 2 * hi]]
            values = (codes[0::2] << lens[2 * lo + 1 : 2 * hi : 2]) | codes[1::2]
        _place(values, ends, out)
    if last_width:
        _place_one(int(table.codes[arr[-1]]), nbits, out)
    if sys.byteorder == "little":
        out.byteswap(inplace=True)  # big-endian words, without a copy
    payload = out.view(np.uint8)[8 : 8 + (nbits + 7) // 8].tobytes()
    count = -(-n // seg)
    starts = np.zeros(count, dtype=np.int64)
    if count > 1:
        if seg % 2 == 0:
            # Every segment but the last is seg / 2 whole pairs.
            sizes = np.add.reduceat(widths, np.arange(0, half, seg // 2), dtype=np.int64)
        else:
            sizes = np.add.reduceat(table.lengths[arr].astype(np.int64), np.arange(0, n, seg))
        np.cumsum(sizes[: count - 1], out=starts[1:])
    return Encoded(payload, nbits, _readonly(starts))


# ---------------------------------------------------------------------------
# Decoding: shared checks
# ---------------------------------------------------------------------------
def _as_payload(payload: Any) -> np.ndarray:
    if isinstance(payload, np.ndarray):
        if payload.dtype != np.uint8 or payload.ndim != 1:
            raise TypeError(
                f"payload must be bytes or a 1-D uint8 array, got {payload.dtype} "
                f"array of shape {payload.shape}"
            )
        return payload
    if isinstance(payload, (bytes, bytearray, memoryview)):
        view = memoryview(payload)
        if view.ndim != 1 or view.itemsize != 1:
            view = view.cast("B")
        return np.frombuffer(view, dtype=np.uint8)
    raise TypeError(f"payload must be bytes, memoryview or a uint8 array, got {type(payload)}")


def _segment_starts(starts: Any, count: int, seg: int, limit: int) -> np.ndarray:
    """Validate ``starts`` for ``count`` symbols; ``limit`` is the payload bit size."""
    arr = np.asarray(starts)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(
            f"segment starts must be a 1-D integer array, got {arr.dtype} of shape {arr.shape}"
        )
    need = -(-count // seg)
    if arr.size != need:
        raise FormatError(
            f"{count} symbols in segments of {seg} need {need} start offsets, got {arr.size}"
        )
    arr = arr.astype(np.int64)
    if need == 0:
        return arr
    if int(arr[0]) != 0:
        raise FormatError(f"the first segment must start at bit 0, got {int(arr[0])}")
    steps = np.diff(arr)
    if steps.size and int(steps.min()) <= 0:
        k = int(np.argmin(steps)) + 1
        raise FormatError(
            f"segment {k} starts at bit {int(arr[k])}, not after segment {k - 1} "
            f"(bit {int(arr[k - 1])}): start offsets must increase"
        )
    if int(arr[-1]) >= limit:
        raise FormatError(
            f"segment {need - 1} starts at bit {int(arr[-1])}, beyond the {limit}-bit payload"
        )
    return arr


def _check_padding(buf: np.ndarray, end: int) -> None:
    """The payload must end within the byte holding bit ``end``, zero-padded."""
    size = buf.size
    if (end + 7) // 8 != size:
        raise FormatError(
            f"the symbols end at bit {end}, so the payload should have {(end + 7) // 8} "
            f"bytes, but it has {size}"
        )
    if end % 8 and int(buf[-1]) & ((1 << (8 - end % 8)) - 1):
        raise FormatError(f"the padding bits after bit {end} are not zero")


def decode(
    payload: bytes | memoryview | np.ndarray,
    table: CodeTable,
    count: int,
    starts: np.ndarray | None = None,
    segment: int = DEFAULT_SEGMENT,
    nbits: int | None = None,
) -> np.ndarray:
    """Decode ``count`` symbol ids from a payload (the fast decoder).

    Parameters
    ----------
    payload : bytes, memoryview or numpy.ndarray
        The bytes written by :func:`encode` (a 1-D uint8 array is accepted).
    table : CodeTable
        The code used to encode.
    count : int
        Number of symbols to read.
    starts : numpy.ndarray, optional
        The segment start offsets from :func:`encode`.  With them all segments
        decode in lockstep; without, a sequential decoder runs (slower).
    segment : int, optional
        The segment size used to encode.
    nbits : int, optional
        The exact payload size in bits, when known: checked against where the
        last symbol ends.  Pass it whenever it is stored: without it a wrong
        count can go unnoticed when the zero padding (under 8 bits) reads as
        whole codewords, since the all-zero codeword is a valid one.

    Returns
    -------
    numpy.ndarray
        ``count`` ids, uint8 when the table covers at most 256 ids, else
        uint32.

    Raises
    ------
    FormatError
        When the payload cannot hold ``count`` symbols, when a segment does not
        end exactly where the next starts (or the last one at ``nbits``), when
        the payload is longer than its symbols plus less than one byte of
        padding, or when the padding bits are not zero.  Corrupt input never
        causes another exception, a hang, or output of the wrong length.
    """
    buf, n, seg, nbits, start_bits = _checked(payload, table, count, starts, segment, nbits)
    if n == 0:
        return np.zeros(0, dtype=table.id_dtype)
    if table.order.size == 1:
        out = _decode_single(buf, table, n, nbits)
        if start_bits is not None and not np.array_equal(start_bits, np.arange(0, n, seg)):
            raise FormatError("the segment starts do not match a one-symbol code")
        return out
    if start_bits is None:
        return _decode_sequential(buf, table, n, nbits)
    if table.size <= _AUTOMATON_MAX_IDS:
        return table._automaton.decode(buf, n, start_bits, seg, nbits)
    return table._lookup.decode(buf, n, start_bits, seg, nbits)


def _checked(
    payload: bytes | memoryview | np.ndarray,
    table: CodeTable,
    count: int,
    starts: np.ndarray | None,
    segment: int,
    nbits: int | None,
) -> tuple[np.ndarray, int, int, int | None, np.ndarray | None]:
    """The checks :func:`decode` makes before decoding anything.

    Returns the payload as a uint8 array, the count, the segment size,
    ``nbits`` and the checked segment starts (None without ``starts``).  An
    empty block (``count == 0``) has had its padding checked already.
    """
    buf = _as_payload(payload)
    n = _check_count(count, "count")
    if n < 0:
        raise FormatError(f"the symbol count must be >= 0, got {n}")
    seg = _check_segment(segment)
    limit = 8 * buf.size
    if nbits is not None:
        nbits = _check_count(nbits, "nbits")
        if nbits < 0 or (nbits + 7) // 8 != buf.size:
            raise FormatError(
                f"a payload of {nbits} bits takes {(max(nbits, 0) + 7) // 8} bytes, "
                f"but it has {buf.size}"
            )
    start_bits = None
    if starts is not None:
        start_bits = _segment_starts(starts, n, seg, limit if nbits is None else nbits)
    if n == 0:
        _check_padding(buf, 0)
    elif n > limit:
        raise FormatError(
            f"a {buf.size}-byte payload holds at most {limit} symbols, not {n}: it is truncated"
        )
    return buf, n, seg, nbits, start_bits


Block = tuple[
    "bytes | memoryview | np.ndarray", CodeTable, int, "np.ndarray | None", int, "int | None"
]
"""One block for :func:`decode_blocks`: ``(payload, table, count, starts, segment, nbits)``."""


def decode_blocks(blocks: Sequence[Block]) -> list[np.ndarray]:
    """Decode several blocks at once; the same as ``[decode(*b) for b in blocks]``.

    Each block is the arguments of one :func:`decode` call, ``(payload,
    table, count, starts, segment, nbits)``, and each may have a code of its
    own.  The result, and the error on corrupt input, are exactly those of
    decoding the blocks one by one: this is only faster.

    Why it is faster: a lockstep step costs about a microsecond per numpy
    call, whatever the number of segments (lanes) it advances.  A 1 MiB
    block has about 256 segments of 4096 symbols, too few to pay for the
    ~2000 steps each of them takes; four such blocks decoded together take
    the same ~2000 steps for four times the symbols.

    How: the byte automata of the blocks' codes are put side by side in one
    set of arrays (:meth:`_Automaton.merged`): automaton ``k``'s states are
    renumbered from where automaton ``k - 1``'s end, so one ``next`` table
    serves all, and a lane that starts in one automaton's states never
    leaves them.  The payloads are concatenated into one buffer; every
    segment of every block becomes one lane, with its own start state; the
    lanes run in lockstep as in :func:`decode` and their symbols land in one
    output array, which is then cut into blocks.  Each code XORs the ids it
    emits with its own ``key`` (see :class:`_Automaton`), undone per block.

    Blocks of codes of more than 256 ids are decoded together in the same
    way by the lookup decoder (:func:`_decode_wide`: their tables end to
    end, one lane per segment), in groups of one segment size and up to
    2 MiB of payload.
    Blocks of one-symbol codes, without ``starts`` or ``nbits``, and empty
    ones are decoded on their own by :func:`decode`.

    Parameters
    ----------
    blocks : sequence of tuple
        ``(payload, table, count, starts, segment, nbits)`` per block, the
        arguments of :func:`decode`.

    Returns
    -------
    list of numpy.ndarray
        The ids of every block, as :func:`decode` returns them.

    Raises
    ------
    FormatError
        The error :func:`decode` raises for the first corrupt block.  When
        the joint decode finds a lane that does not decode exactly, the
        blocks are decoded again one by one, so that the error names the
        block's own segment, as :func:`decode` does.

    Examples
    --------
    >>> t1, t2 = CodeTable.from_lengths([1, 2, 2]), CodeTable.from_lengths([2, 2, 1])
    >>> ids = np.array([0, 1, 2, 0, 2, 2, 1, 0], dtype=np.uint8)
    >>> e1, e2 = encode(ids, t1, segment=4), encode(ids, t2, segment=4)
    >>> [a.tolist() for a in decode_blocks([(e1.payload, t1, 8, e1.starts, 4, e1.nbits),
    ...                                     (e2.payload, t2, 8, e2.starts, 4, e2.nbits)])]
    [[0, 1, 2, 0, 2, 2, 1, 0], [0, 1, 2, 0, 2, 2, 1, 0]]
    """
    try:
        return _decode_blocks(blocks)
    except FormatError:
        for block in blocks:
            decode(*block)
        raise


def _decode_blocks(blocks: Sequence[Block]) -> list[np.ndarray]:
    results: list[np.ndarray | None] = []
    joint: list[tuple[int, np.ndarray, int, int, int, np.ndarray, _Automaton]] = []
    wide: list[list[_WideBlock]] = [[]]
    wide_bytes = 0
    for block in blocks:
        payload, table, count, starts, segment, nbits = block
        buf, n, seg, checked_nbits, start_bits = _checked(
            payload, table, count, starts, segment, nbits
        )
        if (
            start_bits is None
            or checked_nbits is None
            or n == 0
            or table.order.size == 1
        ):
            results.append(decode(*block))
            continue
        _check_padding(buf, checked_nbits)
        if table.size > _AUTOMATON_MAX_IDS:
            # A group shares one segment size, so that its (lanes x steps)
            # output holds about its symbols, and a bounded payload.
            if wide[-1] and (wide_bytes + buf.size > _LOOKUP_JOINT_BYTES or seg != wide[-1][0][3]):
                wide.append([])
                wide_bytes = 0
            wide[-1].append((len(results), buf, n, seg, checked_nbits, start_bits, table))
            wide_bytes += buf.size
            results.append(None)
            continue
        joint.append((len(results), buf, n, seg, checked_nbits, start_bits, table._automaton))
        results.append(None)
    for group in wide:
        for (index, *_), ids in zip(group, _decode_wide(group), strict=True):
            results[index] = ids
    if joint:
        unique = list({id(j[6]): j[6] for j in joint}.values())
        auto, bases = _Automaton.merged(unique)
        base_of = {id(a): b for a, b in zip(unique, bases, strict=True)}
        starts_l, ends_l, init_l, targets_l = [], [], [], []
        byte = 0
        for _, b, n, seg, nbits, start_bits, a in joint:
            segments = start_bits.size
            ends = np.empty(segments, dtype=np.int64)
            ends[:-1] = start_bits[1:]
            ends[-1] = nbits
            skip = start_bits & 7
            init = base_of[id(a)] + np.where(skip > 0, a.internal + skip - 1, 0) * _COLUMNS
            targets = np.full(segments, seg, dtype=np.int64)
            targets[-1] = n - seg * (segments - 1)
            starts_l.append(start_bits + 8 * byte)
            ends_l.append(ends + 8 * byte)
            init_l.append(init)
            targets_l.append(targets)
            byte += b.size
        targets = np.concatenate(targets_l)
        offsets = np.zeros(targets.size, dtype=np.int64)
        np.cumsum(targets[:-1], out=offsets[1:])
        lanes = _Lanes(
            np.concatenate(starts_l), np.concatenate(ends_l), np.concatenate(init_l),
            targets, offsets,
        )
        out = np.empty(int(targets.sum()), dtype=np.uint8)

        def fail(lane: int) -> NoReturn:
            raise FormatError(f"lane {lane} of a joint decode does not decode exactly")

        _run_lanes(auto, [j[1] for j in joint], out, lanes, False, fail)
        o = 0
        for index, _, n, _, _, _, a in joint:
            part = out[o : o + n]
            if a.key:
                np.bitwise_xor(part, np.uint8(a.key), out=part)
            results[index] = part
            o += n
    return [r for r in results if r is not None]


_WideBlock = tuple[int, np.ndarray, int, int, int, np.ndarray, CodeTable]
"""A large-alphabet block for :func:`_decode_wide`: (result index, payload, count,
segment, nbits, checked segment starts, table)."""


def _decode_wide(group: Sequence[_WideBlock]) -> list[np.ndarray]:
    """Decode large-alphabet blocks together: one lane per segment of every block.

    As :meth:`_Lookup.decode`, whose step decodes one symbol of every
    segment of one block, but the segments of all the blocks advance in the
    same steps, each lane through its own block's tables: the tables lie
    end to end, a lane's window is shifted by its own table's width and
    offset by where its table starts, and the canonical limits of table
    ``k`` are raised by ``k << 33`` so that one ``searchsorted`` resolves
    the long codewords of every lane.  Steps cost about the same whatever
    the number of lanes, so four blocks take the steps of one.

    Raises FormatError (without detail) when a lane does not decode exactly;
    :func:`decode_blocks` then decodes block by block for the precise error.
    """
    if len(group) <= 1:
        if not group:
            return []
        _, buf, n, seg, nbits, start_bits, table = group[0]
        return [table._lookup.decode(buf, n, start_bits, seg, nbits)]
    tables = list({id(item[6]._lookup): item[6]._lookup for item in group}.values())
    place: dict[int, tuple[int, int, int, int]] = {}
    symbol_base = limits = 0
    for k, lookup in enumerate(tables):
        place[id(lookup)] = (k, symbol_base, lookup.bits, limits + lookup.limit.size - 1)
        symbol_base += lookup.symbol.size
        limits += lookup.limit.size
    symbol = np.concatenate([t.symbol for t in tables])
    length = np.concatenate([t.length for t in tables])
    limit = np.concatenate([t.limit + (np.uint64(k) << np.uint64(33))
                            for k, t in enumerate(tables)])
    limit_length = np.concatenate([t.limit_length for t in tables])
    limit_first = np.concatenate([t.limit_first for t in tables])
    bases = np.cumsum([0] + [t.order.size for t in tables[:-1]])
    limit_offset = np.concatenate([t.limit_offset + b for t, b in zip(tables, bases, strict=True)])
    order = np.concatenate([t.order for t in tables])
    has_long = any(t.longest > t.bits for t in tables)
    # The lanes: every segment of every block, the payloads end to end.
    starts_l: list[np.ndarray] = []
    ends_l: list[np.ndarray] = []
    targets_l: list[np.ndarray] = []
    lane_l: list[np.ndarray] = []
    byte = 0
    for _, buf, n, seg, nbits, start_bits, _ in group:
        segments = start_bits.size
        ends = np.append(start_bits[1:], nbits)
        targets = np.full(segments, seg, dtype=np.int64)
        targets[-1] = n - seg * (segments - 1)
        starts_l.append(start_bits + 8 * byte)
        ends_l.append(ends + 8 * byte)
        targets_l.append(targets)
        lane_l.append(np.full(segments, len(lane_l)))
        byte += buf.size
    pos = np.concatenate(starts_l)
    want_end = np.concatenate(ends_l)
    targets = np.concatenate(targets_l)
    which = np.concatenate(lane_l)  # the block of each lane
    info = np.array([place[id(item[6]._lookup)] for item in group], dtype=np.int64)[which]
    lane_key = info[:, 0].astype(np.uint64) << np.uint64(33)
    lane_base = info[:, 1]
    lane_shift = (64 - info[:, 2]).astype(np.uint64)
    lane_last = info[:, 3]
    chunk = 256
    padded = np.zeros(byte + 4 * chunk + 16, dtype=np.uint8)
    np.concatenate([item[1] for item in group], out=padded[:byte])
    windows = np.ndarray(
        shape=(padded.size - 7,), dtype=">u8", buffer=padded, strides=(1,)
    ).astype(np.uint64)
    bit_limit = 8 * byte
    steps = int(targets.max())
    out = np.empty((pos.size, steps), dtype=np.uint32)
    end = np.empty(pos.size, dtype=np.int64)
    stop = {int(t): np.flatnonzero(targets == t) for t in np.unique(targets) if t < steps}
    seven, three = np.uint64(7), np.int64(3)
    thirty_two = np.uint64(32)
    for t in range(steps):
        if t in stop:
            end[stop[t]] = pos[stop[t]]
        window = windows[pos >> three]
        window <<= pos.view(np.uint64) & seven
        index = (window >> lane_shift).view(np.int64) + lane_base
        size = length[index]
        sym = symbol[index]
        if has_long and not size.all():
            z = np.flatnonzero(size == 0)
            top = window[z] >> thirty_two
            k = np.minimum(np.searchsorted(limit, top | lane_key[z], side="right"), lane_last[z])
            n = limit_length[k]
            at = limit_offset[k] + (
                (top >> (thirty_two - n.astype(np.uint64))).astype(np.int64) - limit_first[k]
            )
            sym[z], size[z] = order[at], n
        out[:, t] = sym
        pos += size
        if t % chunk == chunk - 1:
            np.minimum(pos, bit_limit, out=pos)
    last = targets == steps
    end[last] = pos[last]
    if not np.array_equal(end, want_end):
        raise FormatError("a lane of a joint large-alphabet decode does not decode exactly")
    results = []
    lane = 0
    for _, _, n, seg, _, start_bits, _ in group:
        rows = out[lane : lane + start_bits.size, :seg]
        ids = np.empty(n, dtype=np.uint32)
        full = seg * (start_bits.size - 1)
        ids[:full] = rows[:-1].reshape(-1)
        ids[full:] = rows[-1, : n - full]
        results.append(ids)
        lane += start_bits.size
    return results


def _decode_single(buf: np.ndarray, table: CodeTable, n: int, nbits: int | None) -> np.ndarray:
    """One symbol with the codeword '0': the payload is ``n`` zero bits."""
    if nbits is not None and nbits != n:
        raise FormatError(f"{n} symbols of 1 bit take {n} bits, not nbits = {nbits}")
    _check_padding(buf, n)
    if np.any(buf):
        at = int(np.flatnonzero(buf)[0])
        bit = 8 * at + 8 - int(buf[at]).bit_length()
        raise FormatError(f"bit {bit} is a 1, which starts no codeword: the only codeword is '0'")
    return np.full(n, int(table.order[0]), dtype=table.id_dtype)


def _decode_sequential(buf: np.ndarray, table: CodeTable, n: int, nbits: int | None) -> np.ndarray:
    """Without segment offsets: bitarray's sequential canonical decoder (C).

    ``bitarray.util.canonical_decode`` reads the canonical code from its
    counts per length and its ids in canonical order (no tree to build);
    it takes codes of at most 31 bits, so a 32-bit code walks a decode tree.
    """
    from bitarray import bitarray

    bits = bitarray(endian="big")
    bits.frombytes(buf.tobytes())
    if nbits is not None:
        del bits[nbits:]
    symbols = itertools.islice(table._sequential(bits), n)
    try:
        if table.size <= 256:
            out = np.frombuffer(bytearray(symbols), dtype=np.uint8)
        else:
            out = np.fromiter(symbols, dtype=np.uint32)
    except ValueError:
        out = np.zeros(0, dtype=np.uint8)
    if out.size != n:
        raise FormatError(f"the payload ends before {n} symbols: truncated or corrupt")
    # The decoder yields only ids with codewords; summing their lengths
    # costs O(n), where payload_bits would cost O(table size) per call.
    end = int(table.lengths[out].sum(dtype=np.int64))
    if nbits is not None and end != nbits:
        raise FormatError(f"{n} symbols end at bit {end}, not at nbits = {nbits}")
    _check_padding(buf, end)
    return out


# ---------------------------------------------------------------------------
# Decoding: the byte automaton (at most 256 ids)
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Automaton:
    """Decode one byte per step: ``state -> (next state, emitted symbols)``.

    Rows are states: the internal nodes of the code tree (0 is the root),
    then 7 *skip states* ``m + r - 1`` that ignore the first ``r`` bits of
    their byte and then decode from the root (a segment starting at bit ``r``
    of a byte starts there).  Columns are the byte values plus a null column
    (256) that consumes nothing, read past a segment's end.  Entry
    ``e = state * 257 + column``:

    * ``next[e]``: the next state times 257 (ready to add the next byte), int32;
    * ``packed[e]``: the emitted ids, slot ``j`` in bits ``8j .. 8j + 7``,
      each stored as ``id ^ key``; ``key`` is an id that never occurs (one
      without a codeword), so a stored byte is 0 exactly when its slot is
      empty;
    * ``mask[e]``: byte ``j`` is 1 when slot ``j`` holds a symbol, needed
      only when all 256 ids have codewords and no ``key`` exists (then
      ``key`` is 0 and ids are stored as they are);
    * ``counts[e]``: number of symbols emitted;
    * ``ends[e]``: in bits ``4j .. 4j + 3``, the bit (1..8) of the byte at
      which the codeword of slot ``j`` ends.
    """

    next: np.ndarray
    packed: np.ndarray
    mask: np.ndarray | None
    counts: np.ndarray
    ends: np.ndarray
    internal: int
    slots: int
    key: int

    @classmethod
    def build(cls, table: CodeTable) -> _Automaton:
        """Build the tables of ``table``'s code, a nibble at a time.

        First a *nibble table*: what 4 bits do from each row (rows ``0 ..
        m - 1`` are the tree's internal nodes, ``m .. m + 2`` skip the first
        1..3 bits of the nibble, ``m + 3 .. m + 6`` consume the whole nibble
        and move to row ``0, m, m + 1, m + 2``; the byte automaton's skip
        states ``m + r - 1`` use the same rows).  Then byte ``hi << 4 | lo``
        from state ``S`` is nibble ``hi`` from row ``S`` followed by nibble
        ``lo`` from the row it reaches: the symbols of the second nibble go
        after those of the first, and their end bits move up by 4.  The
        composition gathers whole 16-entry rows, so the tables of a
        256-symbol code take about a millisecond.
        """
        child = table._tree
        m = child.size // 2
        unused = np.flatnonzero(np.append(table.lengths, np.zeros(256, np.uint8))[:256] == 0)
        key = int(unused[0]) if unused.size else -1
        rows = m + 7
        row, nibble = np.divmod(np.arange(rows * 16, dtype=np.int64), 16)
        walk = row < m + 3
        skip = np.where((row >= m) & walk, row - m + 1, 0)
        node = np.where(row >= m, 0, row)
        count = np.zeros(row.size, dtype=np.uint64)
        packed = np.zeros(row.size, dtype=np.uint64)
        ends = np.zeros(row.size, dtype=np.uint64)
        for i in range(4):
            active = walk & (skip <= i)
            nxt = child[2 * node + ((nibble >> (3 - i)) & 1)]
            leaf = active & (nxt < 0)
            slot = np.uint64(8) * count[leaf]
            stored = ((~nxt[leaf]) ^ max(key, 0)).astype(np.uint64)
            packed[leaf] |= stored << slot
            ends[leaf] |= np.uint64(i + 1) << (slot >> np.uint64(1))
            count += leaf
            node = np.where(active, np.where(nxt < 0, 0, nxt), node)
        node[(m + 3) * 16 :] = np.repeat([0, m, m + 1, m + 2], 16)
        # End bits of a second nibble's codewords: 4 more in every used field.
        used = (np.uint64(1) << (np.uint64(4) * count)) - np.uint64(1)
        ends_second = ends + (np.uint64(0x4444) & used)
        # Row S, byte hi << 4 | lo: indices [S, hi, lo] of the (rows, 16, 16) arrays.
        mid = node.reshape(rows, 16)
        first_count = count.reshape(rows, 16, 1)
        shift = np.uint64(8) * first_count

        def compose(first: np.ndarray, second: np.ndarray, bits: np.ndarray) -> np.ndarray:
            after = second.reshape(rows, 16).take(mid, axis=0) << bits
            return (first.reshape(rows, 16, 1) | after).reshape(rows, 256)

        counts = np.zeros((rows, _COLUMNS), dtype=np.uint8)
        counts[:, :_NULL] = (first_count + count.reshape(rows, 16).take(mid, axis=0)).reshape(
            rows, 256
        )
        slots = int(counts.max())
        # Little-endian, so that byte j of a packed value is slot j on any machine.
        width = np.dtype("<u2" if slots <= 2 else "<u4" if slots <= 4 else "<u8")
        nxt_state = np.empty((rows, _COLUMNS), dtype=_CELL)
        nxt_state[:, :_NULL] = mid.take(mid, axis=0).reshape(rows, 256)
        nxt_state[:, _NULL] = np.arange(rows)
        nxt_state *= _COLUMNS
        packed_bytes = np.zeros((rows, _COLUMNS), dtype=width)
        packed_bytes[:, :_NULL] = compose(packed, packed, shift)
        end_bits = np.zeros((rows, _COLUMNS), dtype=np.uint32)
        end_bits[:, :_NULL] = compose(ends, ends_second, shift >> np.uint64(1))
        flat_counts = counts.ravel()
        return cls(
            next=_readonly(nxt_state.ravel()),
            packed=_readonly(packed_bytes.ravel()),
            mask=None if key >= 0 else _readonly(_prefix_mask(flat_counts, width)),
            counts=_readonly(flat_counts),
            ends=_readonly(end_bits.ravel()),
            internal=m,
            slots=slots,
            key=max(key, 0),
        )

    def decode(
        self, buf: np.ndarray, n: int, starts: np.ndarray, seg: int, nbits: int | None
    ) -> np.ndarray:
        """Decode ``n`` uint8 ids from checked segment ``starts`` (see :func:`decode`)."""
        segments = starts.size
        ends = np.empty(segments, dtype=np.int64)
        ends[:-1] = starts[1:]
        ends[-1] = 8 * buf.size if nbits is None else nbits
        targets = np.full(segments, seg, dtype=np.int64)
        targets[-1] = n - seg * (segments - 1)
        skip = starts & 7
        init = np.where(skip > 0, self.internal + skip - 1, 0) * _COLUMNS
        out = np.empty(n, dtype=np.uint8)
        lanes = _Lanes(starts, ends, init, targets, np.arange(segments, dtype=np.int64) * seg)

        def fail(s: int) -> NoReturn:
            _segment_error(s, starts, ends, int(targets[s]), nbits is None)

        end = _run_lanes(self, [buf], out, lanes, nbits is None, fail)
        _check_padding(buf, end)
        if self.key:
            np.bitwise_xor(out, np.uint8(self.key), out=out)
        return out

    @classmethod
    def merged(cls, automata: Sequence[_Automaton]) -> tuple[_Automaton, list[int]]:
        """One automaton whose tables are those of ``automata``, side by side.

        The states of automaton ``k`` are renumbered from the sum of the
        state counts before it, so its entries start at ``base[k]`` (the
        second result), and its ``next`` values are shifted by the same
        amount.  A lane that starts in a state of automaton ``k`` then stays
        among its states for good.  The emitted bytes are left as they are
        (still XORed with each automaton's own ``key``); the caller undoes
        the key per block.  When one automaton has no key, every automaton
        gets a ``mask``, which for any automaton is the prefix mask of its
        ``counts`` (its slots fill from slot 0 up).
        """
        bases = np.cumsum([0] + [a.next.size for a in automata]).tolist()
        slots = max(a.slots for a in automata)
        width = max((a.packed.dtype for a in automata), key=lambda d: d.itemsize)
        counts = np.concatenate([a.counts for a in automata])
        masked = any(a.mask is not None for a in automata)
        combined = cls(
            next=np.concatenate([a.next + b for a, b in zip(automata, bases, strict=False)]),
            packed=np.concatenate([a.packed.astype(width) for a in automata]),
            mask=_prefix_mask(counts, width) if masked else None,
            counts=counts,
            ends=np.concatenate([a.ends for a in automata]),
            internal=0,
            slots=slots,
            key=0,
        )
        return combined, bases[:-1]


@dataclass(frozen=True)
class _Lanes:
    """The lanes of a lockstep decode: one per segment, in output order.

    Attributes (one entry per lane, all int64)
    ------------------------------------------
    starts, ends : numpy.ndarray
        Bit offsets in the payload buffer at which the lane's codewords begin
        and must end (the end of one lane is usually the start of the next).
    init : numpy.ndarray
        The automaton entry of the lane's first step before its first byte
        is added: its start state (the root, or the skip state for a start
        inside a byte) times 257.
    targets : numpy.ndarray
        Number of symbols the lane must decode.
    offsets : numpy.ndarray
        Where the lane's symbols go in the output.
    """

    starts: np.ndarray
    ends: np.ndarray
    init: np.ndarray
    targets: np.ndarray
    offsets: np.ndarray


def _run_lanes(
    auto: _Automaton,
    parts: Sequence[np.ndarray],
    out: np.ndarray,
    lanes: _Lanes,
    open_end: bool,
    fail: Callable[[int], NoReturn],
) -> int:
    """Decode every lane into ``out``; return the bit where the last lane ends.

    ``parts`` are the payloads, one after the other (the lanes' bit offsets
    count from the start of the first).  Lanes are decoded in batches of at
    most ``_BATCH_ENTRIES`` cells.  A lane that does not decode exactly
    (count, end) makes ``fail(lane)`` raise.  With ``open_end`` the last
    lane may end anywhere in the last byte.
    """
    nbytes = (lanes.ends + 7 >> 3) - (lanes.starts >> 3)
    longest = int(nbytes.max())
    size = sum(p.size for p in parts)
    per_batch = max(1, _BATCH_ENTRIES // longest)
    end = 0
    count = lanes.starts.size
    with _workspace() as space:
        padded = space.array("padded", (size + longest,), np.uint8)
        np.concatenate(parts, out=padded[:size])
        padded[size:] = 0
        for lo in range(0, count, per_batch):
            hi = min(count, lo + per_batch)
            end = _lane_batch(auto, padded, out, lanes, nbytes, lo, hi, open_end, fail, space)
    return end


def _lane_batch(
    auto: _Automaton,
    padded: np.ndarray,
    out: np.ndarray,
    lanes: _Lanes,
    nbytes: np.ndarray,
    lo: int,
    hi: int,
    open_end: bool,
    fail: Callable[[int], NoReturn],
    space: _Workspace,
) -> int:
    """Decode lanes ``lo .. hi - 1`` into ``out``; return where the last one ends.

    ``padded`` is the payload followed by at least ``nbytes.max()`` zeros.

    A step is two numpy calls on int32 arrays of one cell per lane: add the
    lane's next byte to its state, look the entry up (``take``, in cache).
    The steps run in blocks of ``_BLOCK_CELLS`` cells (a few hundred steps):
    step ``t`` reads byte ``t`` of every lane from row ``t`` of a small
    (steps x lanes) array and writes
    the entries to row ``t`` of another, so each call touches contiguous
    memory.  Each finished block of entries is then *filed*: the entries
    past a lane's end are nulled, each lane's last entry is kept, and the
    entries' packed symbols (and masks) are written, transposed, into the
    lane-major arrays of :class:`_Filed`, which :func:`_emit` turns into
    symbols.
    On a large batch with more than one CPU the helper thread files a block
    while this thread runs the next one (two blocks of cells take turns).
    """
    first = lanes.starts[lo:hi] >> 3
    size = nbytes[lo:hi]
    steps = int(size.max())
    count = hi - lo
    filed = _Filed.empty(auto, size, steps, space)
    block = min(steps, max(16, _BLOCK_CELLS // count))
    pool = _helper_pool() if count * steps >= _THREAD_ENTRIES else None
    buffers = [space.array(f"cells{i}", (block, count), _CELL) for i in range(2 if pool else 1)]
    pending: list[Any] = [None] * len(buffers)
    state = lanes.init[lo:hi].astype(_CELL)
    add = np.add
    take = auto.next.take
    try:
        for k, t0 in enumerate(range(0, steps, block)):
            t1 = min(steps, t0 + block)
            # Row ``t`` holds byte ``t0 + t`` of every lane (as _CELL: the
            # add then needs no cast).
            window = sliding_window_view(padded, t1 - t0)[first + t0]
            columns = window.T.astype(_CELL, order="C")
            turn = k % len(buffers)
            if pending[turn] is not None:
                pending[turn].result()
                pending[turn] = None
            cells = buffers[turn][: t1 - t0]
            for column, cell in zip(columns, cells, strict=True):
                add(state, column, out=cell)
                # Every entry is in range: "wrap" only skips the bounds check.
                take(cell, out=state, mode="wrap")
            if pool is None:
                filed.file(cells, t0, turn)
            else:
                pending[turn] = pool.submit(filed.file, cells, t0, turn)
    finally:
        for job in pending:
            if job is not None:
                job.result()
    return _emit(auto, out, filed, lanes, size, lo, hi, open_end, fail)


@dataclass(frozen=True)
class _Filed:
    """What a batch's lockstep leaves for :func:`_emit`, one row per lane.

    Attributes
    ----------
    packed : numpy.ndarray
        (lanes, steps) packed symbols of every step's entry (0 past the
        lane's end).
    mask : numpy.ndarray or None
        (lanes, steps) slot masks, for an automaton without a ``key``.
    last : numpy.ndarray
        int32 entry of each lane's last byte.
    size : numpy.ndarray
        Bytes per lane.
    """

    packed: np.ndarray
    mask: np.ndarray | None
    last: np.ndarray
    size: np.ndarray
    auto: _Automaton
    space: _Workspace

    @classmethod
    def empty(cls, auto: _Automaton, size: np.ndarray, steps: int, space: _Workspace) -> _Filed:
        shape = (size.size, steps)
        mask = None if auto.mask is None else space.array("mask", shape, auto.mask.dtype)
        return cls(
            space.array("packed", shape, auto.packed.dtype),
            mask,
            np.empty(size.size, dtype=_CELL),
            size,
            auto,
            space,
        )

    def file(self, cells: np.ndarray, t0: int, turn: int) -> None:
        """File the entries of steps ``t0 .. t0 + len(cells) - 1`` (modifies ``cells``).

        ``turn`` names the scratch arrays to use (one set per cells buffer).
        """
        t1 = t0 + cells.shape[0]
        size = self.size
        if t1 >= int(size.min()):
            # Past its last byte a lane decoded bytes of the next one: replace
            # those steps by the null entry (state 0, null column), which
            # emits nothing.
            past = np.arange(t0, t1)[:, None] >= size[None, :]
            np.putmask(cells, past, _NULL)
            ending = np.flatnonzero((size > t0) & (size <= t1))
            self.last[ending] = cells[size[ending] - 1 - t0, ending]
        gathered = self.space.array(f"packed{turn}", cells.shape, self.packed.dtype)
        self.auto.packed.take(cells, out=gathered)
        self.packed[:, t0:t1] = gathered.T
        if self.mask is not None:
            assert self.auto.mask is not None
            gathered = self.space.array(f"mask{turn}", cells.shape, self.mask.dtype)
            self.auto.mask.take(cells, out=gathered)
            self.mask[:, t0:t1] = gathered.T


def _emit(
    auto: _Automaton,
    out: np.ndarray,
    filed: _Filed,
    lanes: _Lanes,
    size: np.ndarray,
    lo: int,
    hi: int,
    open_end: bool,
    fail: Callable[[int], NoReturn],
) -> int:
    """Turn filed steps (one row per lane) into symbols; check counts and lane ends.

    Each entry's emitted ids fill the low bytes of its ``packed`` value and
    the unused bytes are 0 (or, without a ``key``, 0 in its ``mask``), so
    the lane-major array of packed values, read as bytes, holds the symbols
    in output order among zeros: one ``flatnonzero`` finds them, and where
    each lane's row starts in that list counts the lane's symbols.

    The lanes are turned into symbols a group at a time.  Groups are
    independent, so with more than one CPU a large batch is shared between
    this thread and the helper thread; numpy releases the GIL inside these
    whole-array calls.  A lane that fails is reported as ``fail`` of the
    first failing lane, whichever thread found it.

    Returns the bit at which the last lane of the batch ends.
    """
    steps = filed.packed.shape[1]
    per_group = max(1, _GROUP_ENTRIES // steps)
    groups = [(g, min(hi - lo, g + per_group)) for g in range(0, hi - lo, per_group)]

    def work(part: list[tuple[int, int]], turn: int) -> tuple[int, int | None]:
        keep = filed.space.array(f"keep{turn}", (per_group * filed.packed.itemsize * steps,), bool)
        end = 0
        for g0, g1 in part:
            end, bad = _emit_group(auto, out, filed, lanes, lo, g0, g1, open_end, keep)
            if bad is not None:
                return end, bad
        return end, None

    pool = _helper_pool() if filed.packed.size >= _THREAD_ENTRIES and len(groups) > 1 else None
    if pool is None:
        end, bad = work(groups, 0)
    else:
        half = len(groups) // 2
        later = pool.submit(work, groups[half:], 1)
        try:
            bad = work(groups[:half], 0)[1]
        finally:
            end, later_bad = later.result()
        if bad is None:
            bad = later_bad
    if bad is not None:
        fail(bad)
    return end


def _emit_group(
    auto: _Automaton,
    out: np.ndarray,
    filed: _Filed,
    lanes: _Lanes,
    lo: int,
    g0: int,
    g1: int,
    open_end: bool,
    keep: np.ndarray,
) -> tuple[int, int | None]:
    """Emit lanes ``lo + g0 .. lo + g1 - 1`` of a batch into ``out``.

    ``keep`` is scratch space, at least one bool per byte of the group's
    packed values.

    Returns the bit at which the group's last lane ends and the first lane
    that does not decode exactly (None when all do; nothing is written then
    for this group).
    """
    packed = filed.packed[g0:g1]
    mask = None if filed.mask is None else filed.mask[g0:g1]
    steps = packed.shape[1]
    row_bytes = steps * packed.itemsize
    rows = np.arange(g1 - g0)
    last_col = filed.size[g0:g1] - 1
    last = filed.last[g0:g1]
    ids = np.arange(lo + g0, lo + g1)
    full = auto.counts[last].astype(np.int64)
    ends_packed = auto.ends[last].astype(np.int64)
    want = lanes.targets[ids]
    ends = lanes.ends[ids]
    # Bit (1..8) of its last byte at which each lane must end.
    stop = ends - 8 * ((ends + 7 >> 3) - 1)
    # Of the codewords completed in its last byte, a lane keeps those
    # ending at or before bit ``stop``; the last one kept must end exactly
    # there, and the lane must then hold exactly ``want`` symbols.
    valid = np.zeros(rows.size, dtype=np.int64)
    for j in range(auto.slots):
        end_j = (ends_packed >> (4 * j)) & 15
        valid += (j < full) & (end_j <= stop)
    if open_end and ids[-1] == lanes.targets.size - 1:
        # Without nbits the last lane ends at its last symbol.
        k = rows.size - 1
        slots = (packed if mask is None else mask)[k, : last_col[k]].view(np.uint8)
        valid[k] = want[k] - int(np.count_nonzero(slots))
        if 1 <= valid[k] <= full[k]:
            stop[k] = (ends_packed[k] >> (4 * (valid[k] - 1))) & 15
    end_bit = np.where(valid > 0, (ends_packed >> (4 * np.maximum(valid - 1, 0))) & 15, -1)
    kept = _prefix_mask(np.clip(valid, 0, 8), packed.dtype)
    symbols = packed.view(np.uint8).reshape(-1)
    if mask is None:
        packed[rows, last_col] &= kept * np.uint8(255)
        where = np.flatnonzero(np.not_equal(symbols, 0, out=keep[: symbols.size]))
    else:
        mask[rows, last_col] = kept
        where = np.flatnonzero(mask.view(np.bool_).reshape(-1))
    got = np.diff(np.searchsorted(where, rows * row_bytes), append=where.size)
    bad = (got != want) | (end_bit != stop) | (valid > full)
    k = rows.size - 1
    end = 8 * (int(ends[k] + 7 >> 3) - 1) + int(end_bit[k])
    if bad.any():
        return end, int(ids[np.argmax(bad)])
    o = int(lanes.offsets[ids[0]])
    np.take(symbols, where, out=out[o : o + where.size])
    return end, None


class _Workspace:
    """Named scratch arrays for the lockstep decoder, kept from one decode to the next.

    Decoding 4 MB needs about 15 MB of scratch space; allocating it afresh
    on every call costs about as much again in page faults as the decoding
    itself, so the buffers are kept.  ``array(name, shape, dtype)`` returns
    a view of the buffer ``name``, grown when too small; its contents are
    undefined.  At most one idle workspace is kept (see :func:`_workspace`),
    and buffers above ``_WORKSPACE_KEEP`` bytes are dropped after use.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def array(self, name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        dtype = np.dtype(dtype)
        need = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        buf = self._buffers.get(name)
        if buf is None or buf.size < need:
            # uint64 storage: aligned for any dtype the decoder views it as.
            buf = np.empty(-(-max(need, 1) // 8), dtype=np.uint64).view(np.uint8)
            self._buffers[name] = buf
        return buf[:need].view(dtype).reshape(shape)

    def trim(self, limit: int) -> None:
        """Drop the buffers larger than ``limit`` bytes."""
        self._buffers = {k: b for k, b in self._buffers.items() if b.size <= limit}


_WORKSPACE_KEEP = 1 << 26
"""Scratch buffers up to this size (64 MiB) are kept between decodes."""

_idle: list[_Workspace] = []
_idle_lock = threading.Lock()


@contextlib.contextmanager
def _workspace() -> Iterator[_Workspace]:
    """Borrow the idle workspace (or a new one) and give it back afterwards.

    Concurrent decodes each get their own; one is kept when they are done.
    """
    with _idle_lock:
        space = _idle.pop() if _idle else _Workspace()
    try:
        yield space
    finally:
        space.trim(_WORKSPACE_KEEP)
        with _idle_lock:
            if not _idle:
                _idle.append(space)


_pool: Any = None


def _after_fork_in_child() -> None:
    """A forked child has no helper thread and may hold a copied, taken lock: start afresh."""
    global _pool, _idle_lock
    _pool = None
    _idle_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _helper_pool() -> Any:
    """The one helper thread that shares large batches, or None on a single CPU."""
    global _pool
    if _pool is None:
        if (os.cpu_count() or 1) < 2:
            _pool = False
        else:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(1, thread_name_prefix="entrocode-decode")
    return _pool or None


def _segment_error(
    s: int, starts: np.ndarray, ends: np.ndarray, want: int, open_end: bool
) -> NoReturn:
    """Raise the FormatError for segment ``s``, which failed to decode exactly."""
    if open_end and s == starts.size - 1:
        where = "before the padding at the end of the payload"
    else:
        where = f"ending exactly at bit {int(ends[s])}"
    raise FormatError(
        f"segment {s} (from bit {int(starts[s])}) does not decode to {want} symbols {where}: "
        "corrupt or truncated payload, or wrong segment starts"
    )


def _prefix_mask(valid: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Masks with bytes ``0 .. valid - 1`` set to 1."""
    ones = np.uint64(0x0101010101010101)
    full = np.uint64(8) * valid.astype(np.uint64)
    return np.where(valid >= 8, ones, ones & ((np.uint64(1) << full) - np.uint64(1))).astype(dtype)


# ---------------------------------------------------------------------------
# Decoding: lookup table (larger alphabets)
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Lookup:
    """One symbol per step from a table on the next ``bits`` bits.

    ``symbol[x]`` and ``length[x]`` give the id and codeword length of the
    codeword that starts the ``bits``-bit string ``x``; ``length[x] == 0``
    when that codeword is longer.  Long codewords are found by the canonical
    comparison: with ``w`` the next 32 bits, the codeword length is the first
    ``l`` with ``w < limit[l]``, where ``limit[l]`` is the first codeword of
    length ``l`` after the last one, left-justified to 32 bits.
    """

    bits: int
    symbol: np.ndarray
    length: np.ndarray
    limit: np.ndarray
    limit_length: np.ndarray
    limit_first: np.ndarray
    limit_offset: np.ndarray
    order: np.ndarray
    longest: int

    @classmethod
    def build(cls, table: CodeTable) -> _Lookup:
        order = table.order
        lens = table.lengths[order].astype(np.int64)
        codes = table.codes[order].astype(np.int64)
        bits = min(_LOOKUP_BITS, int(lens.max()))
        short = lens <= bits
        spans = np.int64(1) << (bits - lens[short])
        symbol = np.zeros(1 << bits, dtype=np.uint32)
        length = np.zeros(1 << bits, dtype=np.int64)
        filled = int(spans.sum())
        symbol[:filled] = np.repeat(order[short], spans)
        length[:filled] = np.repeat(lens[short], spans)
        distinct, offset = np.unique(lens, return_index=True)
        first = codes[offset]
        sizes = np.diff(np.append(offset, lens.size))
        limit = ((first + sizes) << (32 - distinct)).astype(np.uint64)
        return cls(
            bits=bits,
            symbol=_readonly(symbol),
            length=_readonly(length),
            limit=_readonly(limit),
            limit_length=_readonly(distinct),
            limit_first=_readonly(first),
            limit_offset=_readonly(offset),
            order=order,
            longest=int(lens.max()),
        )

    def _resolve(self, window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ids and lengths of the codewords that begin 64-bit ``window`` values."""
        top = window >> np.uint64(32)
        k = np.minimum(np.searchsorted(self.limit, top, side="right"), self.limit.size - 1)
        n = self.limit_length[k]
        index = self.limit_offset[k] + (
            (top >> (np.uint64(32) - n.astype(np.uint64))).astype(np.int64) - self.limit_first[k]
        )
        return self.order[index].astype(np.uint32), n

    def decode(
        self, buf: np.ndarray, n: int, starts: np.ndarray, seg: int, nbits: int | None
    ) -> np.ndarray:
        """Decode ``n`` uint32 ids from checked segment ``starts`` (see :func:`decode`).

        Step ``t`` decodes symbol ``t`` of every segment.  Positions are
        clamped to the payload every 256 steps, so a segment running past the
        end (corrupt input) reads zeros and never leaves the padded buffer.
        """
        segments = starts.size
        limit = 8 * buf.size
        steps = min(seg, n)
        chunk = 256
        padded = np.zeros(buf.size + 4 * chunk + 16, dtype=np.uint8)
        padded[: buf.size] = buf
        windows = np.ndarray(
            shape=(padded.size - 7,), dtype=">u8", buffer=padded, strides=(1,)
        ).astype(np.uint64)
        pos = starts.copy()
        last_target = n - seg * (segments - 1)
        out = np.empty((segments, steps), dtype=np.uint32)
        shift = np.uint64(64 - self.bits)
        seven = np.uint64(7)
        three = np.int64(3)
        has_long = self.longest > self.bits
        last_end = 0
        for t in range(steps):
            if t == last_target:
                last_end = int(pos[-1])
            window = windows[pos >> three]
            window <<= pos.view(np.uint64) & seven
            index = (window >> shift).view(np.int64)
            length = self.length[index]
            sym = self.symbol[index]
            if has_long and not length.all():
                z = np.flatnonzero(length == 0)
                sym[z], length[z] = self._resolve(window[z])
            out[:, t] = sym
            pos += length
            if t % chunk == chunk - 1:
                if t < last_target and int(pos[-1]) > limit:
                    _segment_error(segments - 1, starts, starts, last_target, True)
                np.minimum(pos, limit, out=pos)
        if steps == last_target:
            last_end = int(pos[-1])
        ends = np.append(starts[1:], last_end)
        got = np.append(pos[:-1], last_end) if segments > 1 else np.array([last_end])
        expect_last = last_end if nbits is None else nbits
        ends[-1] = expect_last
        bad = (got != ends) | (got > limit)
        if bad.any():
            s = int(np.argmax(bad))
            want = seg if s < segments - 1 else last_target
            _segment_error(s, starts, ends, want, nbits is None)
        _check_padding(buf, last_end)
        flat = out.reshape(-1)
        result = np.empty(n, dtype=np.uint32)
        if segments > 1:
            result[: seg * (segments - 1)] = flat[: seg * (segments - 1)]
        result[seg * (segments - 1) :] = out[-1, :last_target]
        return result


# ---------------------------------------------------------------------------
# The reference decoder
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TraceStep:
    """One symbol read by :func:`decode_reference`.

    Attributes
    ----------
    index : int
        Position of the symbol in the output, from 0.
    start : int
        Bit offset of its first codeword bit in the payload.
    bits : str
        The codeword read, as '0'/'1' characters (one per tree edge walked).
    symbol_id : int
        The id found at the leaf.
    """

    index: int
    start: int
    bits: str
    symbol_id: int


def decode_reference(
    payload: bytes | memoryview | np.ndarray,
    table: CodeTable,
    count: int,
    trace: list[TraceStep] | None = None,
) -> np.ndarray:
    """Decode ``count`` ids by walking the code tree one bit at a time.

    The textbook decoder: start at the root; read a bit; go to the left child
    on 0, the right child on 1; on reaching a leaf, output its id and return
    to the root.  A codeword of ``l`` bits takes ``l`` steps, so the work is
    ``sum_i count[i] * length[i]`` steps, the payload size in bits.  It is a
    plain Python loop, slow on purpose: it is the reference the fast
    :func:`decode` is tested against.

    Parameters
    ----------
    payload : bytes, memoryview or numpy.ndarray
        The encoded bytes.
    table : CodeTable
        The code.
    count : int
        Number of symbols to read.
    trace : list, optional
        When given, one :class:`TraceStep` per decoded symbol is appended:
        its index, its first bit, the codeword bits read and the id.

    Returns
    -------
    numpy.ndarray
        ``count`` ids (uint8 for at most 256 ids, else uint32).

    Raises
    ------
    FormatError
        When the payload ends inside a codeword, when bits follow that are no
        codeword (only possible with a one-symbol code, whose only codeword is
        '0'), or when more than the padding (under 8 zero bits) follows the
        last symbol.

    Examples
    --------
    >>> steps = []
    >>> decode_reference(b"X", CodeTable.from_lengths([1, 2, 2]), 4, steps).tolist()
    [0, 1, 2, 0]
    >>> [(s.start, s.bits, s.symbol_id) for s in steps]
    [(0, '0', 0), (1, '10', 1), (3, '11', 2), (5, '0', 0)]
    """
    data = _as_payload(payload).tobytes()
    n = _check_count(count, "count")
    if n < 0:
        raise FormatError(f"the symbol count must be >= 0, got {n}")
    child = table._tree.tolist()
    total = 8 * len(data)
    out = np.empty(n, dtype=table.id_dtype)
    pos = 0
    for index in range(n):
        node = 0
        start = pos
        while True:
            if pos >= total:
                raise FormatError(
                    f"the payload ends inside codeword {index} (bit {start}): "
                    f"{n} symbols need more than {total} bits"
                )
            bit = (data[pos >> 3] >> (7 - (pos & 7))) & 1
            pos += 1
            node = child[2 * node + bit]
            if node == _MISSING:
                raise FormatError(
                    f"bits from {start} to {pos} are not a codeword: no code branch continues"
                )
            if node < 0:
                break
        out[index] = ~node
        if trace is not None:
            word = "".join(str((data[p >> 3] >> (7 - (p & 7))) & 1) for p in range(start, pos))
            trace.append(TraceStep(index, start, word, ~node))
    _check_padding(np.frombuffer(data, dtype=np.uint8), pos)
    return out
