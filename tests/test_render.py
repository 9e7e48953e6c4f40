"""Tests for entrocode.render: the drawn trees, DOT, merge traces and walk-throughs.

The central property: a drawing can never show a wrong code.  Each drawn tree
(text, ASCII and DOT) is parsed back *from its structure* (the bits on the
branches from the root), and the codewords found that way must equal both the
codewords printed at the leaves and ``code.codewords``.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Hashable

import numpy as np
import pytest

from entrocode import Codebook, Distribution, huffman_code, parse_spec
from entrocode.codebook import huffman_merges
from entrocode.comparison import shannon_code, shannon_fano_code
from entrocode.errors import CodebookError
from entrocode.render import (
    CodeTree,
    code_tree,
    draw_merges,
    draw_tree,
    draw_walkthrough,
    explain_coding,
    symbol_text,
    to_dot,
)

# ---------------------------------------------------------------------------
# Parsers, written independently of the renderer
# ---------------------------------------------------------------------------
_UNICODE_LINE = re.compile(r"^((?:│    |     )*)([├└])─([01])─ (.*)$")
_ASCII_LINE = re.compile(r"^((?:\|    |     )*)([|`])-([01])- (.*)$")
_LEAF = re.compile(r"^(?P<symbol>.*): (?P<codeword>[01]+) \((?P<p>[^()]+)\)$")
_NODE = re.compile(r"^\((?P<w>[^()]+)\)$")


def parse_tree(text: str, ascii: bool = False) -> tuple[dict[str, str], dict[str, float]]:
    """Read a drawn tree back: ({symbol label: codeword from the branch bits}, {prefix: weight}).

    Also checks that each leaf's printed codeword equals the bits on its path,
    that every line has the right shape, and that the tree is a proper binary
    tree (each inner node has a 0 branch then a 1 branch).
    """
    pattern = _ASCII_LINE if ascii else _UNICODE_LINE
    lines = text.split("\n")
    root = _NODE.match(lines[0])
    assert root, f"root line {lines[0]!r}"
    weights = {"": float(root["w"])}
    codewords: dict[str, str] = {}
    path: list[str] = []
    children: dict[str, list[str]] = {"": []}
    for line in lines[1:]:
        m = pattern.match(line)
        assert m, f"malformed tree line {line!r}"
        indent, mark, bit, body = m.groups()
        depth = len(indent) // 5
        assert len(indent) == 5 * depth
        assert depth <= len(path), f"line {line!r} skips a level"
        path = [*path[:depth], bit]
        prefix = "".join(path)
        parent = prefix[:-1]
        assert parent in children, f"{line!r} hangs below a leaf"
        children[parent].append(bit)
        last = mark in ("└", "`")
        assert last == (bit == "1"), f"{line!r}: the 1 branch comes last"
        if body == "unused":
            continue
        leaf = _LEAF.match(body)
        if leaf:
            assert leaf["codeword"] == prefix, f"printed {leaf['codeword']} but path {prefix}"
            assert leaf["symbol"] not in codewords, f"symbol {leaf['symbol']} drawn twice"
            codewords[leaf["symbol"]] = prefix
            weights[prefix] = float(leaf["p"])
            continue
        node = _NODE.match(body)
        assert node, f"neither leaf nor node: {body!r}"
        weights[prefix] = float(node["w"])
        children[prefix] = []
    for prefix, kids in children.items():
        assert kids == ["0", "1"], f"node {prefix!r} has branches {kids}"
    return codewords, weights


_DOT_NODE = re.compile(r'^  (n[01]*) \[label="((?:[^"\\]|\\.)*)", shape=(\w+)(?:, .*)?\];$')
_DOT_EDGE = re.compile(r'^  (n[01]*) -> (n[01]*) \[label="([01])"(?:, .*)?\];$')


def _dot_unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_dot(text: str) -> dict[str, str]:
    """Read DOT back: {symbol label: codeword}, following the edges from the root 'n'.

    The codeword of a leaf is found from the edge bits (not the node names),
    and must equal the codeword printed in its label.
    """
    labels: dict[str, tuple[str, str]] = {}
    edges: dict[str, dict[str, str]] = {}
    lines = text.rstrip("\n").split("\n")
    assert lines[0].startswith("digraph ") and lines[-1] == "}"
    for line in lines[1:-1]:
        if line.startswith("  //") or line.startswith("  node [") or line.startswith("  edge ["):
            continue
        m = _DOT_EDGE.match(line)
        if m:
            edges.setdefault(m[1], {})[m[3]] = m[2]
            continue
        m = _DOT_NODE.match(line)
        assert m, f"unexpected DOT line {line!r}"
        labels[m[1]] = (_dot_unescape(m[2]), m[3])
    codewords: dict[str, str] = {}
    stack = [("n", "")]
    while stack:
        node, bits = stack.pop()
        label, shape = labels[node]
        if shape == "box":
            symbol, printed, prob = label.split("\n")
            assert printed == bits
            assert prob.startswith("p=")
            codewords[symbol] = bits
            continue
        if label == "unused":
            continue
        assert set(edges[node]) == {"0", "1"}
        for bit, child in edges[node].items():
            stack.append((child, bits + bit))
    return codewords


# ---------------------------------------------------------------------------
# Codes to draw
# ---------------------------------------------------------------------------
def _fibonacci(n: int) -> list[int]:
    fib = [1, 1]
    while len(fib) < n:
        fib.append(fib[-1] + fib[-2])
    return fib[:n]


def _random_dist(seed: int) -> Distribution:
    rng = random.Random(seed)
    n = rng.randint(1, 40)
    counts = [rng.choice([0, 1, 1, 2, 3, 5, 8, 100]) for _ in range(n)]
    if not any(counts):
        counts[0] = 1
    return Distribution.from_counts(counts, [f"s{i}" for i in range(n)])


CODES: dict[str, Codebook] = {
    "three": huffman_code(parse_spec("a=0.5,b=0.25,c=0.25")),
    "five": huffman_code(parse_spec("a=0.4,b=0.2,c=0.2,d=0.1,e=0.1")),
    "one symbol": huffman_code(parse_spec("only=1")),
    "zeros": huffman_code(parse_spec("a=0.5,b=0,c=0.5,d=0")),
    "fibonacci 30 (deep)": huffman_code(_fibonacci(30)),
    "fibonacci 90 (deeper than 64 bits)": huffman_code(_fibonacci(90)),
    "uniform 256": huffman_code([1] * 256),
    "shannon (incomplete)": shannon_code(parse_spec("a=0.9,b=0.1")),
    "fano": shannon_fano_code(parse_spec("a=0.35,b=0.17,c=0.17,d=0.16,e=0.15")),
    "hand-made incomplete": Codebook.from_lengths({"x": 1, "y": 3, "z": 3}),
    "odd symbols": huffman_code(Distribution.from_probabilities(
        {"a: 0 (0.5)": 0.25, "(1)": 0.25, "new\nline": 0.25, " ": 0.25})),
    "bytes": huffman_code(Distribution.from_data(b"abracadabra\n")),
    **{f"random {seed}": huffman_code(_random_dist(seed)) for seed in range(12)},
}


def _expected_labels(code: Codebook) -> dict[str, str]:
    return {symbol_text(s): w for s, w in code.codewords.items()}


# ---------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CODES))
@pytest.mark.parametrize("ascii", [False, True])
def test_drawn_tree_shows_exactly_the_codebook(name: str, ascii: bool) -> None:
    code = CODES[name]
    drawn, _ = parse_tree(draw_tree(code, ascii=ascii), ascii=ascii)
    assert drawn == _expected_labels(code)


@pytest.mark.parametrize("name", list(CODES))
def test_drawn_weights_are_sums_of_leaf_probabilities(name: str) -> None:
    code = CODES[name]
    _, weights = parse_tree(draw_tree(code))
    for prefix, weight in weights.items():
        below = [e.probability for e in code.entries if e.codeword.startswith(prefix)]
        assert weight == pytest.approx(math.fsum(below), rel=1e-5, abs=1e-12)
    assert weights[""] == pytest.approx(1.0)


@pytest.mark.parametrize("name", list(CODES))
def test_dot_shows_exactly_the_codebook(name: str) -> None:
    code = CODES[name]
    assert parse_dot(to_dot(code)) == _expected_labels(code)


def test_the_five_symbol_tree_exactly() -> None:
    assert draw_tree(CODES["five"]) == "\n".join([
        "(1)",
        "├─0─ (0.6)",
        "│    ├─0─ a: 00 (0.4)",
        "│    └─1─ b: 01 (0.2)",
        "└─1─ (0.4)",
        "     ├─0─ c: 10 (0.2)",
        "     └─1─ (0.2)",
        "          ├─0─ d: 110 (0.1)",
        "          └─1─ e: 111 (0.1)",
    ])


def test_ascii_tree_is_pure_ascii() -> None:
    for code in CODES.values():
        text = draw_tree(code, ascii=True, label=lambda s: symbol_text(s).encode(
            "ascii", "backslashreplace").decode())
        assert text.isascii()


def test_incomplete_code_draws_unused_branches() -> None:
    text = draw_tree(CODES["shannon (incomplete)"], ascii=True)
    assert text.splitlines() == [
        "(1)",
        "|-0- a: 0 (0.9)",
        "`-1- (0.1)",
        "     |-0- (0.1)",
        "     |    |-0- (0.1)",
        "     |    |    |-0- b: 1000 (0.1)",
        "     |    |    `-1- unused",
        "     |    `-1- unused",
        "     `-1- unused",
    ]


def test_single_symbol_tree() -> None:
    assert draw_tree(CODES["one symbol"]) == "(1)\n├─0─ only: 0 (1)\n└─1─ unused"


def test_code_tree_structure() -> None:
    root = code_tree(CODES["five"])
    assert isinstance(root, CodeTree) and not root.is_leaf and root.prefix == ""
    assert root.child("1").child("1").child("0").symbol == "d"
    assert [leaf.symbol for leaf in root.leaves()] == ["a", "b", "c", "d", "e"]
    assert root.weight == pytest.approx(1.0)
    with pytest.raises(ValueError, match="a code bit is '0' or '1'"):
        root.child("2")


def test_code_tree_is_immutable() -> None:
    root = code_tree(CODES["three"])
    with pytest.raises(AttributeError):
        root.weight = 2.0  # type: ignore[misc]


def test_deep_code_is_drawn_without_recursion_limits() -> None:
    code = CODES["fibonacci 90 (deeper than 64 bits)"]
    assert code.max_length > 64
    drawn, _ = parse_tree(draw_tree(code))
    assert drawn == _expected_labels(code)


def test_dot_escapes_quotes_and_backslashes() -> None:
    code = huffman_code(Distribution.from_probabilities({'say "hi"': 0.5, "back\\slash": 0.5}))
    assert parse_dot(to_dot(code)) == {'say "hi"': "0", "back\\slash": "1"}


def test_symbol_text() -> None:
    assert symbol_text("sun") == "sun"
    assert symbol_text("a\nb") == "a\\nb"
    assert symbol_text("tab\there") == "tab\\there"
    assert symbol_text(b"a") == "a"
    assert symbol_text(b" ") == "0x20"
    assert symbol_text(b"hello world\n") == "hello␠world\\n"
    assert symbol_text(b"\xff\xfe") == "fffe"
    assert symbol_text(7) == "7"


# ---------------------------------------------------------------------------
# Merges
# ---------------------------------------------------------------------------
def _rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    assert set(lines[1].replace(" ", "")) == {"-"}
    return [re.split(r"\s{2,}", line.strip()) for line in lines[2:]]


def test_merge_table_exactly() -> None:
    assert draw_merges(CODES["five"].distribution) == "\n".join([
        "step  lightest  weight  2nd lightest  weight  new node  weight  symbols below",
        "----  --------  ------  ------------  ------  --------  ------  -------------",
        "   1  d            0.1  e                0.1  n1           0.2  d, e",
        "   2  b            0.2  c                0.2  n2           0.4  b, c",
        "   3  n1           0.2  a                0.4  n3           0.6  d, e, a",
        "   4  n2           0.4  n3               0.6  n4             1  b, c, d, e, a",
    ])


@pytest.mark.parametrize("seed", range(20))
def test_merges_take_the_two_lightest_and_build_the_code(seed: int) -> None:
    dist = _random_dist(seed)
    code = huffman_code(dist)
    weights = np.array(dist.counts, dtype=float)
    steps = huffman_merges(weights)
    present = int(np.count_nonzero(weights))
    assert len(steps) == max(present - 1, 0)
    # Replay: the nodes alive before each step; the two merged are the lightest.
    alive = {(i,): float(w) for i, w in enumerate(weights.tolist()) if w > 0}
    depth = dict.fromkeys(range(len(weights)), 0)
    for step in steps:
        lightest = sorted(alive.values())[:2]
        assert sorted([step.left_weight, step.right_weight]) == pytest.approx(lightest)
        assert alive.pop(step.left) == step.left_weight
        assert alive.pop(step.right) == step.right_weight
        alive[step.left + step.right] = step.weight
        for i in step.left + step.right:
            depth[i] += 1
    # A symbol's code length is the number of merges above it.
    lengths = code.length_vector().tolist()
    for i, length in enumerate(lengths):
        if weights[i] > 0 and present > 1:
            assert depth[i] == length
    # The drawn table says the same.
    if steps:
        rows = _rows(draw_merges(dist))
        assert len(rows) == len(steps)
        for k, (row, step) in enumerate(zip(rows, steps, strict=True), start=1):
            assert row[0] == str(k) and row[5] == f"n{k}"
            assert float(row[6]) == pytest.approx(step.weight, rel=1e-5)
            assert float(row[2]) + float(row[4]) == pytest.approx(float(row[6]), rel=1e-4)


def test_merges_of_one_symbol() -> None:
    assert draw_merges(parse_spec("a=0,b=1")) == (
        "only one symbol (b): nothing to merge; it gets the 1-bit codeword 0"
    )


def test_merges_abbreviate_long_symbol_lists() -> None:
    rows = _rows(draw_merges(Distribution.from_counts([1] * 20), max_listed=3))
    assert re.fullmatch(r"\d+, \d+, … \(20 symbols\)", rows[-1][-1])
    assert all(len(r[-1].split(", ")) <= 3 for r in rows)
    assert rows[0][-1] == "0, 1"


def test_merges_use_counts_like_the_codebook() -> None:
    rows = _rows(draw_merges(parse_spec("5,3,1,1", normalize=True)))
    assert rows[0][:7] == ["1", "2", "1", "3", "1", "n1", "2"]
    assert rows[-1][6] == "10"


# ---------------------------------------------------------------------------
# Walk-through
# ---------------------------------------------------------------------------
def test_walkthrough_of_abca() -> None:
    code = CODES["three"]
    w = explain_coding(code, "abca")
    assert w.message == ("a", "b", "c", "a")
    assert [s.codeword for s in w.encoding] == ["0", "10", "11", "0"]
    assert w.bits == "010110" and w.bit_count == 6
    assert w.information == 6.0
    assert [(d.bit, d.path, d.symbol) for d in w.decoding] == [
        ("0", "0", "a"), ("1", "1", None), ("0", "10", "b"), ("1", "1", None),
        ("1", "11", "c"), ("0", "0", "a"),
    ]
    assert w.decoded == w.message and w.matches


@pytest.mark.parametrize("seed", range(25))
def test_walkthrough_decodes_the_real_bits(seed: int) -> None:
    rng = random.Random(seed)
    name = rng.choice([n for n in CODES if n != "bytes"])
    code = CODES[name]
    symbols = list(code.symbols)
    message = [rng.choice(symbols) for _ in range(rng.randint(1, 30))]
    w = explain_coding(code, message)
    assert w.bits == code.encode(message)
    assert w.decoded == tuple(message) and w.matches
    assert len(w.decoding) == len(w.bits)
    assert [d.position for d in w.decoding] == list(range(1, len(w.bits) + 1))
    assert sum(d.emitted for d in w.decoding) == len(message)
    emitted_paths = [d.path for d in w.decoding if d.emitted]
    assert emitted_paths == [code[s] for s in message]
    expected_info = math.fsum(-math.log2(code.distribution[s]) for s in message)
    assert w.information == pytest.approx(expected_info)
    # The compressor's own codec writes the same bits and reads the same symbols back,
    # whenever the code is one it accepts (complete, codewords of at most 32 bits).
    in_codec = (code.kraft_sum == 1.0 and code.max_length <= 32) or len(code) == 1
    assert w.codec_checked == in_codec
    if in_codec:
        assert w.codec_bits == w.bits
        assert w.codec_decoded == tuple(message)


def test_walkthrough_outside_the_codec() -> None:
    w = explain_coding(CODES["shannon (incomplete)"], "ab")
    assert (w.codec_bits, w.codec_decoded, w.codec_checked) == (None, None, False)
    assert w.bits == "01000" and w.matches
    text = draw_walkthrough(w)
    assert ("entrocode's codec takes only complete codes of at most 32-bit codewords, so this "
            "code\nis checked by the tree walk alone") in text


def test_walkthrough_notices_a_codec_that_disagrees() -> None:
    import dataclasses

    w = explain_coding(CODES["three"], "abca")
    assert w.codec_checked and w.matches
    assert not dataclasses.replace(w, codec_bits="010111").matches
    assert not dataclasses.replace(w, codec_decoded=("a", "b", "c", "b")).matches
    text = draw_walkthrough(dataclasses.replace(w, codec_bits="010111"))
    assert ("entrocode's codec writes DIFFERENT bits, and its reference decoder reads the "
            "message back") in text


def test_walkthrough_message_is_not_modified() -> None:
    message = ["a", "b"]
    explain_coding(CODES["three"], message)
    assert message == ["a", "b"]


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "the message is empty: give at least one symbol"),
        ("az", "symbol 'z' is not in the distribution (a, b, c, d)"),
        ("ab", "symbol 'b' has probability 0, so it has no codeword"),
    ],
)
def test_walkthrough_errors(message: str, error: str) -> None:
    with pytest.raises(CodebookError) as info:
        explain_coding(CODES["zeros"], message)
    assert str(info.value) == error


def test_walkthrough_text() -> None:
    text = draw_walkthrough(explain_coding(CODES["three"], "abca"))
    lines = text.splitlines()
    assert lines[0] == "Encoding 4 symbols: each symbol's codeword is appended."
    assert "bits: 010110" in lines
    assert "decoded: a b c a" in lines
    assert "matches the message: yes" in lines
    assert ("entrocode's codec writes the same bits, and its reference decoder reads the message "
            "back") in lines
    assert lines[-3:] == [
        "bits used           = 6",
        "information content = 6.0000 bits (sum of -log2 p over the 4 symbols)",
        "difference          = +0.0000 bits (+0.0000 per symbol)",
    ]


def test_walkthrough_text_shows_every_bit() -> None:
    code = CODES["five"]
    w = explain_coding(code, "edcba")
    text = draw_walkthrough(w)
    start = text.splitlines().index("bit  read  path  emit")
    rows = _rows("\n".join(text.splitlines()[start:start + 2 + len(w.bits)]))
    assert "".join(r[1] for r in rows) == w.bits
    assert [r[3] for r in rows if len(r) == 4] == list("edcba")


def test_symbols_of_any_hashable_kind() -> None:
    code = huffman_code([5, 3, 2])  # integer symbols 0, 1, 2
    sym: Hashable = 2
    w = explain_coding(code, [sym, 0])
    assert w.matches and w.bits == code[2] + code[0]


def test_the_parsers_catch_a_wrong_drawing() -> None:
    # The checks above are only worth something if a wrong drawing fails them.
    code = CODES["five"]
    text = draw_tree(code)
    with pytest.raises(AssertionError, match="printed 111 but path 110"):
        parse_tree(text.replace("d: 110", "d: 111"))
    swapped = text.replace("d: 110", "X: 110").replace("e: 111", "d: 111").replace("X:", "e:")
    assert parse_tree(swapped)[0] != _expected_labels(code)
    dot = to_dot(code)
    with pytest.raises(AssertionError):
        parse_dot(dot.replace('label="d\\n110', 'label="d\\n111'))
    crossed = dot.replace('n11 -> n110 [label="0"]', 'n11 -> n111 [label="0"]').replace(
        'n11 -> n111 [label="1"]', 'n11 -> n110 [label="1"]')
    assert crossed != dot
    with pytest.raises(AssertionError):
        parse_dot(crossed)
