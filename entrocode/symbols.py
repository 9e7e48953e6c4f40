"""Split input bytes into symbols, and join symbols back into bytes.

A Huffman code is built over an *alphabet* of symbols.  What counts as one
symbol is a choice, the *symbol mode*:

========  =========================================  ================================
mode      one symbol is                              ``b"Hi, you!\\n"`` gives
========  =========================================  ================================
bytes     one byte (alphabet: all 256 byte values)   9 symbols, ``b"H"`` ... ``b"\\n"``
chars     one Unicode code point of UTF-8 text       9 symbols, ``b"H"`` ... ``b"\\n"``
words     a maximal run of word characters           4 symbols: ``b"Hi"``, ``b", "``,
          (regex ``\\w``) or of non-word characters   ``b"you"``, ``b"!\\n"``
          (regex ``\\W``)
lines     one line including its ``"\\n"``; a last   1 symbol, ``b"Hi, you!\\n"``
          line without ``"\\n"`` is a symbol too
========  =========================================  ================================

In words mode the symbols alternate between word runs and non-word runs.
Every mode is *lossless*: concatenating the symbols gives back the input
exactly, so ``detokenize`` inverts ``tokenize``.

The text modes (chars, words, lines) require valid UTF-8 and raise
:class:`~entrocode.errors.SymbolError` naming the first bad byte otherwise.
In words mode the classes come from Python's Unicode-aware ``re``: ``\\w``
is a letter or number of any script (``str.isalnum``), or ``"_"``.
Combining marks (such as U+0301) are *not* word characters, so
``"e\\u0301"`` (e + combining acute) splits into two runs; the split is
still lossless.

A tokenized input is a :class:`Tokens`: an array of integer ids plus the
alphabet the ids index into.  In bytes mode the ids are the byte values
themselves (``uint8``) and the alphabet is implicit, always the 256 single
bytes.  In the text modes the alphabet lists only the distinct symbols that
occur, sorted by their UTF-8 bytes (so the result does not depend on the
order of first occurrence), and the ids are ``uint32`` indices into it.

Examples
--------
>>> tokens = tokenize(b"to be or not to be", "words")
>>> tokens.alphabet
(b' ', b'be', b'not', b'or', b'to')
>>> tokens.ids.tolist()
[4, 0, 1, 0, 3, 0, 2, 0, 4, 0, 1]
>>> detokenize(tokens.ids, tokens.alphabet, tokens.mode)
b'to be or not to be'

See also
--------
entrocode.codec : turns the ids into bits with a Huffman code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from entrocode.errors import SymbolError

__all__ = [
    "BYTE_ALPHABET",
    "MODES",
    "Tokens",
    "check_mode",
    "detokenize",
    "safe_boundary",
    "split_symbols",
    "symbol_label",
    "tokenize",
]

MODES: tuple[str, ...] = ("bytes", "chars", "words", "lines")
"""The symbol modes, from finest to coarsest."""

BYTE_ALPHABET: tuple[bytes, ...] = tuple(bytes((value,)) for value in range(256))
"""The implicit alphabet of bytes mode: ``b"\\x00"`` to ``b"\\xff"``, id == byte value."""

# Maximal runs of word characters or of non-word characters; str patterns are Unicode-aware.
_RUNS = re.compile(r"\w+|\W+")
_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True, eq=False)
class Tokens:
    """An input split into symbols: integer ids and the alphabet they index.

    Attributes
    ----------
    ids : numpy.ndarray
        1-D, read-only.  In bytes mode ``uint8`` and equal to the byte
        values; in the text modes ``uint32`` indices into `alphabet`.
    alphabet : tuple of bytes
        ``alphabet[i]`` is the raw bytes (UTF-8 in the text modes) of the
        symbol with id ``i``.  In bytes mode always :data:`BYTE_ALPHABET`;
        in the text modes the distinct symbols that occur, sorted by bytes.
    mode : str
        One of :data:`MODES`.

    Notes
    -----
    Two ``Tokens`` are equal when mode, alphabet and the id values agree.
    They are not hashable (the ids are an array).  Constructing a ``Tokens``
    stores a read-only *view* of `ids`; the array passed in is not changed.
    """

    ids: np.ndarray
    alphabet: tuple[bytes, ...]
    mode: str

    def __post_init__(self) -> None:
        ids = _check_ids(self.ids).view()
        ids.flags.writeable = False
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "alphabet", tuple(self.alphabet))
        object.__setattr__(self, "mode", check_mode(self.mode))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tokens):
            return NotImplemented
        return (
            self.mode == other.mode
            and self.alphabet == other.alphabet
            and np.array_equal(self.ids, other.ids)
        )


def check_mode(mode: str) -> str:
    """Return `mode` if it is one of :data:`MODES`, else raise.

    Parameters
    ----------
    mode : str
        A symbol mode name.

    Returns
    -------
    str
        `mode`, unchanged.

    Raises
    ------
    TypeError
        If `mode` is not a str.
    SymbolError
        If `mode` is not one of ``bytes``, ``chars``, ``words``, ``lines``.

    Examples
    --------
    >>> check_mode("words")
    'words'
    >>> check_mode("foo")
    Traceback (most recent call last):
    ...
    entrocode.errors.SymbolError: unknown symbol mode 'foo' (choose bytes, chars, words or lines)
    """
    if not isinstance(mode, str):
        raise TypeError(f"symbol mode must be a str, not {type(mode).__name__}")
    if mode not in MODES:
        raise SymbolError(
            f"unknown symbol mode {mode!r} (choose bytes, chars, words or lines)"
        ) from None
    return mode


def tokenize(data: bytes, mode: str = "bytes") -> Tokens:
    """Split `data` into symbols and number them.

    Parameters
    ----------
    data : bytes
        The input (``bytearray`` and ``memoryview`` are accepted and copied
        first, so later changes to them do not affect the result).
    mode : str, default "bytes"
        One of :data:`MODES`; see the module documentation.

    Returns
    -------
    Tokens
        ``ids`` (read-only, ``uint8`` in bytes mode, ``uint32`` otherwise),
        the alphabet and the mode.  Empty input gives empty ids and, in the
        text modes, an empty alphabet.

    Raises
    ------
    TypeError
        If `data` is not bytes-like.
    SymbolError
        If `mode` is unknown, or a text mode gets input that is not UTF-8.

    Notes
    -----
    Bytes, chars and words run in whole-array numpy operations (no loop per
    symbol), in time linear in ``len(data)`` (words: a hash per run, each
    run then checked against the first of its hash, with ``re`` as the
    fallback should two runs ever share one).  Lines are split with
    ``bytes.split`` and numbered with one dictionary look-up per line.

    Examples
    --------
    >>> tokenize(b"abracadabra", "chars").alphabet
    (b'a', b'b', b'c', b'd', b'r')
    >>> tokenize(b"abracadabra", "chars").ids.tolist()
    [0, 1, 4, 0, 2, 0, 3, 0, 1, 4, 0]
    >>> tokenize(b"one\\ntwo\\none", "lines").alphabet
    (b'one', b'one\\n', b'two\\n')

    See also
    --------
    detokenize : the inverse.
    split_symbols : the symbols themselves, as a list.
    """
    data = _as_bytes(data)
    check_mode(mode)
    if mode == "bytes":
        ids = np.frombuffer(data, dtype=np.uint8)
        return Tokens(ids, BYTE_ALPHABET, mode)
    if mode == "chars":
        ids, alphabet = _tokenize_chars(data)
    elif mode == "words":
        ids, alphabet = _tokenize_words(data)
    else:
        ids, alphabet = _tokenize_lines(data)
    return Tokens(ids, alphabet, mode)


def detokenize(ids: np.ndarray, alphabet: Sequence[bytes], mode: str) -> bytes:
    """Join the symbols with ids `ids` back into bytes: the inverse of :func:`tokenize`.

    ``detokenize(t.ids, t.alphabet, t.mode) == data`` for ``t = tokenize(data, mode)``.

    Parameters
    ----------
    ids : numpy.ndarray
        1-D array of integer ids (any integer dtype), each in
        ``range(len(alphabet))``.
    alphabet : sequence of bytes
        ``alphabet[i]`` is the bytes of symbol ``i``.  In bytes mode every
        entry must be a single byte (normally :data:`BYTE_ALPHABET`, where
        id == byte value); in chars mode every entry must be the UTF-8 of
        exactly one code point.
    mode : str
        One of :data:`MODES`.

    Returns
    -------
    bytes
        The concatenated symbols.

    Raises
    ------
    TypeError
        If `ids` is not an integer array.
    SymbolError
        If `mode` is unknown, `ids` is not 1-D, an id is out of range, or
        an alphabet entry is not a valid symbol of the mode.

    Examples
    --------
    >>> import numpy as np
    >>> detokenize(np.array([1, 0, 1]), [b"a", b"b"], "chars")
    b'bab'
    """
    check_mode(mode)
    ids = _check_ids(ids)
    alphabet = tuple(alphabet)
    for entry in alphabet:
        if not isinstance(entry, bytes):
            raise TypeError(f"alphabet entries must be bytes, not {type(entry).__name__}")
    if mode == "bytes" and alphabet == BYTE_ALPHABET and ids.dtype == np.uint8:
        return ids.tobytes()
    _check_id_range(ids, len(alphabet))
    if mode == "bytes":
        return _byte_table(alphabet)[ids].tobytes()
    if mode == "chars":
        code_points = _code_point_table(alphabet)
        if code_points.size == 0 or int(code_points.max()) < 0x80:
            return code_points.astype(np.uint8)[ids].tobytes()
        return code_points[ids].tobytes().decode("utf-32-le").encode("utf-8")
    return _join(ids, alphabet)


def split_symbols(data: bytes, mode: str) -> list[bytes]:
    """Return the symbols of `data` in order, as a list of bytes.

    ``b"".join(split_symbols(data, mode)) == data`` in every mode.  Meant
    for teaching and small inputs (one Python object per symbol); use
    :func:`tokenize` for large inputs.

    Parameters
    ----------
    data : bytes
        The input.
    mode : str
        One of :data:`MODES`.

    Returns
    -------
    list of bytes
        The symbols.

    Raises
    ------
    TypeError
        If `data` is not bytes-like.
    SymbolError
        If `mode` is unknown, or a text mode gets input that is not UTF-8.

    Examples
    --------
    >>> split_symbols(b"Hi, you!\\n", "words")
    [b'Hi', b', ', b'you', b'!\\n']
    >>> split_symbols("naïve".encode(), "chars")
    [b'n', b'a', b'\\xc3\\xaf', b'v', b'e']
    >>> split_symbols(b"a\\r\\nb", "lines")
    [b'a\\r\\n', b'b']
    """
    data = _as_bytes(data)
    check_mode(mode)
    if mode == "bytes":
        return [data[i : i + 1] for i in range(len(data))]
    if mode == "lines":
        _decode(data)
        return _split_lines(data)
    text = _decode(data)
    if mode == "chars":
        return [char.encode("utf-8") for char in text]
    return [run.encode("utf-8") for run in _RUNS.findall(text)]


def safe_boundary(data: bytes, mode: str) -> int:
    """Return the largest ``n <= len(data)`` where `data` can be cut between symbols.

    A streaming compressor that has read `data` so far can encode
    ``data[:n]`` now and keep ``data[n:]`` for later: for any further
    input ``rest``, the symbols of ``data[:n]`` followed by the symbols of
    ``data[n:] + rest`` are exactly the symbols of ``data + rest``.

    ========  ===========================================================
    mode      ``n`` is
    ========  ===========================================================
    bytes     ``len(data)``
    chars     ``len(data)``, less an incomplete UTF-8 sequence at the end
    words     the last change from a word run to a non-word run or back
    lines     just after the last ``b"\\n"``
    ========  ===========================================================

    In words and lines mode the last symbol may continue in input not read
    yet, so it is held back; ``n`` is 0 if no cut is known to be safe (no
    ``b"\\n"``, or a single run).  Callers then read more, or at the end of
    the input take everything.

    Parameters
    ----------
    data : bytes
        The input available so far.
    mode : str
        One of :data:`MODES`.

    Returns
    -------
    int
        The cut position ``n``, ``0 <= n <= len(data)``.

    Raises
    ------
    TypeError
        If `data` is not bytes-like.
    SymbolError
        If `mode` is unknown.

    Notes
    -----
    This function does not validate UTF-8 (only the end of `data` is
    inspected).  On invalid input it returns a cut at or after the bad
    byte, so tokenizing ``data[:n]`` reports the error.  In words mode only
    a tail window is decoded, grown as needed, so the cost is proportional
    to the length of the last run, not of `data`.

    Examples
    --------
    >>> safe_boundary(b"one two", "words")
    4
    >>> safe_boundary(b"one\\ntwo", "lines")
    4
    >>> safe_boundary("café".encode()[:-1], "chars")  # cut off inside the é
    3
    """
    data = _as_bytes(data)
    check_mode(mode)
    if mode == "bytes":
        return len(data)
    if mode == "lines":
        return data.rfind(b"\n") + 1
    end = _char_boundary(data)
    if mode == "chars":
        return end
    return _word_boundary(data, end)


def symbol_label(symbol: bytes, mode: str) -> str:
    """Return a printable, unambiguous label for `symbol`, for tables and trees.

    Bytes mode: the bytes 0x21 to 0x7E (printable ASCII except space) are
    shown as themselves, every other byte as ``0x`` and two lowercase hex
    digits (``b" "`` -> ``"0x20"``, ``b"\\n"`` -> ``"0x0a"``).  One
    character means a literal, four characters mean hex.

    Text modes: the decoded text, with

    - backslash as ``\\\\``; newline, carriage return and tab as ``\\n``,
      ``\\r``, ``\\t``;
    - space as ``␠`` (U+2420), and a literal ``␠`` as ``\\u2420``;
    - any other character that ``str.isprintable`` rejects (controls,
      format characters such as U+200D, separators such as U+00A0), and a
      combining mark at the start of the label (with nothing to combine
      with), as ``\\xhh``, ``\\uhhhh`` or ``\\Uhhhhhhhh`` like ``repr``.

    Every other character is shown as itself.  Because a backslash always
    starts an escape, different symbols always get different labels.

    Parameters
    ----------
    symbol : bytes
        One symbol (one byte in bytes mode; UTF-8 text otherwise).
    mode : str
        One of :data:`MODES`.

    Returns
    -------
    str
        The label.

    Raises
    ------
    TypeError
        If `symbol` is not bytes.
    SymbolError
        If `mode` is unknown, a bytes-mode symbol is not exactly one byte,
        or a text-mode symbol is not valid UTF-8.

    Examples
    --------
    >>> symbol_label(b"a", "bytes"), symbol_label(b"\\n", "bytes")
    ('a', '0x0a')
    >>> symbol_label(b"Hi, you!\\n", "lines")
    'Hi,␠you!\\\\n'
    >>> symbol_label("\\u0301".encode(), "chars")
    '\\\\u0301'
    """
    if not isinstance(symbol, bytes | bytearray):
        raise TypeError(f"symbol must be bytes, not {type(symbol).__name__}")
    check_mode(mode)
    if mode == "bytes":
        if len(symbol) != 1:
            raise SymbolError(
                f"a bytes-mode symbol is exactly one byte, got {len(symbol)}: {bytes(symbol)!r}"
            )
        value = symbol[0]
        return chr(value) if 0x21 <= value <= 0x7E else f"0x{value:02x}"
    text = _decode(bytes(symbol))
    return "".join(_char_label(char, i == 0) for i, char in enumerate(text))


# ---------------------------------------------------------------------------
# Helpers


def _as_bytes(data: bytes) -> bytes:
    """Return `data` as immutable bytes (no copy if it already is bytes)."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise TypeError(f"data must be bytes, not {type(data).__name__}")


def _decode(data: bytes) -> str:
    """Decode UTF-8, or raise a SymbolError that names the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SymbolError(
            f"input is not valid UTF-8 at byte {error.start} (0x{data[error.start]:02x}); "
            "use --symbols bytes for binary data"
        ) from None


def _check_ids(ids: np.ndarray) -> np.ndarray:
    """Return `ids` as a 1-D integer array (no copy if it already is one)."""
    array = np.asarray(ids)
    if array.dtype.kind not in "iu":
        if array.size == 0 and array.dtype.kind == "f":
            # np.asarray([]) is float64; an empty list is a fine empty id list.
            return np.empty(0, dtype=np.uint32)
        raise TypeError(f"symbol ids must be an integer array, not dtype {array.dtype}")
    if array.ndim != 1:
        raise SymbolError(f"symbol ids must be a 1-D array, got shape {array.shape}")
    return array


def _check_id_range(ids: np.ndarray, size: int) -> None:
    """Raise SymbolError unless every id is in ``range(size)``."""
    if ids.size == 0:
        return
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= size:
        bad = low if low < 0 else high
        raise SymbolError(f"symbol id {bad} is out of range for an alphabet of {size} symbols")


def _byte_table(alphabet: tuple[bytes, ...]) -> np.ndarray:
    """Byte value of each bytes-mode symbol; each must be exactly one byte."""
    for entry in alphabet:
        if len(entry) != 1:
            raise SymbolError(
                f"a bytes-mode alphabet entry is exactly one byte, got {len(entry)}: {entry!r}"
            )
    return np.frombuffer(b"".join(alphabet), dtype=np.uint8)


def _code_point_table(alphabet: tuple[bytes, ...]) -> np.ndarray:
    """Code point of each chars-mode symbol; each must be one code point of UTF-8."""
    code_points = np.empty(len(alphabet), dtype="<u4")
    for i, entry in enumerate(alphabet):
        text = _decode(entry)
        if len(text) != 1:
            raise SymbolError(
                f"a chars-mode alphabet entry is exactly one code point, got {len(text)}: {entry!r}"
            )
        code_points[i] = ord(text)
    return code_points


def _number(values: np.ndarray, table_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct values of a small-integer array in increasing order.

    Returns ``(ids, present)``: ``present`` is the sorted distinct values and
    ``ids[i]`` the position of ``values[i]`` in it.  Linear time: a presence
    table and a look-up table of `table_size` entries replace sorting.
    """
    seen = np.zeros(table_size, dtype=bool)
    seen[values] = True
    present = np.flatnonzero(seen)
    lookup = np.zeros(table_size, dtype=np.uint32)
    lookup[present] = np.arange(present.size, dtype=np.uint32)
    return lookup[values], present


def _tokenize_chars(data: bytes) -> tuple[np.ndarray, tuple[bytes, ...]]:
    """Ids and alphabet for chars mode, in whole-array operations."""
    if data.isascii():
        # ASCII is valid UTF-8 with one byte per code point: skip decoding.
        ids, present = _number(np.frombuffer(data, dtype=np.uint8), 0x80)
        return ids, tuple(BYTE_ALPHABET[value] for value in present.tolist())
    text = _decode(data)
    code_points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    del text
    ids, present = _number(code_points, int(code_points.max()) + 1)
    # Code point order is UTF-8 byte order, so the alphabet is sorted by bytes.
    return ids, tuple(chr(value).encode("utf-8") for value in present.tolist())


def _index(symbols: list, keys: list) -> np.ndarray:
    """Ids of `symbols` given the sorted distinct `keys` (one dict look-up each)."""
    position = {key: i for i, key in enumerate(keys)}
    return np.fromiter(map(position.__getitem__, symbols), dtype=np.uint32, count=len(symbols))


def _tokenize_words(data: bytes) -> tuple[np.ndarray, tuple[bytes, ...]]:
    """Ids and alphabet for words mode: by whole arrays, else by ``re``."""
    found = _words_by_arrays(data)
    if found is not None:
        return found
    runs = _RUNS.findall(_decode(data))
    # Sorting str by code point equals sorting their UTF-8 by bytes.
    keys = sorted(set(runs))
    return _index(runs, keys), tuple(run.encode("utf-8") for run in keys)


_ASCII_WORD = np.array([bool(_WORD_CHAR.match(chr(c))) for c in range(128)])
_HASH_BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_HASH_SLICE = 1 << 14
"""Characters hashed at a time by :func:`_words_by_arrays` (small temporaries)."""


def _words_by_arrays(data: bytes) -> tuple[np.ndarray, tuple[bytes, ...]] | None:
    """Words mode without a Python step per run: ids and alphabet, or None.

    Each character is classed as a word character or not (``\\w``, by ``re``
    for each distinct character); a run ends where the class changes.  Each
    run gets a polynomial hash of its characters, ``h = sum_k c[k] * B**k``
    modulo 2**64 (from prefix sums over slices of the text), mixed; one sort
    of (hash, index) keys numbers the distinct hashes, and then every run is
    compared character by character with one run of its hash.  The keys
    keep ``64 - log2(runs)`` bits of hash (44 for a chunk of a million
    characters), so two different runs share one with a chance of about
    ``distinct**2 / 2**44``: that check then fails and None sends the caller
    to the ``re`` tokenizer.  The result is always exactly that of ``re``.
    """
    if not data:
        return None
    if data.isascii():
        text = None
        points = np.frombuffer(data, dtype=np.uint8)
        word = _ASCII_WORD[points]
    else:
        text = _decode(data)
        points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
        seen = np.zeros(int(points.max()) + 1, dtype=bool)
        seen[points] = True
        classes = np.zeros(seen.size, dtype=bool)
        for c in np.flatnonzero(seen).tolist():
            classes[c] = _WORD_CHAR.match(chr(c)) is not None
        word = classes[points]
    n = points.size
    # Run boundaries: 0, every change of class, n.  (The arrays below are
    # made in place where they can be: each fresh array costs page faults.)
    changes = np.flatnonzero(word[1:] != word[:-1])
    edges: np.ndarray = np.empty(changes.size + 2, dtype=np.int32 if n < 1 << 31 else np.int64)
    edges[0], edges[-1] = 0, n
    np.add(changes, 1, out=edges[1:-1])
    del changes, word
    starts, ends = edges[:-1], edges[1:]
    count = starts.size
    # Slices of whole runs, about _HASH_SLICE characters each (a longer run
    # is a slice of its own).
    firsts = np.unique(np.searchsorted(starts, np.arange(0, n, _HASH_SLICE), side="right") - 1)
    bounds = np.append(firsts, count)
    longest = int((ends[bounds[1:] - 1] - starts[bounds[:-1]]).max())
    base = np.full(longest + 1, _HASH_BASE, dtype=np.uint64)
    base[0] = 1
    power = np.cumprod(base)  # B**i modulo 2**64
    base[1:] = pow(_HASH_BASE, -1, 1 << 64)
    inverse_power = np.cumprod(base)  # B**-i modulo 2**64
    hashes = np.empty(count, dtype=np.uint64)
    prefix = np.zeros(longest + 1, dtype=np.uint64)
    for r0, r1 in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        s0, s1 = int(starts[r0]), int(ends[r1 - 1])
        np.multiply(points[s0:s1], power[: s1 - s0], out=prefix[1 : s1 - s0 + 1])
        np.cumsum(prefix[1 : s1 - s0 + 1], out=prefix[1 : s1 - s0 + 1])
        a, b = starts[r0:r1] - s0, ends[r0:r1] - s0
        part = hashes[r0:r1]
        np.subtract(prefix[b], prefix[a], out=part)
        part *= inverse_power[a]
    # Mix (splitmix64's finalizer, a bijection) so that the top bits depend
    # on every character: a one-character run's raw hash is its code point.
    mixed = np.empty_like(hashes)
    for shift_by, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        np.right_shift(hashes, np.uint64(shift_by), out=mixed)
        hashes ^= mixed
        hashes *= np.uint64(factor)
    np.right_shift(hashes, np.uint64(31), out=mixed)
    hashes ^= mixed
    # Number the hashes by one sort: the top bits of each key are the run's
    # hash, the low bits its index.
    index_bits = max(1, (count - 1).bit_length())
    if index_bits > 32:
        return None
    low = np.uint64((1 << index_bits) - 1)
    keys = hashes
    keys &= ~low
    keys |= np.arange(count, dtype=np.uint64)
    keys.sort()
    order = np.bitwise_and(keys, low, out=mixed).view(np.int64)
    keys >>= np.uint64(index_bits)  # now the hash part alone
    new_hash = np.empty(count, dtype=bool)
    new_hash[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new_hash[1:])
    first = order[new_hash]  # one run of each hash
    distinct = first.size
    number = np.cumsum(new_hash)
    number -= 1
    inverse = np.empty(count, dtype=edges.dtype)
    inverse[order] = number
    del keys, hashes, mixed, order, number, new_hash
    # Every run must equal the run chosen for its hash, character by character.
    sizes = np.subtract(ends, starts)
    rep = first[inverse]
    if not np.array_equal(sizes, sizes[rep]):
        return None
    shift = starts[rep]
    shift -= starts
    del rep
    for r0, r1 in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        s0, s1 = int(starts[r0]), int(ends[r1 - 1])
        source = np.repeat(shift[r0:r1], sizes[r0:r1])
        source += np.arange(s0, s1)
        if not np.array_equal(points[source], points[s0:s1]):
            return None
    spans = zip(starts[first].tolist(), ends[first].tolist(), strict=True)
    if text is None:
        found = [data[a:b] for a, b in spans]
    else:
        found = [text[a:b].encode("utf-8") for a, b in spans]
    by_bytes = sorted(range(distinct), key=found.__getitem__)
    rank = np.empty(distinct, dtype=np.uint32)
    rank[by_bytes] = np.arange(distinct, dtype=np.uint32)
    return rank[inverse], tuple(found[k] for k in by_bytes)


def _split_lines(data: bytes) -> list[bytes]:
    """Lines of `data`, each with its ``b"\\n"``; a last line without one too."""
    parts = data.split(b"\n")
    last = parts.pop()
    lines = [part + b"\n" for part in parts]
    if last:
        lines.append(last)
    return lines


def _tokenize_lines(data: bytes) -> tuple[np.ndarray, tuple[bytes, ...]]:
    """Ids and alphabet for lines mode."""
    if not data.isascii():
        _decode(data)
    lines = _split_lines(data)
    keys = sorted(set(lines))
    return _index(lines, keys), tuple(keys)


_JOIN_IDS = 1 << 14
"""Symbols copied at a time by :func:`_join` (its temporary arrays stay small)."""

_JOIN_MAX_MEAN = 12
"""Mean symbol size (bytes) up to which :func:`_join` copies by whole arrays."""


def _join(ids: np.ndarray, alphabet: tuple[bytes, ...]) -> bytes:
    """``b"".join(alphabet[i] for i in ids)``, by whole-array copies where that pays.

    The alphabet is laid end to end in one buffer; output byte ``k`` of a
    symbol that starts at output offset ``o`` and at buffer offset ``f``
    comes from buffer offset ``f + k - o``.  That costs a few nanoseconds a
    byte, the Python join some tens a symbol: long symbols (lines), and a
    short input against a large alphabet, are joined the Python way.
    """
    if 4 * ids.size < len(alphabet):
        return b"".join(map(alphabet.__getitem__, ids.tolist()))
    sizes = np.fromiter(map(len, alphabet), dtype=np.int64, count=len(alphabet))
    out_sizes = sizes[ids]
    ends = np.cumsum(out_sizes)
    total = int(ends[-1]) if ids.size else 0
    if total > _JOIN_MAX_MEAN * ids.size:
        return b"".join(map(alphabet.__getitem__, ids.tolist()))
    buffer = np.frombuffer(b"".join(alphabet), dtype=np.uint8)
    first = np.cumsum(sizes) - sizes
    out = np.empty(total, dtype=np.uint8)
    for lo in range(0, ids.size, _JOIN_IDS):
        hi = min(ids.size, lo + _JOIN_IDS)
        o0, o1 = (int(ends[lo - 1]) if lo else 0), int(ends[hi - 1])
        n = out_sizes[lo:hi]
        source = np.repeat(first[ids[lo:hi]] - (ends[lo:hi] - n), n)
        source += np.arange(o0, o1)
        np.take(buffer, source, out=out[o0:o1])
    return out.tobytes()


def _char_boundary(data: bytes) -> int:
    """``len(data)`` less an incomplete UTF-8 sequence at its end."""
    size = len(data)
    for back in range(1, min(4, size) + 1):
        byte = data[size - back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: a lead byte or ASCII
            if byte >> 5 == 0b110:
                length = 2
            elif byte >> 4 == 0b1110:
                length = 3
            elif byte >> 3 == 0b11110:
                length = 4
            else:
                length = 1
            return size - back if back < length else size
    return size


def _word_boundary(data: bytes, end: int) -> int:
    """The last word/non-word transition in ``data[:end]`` (``end`` on a char boundary)."""
    window = 256
    while True:
        start = max(0, end - window)
        for _ in range(3):  # start on the first byte of a character
            if start > 0 and data[start] & 0xC0 == 0x80:
                start -= 1
        try:
            text = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            return len(data)  # invalid: let the tokenizer report it
        if not text:
            return 0
        run = _RUNS.match(text[::-1])  # \w+|\W+ matches any non-empty text
        assert run is not None
        last_run = run.end()  # length of the last run, in characters
        if last_run < len(text):
            return end - len(text[len(text) - last_run :].encode("utf-8"))
        if start == 0:
            return 0
        window *= 4


def _char_label(char: str, first: bool) -> str:
    """Label of one character (see symbol_label)."""
    if char == "\\":
        return "\\\\"
    if char == " ":
        return "␠"
    if char == "\n":
        return "\\n"
    if char == "\r":
        return "\\r"
    if char == "\t":
        return "\\t"
    if (
        char == "␠"
        or not char.isprintable()
        or (first and unicodedata.category(char).startswith("M"))
    ):
        value = ord(char)
        if value < 0x100:
            return f"\\x{value:02x}"
        if value < 0x10000:
            return f"\\u{value:04x}"
        return f"\\U{value:08x}"
    return char
