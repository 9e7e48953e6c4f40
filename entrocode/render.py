"""Render codes for people: code trees, Huffman merge traces, Graphviz DOT and walk-throughs.

Every function here is pure: it takes a code (or a distribution) and returns a
string or an immutable record; nothing is printed or written.

- :func:`code_tree` builds the binary tree of a code from its codewords: the
  path from the root to a leaf, reading 0 for one branch and 1 for the other,
  *is* that leaf's codeword.  Each node carries its weight, the sum of the
  probabilities of the leaves below it.
- :func:`draw_tree` draws that tree as text (Unicode box drawing, or ASCII);
  :func:`to_dot` writes it as Graphviz DOT.
- :func:`draw_merges` shows Huffman's algorithm at work: each step merges the
  two lightest nodes into one.
- :func:`explain_coding` encodes a message symbol by symbol and decodes the
  bits again by walking the tree bit by bit; :func:`draw_walkthrough` shows
  both, and the bit count beside the message's information content.

The tree is always built from the codewords of the :class:`~entrocode.Codebook`
itself, never recomputed, so a drawing cannot show a code other than the one
the codebook holds.

The text tree, for ``a=0.4,b=0.2,c=0.2,d=0.1,e=0.1``::

    (1)
    ├─0─ (0.6)
    │    ├─0─ a: 00 (0.4)
    │    └─1─ b: 01 (0.2)
    └─1─ (0.4)
         ├─0─ c: 10 (0.2)
         └─1─ (0.2)
              ├─0─ d: 110 (0.1)
              └─1─ e: 111 (0.1)

A node line shows ``(weight)``; a leaf line ``symbol: codeword (probability)``;
the digit on each branch is the code bit it stands for.  A branch that no
codeword uses (an incomplete code, Kraft sum < 1) is drawn as ``unused``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from entrocode.codebook import Codebook, huffman_merges
from entrocode.distribution import Distribution
from entrocode.errors import CodebookError

__all__ = [
    "CodeTree",
    "DecodeStep",
    "EncodeStep",
    "Walkthrough",
    "code_tree",
    "draw_merges",
    "draw_tree",
    "draw_walkthrough",
    "explain_coding",
    "symbol_text",
    "to_dot",
]

#: Characters of the text tree: (branch, last branch, continuation, blank, after the bit).
_UNICODE = ("├─", "└─", "│    ", "     ", "─")
_ASCII = ("|-", "`-", "|    ", "     ", "-")


def symbol_text(symbol: Hashable) -> str:
    """A one-line, printable label for a symbol of any kind.

    ``str`` symbols are shown as themselves, except that characters which
    are not printable (newline, tab, controls) are escaped as ``repr`` would;
    ``bytes`` symbols use :func:`entrocode.symbols.symbol_label` (one byte as
    in bytes mode, longer ones as UTF-8 text when they decode, else hex).

    Examples
    --------
    >>> symbol_text("sun"), symbol_text("a\\nb"), symbol_text(b"\\n")
    ('sun', 'a\\\\nb', '0x0a')
    """
    if isinstance(symbol, (bytes, bytearray)):
        from entrocode.symbols import symbol_label

        raw = bytes(symbol)
        if len(raw) == 1:
            return symbol_label(raw, "bytes")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.hex()
        return symbol_label(raw, "lines")
    text = str(symbol)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# ---------------------------------------------------------------------------
# The code tree
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeTree:
    """One node of a code tree, with everything below it.

    Attributes
    ----------
    prefix : str
        The bits on the path from the root to this node: the codeword of a
        leaf, ``""`` at the root.
    weight : float
        The sum of the probabilities of the leaves below (a leaf: its own).
    is_leaf : bool
        True for a leaf, which stands for one symbol.
    symbol : hashable or None
        The symbol of a leaf; None at an inner node.
    zero, one : CodeTree or None
        The subtrees reached by bit 0 and bit 1.  None below a leaf, and for a
        branch no codeword uses (possible only when the Kraft sum is < 1).
    """

    prefix: str
    weight: float
    is_leaf: bool
    symbol: Hashable | None = None
    zero: CodeTree | None = None
    one: CodeTree | None = None

    def child(self, bit: str) -> CodeTree | None:
        """The subtree reached from here by ``bit`` ("0" or "1")."""
        if bit == "0":
            return self.zero
        if bit == "1":
            return self.one
        raise ValueError(f"a code bit is '0' or '1', got {bit!r}")

    def leaves(self) -> tuple[CodeTree, ...]:
        """The leaves below this node, from the 0 side to the 1 side."""
        out: list[CodeTree] = []
        stack: list[CodeTree] = [self]
        while stack:
            node = stack.pop()
            if node.is_leaf:
                out.append(node)
                continue
            stack.extend(c for c in (node.one, node.zero) if c is not None)
        return tuple(out)


def code_tree(code: Codebook) -> CodeTree:
    """The binary tree of a prefix code, built from its codewords.

    Every codeword is a path from the root: bit 0 takes one branch, bit 1 the
    other, and the codeword ends at the leaf of its symbol.  A code is prefix
    free exactly when every codeword ends at a leaf, never inside the path of
    another codeword; that is what makes decoding by walking the tree
    unambiguous.  Each node's weight is the sum of its leaves' probabilities,
    so the root weighs 1 (up to rounding) and a node's weight is the share of
    symbols whose codeword starts with the node's prefix.

    Parameters
    ----------
    code : Codebook
        Any codebook; its canonical codewords are used as they are.

    Returns
    -------
    CodeTree
        The root.

    Raises
    ------
    CodebookError
        When a codeword is a prefix of another (impossible for a
        :class:`Codebook`, which is always prefix free).

    Examples
    --------
    >>> from entrocode import huffman_code, parse_spec
    >>> root = code_tree(huffman_code(parse_spec("a=0.5,b=0.25,c=0.25")))
    >>> root.zero.symbol, root.one.one.prefix
    ('a', '11')
    """
    entries = sorted(code.entries, key=lambda e: e.codeword)
    if not entries:
        raise CodebookError("the code has no codewords, so it has no tree")
    # Post-order construction with an explicit stack: codes may be thousands of bits deep.
    # A task is (prefix, lo, hi): the sorted entries[lo:hi] all start with prefix.
    built: dict[str, CodeTree | None] = {}
    stack: list[tuple[str, int, int, bool]] = [("", 0, len(entries), False)]
    while stack:
        prefix, lo, hi, expanded = stack.pop()
        if lo == hi:
            built[prefix] = None
            continue
        first = entries[lo]
        if first.codeword == prefix:
            if hi - lo > 1:
                raise CodebookError(
                    f"codeword {first.codeword!r} of {symbol_text(first.symbol)!r} is a prefix of "
                    f"{entries[lo + 1].codeword!r}: the code is not prefix free"
                )
            built[prefix] = CodeTree(prefix, first.probability, True, first.symbol)
            continue
        depth = len(prefix)
        split = lo
        while split < hi and entries[split].codeword[depth] == "0":
            split += 1
        if not expanded:
            stack.append((prefix, lo, hi, True))
            stack.append((prefix + "1", split, hi, False))
            stack.append((prefix + "0", lo, split, False))
            continue
        zero, one = built.pop(prefix + "0"), built.pop(prefix + "1")
        weight = math.fsum(e.probability for e in entries[lo:hi])
        built[prefix] = CodeTree(prefix, weight, False, None, zero, one)
    root = built[""]
    if root is None:  # pragma: no cover - entries is not empty
        raise CodebookError("the code has no codewords, so it has no tree")
    return root


def _weight(value: float) -> str:
    return f"{value:.6g}"


def draw_tree(
    code: Codebook,
    ascii: bool = False,
    label: Callable[[Hashable], str] = symbol_text,
) -> str:
    """Draw the code tree of ``code`` as text, one node per line.

    The root comes first; each branch is marked with its code bit, so reading
    the bits from the root down to a leaf spells that leaf's codeword, which
    the leaf also shows.  Node lines show ``(weight)``, the sum of the
    probabilities below; leaf lines ``symbol: codeword (probability)``; a
    branch no codeword uses is drawn as ``unused``.

    Parameters
    ----------
    code : Codebook
        The code to draw (its own codewords; nothing is recomputed).
    ascii : bool, default False
        Draw with ``|-``, ```-`` and ``|`` instead of Unicode box drawing.
    label : callable, default :func:`symbol_text`
        Turns a symbol into the text shown at its leaf.

    Returns
    -------
    str
        The drawing, lines joined by newlines, without a trailing newline.

    See Also
    --------
    to_dot : the same tree for Graphviz.

    Examples
    --------
    >>> from entrocode import huffman_code, parse_spec
    >>> print(draw_tree(huffman_code(parse_spec("a=0.5,b=0.25,c=0.25")), ascii=True))
    (1)
    |-0- a: 0 (0.5)
    `-1- (0.5)
         |-0- b: 10 (0.25)
         `-1- c: 11 (0.25)
    """
    branch, last, cont, blank, dash = _ASCII if ascii else _UNICODE
    root = code_tree(code)

    def text(node: CodeTree | None) -> str:
        if node is None:
            return "unused"
        if node.is_leaf:
            return f"{label(node.symbol)}: {node.prefix} ({_weight(node.weight)})"
        return f"({_weight(node.weight)})"

    if root.is_leaf:  # impossible for a codebook (codewords are at least 1 bit long)
        return text(root)
    lines = [text(root)]
    # Depth-first, 0 before 1; a task is (node, indent, bit, is_last).
    stack: list[tuple[CodeTree | None, str, str, bool]] = [
        (root.one, "", "1", True), (root.zero, "", "0", False)
    ]
    while stack:
        node, indent, bit, is_last = stack.pop()
        lines.append(f"{indent}{last if is_last else branch}{bit}{dash} {text(node)}")
        if node is not None and not node.is_leaf:
            inner = indent + (blank if is_last else cont)
            stack.append((node.one, inner, "1", True))
            stack.append((node.zero, inner, "0", False))
    return "\n".join(lines)


def _dot_string(text: str) -> str:
    """A DOT double-quoted string; newlines in ``text`` become DOT's ``\\n``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


def to_dot(
    code: Codebook,
    label: Callable[[Hashable], str] = symbol_text,
    name: str = "code_tree",
) -> str:
    """The code tree of ``code`` as a Graphviz DOT digraph.

    Node ``n`` is the root and node ``n<bits>`` the node reached by those
    bits, so every node's name spells its prefix.  Inner nodes are circles
    labelled with their weight; leaves are boxes labelled with three lines:
    the symbol, the codeword and ``p=probability``.  Each edge is labelled
    with its code bit.  A branch no codeword uses leads to a grey ``unused``
    point.  Render with ``dot -Tpng tree.dot -o tree.png``.

    Parameters
    ----------
    code : Codebook
        The code to draw.
    label : callable, default :func:`symbol_text`
        Turns a symbol into the text of its leaf.
    name : str, default "code_tree"
        The graph's name.

    Returns
    -------
    str
        The DOT text, ending with a newline.
    """
    root = code_tree(code)
    out = [
        f"digraph {_dot_string(name)} {{",
        "  // The canonical code tree: edge labels are code bits; a path from the root",
        "  // to a leaf spells the leaf's codeword. Inner nodes show their weight.",
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica"];',
    ]
    stack: list[tuple[CodeTree | None, str]] = [(root, "")]
    while stack:
        node, prefix = stack.pop()
        ident = "n" + prefix
        if node is None:
            out.append(f'  {ident} [label="unused", shape=plaintext, fontcolor=gray];')
            continue
        if node.is_leaf:
            text = f"{label(node.symbol)}\n{node.prefix}\np={_weight(node.weight)}"
            out.append(f"  {ident} [label={_dot_string(text)}, shape=box];")
            continue
        out.append(f"  {ident} [label={_dot_string(_weight(node.weight))}, shape=circle];")
        for bit, child in (("0", node.zero), ("1", node.one)):
            style = ", style=dashed, color=gray" if child is None else ""
            out.append(f'  {ident} -> n{prefix}{bit} [label="{bit}"{style}];')
        stack.append((node.one, prefix + "1"))
        stack.append((node.zero, prefix + "0"))
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Huffman's merges
# ---------------------------------------------------------------------------
def _huffman_weights(dist: Distribution) -> np.ndarray:
    """The weights :func:`entrocode.huffman_code` builds from: counts when known."""
    if dist.counts is not None:
        return np.array(dist.counts, dtype=np.float64)
    return dist.probabilities


def draw_merges(
    dist: Distribution,
    label: Callable[[Hashable], str] = symbol_text,
    max_listed: int = 5,
) -> str:
    """Show Huffman's algorithm on ``dist`` as a table, one merge per row.

    Huffman's algorithm starts with one node per symbol, weighted by its
    probability (or its count, when ``dist`` was built from counts, as
    :func:`entrocode.huffman_code` does), and repeats one step until a
    single node is left: take the two lightest nodes and join them under a
    new node whose weight is their sum.  On equal weights the older node is
    taken first (minimum variance), exactly as the codebook is built.  Each
    merge puts one more bit in front of the codewords of every symbol below
    it, so a symbol's code length is the number of merges it takes part in.

    New nodes are named ``n1``, ``n2``, ... in the order they are made; the
    last row makes the root.  The last column lists the symbols below the new
    node; beyond ``max_listed`` of them it lists the first few and how many
    there are.

    Parameters
    ----------
    dist : Distribution
        The distribution (symbols of probability 0 take no part).
    label : callable, default :func:`symbol_text`
        Turns a symbol into text.
    max_listed : int, default 5
        How many symbols to list under a new node before abbreviating.

    Returns
    -------
    str
        The table; for a single symbol, one line saying no merge is needed.

    Examples
    --------
    >>> from entrocode import parse_spec
    >>> print(draw_merges(parse_spec("a=0.5,b=0.25,c=0.25")))
    step  lightest  weight  2nd lightest  weight  new node  weight  symbols below
    ----  --------  ------  ------------  ------  --------  ------  -------------
       1  b           0.25  c               0.25  n1           0.5  b, c
       2  a            0.5  n1               0.5  n2             1  a, b, c
    """
    steps = huffman_merges(_huffman_weights(dist))
    present = [s for s, p in dist.items() if p > 0]
    if not steps:
        return (f"only one symbol ({label(present[0])}): nothing to merge; "
                "it gets the 1-bit codeword 0")
    names: dict[tuple[int, ...], str] = {}

    def name(positions: tuple[int, ...]) -> str:
        if len(positions) == 1:
            return label(dist.symbols[positions[0]])
        return names[positions]

    rows = []
    for k, step in enumerate(steps, start=1):
        merged = step.left + step.right
        names[merged] = f"n{k}"
        if len(merged) <= max_listed:
            below = [label(dist.symbols[i]) for i in merged]
        else:
            below = [label(dist.symbols[i]) for i in merged[: max(max_listed - 1, 1)]]
            below.append(f"… ({len(merged)} symbols)")
        rows.append([
            str(k), name(step.left), _weight(step.left_weight), name(step.right),
            _weight(step.right_weight), f"n{k}", _weight(step.weight), ", ".join(below),
        ])
    headers = ["step", "lightest", "weight", "2nd lightest", "weight", "new node", "weight",
               "symbols below"]
    return _table(headers, rows, right={0, 2, 4, 6})


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


# ---------------------------------------------------------------------------
# Walk-through: encoding symbol by symbol, decoding bit by bit
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EncodeStep:
    """One symbol of a message being encoded.

    Attributes
    ----------
    symbol : hashable
        The symbol.
    probability : float
        Its probability p.
    codeword : str
        Its codeword, appended to the bits.
    surprisal : float
        Its information content ``-log2 p`` in bits: the ideal codeword length.
    """

    symbol: Hashable
    probability: float
    codeword: str
    surprisal: float


@dataclass(frozen=True)
class DecodeStep:
    """One bit read while decoding by walking the code tree.

    Attributes
    ----------
    position : int
        1-based position of the bit in the bit string.
    bit : str
        The bit read, "0" or "1".
    path : str
        The bits read since the last symbol: the prefix of the node reached.
    symbol : hashable or None
        The symbol emitted when the node reached is a leaf (the walk then
        starts again at the root); None otherwise.
    emitted : bool
        Whether a symbol was emitted at this bit.
    """

    position: int
    bit: str
    path: str
    symbol: Hashable | None
    emitted: bool


@dataclass(frozen=True)
class Walkthrough:
    """A message encoded with a code and decoded again, step by step.

    Attributes
    ----------
    code : Codebook
        The code used.
    message : tuple
        The symbols of the message.
    encoding : tuple of EncodeStep
        One step per symbol.
    bits : str
        The encoded message: the codewords concatenated.
    decoding : tuple of DecodeStep
        One step per bit of ``bits``.
    decoded : tuple
        The symbols the tree walk emitted.
    codec_bits : str or None
        The payload bits the compressor's codec (:func:`entrocode.codec.encode`)
        writes for the message, or None when the code lies outside the
        codec's domain (an incomplete code, Kraft sum < 1, or codewords longer
        than :data:`entrocode.codec.MAX_CODE_LENGTH`).
    codec_decoded : tuple or None
        The symbols the codec's reference decoder
        (:func:`entrocode.codec.decode_reference`) reads back from that
        payload, or None as above.
    """

    code: Codebook
    message: tuple[Hashable, ...]
    encoding: tuple[EncodeStep, ...]
    bits: str
    decoding: tuple[DecodeStep, ...]
    decoded: tuple[Hashable, ...]
    codec_bits: str | None = None
    codec_decoded: tuple[Hashable, ...] | None = None

    @property
    def bit_count(self) -> int:
        """The number of bits the message takes: the sum of its codeword lengths."""
        return len(self.bits)

    @property
    def information(self) -> float:
        """The information content of the message, ``sum -log2 p(x)`` over its symbols, in bits.

        No code can beat it on average: the expected bit count is at least
        this sum's expectation, ``n * H(P)`` for n symbols.
        """
        return math.fsum(s.surprisal for s in self.encoding)

    @property
    def codec_checked(self) -> bool:
        """True when the real codec was run on the message (see :attr:`codec_bits`)."""
        return self.codec_bits is not None

    @property
    def matches(self) -> bool:
        """True when decoding gave back the message exactly.

        When the codec was run, its bits must also equal :attr:`bits` and its
        reference decoder must also give back the message.
        """
        if self.decoded != self.message:
            return False
        if self.codec_bits is None:
            return True
        return self.codec_bits == self.bits and self.codec_decoded == self.message


def explain_coding(code: Codebook, message: Sequence[Hashable]) -> Walkthrough:
    """Encode ``message`` symbol by symbol, then decode the bits by walking the tree.

    Encoding appends each symbol's codeword; decoding reads the bits one at a
    time from the root of the code tree (:func:`code_tree`), taking the 0 or
    1 branch, and on reaching a leaf emits its symbol and goes back to the
    root.  Because the code is prefix free, the walk never has to look ahead
    or back.  The decoded symbols are the result of that real walk over the
    real bits, so :attr:`Walkthrough.matches` checks the code end to end.

    The message also goes through the compressor's own codec: its encoder
    writes the payload and its reference decoder reads it back.  Those bits
    and symbols are recorded too (:attr:`Walkthrough.codec_bits`), so the
    walk-through shows exactly the bits a ``.ec`` payload holds for this code.
    The codec takes complete codes of at most 32-bit codewords; for other
    codes (a Shannon code, say) only the tree walk is done.

    Parameters
    ----------
    code : Codebook
        The code.
    message : sequence of symbols
        At least one symbol, each with a codeword in ``code``.

    Returns
    -------
    Walkthrough
        The steps of both directions.

    Raises
    ------
    CodebookError
        For an empty message, or a symbol without a codeword (not in the
        distribution, or of probability 0).

    Examples
    --------
    >>> from entrocode import huffman_code, parse_spec
    >>> w = explain_coding(huffman_code(parse_spec("a=0.5,b=0.25,c=0.25")), "abca")
    >>> w.bits, w.bit_count, w.information, w.matches
    ('010110', 6, 6.0, True)
    """
    symbols = tuple(message)
    if not symbols:
        raise CodebookError("the message is empty: give at least one symbol")
    table = {e.symbol: e for e in code.entries}
    encoding = []
    for s in symbols:
        entry = table.get(s)
        if entry is None:
            if s in code.distribution:
                raise CodebookError(
                    f"symbol {symbol_text(s)!r} has probability 0, so it has no codeword"
                )
            known = ", ".join(symbol_text(x) for x in code.distribution.symbols[:20])
            raise CodebookError(f"symbol {symbol_text(s)!r} is not in the distribution ({known})")
        encoding.append(EncodeStep(s, entry.probability, entry.codeword,
                                   -math.log2(entry.probability)))
    bits = "".join(step.codeword for step in encoding)
    root = code_tree(code)
    decoding = []
    decoded: list[Hashable] = []
    node = root
    for position, bit in enumerate(bits, start=1):
        nxt = node.child(bit)
        if nxt is None:  # pragma: no cover - bits from the encoder always follow the tree
            raise CodebookError(
                f"bit {position} leads off the code tree (prefix {node.prefix}{bit})"
            )
        if nxt.is_leaf:
            decoded.append(nxt.symbol)
            decoding.append(DecodeStep(position, bit, nxt.prefix, nxt.symbol, True))
            node = root
        else:
            decoding.append(DecodeStep(position, bit, nxt.prefix, None, False))
            node = nxt
    codec_bits, codec_decoded = _through_codec(code, symbols)
    return Walkthrough(code, symbols, tuple(encoding), bits, tuple(decoding), tuple(decoded),
                       codec_bits, codec_decoded)


def _through_codec(
    code: Codebook, symbols: tuple[Hashable, ...]
) -> tuple[str | None, tuple[Hashable, ...] | None]:
    """Encode with the real codec and decode with its reference decoder (None, None if outside
    the codec's domain)."""
    from entrocode import codec

    alphabet = code.distribution.symbols
    try:
        table = codec.CodeTable.from_lengths(code.length_vector())
    except CodebookError:
        return None, None
    ids = np.array([code.distribution.index(s) for s in symbols], dtype=np.int64)
    encoded = codec.encode(ids, table)
    payload = np.unpackbits(np.frombuffer(encoded.payload, dtype=np.uint8))
    bits = "".join("1" if b else "0" for b in payload[: encoded.nbits].tolist())
    back = codec.decode_reference(encoded.payload, table, len(symbols))
    return bits, tuple(alphabet[i] for i in back.tolist())


def _codec_line(w: Walkthrough) -> str:
    if w.codec_bits is None:
        return ("entrocode's codec takes only complete codes of at most 32-bit codewords, so "
                "this code\nis checked by the tree walk alone")
    same_bits = "the same bits" if w.codec_bits == w.bits else "DIFFERENT bits"
    same_symbols = ("reads the message back" if w.codec_decoded == w.message
                    else "does NOT read the message back")
    return f"entrocode's codec writes {same_bits}, and its reference decoder {same_symbols}"


def draw_walkthrough(w: Walkthrough, label: Callable[[Hashable], str] = symbol_text) -> str:
    """Show a :class:`Walkthrough`: the encoding table, the decoding walk and the bit count.

    Three parts: each symbol with its probability, codeword, surprisal
    ``-log2 p`` and the bits so far; each bit read while walking the tree,
    with the path since the last leaf and the symbol emitted, and whether the
    compressor's codec wrote and read the same; and the total
    bit count beside the information content ``sum -log2 p``, which the bit
    count can only approach (on average it exceeds it by less than one bit
    per symbol for a Huffman code).

    Parameters
    ----------
    w : Walkthrough
        From :func:`explain_coding`.
    label : callable, default :func:`symbol_text`
        Turns a symbol into text.

    Returns
    -------
    str
        The text, without a trailing newline.
    """
    n = len(w.message)
    enc_rows = []
    so_far = ""
    for k, step in enumerate(w.encoding, start=1):
        so_far += step.codeword
        shown = so_far if len(so_far) <= 48 else "…" + so_far[-47:]
        enc_rows.append([str(k), label(step.symbol), _weight(step.probability), step.codeword,
                         f"{step.surprisal:.4f}", shown])
    dec_rows = [
        [str(d.position), d.bit, d.path, label(d.symbol) if d.emitted else ""]
        for d in w.decoding
    ]
    decoded = " ".join(label(s) for s in w.decoded)
    info = w.information
    lines = [
        f"Encoding {n} symbol{'s' if n != 1 else ''}: each symbol's codeword is appended.",
        _table(["#", "symbol", "p", "codeword", "-log2 p", "bits so far"], enc_rows,
               right={0, 2, 4}),
        "",
        f"bits: {w.bits}",
        "",
        "Decoding bit by bit: start at the root, follow each bit; at a leaf, emit its symbol",
        "and start again at the root.",
        _table(["bit", "read", "path", "emit"], dec_rows, right={0}),
        "",
        f"decoded: {decoded}",
        f"matches the message: {'yes' if w.decoded == w.message else 'NO'}",
        _codec_line(w),
        "",
        f"bits used           = {w.bit_count}",
        f"information content = {info:.4f} bits (sum of -log2 p over the {n} "
        f"symbol{'s' if n != 1 else ''})",
        f"difference          = {w.bit_count - info:+.4f} bits "
        f"({(w.bit_count - info) / n:+.4f} per symbol)",
    ]
    return "\n".join(lines)
