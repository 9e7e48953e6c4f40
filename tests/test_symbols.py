"""Tests for entrocode.symbols: splitting input into symbols and back."""

from __future__ import annotations

import doctest
import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrocode import symbols
from entrocode.errors import SymbolError
from entrocode.symbols import (
    BYTE_ALPHABET,
    MODES,
    Tokens,
    check_mode,
    detokenize,
    safe_boundary,
    split_symbols,
    symbol_label,
    tokenize,
)

TEXT_MODES = ("chars", "words", "lines")

MULTILINGUAL = (
    "Grüße, 世界! Καλημέρα. Привет 👋🏽 and e\u0301 (combining acute) vs é.\n"
    "Family: 👨\u200d👩\u200d👧, flag 🇫🇷, ligature ﬁ, Arabic digits ٣٤, snake_case_42\r\n"
    "tab\there\x00nul\u00a0nbsp ␠ \\ backslash"
).encode("utf-8")

# Characters for seeded random text: ASCII letters and punctuation, all the
# separators that matter (space, tab, CR, LF), multi-byte letters of 2, 3 and 4
# UTF-8 bytes, a combining mark, an underscore, digits and a zero-width joiner.
POOL = [
    *"abcxyzABC019_ .,;!?-'\"\t\r\n\n\n",
    *("é", "ß", "λ", "ж", "中", "語", "😀", "🏽"),
    *("\u0301", "\u200d", "\u00a0", "٣"),
]


def random_text(seed: int, length: int) -> bytes:
    """UTF-8 text of `length` characters drawn from POOL, weighted towards runs."""
    rng = np.random.default_rng(seed)
    choices = rng.integers(0, len(POOL), size=length)
    return "".join(POOL[i] for i in choices).encode("utf-8")


def symbols_of(tokens: Tokens) -> list[bytes]:
    """The symbols a Tokens stands for, looked up one by one."""
    return [tokens.alphabet[i] for i in tokens.ids.tolist()]


def streamed_symbols(data: bytes, mode: str, chunk_sizes: list[int]) -> list[bytes]:
    """Feed `data` in chunks, cut at safe_boundary each time, take the rest at EOF."""
    out: list[bytes] = []
    pending = b""
    position = 0
    for size in chunk_sizes:
        pending += data[position : position + size]
        position += size
        cut = safe_boundary(pending, mode)
        out += split_symbols(pending[:cut], mode)
        pending = pending[cut:]
    pending += data[position:]
    out += split_symbols(pending, mode)
    return out


def parse_label(label: str) -> str:
    """Invert symbol_label for the text modes (test-only; proves labels are unambiguous)."""
    out = []
    i = 0
    simple = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}
    widths = {"x": 2, "u": 4, "U": 8}
    while i < len(label):
        char = label[i]
        if char == "␠":
            out.append(" ")
            i += 1
        elif char == "\\":
            kind = label[i + 1]
            if kind in simple:
                out.append(simple[kind])
                i += 2
            else:
                width = widths[kind]
                out.append(chr(int(label[i + 2 : i + 2 + width], 16)))
                i += 2 + width
        else:
            out.append(char)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------------------
# Round trips


ROUND_TRIP_CASES = {
    "empty": b"",
    "one byte": b"a",
    "one newline": b"\n",
    "one distinct symbol": b"zzzzzzzz",
    "one distinct line": b"same\nsame\nsame\n",
    "multilingual": MULTILINGUAL,
    "crlf": b"first\r\nsecond\r\n\r\nlast\r\n",
    "no final newline": b"alpha\nbeta\ngamma",
    "only newlines": b"\n\n\n",
    "lone cr": b"a\rb\r",
    "combining": "e\u0301a\u0308\u0301".encode(),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(ROUND_TRIP_CASES))
def test_round_trip(name: str, mode: str) -> None:
    data = ROUND_TRIP_CASES[name]
    tokens = tokenize(data, mode)
    assert tokens.mode == mode
    assert detokenize(tokens.ids, tokens.alphabet, mode) == data
    assert symbols_of(tokens) == split_symbols(data, mode)
    assert b"".join(split_symbols(data, mode)) == data


def test_round_trip_all_256_byte_values() -> None:
    data = bytes(range(256)) + bytes(range(255, -1, -1))
    tokens = tokenize(data, "bytes")
    assert tokens.ids.tolist() == list(data)
    assert detokenize(tokens.ids, tokens.alphabet, "bytes") == data
    assert split_symbols(data, "bytes") == [bytes([b]) for b in data]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", range(5))
def test_round_trip_random_text(mode: str, seed: int) -> None:
    data = random_text(seed, 3000)
    tokens = tokenize(data, mode)
    assert detokenize(tokens.ids, tokens.alphabet, mode) == data
    assert symbols_of(tokens) == split_symbols(data, mode)


def test_round_trip_chars_every_plane() -> None:
    # Code points from all planes (no surrogates), vectorized paths end to end.
    rng = np.random.default_rng(7)
    points = rng.integers(0, 0x110000, size=50_000)
    points = points[(points < 0xD800) | (points > 0xDFFF)]
    data = "".join(map(chr, points.tolist())).encode("utf-8")
    tokens = tokenize(data, "chars")
    assert tokens.ids.size == points.size
    assert detokenize(tokens.ids, tokens.alphabet, "chars") == data
    assert [ord(tokens.alphabet[i].decode()) for i in tokens.ids[:1000].tolist()] == (
        points[:1000].tolist()
    )


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")), st.sampled_from(MODES))
def test_round_trip_property(text: str, mode: str) -> None:
    data = text.encode("utf-8")
    tokens = tokenize(data, mode)
    assert detokenize(tokens.ids, tokens.alphabet, mode) == data
    assert symbols_of(tokens) == split_symbols(data, mode)


@settings(max_examples=100, deadline=None)
@given(st.binary())
def test_round_trip_bytes_property(data: bytes) -> None:
    tokens = tokenize(data, "bytes")
    assert detokenize(tokens.ids, tokens.alphabet, "bytes") == data


# ---------------------------------------------------------------------------
# Worked examples: the exact splits


@pytest.mark.parametrize(
    ("data", "mode", "expected"),
    [
        (b"Hi, you!\n", "words", [b"Hi", b", ", b"you", b"!\n"]),
        (b"  snake_case_42--x", "words", [b"  ", b"snake_case_42", b"--", b"x"]),
        ("e\u0301t\u00e9".encode(), "words", [b"e", "\u0301".encode(), "té".encode()]),
        ("中文 text".encode(), "words", ["中文".encode(), b" ", b"text"]),
        ("e\u0301".encode(), "chars", [b"e", b"\xcc\x81"]),
        ("a😀".encode(), "chars", [b"a", b"\xf0\x9f\x98\x80"]),
        (b"a\r\nb\r\n", "lines", [b"a\r\n", b"b\r\n"]),
        (b"a\rb", "lines", [b"a\rb"]),
        (b"one\ntwo", "lines", [b"one\n", b"two"]),
        (b"\n\n", "lines", [b"\n", b"\n"]),
        (b"", "lines", []),
        (b"", "words", []),
        (b"ab", "bytes", [b"a", b"b"]),
    ],
)
def test_split_examples(data: bytes, mode: str, expected: list[bytes]) -> None:
    assert split_symbols(data, mode) == expected


def test_tokenize_worked_example() -> None:
    tokens = tokenize(b"to be or not to be", "words")
    assert tokens.alphabet == (b" ", b"be", b"not", b"or", b"to")
    assert tokens.ids.tolist() == [4, 0, 1, 0, 3, 0, 2, 0, 4, 0, 1]


@pytest.mark.parametrize("seed", range(5))
def test_words_alternate_word_and_non_word_runs(seed: int) -> None:
    data = random_text(seed, 2000) + MULTILINGUAL
    runs = [s.decode("utf-8") for s in split_symbols(data, "words")]
    assert "".join(runs) == data.decode("utf-8")
    kinds = []
    for run in runs:
        is_word = re.fullmatch(r"\w+", run) is not None
        assert is_word or re.fullmatch(r"\W+", run) is not None, run
        kinds.append(is_word)
    assert all(a != b for a, b in itertools.pairwise(kinds))


@pytest.mark.parametrize("seed", range(3))
def test_lines_each_end_with_one_newline(seed: int) -> None:
    data = random_text(seed, 2000) + b"tail"
    lines = split_symbols(data, "lines")
    assert lines[-1] == data[data.rfind(b"\n") + 1 :]
    for line in lines[:-1]:
        assert line.endswith(b"\n")
        assert line.count(b"\n") == 1


# ---------------------------------------------------------------------------
# Alphabet and ids


def test_bytes_alphabet_is_all_256_bytes() -> None:
    tokens = tokenize(b"abc", "bytes")
    assert tokens.alphabet == BYTE_ALPHABET
    assert len(BYTE_ALPHABET) == 256
    assert all(BYTE_ALPHABET[i] == bytes([i]) for i in range(256))


@pytest.mark.parametrize("mode", TEXT_MODES)
@pytest.mark.parametrize("data", [MULTILINGUAL, random_text(11, 5000), b"b\na\nb\na"])
def test_text_alphabet_sorted_distinct_and_used(mode: str, data: bytes) -> None:
    tokens = tokenize(data, mode)
    alphabet = tokens.alphabet
    assert list(alphabet) == sorted(set(alphabet))
    assert set(alphabet) == set(split_symbols(data, mode))
    assert np.array_equal(np.unique(tokens.ids), np.arange(len(alphabet)))


@pytest.mark.parametrize("mode", TEXT_MODES)
def test_alphabet_independent_of_first_occurrence(mode: str) -> None:
    first = tokenize(b"x\ny\n", mode)
    second = tokenize(b"y\nx\n", mode)
    assert first.alphabet == second.alphabet
    assert detokenize(first.ids, second.alphabet, mode) == b"x\ny\n"


@pytest.mark.parametrize("mode", TEXT_MODES)
def test_empty_text_mode_has_empty_alphabet(mode: str) -> None:
    tokens = tokenize(b"", mode)
    assert tokens.alphabet == ()
    assert tokens.ids.shape == (0,)
    assert tokens.ids.dtype == np.uint32


@pytest.mark.parametrize(
    ("mode", "dtype"),
    [("bytes", np.uint8), ("chars", np.uint32), ("words", np.uint32), ("lines", np.uint32)],
)
@pytest.mark.parametrize("data", [b"", b"hello world\n", MULTILINGUAL])
def test_ids_dtype_1d_and_read_only(mode: str, dtype: type, data: bytes) -> None:
    tokens = tokenize(data, mode)
    assert tokens.ids.dtype == dtype
    assert tokens.ids.ndim == 1
    assert not tokens.ids.flags.writeable
    if tokens.ids.size:
        with pytest.raises(ValueError, match="read-only"):
            tokens.ids[0] = 1


def test_bytes_ids_are_the_byte_values() -> None:
    data = b"\x00\xffAz"
    assert tokenize(data, "bytes").ids.tolist() == [0, 255, 65, 122]


def test_chars_ascii_and_non_ascii_paths_agree() -> None:
    ascii_tokens = tokenize(b"banana", "chars")
    assert ascii_tokens.alphabet == (b"a", b"b", b"n")
    assert ascii_tokens.ids.tolist() == [1, 0, 2, 0, 2, 0]
    mixed = tokenize("banana€".encode(), "chars")
    assert mixed.alphabet == (b"a", b"b", b"n", "€".encode())
    assert mixed.ids.tolist() == [1, 0, 2, 0, 2, 0, 3]


def test_tokens_is_frozen_and_compares_by_value() -> None:
    tokens = tokenize(b"abc", "chars")
    with pytest.raises(AttributeError):
        tokens.mode = "bytes"  # type: ignore[misc]
    assert tokens == tokenize(b"abc", "chars")
    assert tokens != tokenize(b"abd", "chars")
    assert tokens != tokenize(b"abc", "words")
    with pytest.raises(TypeError):
        hash(tokens)


def test_tokens_constructor_leaves_caller_array_writable() -> None:
    ids = np.array([0, 1, 0], dtype=np.uint32)
    tokens = Tokens(ids, [b"a", b"b"], "chars")  # type: ignore[arg-type]
    assert ids.flags.writeable
    assert not tokens.ids.flags.writeable
    assert tokens.alphabet == (b"a", b"b")


def test_tokens_constructor_validates() -> None:
    with pytest.raises(SymbolError, match="unknown symbol mode 'nope'"):
        Tokens(np.zeros(1, dtype=np.uint32), (b"a",), "nope")
    with pytest.raises(SymbolError, match=re.escape("must be a 1-D array, got shape (1, 1)")):
        Tokens(np.zeros((1, 1), dtype=np.uint32), (b"a",), "chars")


# ---------------------------------------------------------------------------
# Inputs are never modified


@pytest.mark.parametrize("mode", MODES)
def test_bytearray_input_unchanged_and_not_aliased(mode: str) -> None:
    data = bytearray(b"hello world\nagain\n")
    original = bytes(data)
    tokens = tokenize(data, mode)  # type: ignore[arg-type]
    ids_before = tokens.ids.copy()
    assert data == original
    data[0:5] = b"HELLO"
    assert np.array_equal(tokens.ids, ids_before)
    assert detokenize(tokens.ids, tokens.alphabet, mode) == original


@pytest.mark.parametrize("mode", MODES)
def test_memoryview_input_accepted(mode: str) -> None:
    data = b"memory view\n"
    assert tokenize(memoryview(data), mode) == tokenize(data, mode)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES)
def test_detokenize_leaves_ids_and_alphabet_unchanged(mode: str) -> None:
    tokens = tokenize(b"abc abc\n", mode)
    ids = tokens.ids.astype(np.int64)  # writable copy
    alphabet = list(tokens.alphabet)
    detokenize(ids, alphabet, mode)
    assert ids.flags.writeable
    assert ids.tolist() == tokens.ids.tolist()
    assert alphabet == list(tokens.alphabet)


# ---------------------------------------------------------------------------
# detokenize: other id dtypes and bad input


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.int64, np.uint64])
def test_detokenize_accepts_any_integer_dtype(dtype: type) -> None:
    tokens = tokenize(b"abracadabra", "chars")
    assert detokenize(tokens.ids.astype(dtype), tokens.alphabet, "chars") == b"abracadabra"
    byte_ids = tokenize(b"xyz", "bytes").ids.astype(dtype)
    assert detokenize(byte_ids, BYTE_ALPHABET, "bytes") == b"xyz"


def test_detokenize_accepts_lists() -> None:
    assert detokenize([1, 0, 1], [b"a", b"b"], "words") == b"bab"  # type: ignore[arg-type]
    assert detokenize([], [], "chars") == b""  # type: ignore[arg-type]


def test_detokenize_bytes_honours_a_permuted_alphabet() -> None:
    alphabet = BYTE_ALPHABET[::-1]
    assert detokenize(np.array([0, 255], dtype=np.uint8), alphabet, "bytes") == b"\xff\x00"


RANGE = "is out of range for an alphabet"


@pytest.mark.parametrize(
    ("ids", "alphabet", "mode", "message"),
    [
        ([0, 2], (b"a", b"b"), "words", f"symbol id 2 {RANGE} of 2 symbols"),
        ([0, -1], (b"a", b"b"), "chars", f"symbol id -1 {RANGE} of 2 symbols"),
        ([256], BYTE_ALPHABET, "bytes", f"symbol id 256 {RANGE} of 256 symbols"),
        ([0], (), "lines", f"symbol id 0 {RANGE} of 0 symbols"),
        (
            [0],
            (b"ab",),
            "chars",
            "a chars-mode alphabet entry is exactly one code point, got 2: b'ab'",
        ),
        ([0], (b"ab",), "bytes", "a bytes-mode alphabet entry is exactly one byte, got 2: b'ab'"),
    ],
)
def test_detokenize_errors(ids: list[int], alphabet: tuple, mode: str, message: str) -> None:
    with pytest.raises(SymbolError) as info:
        detokenize(np.array(ids), alphabet, mode)
    assert str(info.value) == message


def test_detokenize_rejects_non_integer_and_2d_ids() -> None:
    with pytest.raises(TypeError, match="integer array, not dtype float64"):
        detokenize(np.array([0.0]), (b"a",), "chars")
    with pytest.raises(SymbolError, match=re.escape("1-D array, got shape (1, 2)")):
        detokenize(np.array([[0, 0]]), (b"a",), "chars")
    with pytest.raises(TypeError, match="alphabet entries must be bytes, not str"):
        detokenize(np.array([0]), ("a",), "chars")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Error messages


@pytest.mark.parametrize("mode", TEXT_MODES)
@pytest.mark.parametrize(
    ("data", "offset", "byte"),
    [
        (b"abc\xffdef", 3, "ff"),  # never valid in UTF-8
        (b"ok \xed\xa0\x80", 3, "ed"),  # an encoded surrogate
        (b"ab\xe2\x82", 2, "e2"),  # truncated at the end
        (b"\xc0\x80", 0, "c0"),  # overlong encoding of NUL
        (b"x\x80", 1, "80"),  # lone continuation byte
        ("ü".encode() * 1000 + b"\xfe", 2000, "fe"),  # offset counts bytes, not characters
    ],
)
def test_invalid_utf8_message(mode: str, data: bytes, offset: int, byte: str) -> None:
    expected = (
        f"input is not valid UTF-8 at byte {offset} (0x{byte}); use --symbols bytes for binary data"
    )
    with pytest.raises(SymbolError) as info:
        tokenize(data, mode)
    assert str(info.value) == expected
    assert info.value.__cause__ is None
    with pytest.raises(SymbolError) as info:
        split_symbols(data, mode)
    assert str(info.value) == expected


def test_invalid_utf8_is_fine_in_bytes_mode() -> None:
    data = b"\xff\xfe\x80"
    assert detokenize(tokenize(data).ids, BYTE_ALPHABET, "bytes") == data


def test_symbol_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        tokenize(b"\xff", "chars")


UNKNOWN = "unknown symbol mode 'foo' (choose bytes, chars, words or lines)"


def test_unknown_mode_message() -> None:
    calls = [
        lambda: check_mode("foo"),
        lambda: tokenize(b"abc", "foo"),
        lambda: detokenize(np.zeros(0, dtype=np.uint32), (), "foo"),
        lambda: split_symbols(b"abc", "foo"),
        lambda: safe_boundary(b"abc", "foo"),
        lambda: symbol_label(b"a", "foo"),
    ]
    for call in calls:
        with pytest.raises(SymbolError) as info:
            call()
        assert str(info.value) == UNKNOWN


def test_check_mode_returns_mode_and_is_case_sensitive() -> None:
    assert [check_mode(mode) for mode in MODES] == list(MODES)
    with pytest.raises(SymbolError, match="unknown symbol mode 'Bytes'"):
        check_mode("Bytes")
    with pytest.raises(TypeError, match="symbol mode must be a str, not NoneType"):
        check_mode(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["text", 42, [1, 2]])
def test_non_bytes_data_is_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match=f"data must be bytes, not {type(bad).__name__}"):
        tokenize(bad, "bytes")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# safe_boundary


@pytest.mark.parametrize(
    ("data", "mode", "expected"),
    [
        (b"abc", "bytes", 3),
        (b"\xff\xfe", "bytes", 2),
        (b"", "bytes", 0),
        ("café".encode(), "chars", 5),
        ("café".encode()[:-1], "chars", 3),
        ("😀".encode()[:1], "chars", 0),
        ("😀".encode()[:2], "chars", 0),
        ("😀".encode()[:3], "chars", 0),
        ("😀".encode(), "chars", 4),
        (b"", "chars", 0),
        (b"one two", "words", 4),
        (b"one two ", "words", 7),
        (b"one", "words", 0),
        (b"   ", "words", 0),
        (b"", "words", 0),
        ("naïve café".encode(), "words", len("naïve ".encode())),
        ("ab 中".encode()[:-1], "words", 2),  # incomplete 中 is held back first
        (b"x" * 5000 + b" " + b"y" * 3000, "words", 5001),  # last run longer than the window
        (("é" * 4000 + "!" * 2000 + "ж" * 9000).encode(), "words", 10_000),
        (b"y" * 10_000, "words", 0),
        (b"a\nb", "lines", 2),
        (b"a\n", "lines", 2),
        (b"abc", "lines", 0),
        (b"a\r\nb\r", "lines", 3),
        (b"", "lines", 0),
    ],
)
def test_safe_boundary_examples(data: bytes, mode: str, expected: int) -> None:
    assert safe_boundary(data, mode) == expected


@pytest.mark.parametrize("mode", TEXT_MODES)
def test_safe_boundary_on_invalid_utf8_lets_tokenizer_report(mode: str) -> None:
    data = b"abc def \xff\xfe ghi\njkl"
    cut = safe_boundary(data, mode)
    assert cut >= data.index(b"\xff") + 1
    with pytest.raises(SymbolError, match="at byte 8 \\(0xff\\)"):
        tokenize(data[:cut], mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", range(8))
def test_safe_boundary_cut_preserves_symbols(mode: str, seed: int) -> None:
    data = random_text(100 + seed, 400)
    whole = split_symbols(data, mode)
    rng = np.random.default_rng(seed)
    for available in [*rng.integers(0, len(data) + 1, size=40).tolist(), 0, len(data)]:
        cut = safe_boundary(data[:available], mode)
        assert 0 <= cut <= available
        assert split_symbols(data[:cut], mode) + split_symbols(data[cut:], mode) == whole
        head = tokenize(data[:cut], mode)
        tail = tokenize(data[cut:], mode)
        assert symbols_of(head) + symbols_of(tail) == whole


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", range(4))
def test_safe_boundary_is_the_last_known_boundary(mode: str, seed: int) -> None:
    # No symbol boundary of the whole input that is visible in data[:available]
    # lies beyond the cut: safe_boundary does not hold back more than it must.
    data = random_text(300 + seed, 300)
    ends = np.cumsum([len(symbol) for symbol in split_symbols(data, mode)]).tolist()
    for available in range(len(data) + 1):
        cut = safe_boundary(data[:available], mode)
        later = [end for end in ends if cut < end <= available]
        if mode in ("bytes", "chars"):
            assert later == []
        elif mode == "lines":
            assert later in ([], [len(data)])  # a last line without "\n", only at EOF
        else:
            # A word/non-word transition is visible once the character after it is complete.
            complete = safe_boundary(data[:available], "chars")
            assert [end for end in later if end < complete] == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", range(6))
def test_streaming_with_safe_boundary_matches_whole(mode: str, seed: int) -> None:
    data = random_text(200 + seed, 1500)
    rng = np.random.default_rng(seed)
    chunk_sizes = rng.integers(1, 60, size=200).tolist()
    assert streamed_symbols(data, mode, chunk_sizes) == split_symbols(data, mode)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    st.sampled_from(MODES),
    st.data(),
)
def test_safe_boundary_property(text: str, mode: str, draw: st.DataObject) -> None:
    data = text.encode("utf-8")
    available = draw.draw(st.integers(0, len(data)))
    cut = safe_boundary(data[:available], mode)
    assert 0 <= cut <= available
    assert split_symbols(data[:cut], mode) + split_symbols(data[cut:], mode) == (
        split_symbols(data, mode)
    )


# ---------------------------------------------------------------------------
# symbol_label


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        (b"a", "a"),
        (b"!", "!"),
        (b"~", "~"),
        (b"0", "0"),
        (b"\\", "\\"),
        (b" ", "0x20"),
        (b"\n", "0x0a"),
        (b"\x00", "0x00"),
        (b"\x7f", "0x7f"),
        (b"\xff", "0xff"),
    ],
)
def test_symbol_label_bytes(symbol: bytes, expected: str) -> None:
    assert symbol_label(symbol, "bytes") == expected


def test_symbol_label_bytes_all_distinct_and_printable() -> None:
    labels = [symbol_label(symbol, "bytes") for symbol in BYTE_ALPHABET]
    assert len(set(labels)) == 256
    assert all(label.isprintable() and " " not in label for label in labels)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", "a"),
        ("Hi, you!\n", "Hi,␠you!\\n"),
        ("a\r\n", "a\\r\\n"),
        ("\t", "\\t"),
        ("\\", "\\\\"),
        ("␠", "\\u2420"),
        ("\x00", "\\x00"),
        ("\x7f", "\\x7f"),
        ("\u00a0", "\\xa0"),
        ("\u200d", "\\u200d"),
        ("\U000e0001", "\\U000e0001"),
        ("\u0301", "\\u0301"),
        ("e\u0301", "e\u0301"),
        ("😀", "😀"),
        ("中文", "中文"),
        ("", ""),
    ],
)
@pytest.mark.parametrize("mode", TEXT_MODES)
def test_symbol_label_text(text: str, expected: str, mode: str) -> None:
    assert symbol_label(text.encode("utf-8"), mode) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
def test_symbol_label_text_is_printable_and_unambiguous(text: str) -> None:
    label = symbol_label(text.encode("utf-8"), "words")
    assert label.isprintable()
    assert " " not in label
    assert parse_label(label) == text


def test_symbol_label_errors() -> None:
    with pytest.raises(SymbolError) as info:
        symbol_label(b"ab", "bytes")
    assert str(info.value) == "a bytes-mode symbol is exactly one byte, got 2: b'ab'"
    with pytest.raises(SymbolError) as info:
        symbol_label(b"\xff", "chars")
    assert str(info.value) == (
        "input is not valid UTF-8 at byte 0 (0xff); use --symbols bytes for binary data"
    )
    with pytest.raises(TypeError, match="symbol must be bytes, not str"):
        symbol_label("a", "chars")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Documentation examples


def test_docstring_examples() -> None:
    result = doctest.testmod(symbols, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 15
    assert result.failed == 0


@pytest.mark.parametrize("chunk", [1, 7, symbols._JOIN_IDS])
def test_detokenize_joins_by_arrays_exactly_as_python_joins(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # Short symbols are copied by whole arrays in chunks of _JOIN_IDS ids;
    # long ones (mean above _JOIN_MAX_MEAN bytes), and few ids against a
    # large alphabet, the Python way.  Every path gives the plain join.
    monkeypatch.setattr(symbols, "_JOIN_IDS", chunk)
    rng = np.random.default_rng(chunk)
    for longest, count, size in ((4, 5000, 300), (20, 3000, 50), (200, 400, 30), (6, 3, 500)):
        alphabet = tuple(
            bytes(rng.integers(0, 256, int(rng.integers(1, longest + 1))).astype(np.uint8))
            for _ in range(size)
        )
        ids = rng.integers(0, size, count).astype(np.uint32)
        assert detokenize(ids, alphabet, "words") == b"".join(alphabet[i] for i in ids.tolist())
    assert detokenize(np.zeros(0, dtype=np.uint32), (b"ab", b"c"), "words") == b""


def _words_by_re(data: bytes) -> tuple[list[int], tuple[bytes, ...]]:
    """Words mode the plain way: re.findall, sorted distinct runs, a dict."""
    runs = re.findall(r"\w+|\W+", data.decode("utf-8"))
    keys = sorted(set(runs))
    index = {k: i for i, k in enumerate(keys)}
    return [index[r] for r in runs], tuple(k.encode("utf-8") for k in keys)


@pytest.mark.parametrize("slice_size", [1, 3, 64, symbols._HASH_SLICE])
def test_words_by_arrays_agree_with_re(monkeypatch: pytest.MonkeyPatch, slice_size: int) -> None:
    # The whole-array tokenizer (class per character, hashed runs, checked
    # character by character) gives exactly re's runs, in slices of any size
    # and with runs longer than a slice.
    monkeypatch.setattr(symbols, "_HASH_SLICE", slice_size)
    rng = np.random.default_rng(slice_size)
    pieces = ["the", " ", "cat", ", ", "_x_9", "\n\n", "naïve", "é", "e\u0301", "中文", "--",
              "Ω", "\u00a0", "٣", "ß", "🙂", "\t", "a" * 300, " " * 200]
    cases = [b"x", b" ", b"ab", b"ab ba ab", "é".encode(), b"\x00\x00 \x00"]
    for _ in range(40):
        picks = rng.choice(len(pieces), size=int(rng.integers(1, 120)))
        cases.append("".join(pieces[i] for i in picks.tolist()).encode())
        cases.append(b" ".join(rng.choice([b"a", b"bb", b"a1", b"_"], size=50).tolist()))
    for data in cases:
        found = symbols._words_by_arrays(data)
        assert found is not None, data
        ids, alphabet = found
        assert ids.dtype == np.uint32
        assert (ids.tolist(), alphabet) == _words_by_re(data), data
    assert symbols._words_by_arrays(b"") is None  # empty: the plain path


def test_words_by_arrays_fall_back_on_a_hash_collision(monkeypatch: pytest.MonkeyPatch) -> None:
    # With base 1 the hash is the sum of the code points, so "ab" and "ba"
    # collide: the check finds it and the tokenizer falls back to re.
    monkeypatch.setattr(symbols, "_HASH_BASE", 1)
    data = b"ab ba ab, ba"
    assert symbols._words_by_arrays(data) is None
    tokens = tokenize(data, "words")
    assert (tokens.ids.tolist(), tokens.alphabet) == _words_by_re(data)
    assert symbols._words_by_arrays(b"ab ab cd") is not None  # no collision: arrays


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.one_of(st.text(alphabet=st.characters(codec="utf-8"), max_size=6),
                          st.sampled_from(["a", " ", "_", "é", "\u0301", "٣", "中", "\n"])),
                max_size=60))
def test_words_by_arrays_agree_with_re_property(pieces: list[str]) -> None:
    data = "".join(pieces).encode("utf-8")
    if not data:
        return
    ids, alphabet = symbols._words_by_arrays(data) or (None, None)
    assert ids is not None
    assert (ids.tolist(), alphabet) == _words_by_re(data)
