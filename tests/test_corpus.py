"""Round trips and size targets on the benchmark corpus (skipped where it is absent).

The corpus lives beside the repository in ``../shared/corpus``; a user's clone
has none, and then these tests are skipped. Everything they check on real
files is also checked on generated data elsewhere in the suite.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

import entrocode
from entrocode.codebook import huffman_lengths

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FILES = sorted(
    p for p in CORPUS.glob("*/*") if p.is_file() and p.name not in {"SHA1SUM", "README.md"}
) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason="benchmark corpus ../shared/corpus is absent")


def zlib_huffman_size(data: bytes) -> int:
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_HUFFMAN_ONLY)
    return len(c.compress(data) + c.flush())


@pytest.fixture(scope="module")
def sizes() -> dict[str, tuple[int, int]]:
    """(entrocode bytes, zlib Huffman-only bytes) per corpus file, round trips checked."""
    out = {}
    for path in FILES:
        data = path.read_bytes()
        blob = entrocode.compress(data)
        assert entrocode.decompress(blob) == data, path.name
        out[path.name] = (len(blob), zlib_huffman_size(data))
    return out


def test_corpus_has_the_expected_files() -> None:
    names = {p.name for p in FILES}
    assert {"alice29.txt", "kennedy.xls", "bible.txt", "world192.txt"} <= names


def test_every_file_round_trips_and_is_within_one_percent_of_zlib(
    sizes: dict[str, tuple[int, int]],
) -> None:
    over = {name: ours / z for name, (ours, z) in sizes.items() if ours > z * 1.01}
    assert not over, f"more than 1% larger than zlib Huffman-only: {over}"


def test_total_is_at_most_zlib_huffman_only(sizes: dict[str, tuple[int, int]]) -> None:
    ours = sum(o for o, _ in sizes.values())
    theirs = sum(z for _, z in sizes.values())
    assert ours <= theirs, f"total {ours} bytes > zlib's {theirs}"


@pytest.mark.parametrize("name", ["alice29.txt", "grammar.lsp"])
def test_payload_equals_prediction_on_whole_file_code(name: str) -> None:
    path = next(p for p in FILES if p.name == name)
    data = path.read_bytes()
    stats = entrocode.stats(data)
    assert stats.payload_bits == stats.predicted_payload_bits
    # The order-0 bound: no block code of these bytes can beat n * H(P) bits by
    # more than its tables, and Huffman over the whole file is within n bits of it.
    counts = np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
    whole = int((counts * huffman_lengths(counts)).sum())
    h_bits = len(data) * entrocode.entropy(counts[counts > 0] / len(data))
    assert h_bits <= whole < h_bits + len(data)
