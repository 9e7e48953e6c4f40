"""Fuzz tests of the ``.ec`` decoder: damaged, truncated, hostile and foreign input.

The contract: ``decompress`` either raises :class:`FormatError` or
returns exactly the original data; never another exception, never a hang,
never memory out of proportion to the input.

Two sources of input:

- a corpus of valid files of every mode, with raw, new-table and reused-table
  blocks, with and without a model and a length limit, written by the
  compressor, plus files written here by the words of ``docs/FORMAT.md``
  (:class:`Writer`) to cover what the compressor rarely writes (many segment
  offsets, a one-symbol code, a table far larger than its block);
- hostile files built field by field: every header field set to extremes,
  declared sizes of gigabytes, code lengths that break Kraft, unknown
  versions, modes and block types, empty and foreign files.

The campaign is seeded and deterministic.  It prints nothing; its counts are
in :data:`SUMMARY` (mutations per kind and outcomes), which the tests assert
on.  Set ``ENTROCODE_FUZZ_SCALE=10`` for ten times as many random mutations.
"""

from __future__ import annotations

import io
import itertools
import os
import random
import re
import signal
import time
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pytest

from entrocode import container
from entrocode.container import MAX_BLOCK_BYTES, compress_stream, decompress
from entrocode.distribution import Distribution, parse_spec
from entrocode.errors import FormatError
from entrocode.symbols import MODES, split_symbols

SEED = 20240606
SCALE = max(1, int(os.environ.get("ENTROCODE_FUZZ_SCALE", "1")))
CASE_SECONDS = 10.0
"""A case that takes longer counts as a hang (the slowest real case takes milliseconds)."""
MEMORY_EVERY = 7
"""Every 7th mutation runs under tracemalloc (it slows decoding down about fourfold)."""
MEMORY_BASE = 2 << 20
MEMORY_PER_BYTE = 64
"""A mutated file may cost at most 2 MiB plus 64 bytes per byte of input (peak, traced)."""
HOSTILE_MEMORY = 4 << 20
"""A hostile header, whatever it declares, may cost at most 4 MiB."""


# ---------------------------------------------------------------------------
# An independent writer of the documented layout (docs/FORMAT.md)
# ---------------------------------------------------------------------------
MAGIC = b"\x89EC"
MODE_CODES = {"bytes": 0, "chars": 1, "words": 2, "lines": 3}
END, RAW, NEW, REUSE = 0, 1, 2, 3
CL_ORDER = (34, 35, 36, 33, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15, *range(16, 33))
# A complete code over all 37 code-length symbols: 27 of 5 bits, 10 of 6 bits.
CL_LENGTHS = (5,) * 27 + (6,) * 10


def varint(value: int) -> bytes:
    """Unsigned LEB128, as FORMAT.md defines it."""
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


class Bits:
    """A bit string, most significant bit first, zero-padded (or `pad`-padded) to a byte."""

    def __init__(self) -> None:
        self.bits: list[int] = []

    def write(self, value: int, nbits: int) -> Bits:
        self.bits.extend((value >> (nbits - 1 - i)) & 1 for i in range(nbits))
        return self

    def to_bytes(self, pad: int = 0) -> bytes:
        bits = self.bits + [pad & 1] * (-len(self.bits) % 8)
        return bytes(int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8))


def canonical(lengths: Sequence[int]) -> list[int]:
    """Canonical codewords: sort by (length, index); next = (previous + 1) << growth."""
    codes = [0] * len(lengths)
    order = sorted((n, i) for i, n in enumerate(lengths) if n)
    code, previous = -1, order[0][0] if order else 0
    for n, i in order:
        code = (code + 1) << (n - previous)
        previous = n
        codes[i] = code
    return codes


def length_tokens(lengths: Sequence[int]) -> list[tuple[int, int, int]]:
    """Code-length symbols ``(symbol, extra bits, value)``: zero runs and repeats coded."""
    tokens: list[tuple[int, int, int]] = []
    i = 0
    while i < len(lengths):
        j = i
        while j < len(lengths) and lengths[j] == lengths[i]:
            j += 1
        run, value = j - i, lengths[i]
        if value == 0:
            while run >= 3:
                if run >= 139:
                    step = min(run, 139 + 0xFFFF)
                    tokens.append((36, 16, step - 139))
                elif run >= 11:
                    step = min(run, 138)
                    tokens.append((35, 7, step - 11))
                else:
                    step = run
                    tokens.append((34, 3, step - 3))
                run -= step
            tokens += [(0, 0, 0)] * run
        else:
            tokens.append((value, 0, 0))
            run -= 1
            while run >= 3:
                step = min(run, 6)
                tokens.append((33, 2, step - 3))
                run -= step
            tokens += [(value, 0, 0)] * run
        i = j
    return tokens


def lengths_field(lengths: Sequence[int] = (), *, tokens: list[tuple[int, int, int]] | None = None,
                  cl_lengths: Sequence[int] = CL_LENGTHS, stored: int | None = None,
                  pad: int = 0) -> bytes:
    """The code-lengths bit string: hclen, CL lengths in CL_ORDER, coded tokens."""
    tokens = length_tokens(lengths) if tokens is None else tokens
    stored = len(CL_ORDER) if stored is None else stored
    bits = Bits().write(stored - 1, 6)
    for k in range(stored):
        bits.write(cl_lengths[CL_ORDER[k]] if k < len(CL_ORDER) else 0, 3)
    codes = canonical(cl_lengths) if any(cl_lengths) else [0] * len(cl_lengths)
    for symbol, nbits, extra in tokens:
        bits.write(codes[symbol], cl_lengths[symbol])
        bits.write(extra, nbits)
    return bits.to_bytes(pad)


def table_field(mode: str, symbols: Sequence[bytes], lengths: Sequence[int]) -> bytes:
    """A code table: 256 lengths (bytes), code points (chars) or a front-coded alphabet."""
    if mode == "bytes":
        full = [0] * 256
        for s, n in zip(symbols, lengths, strict=True):
            full[s[0]] = n
        return lengths_field(full)
    if mode == "chars":
        points = [ord(s.decode()) for s in symbols]
        full = [0] * (max(points) + 1)
        for p, n in zip(points, lengths, strict=True):
            full[p] = n
        return varint(len(full)) + lengths_field(full)
    out, previous = bytearray(varint(len(symbols))), b""
    for s in symbols:
        shared = 0
        while shared < min(len(s), len(previous)) and s[shared] == previous[shared]:
            shared += 1
        out += varint(shared) + varint(len(s) - shared) + s[shared:]
        previous = s
    return bytes(out) + lengths_field(lengths)


@dataclass
class Code:
    """A canonical code over sorted symbols, for :class:`Writer`."""

    symbols: list[bytes]
    lengths: list[int]

    def __post_init__(self) -> None:
        self.codes = canonical(self.lengths)
        self.index = {s: i for i, s in enumerate(self.symbols)}


def equal_code(symbols: Sequence[bytes]) -> Code:
    """A complete code for any number of symbols: lengths k and k + 1 (k = floor(log2 n))."""
    ordered = sorted(set(symbols))
    n = len(ordered)
    if n == 1:
        return Code(ordered, [1])
    k = n.bit_length() - 1
    longer = 2 * (n - (1 << k))  # symbols of k + 1 bits
    return Code(ordered, [k] * (n - longer) + [k + 1] * longer)


class Writer:
    """Writes ``.ec`` files by FORMAT.md, block by block, with any segment size."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.out = bytearray(MAGIC + bytes([1, MODE_CODES[mode]]))
        self.data = bytearray()
        self.count = 0
        self.kinds: Counter = Counter()

    def raw(self, symbols: Sequence[bytes]) -> Writer:
        chunk = b"".join(symbols)
        self.out += bytes([RAW]) + varint(len(chunk))
        if self.mode != "bytes":
            self.out += varint(len(symbols))
        self.out += chunk
        self._add(chunk, len(symbols))
        self.kinds["raw"] += 1
        return self

    def coded(self, symbols: Sequence[bytes], code: Code, *, new: bool,
              segment_log2: int = 4) -> Writer:
        chunk = b"".join(symbols)
        segment = 1 << segment_log2
        bits = Bits()
        starts = []
        for k, s in enumerate(symbols):
            if k % segment == 0:
                starts.append(len(bits.bits))
            i = code.index[s]
            bits.write(code.codes[i], code.lengths[i])
        self.out += bytes([NEW if new else REUSE]) + varint(len(chunk))
        if self.mode != "bytes":
            self.out += varint(len(symbols))
        self.out += varint(len(bits.bits))
        if new:
            self.out += table_field(self.mode, code.symbols, code.lengths)
        self.out.append(segment_log2)
        if len(starts) > 1:
            sizes = [b - a for a, b in itertools.pairwise(starts)]
            base = min(sizes)
            width = (max(sizes) - base).bit_length()
            diffs = Bits()
            for size in sizes:
                diffs.write(size - base, width)
            self.out += varint(base) + bytes([width]) + diffs.to_bytes()
        self.out += bits.to_bytes()
        self._add(chunk, len(symbols))
        self.kinds["new" if new else "reuse"] += 1
        return self

    def _add(self, chunk: bytes, count: int) -> None:
        self.data += chunk
        self.count += count

    def end(self) -> bytes:
        out = self.out + bytes([END]) + varint(len(self.data))
        if self.mode != "bytes":
            out += varint(self.count)
        return bytes(out + zlib.crc32(self.data).to_bytes(4, "little"))


def end_record(mode: str, data: bytes, count: int) -> bytes:
    text = varint(count) if mode != "bytes" else b""
    return bytes([END]) + varint(len(data)) + text + zlib.crc32(data).to_bytes(4, "little")


# ---------------------------------------------------------------------------
# The corpus of valid files
# ---------------------------------------------------------------------------
def sample_text(n_words: int, seed: int) -> bytes:
    rng = random.Random(seed)
    vocab = ["the", "of", "and", "to", "in", "a", "is", "naïve", "café", "über", "Ω", "😀",
             "line\n", "end.\n", "  ", "x", "\t", "ß"]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    return " ".join(rng.choices(vocab, weights, k=n_words)).encode()


def noise_text(n_chars: int, seed: int) -> bytes:
    """High-entropy text (many distinct characters, words and lines): stored raw."""
    rng = random.Random(seed)
    out = []
    for _ in range(n_chars):
        c = chr(rng.randrange(0x21, 0x2FFF))
        out.append("\n" if rng.random() < 0.1 else (" " if rng.random() < 0.2 else c))
    return "".join(out).encode()


@dataclass(frozen=True)
class Base:
    """A valid file of the corpus, what it holds, and its blocks by kind (new, raw, reuse)."""

    name: str
    mode: str
    blob: bytes
    data: bytes
    kinds: Counter


def compressed(name: str, data: bytes, **options: object) -> Base:
    out = io.BytesIO()
    s = compress_stream(io.BytesIO(data), out, **options)  # type: ignore[arg-type]
    kinds = Counter(new=s.blocks - s.raw_blocks - s.reused_tables, raw=s.raw_blocks,
                    reuse=s.reused_tables)
    return Base(name, s.mode, out.getvalue(), data, kinds)


def compressor_corpus() -> list[Base]:
    text = sample_text(260, seed=1)
    mixed = text[:600] + noise_text(200, seed=2) + text[600:] + text[:300]
    corpus = []
    for mode in MODES:
        for block_size in (120, 400):
            corpus.append(compressed(f"{mode}/block {block_size}", mixed, symbols=mode,
                                     block_size=block_size))
        corpus.append(compressed(f"{mode}/max-length", text, symbols=mode, block_size=300,
                                 max_length=5 if mode == "bytes" else 9))
    models = {
        "bytes": (parse_spec("a=0.2,e=0.2,0x20=0.3,t=0.3"), 0.05),
        "chars": (Distribution.from_probabilities([0.25] * 4, ["a", "e", " ", "ï"]), 0.1),
        "words": (Distribution.from_probabilities([0.5, 0.5], ["the", " "]), 0.5),
        "lines": (parse_spec("x=1"), 0.01),
    }
    for mode, (model, smooth) in models.items():
        corpus.append(compressed(f"{mode}/model", text, symbols=mode, model=model,
                                 smooth=smooth, block_size=250))
    for data in (b"", b"a", b"z" * 300):
        corpus.append(compressed(f"bytes/{data[:3]!r}x{len(data)}", data))
    return corpus


def writer_corpus() -> list[Base]:
    """Files with many segments (16 symbols each), a one-symbol code, a wide table."""
    corpus = []
    text = sample_text(120, seed=3)
    for mode in MODES:
        symbols = split_symbols(text.replace(b" ", b"\n") if mode == "lines" else text, mode)
        code = equal_code(symbols)
        third = len(symbols) // 3
        w = Writer(mode)
        w.coded(symbols[:third], code, new=True)
        w.raw(symbols[third : third + 5])
        w.coded(symbols[third + 5 : 2 * third], code, new=False, segment_log2=5)
        lone = [symbols[0]] * 40
        w.coded(lone, equal_code(lone), new=True)
        w.coded(symbols[2 * third :], code, new=True, segment_log2=24)
        corpus.append(Base(f"{mode}/writer", mode, w.end(), bytes(w.data), w.kinds))
    # A table much wider than its block (what a model with many symbols writes).
    wide = [chr(c).encode() for c in range(0x20, 0x2020, 7)]
    w = Writer("chars")
    w.coded([b"A", b"B", b"A"] * 30, equal_code([*wide, b"A", b"B"]), new=True)
    corpus.append(Base("chars/wide table", "chars", w.end(), bytes(w.data), w.kinds))
    return corpus


@pytest.fixture(scope="module")
def corpus() -> list[Base]:
    return compressor_corpus() + writer_corpus()


# ---------------------------------------------------------------------------
# Running one case
# ---------------------------------------------------------------------------
class Hang(BaseException):
    """Raised by the interval timer inside a case that runs too long."""


@dataclass
class Summary:
    """Counts of a campaign: ``cases[kind][outcome]``, the slowest case, the failures."""

    cases: dict[str, Counter] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0
    traced: int = 0
    peak_bytes: int = 0  # the highest traced peak of any case
    peak_input: int = 0  # the input size of that case

    def total(self, outcome: str | None = None) -> int:
        return sum(c[outcome] if outcome else sum(c.values()) for c in self.cases.values())


SUMMARY = Summary()
"""Every case run in this module, by kind and outcome (restored, rejected, wrong, crash, hang)."""


@pytest.fixture(scope="module")
def timer() -> Iterator[None]:
    def alarm(signum: int, frame: object) -> None:
        raise Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def attempt(kind: str, blob: bytes, original: bytes | None, *, trace: bool = False,
            memory_limit: int | None = None) -> str:
    """Decompress `blob` once and record the outcome under `kind`.

    `original` is the data the file was made from (None: no answer is right).
    Returns "restored", "rejected", "wrong", "crash" or "hang".
    """
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    try:
        out = decompress(blob)
    except FormatError:
        outcome = "rejected"
    except Hang:
        outcome = "hang"
    except Exception as exc:  # exactly what must never happen
        outcome = "crash"
        SUMMARY.failures.append(f"{kind}: {type(exc).__name__}: {exc} on {blob[:64].hex()}")
    else:
        outcome = "restored" if out == original else "wrong"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - start
        if trace:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    SUMMARY.slowest = max(SUMMARY.slowest, elapsed)
    if outcome in ("wrong", "hang"):
        SUMMARY.failures.append(f"{kind}: {outcome} on {blob[:64].hex()} ({len(blob)} bytes)")
    if trace:
        SUMMARY.traced += 1
        if peak > SUMMARY.peak_bytes:
            SUMMARY.peak_bytes, SUMMARY.peak_input = peak, len(blob)
        limit = memory_limit if memory_limit is not None else (
            MEMORY_BASE + MEMORY_PER_BYTE * len(blob))
        if peak > limit:
            outcome = "memory"
            SUMMARY.failures.append(f"{kind}: peak {peak} bytes > {limit} for {len(blob)} bytes")
    SUMMARY.cases.setdefault(kind, Counter())[outcome] += 1
    return outcome


# ---------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------
Mutation = Callable[[random.Random, bytes], bytes]


def flip_bit(rng: random.Random, blob: bytes) -> bytes:
    out = bytearray(blob)
    out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def extreme_byte(rng: random.Random, blob: bytes) -> bytes:
    out = bytearray(blob)
    out[rng.randrange(len(out))] = rng.choice((0x00, 0xFF, 0x7F, 0x80, 0x01))
    return bytes(out)


def burst(rng: random.Random, blob: bytes) -> bytes:
    out = bytearray(blob)
    at, n = rng.randrange(len(out)), rng.randint(1, 16)
    out[at : at + n] = rng.randbytes(n)
    return bytes(out)


def insert(rng: random.Random, blob: bytes) -> bytes:
    at = rng.randrange(len(blob) + 1)
    return blob[:at] + rng.randbytes(rng.randint(1, 8)) + blob[at:]


def delete(rng: random.Random, blob: bytes) -> bytes:
    at = rng.randrange(len(blob))
    return blob[:at] + blob[at + rng.randint(1, 8) :]


def move(rng: random.Random, blob: bytes) -> bytes:
    """Copy a slice of the file over another place in it (blocks in the wrong order)."""
    n = rng.randint(1, max(1, len(blob) // 4))
    src, dst = rng.randrange(len(blob)), rng.randrange(len(blob))
    out = bytearray(blob)
    out[dst : dst + n] = blob[src : src + n]
    return bytes(out[: len(blob)])


MUTATIONS: dict[str, tuple[Mutation, int]] = {
    "bit flip": (flip_bit, 60),
    "extreme byte": (extreme_byte, 20),
    "random burst": (burst, 20),
    "insertion": (insert, 10),
    "deletion": (delete, 10),
    "moved slice": (move, 10),
}
"""Random mutations, with how many of each per base file (times SCALE)."""


def truncation_points(rng: random.Random, blob: bytes) -> list[int]:
    """Every offset of a small file; of a larger one the first 48, the last 24 and a sample."""
    if len(blob) <= 480:
        return list(range(len(blob)))
    middle = range(48, len(blob) - 24)
    sample = rng.sample(middle, min(len(middle), 48 * SCALE))
    return sorted({*range(48), *range(len(blob) - 24, len(blob)), *sample})


# ---------------------------------------------------------------------------
# The campaign over the corpus
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def campaign(corpus: list[Base], timer: None) -> Summary:
    rng = random.Random(SEED)
    n = 0
    for base in corpus:
        original = base.data
        for cut in truncation_points(rng, base.blob):
            attempt("truncation", base.blob[:cut], None)
        for tail in (b"\x00", b"\x00\x00\x00\x00", rng.randbytes(1), rng.randbytes(40),
                     base.blob, MAGIC):
            attempt("trailing garbage", base.blob + tail, None)
        for i in range(min(len(base.blob), 10) * 8):  # every bit of the headers up front
            out = bytearray(base.blob)
            out[i // 8] ^= 0x80 >> (i % 8)
            attempt("bit flip (header)", bytes(out), original)
        for kind, (mutate, count) in MUTATIONS.items():
            for _ in range(count * SCALE):
                n += 1
                attempt(kind, mutate(rng, base.blob), original, trace=n % MEMORY_EVERY == 0)
    return SUMMARY


def test_corpus_covers_every_mode_and_block_kind(corpus: list[Base]) -> None:
    for base in corpus:
        assert decompress(base.blob) == base.data, base.name
    made_by = {"compressor": compressor_corpus(), "writer": writer_corpus()}
    for name, files in made_by.items():
        for mode in MODES:
            kinds = sum((b.kinds for b in files if b.mode == mode), Counter())
            assert kinds["new"] and kinds["raw"] and kinds["reuse"], (name, mode, kinds)
            assert kinds.total() >= 4
    assert {b.mode for b in corpus if "model" in b.name} == set(MODES)
    assert sum(len(b.blob) for b in corpus) > 20000


def test_mutations_give_the_original_or_a_format_error(campaign: Summary) -> None:
    assert campaign.failures == []
    for outcome in ("wrong", "crash", "hang", "memory"):
        assert campaign.total(outcome) == 0, outcome
    assert campaign.slowest < CASE_SECONDS


def test_every_kind_of_mutation_ran_thousands_of_times(campaign: Summary) -> None:
    kinds = campaign.cases
    assert set(MUTATIONS) | {"truncation", "trailing garbage", "bit flip (header)"} <= set(kinds)
    assert campaign.total() >= 8000
    assert campaign.total("rejected") >= 7000
    assert sum(kinds["bit flip"].values()) + sum(kinds["bit flip (header)"].values()) >= 3000
    assert campaign.traced >= 300


def test_truncated_or_extended_files_are_always_rejected(campaign: Summary) -> None:
    for kind in ("truncation", "trailing garbage"):
        outcomes = campaign.cases[kind]
        assert set(outcomes) == {"rejected"}, (kind, outcomes)
    assert campaign.cases["truncation"]["rejected"] >= 3000
    assert campaign.cases["trailing garbage"]["rejected"] >= 6 * 24


def test_memory_stays_in_proportion_to_the_input(campaign: Summary) -> None:
    assert campaign.traced >= 300
    assert campaign.total("memory") == 0
    assert 0 < campaign.peak_bytes <= MEMORY_BASE + MEMORY_PER_BYTE * campaign.peak_input


# ---------------------------------------------------------------------------
# Hostile files, field by field
# ---------------------------------------------------------------------------
def header(mode: str = "bytes") -> bytes:
    return MAGIC + bytes([1, MODE_CODES[mode]])


def bytes_table(lengths: dict[int, int]) -> bytes:
    """A bytes-mode table: ``{byte value: code length}``, every other byte 0."""
    return lengths_field([lengths.get(b, 0) for b in range(256)])


def words_table(entries: Sequence[tuple[int, int, bytes]], lengths: Sequence[int]) -> bytes:
    """A words-mode table from raw ``(shared, rest, bytes)`` entries, as stored."""
    out = bytearray(varint(len(entries)))
    for shared, rest, tail in entries:
        out += varint(shared) + varint(rest) + tail
    return bytes(out) + lengths_field(lengths)


AB = bytes_table({0x61: 1, 0x62: 1})  # a '0', b '1'
ABC = bytes_table({0x61: 1, 0x62: 2, 0x63: 2})  # a '0', b '10', c '11'
AB_END = end_record("bytes", b"ab", 2)
AB_FILE = header() + b"\x02\x02\x02" + AB + b"\x0c\x40" + AB_END  # "ab": bits 01
TRUNCATED = r"^truncated: the data ends inside block 1$"
HUGE = MAX_BLOCK_BYTES


def odd_padding_lengths() -> bytes:
    """A bytes table whose bit string has padding bits, with a 1 in them."""
    table = {0x61: 1, 0x62: 2, 0x63: 2}
    field_ = bytes_table(table)
    padded = lengths_field([table.get(b, 0) for b in range(256)], pad=1)
    assert padded != field_, "the table must end inside a byte"
    return padded


def sparse_chars_file() -> bytes:
    """Valid: a chars table of 0x110000 entries (two coded) in a few bytes, for "A"."""
    full = [0] * 0x110000
    full[0x41] = full[0x10FFFF] = 1
    return (header("chars") + b"\x02\x01\x01\x01" + varint(len(full)) + lengths_field(full)
            + b"\x0c\x00" + end_record("chars", b"A", 1))


def long_alphabet_file() -> bytes:
    """Words whose alphabet passes 2**25 bytes with its second entry (16 MiB stored)."""
    first = b"w" * (1 << 24)
    return (header("words") + b"\x02\x03\x01\x01" + varint(2) + b"\x00" + varint(len(first))
            + first + varint(len(first)) + b"\x01" + b"x")


def hostile_files() -> list[tuple[str, Callable[[], bytes], str]]:
    """``(name, blob maker, message pattern)``: every one must raise that FormatError."""
    b, c, w = header("bytes"), header("chars"), header("words")
    cases: list[tuple[str, Callable[[], bytes], str]] = [
        ("empty file", lambda: b"", r"^not an \.ec file \(empty input\)$"),
        ("a zero byte", lambda: b"\x00", r"^not an \.ec file \(bad magic\)$"),
        ("PNG", lambda: b"\x89PNG\r\n\x1a\n" + bytes(24), "bad magic"),
        ("gzip", lambda: b"\x1f\x8b\x08\x00" + bytes(24), "bad magic"),
        ("zip", lambda: b"PK\x03\x04" + bytes(26), "bad magic"),
        ("ELF", lambda: b"\x7fELF\x02\x01\x01" + bytes(9), "bad magic"),
        ("PDF", lambda: b"%PDF-1.7\n", "bad magic"),
        ("text", lambda: b"hello, world\n", "bad magic"),
        ("JSON", lambda: b'{"a": 0.5, "b": 0.5}', "bad magic"),
        ("random bytes", lambda: random.Random(1).randbytes(4096), "bad magic"),
        ("magic, 1 byte", lambda: b"\x89", r"^truncated: the data ends inside the header$"),
        ("magic, 2 bytes", lambda: b"\x89E", r"^truncated: the data ends inside the header$"),
        ("magic only", lambda: MAGIC, r"^truncated: the data ends inside the header$"),
        ("no mode", lambda: MAGIC + b"\x01", r"^truncated: the data ends inside the header$"),
        ("no blocks, no end", lambda: b, TRUNCATED),
        ("reuse before any table", lambda: b + b"\x03\x02\x02\x0c\x40" + AB_END,
         r"^corrupt block 1: reuses a table, but none came before$"),
        ("empty block", lambda: b + b"\x01\x00", r"^corrupt block 1: an empty block$"),
        ("block of 16 MiB + 1", lambda: b + b"\x01" + varint(HUGE + 1),
         r"^corrupt block 1: block size 16777217 exceeds the limit 16777216$"),
        ("block of 2**63 bytes", lambda: b + b"\x01" + varint(1 << 63),
         r"block size 9223372036854775808 exceeds the limit"),
        ("11-byte varint", lambda: b + b"\x01" + b"\xff" * 10 + b"\x01",
         r"^corrupt block 1: block size is longer than 10 bytes$"),
        ("needless zero byte", lambda: b + b"\x01\x81\x00",
         r"^corrupt block 1: block size has a needless zero byte$"),
        ("raw 16 MiB, 10 bytes there", lambda: b + b"\x01" + varint(HUGE) + b"0123456789",
         TRUNCATED),
        ("words raw 16 MiB, 10 bytes there",
         lambda: w + b"\x01" + varint(HUGE) + varint(HUGE) + b"0123456789", TRUNCATED),
        ("text block without symbols", lambda: w + b"\x01\x05\x00",
         r"^corrupt block 1: a block without symbols$"),
        ("more symbols than bytes", lambda: w + b"\x01\x05\x06",
         r"^corrupt block 1: symbol count 6 exceeds the limit 5$"),
        ("over 32 payload bits a symbol", lambda: b + b"\x02\x02" + varint(65),
         r"^corrupt block 1: payload size 65 exceeds the limit 64$"),
        ("payload too short for its symbols", lambda: b + b"\x02\x02\x01" + AB + b"\x0c\x00",
         r"^corrupt block 1: 1 payload bits cannot hold 2 symbols$"),
        ("16 MiB of 1-bit symbols, 2**20 segments of width 0",
         lambda: b + b"\x02" + varint(HUGE) + varint(HUGE) + AB + b"\x04\x10\x00", TRUNCATED),
        ("16 MiB of 1-bit symbols, offsets of 32 bits",
         lambda: b + b"\x02" + varint(HUGE) + varint(HUGE) + AB + b"\x04\x10\x20", TRUNCATED),
        ("64 MiB of payload declared", lambda: b + b"\x02" + varint(HUGE) + varint(32 * HUGE + 1),
         r"^corrupt block 1: payload size 536870913 exceeds the limit 536870912$"),
        ("offsets of 33 bits", lambda: b + b"\x02\x40\x40" + AB + b"\x04\x10\x21",
         r"^corrupt block 1: segment offsets of 33 bits$"),
        ("segment longer than its code allows", lambda: b + b"\x02\x40\x40" + AB + b"\x04\x11",
         r"^corrupt block 1: segment size 17 exceeds the limit 16$"),
        ("segment shorter than its code allows",
         lambda: b + b"\x02\x40\x40" + AB + b"\x04\x0f\x00" + bytes(8),
         r"^corrupt block 1: a segment size is impossible for its code$"),
        ("segments that do not add up",
         lambda: b + b"\x02\x28\x32" + ABC + b"\x04\x10\x00" + bytes(7),
         r"^corrupt block 1: the segment sizes do not add up$"),
        ("nonzero payload padding", lambda: b + b"\x02\x02\x02" + AB + b"\x0c\x41" + AB_END,
         r"^corrupt block 1: nonzero padding bits$"),
        # Code tables that break the Kraft equality, or the code-length coding.
        ("over-full code", lambda: b + b"\x02\x02\x02" + bytes_table({97: 1, 98: 1, 99: 1}),
         r"^corrupt block 1: code lengths are over-full: Kraft sum 1\.5 > 1"),
        ("under-full code", lambda: b + b"\x02\x02\x03" + bytes_table({97: 1, 98: 2}),
         r"^corrupt block 1: code lengths are under-full: Kraft sum 0\.75 < 1"),
        ("a lone symbol of 2 bits", lambda: b + b"\x02\x02\x04" + bytes_table({97: 2}),
         r"under-full: Kraft sum 0\.25 < 1"),
        ("no symbol has a code", lambda: b + b"\x02\x02\x02" + bytes_table({}),
         r"^corrupt block 1: no symbol has a code$"),
        ("a repeat first", lambda: b + b"\x02\x02\x02" + lengths_field(tokens=[(33, 2, 0)]),
         r"^corrupt code lengths: a repeat with nothing to repeat$"),
        ("more lengths than symbols",
         lambda: b + b"\x02\x02\x02" + lengths_field(tokens=[(36, 16, 200)]),
         r"^corrupt code lengths: more than the 256 expected$"),
        ("over-full code-length code",
         lambda: b + b"\x02\x02\x02" + lengths_field([1] * 256, cl_lengths=[1] * 37),
         r"^corrupt code lengths: invalid code-length code \(code lengths "
         r"are over-full"),
        ("empty code-length code",
         lambda: b + b"\x02\x02\x02" + lengths_field(tokens=[], cl_lengths=[0] * 37),
         r"^corrupt code lengths: (invalid code-length code|the code-length)"),
        ("64 code-length lengths", lambda: b + b"\x02\x02\x02" + lengths_field([1], stored=64),
         r"^corrupt code lengths: 64 code-length codes, at most 37$"),
        ("nonzero padding after the lengths", lambda: b + b"\x02\x03\x05" + odd_padding_lengths(),
         r"^corrupt code lengths: nonzero padding bits$"),
        # chars tables
        ("chars: empty alphabet", lambda: c + b"\x02\x01\x01\x01\x00",
         r"^corrupt block 1: empty alphabet$"),
        ("chars: alphabet beyond Unicode", lambda: c + b"\x02\x01\x01\x01" + varint(0x110001),
         r"^corrupt block 1: alphabet size 1114113 exceeds the limit 1114112$"),
        ("chars: 0x110000 entries, no data", lambda: c + b"\x02\x01\x01\x01" + varint(0x110000),
         TRUNCATED),
        ("chars: a surrogate", lambda: c + b"\x02\x01\x01\x01" + varint(0xD801)
         + lengths_field([0] * 0x41 + [1] + [0] * (0xD800 - 0x42) + [1]),
         r"^corrupt block 1: a surrogate code point in the alphabet$"),
        # words tables
        ("words: empty alphabet", lambda: w + b"\x02\x01\x01\x01\x00",
         r"^corrupt block 1: empty alphabet$"),
        ("words: 2**24 + 1 symbols", lambda: w + b"\x02\x01\x01\x01" + varint(HUGE + 1),
         r"^corrupt block 1: alphabet size 16777217 exceeds the limit 16777216$"),
        ("words: 2**24 symbols, none there", lambda: w + b"\x02\x01\x01\x01" + varint(HUGE),
         TRUNCATED),
        ("words: a symbol of 32 MiB + 1",
         lambda: w + b"\x02\x01\x01\x01\x01\x00" + varint((1 << 25) + 1),
         r"^corrupt block 1: symbol length 33554433 exceeds the limit 33554432$"),
        ("words: a symbol of 32 MiB, 3 bytes there",
         lambda: w + b"\x02\x01\x01\x01\x01\x00" + varint(1 << 25) + b"abc", TRUNCATED),
        ("words: shared prefix longer than the previous symbol",
         lambda: w + b"\x02\x02\x02\x02" + words_table([(0, 1, b"b"), (5, 1, b"a")], [1, 1]),
         r"^corrupt block 1: shared prefix length 5 exceeds the limit 1$"),
        ("words: an empty symbol",
         lambda: w + b"\x02\x02\x02\x02" + words_table([(0, 0, b""), (0, 1, b"a")], [1, 1]),
         r"^corrupt block 1: an empty symbol in the alphabet$"),
        ("words: not increasing",
         lambda: w + b"\x02\x02\x02\x02" + words_table([(0, 1, b"b"), (0, 1, b"a")], [1, 1]),
         r"^corrupt block 1: alphabet not in increasing order$"),
        ("words: a duplicate",
         lambda: w + b"\x02\x02\x02\x02" + words_table([(0, 1, b"a"), (1, 0, b"")], [1, 1]),
         r"^corrupt block 1: alphabet not in increasing order$"),
        ("words: a symbol without a code",
         lambda: w + b"\x02\x02\x02\x02"
         + words_table([(0, 1, b"a"), (0, 1, b"b"), (0, 1, b"c")], [1, 1, 0]),
         r"^corrupt block 1: a symbol of the alphabet has no code$"),
        ("words: alphabet beyond 32 MiB", long_alphabet_file,
         r"^corrupt block 1: the alphabet exceeds 33554432 bytes$"),
        # the end record
        ("end: wrong total", lambda: AB_FILE[: -len(AB_END)] + end_record("bytes", b"abc", 3),
         r"^corrupt end record: it declares 3 bytes and 2 symbols, the blocks hold 2 and 2$"),
        ("end: total beyond 2**62",
         lambda: AB_FILE[: -len(AB_END)] + b"\x00" + varint((1 << 62) + 1),
         r"^corrupt the end record: total size 4611686018427387905 exceeds the limit"),
        ("end: wrong CRC", lambda: AB_FILE[:-1] + bytes([AB_FILE[-1] ^ 0x80]),
         r"^checksum mismatch: the data is corrupt \(CRC-32 stored 0x"),
        ("end: missing CRC", lambda: AB_FILE[:-4],
         r"^truncated: the data ends inside the end record$"),
        ("end: trailing data", lambda: AB_FILE + b"\x00",
         r"^trailing data after the end of the \.ec data$"),
        ("end: a second file", lambda: AB_FILE + AB_FILE,
         r"^trailing data after the end of the \.ec data$"),
    ]
    cases += [(f"version {v}", lambda v=v: MAGIC + bytes([v, 0]) + AB_FILE[5:],
               rf"^unsupported version {v} \(this entrocode reads version 1\)$")
              for v in (0, 2, 0x7F, 0xFF)]
    cases += [(f"symbol mode {m}", lambda m=m: MAGIC + bytes([1, m]) + AB_FILE[5:],
               rf"^unsupported symbol mode {m}$") for m in (4, 0x80, 0xFF)]
    cases += [(f"block type {t}", lambda t=t: b + bytes([t]) + AB_FILE[6:],
               rf"^corrupt block 1: unknown block type {t}$") for t in (4, 0x7F, 0x80, 0xFF)]
    cases += [(f"segment size 2**{s}", lambda s=s: b + b"\x02\x02\x02" + AB + bytes([s, 0x40]),
               rf"^corrupt block 1: segment size 2\*\*{s} is out of range \(2\*\*4 to 2\*\*24\)$")
              for s in (0, 3, 25, 0xFF)]
    return cases


HOSTILE = hostile_files()


def test_the_hand_made_files_are_right() -> None:
    """The controls: the writer of this module makes files the decoder accepts."""
    assert decompress(AB_FILE) == b"ab"
    assert decompress(header() + b"\x02\x03\x05" + ABC + b"\x0c\x58" + end_record(
        "bytes", b"abc", 3)) == b"abc"  # bits 0 10 11
    assert decompress(sparse_chars_file()) == b"A"
    w = Writer("words").coded([b"to", b" ", b"be"] * 20, equal_code([b"to", b" ", b"be"]),
                              new=True)
    assert decompress(w.end()) == b"to be" * 20


@pytest.mark.parametrize(("name", "make", "pattern"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_refused_cheaply(timer: None, name: str,
                                           make: Callable[[], bytes], pattern: str) -> None:
    blob = make()
    # A file that declares 16 MiB or 2**63 bytes may cost memory only for what it holds.
    limit = HOSTILE_MEMORY + 4 * len(blob)
    assert attempt("hostile header", blob, None, trace=True, memory_limit=limit) == "rejected"
    with pytest.raises(FormatError) as err:
        decompress(blob)
    assert re.search(pattern, str(err.value)), str(err.value)


def test_a_table_declaring_all_of_unicode_costs_little(timer: None) -> None:
    """0x110000 code lengths in a few bytes of zero runs: a byte each, not a table of them."""
    blob = sparse_chars_file()
    assert len(blob) < 100
    assert attempt("hostile header", blob, b"A", trace=True, memory_limit=2 << 20) == "restored"


def test_reusing_a_wide_table_costs_time_in_proportion_to_the_block(timer: None) -> None:
    """A table of 63488 characters, then 400 blocks of 2 symbols that reuse it.

    Each block must cost time for its own symbols, not for the whole table
    again (which took seconds per kilobyte of such blocks).
    """
    wide = [chr(p).encode() for p in range(0x10000) if not 0xD800 <= p <= 0xDFFF]
    code = equal_code(wide)
    w = Writer("chars").coded([b"a", b"b"], code, new=True)
    for k in range(400):
        w.coded([wide[k], wide[-k]], code, new=False)
    blob = w.end()
    start = time.perf_counter()
    assert attempt("hostile header", blob, bytes(w.data)) == "restored"
    assert time.perf_counter() - start < 3.0


def traced_peak(blob: bytes, original: bytes) -> int:
    tracemalloc.start()
    try:
        assert decompress(blob) == original
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twelve one-symbol blocks, each with its own table of 4096 characters.

    A table costs memory out of proportion to its block (a few bytes of runs
    stand for thousands of code points), so the decoder's read-ahead counts
    tables too: it holds a batch's worth of them, never all of them.  With
    batches of 1 MiB, as here, that is one or two tables.
    """
    monkeypatch.setattr(container, "_DECODE_BATCH", 1 << 20)
    wide = [chr(p).encode() for p in range(1 << 12)]
    code = equal_code(wide)
    files = []
    for n in (1, 12):
        w = Writer("chars")
        for i in range(n):
            w.coded([wide[65 + i]], code, new=True)
        files.append((w.end(), bytes(w.data)))
    one, twelve = (traced_peak(blob, data) for blob, data in files)
    assert len(files[1][0]) > 10 * len(files[0][0])
    assert twelve <= 2 * one + (512 << 10), (one, twelve)
