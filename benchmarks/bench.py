"""Benchmark entrocode against the Huffman coders a Python user would pick instead.

Measures compressed size and compress/decompress throughput, best of N runs,
for every tool on the same data in one run, and prints the table and the
ratios against each peer.  After one untimed warm-up, the runs of the tools
are interleaved (round 1 of every tool, then round 2, ...), so that a slow
spell of a shared machine slows every tool alike.

Peers:
- zlib's Huffman-only deflate: ``zlib.compressobj(9, zlib.DEFLATED, -15, 9,
  zlib.Z_HUFFMAN_ONLY)`` (C; per-block dynamic tables);
- bitarray's ``util.huffman_code`` with ``bitarray.encode`` / ``decode`` (C);
- dahuffman (pure Python), only where installed (``pip install -e ".[bench]"``).

Usage::

    python benchmarks/bench.py                              # generated data
    python benchmarks/bench.py --corpus ../shared/corpus    # Canterbury + large
    python benchmarks/bench.py --corpus ../shared/corpus --files bible.txt
    python benchmarks/bench.py --corpus ../shared/corpus --memory   # + 300 MB via the CLI

Besides the table it checks the targets: speed on bible.txt, size on the
corpus, start-up time, and with ``--memory`` the peak resident set and the
time of the command line on a 100 MB and a 300 MB input (bible.txt, or the
generated text, repeated), each direction in a process of its own.

Sizes for bitarray and dahuffman count the payload only (no code table), so
they flatter those peers slightly.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import entrocode


@dataclass(frozen=True)
class Result:
    """One tool on one input."""

    file: str
    tool: str
    input_bytes: int
    output_bytes: int
    encode_s: float
    decode_s: float
    roundtrip: bool

    @property
    def encode_mbs(self) -> float:
        return self.input_bytes / 1e6 / self.encode_s if self.encode_s > 0 else math.inf

    @property
    def decode_mbs(self) -> float:
        return self.input_bytes / 1e6 / self.decode_s if self.decode_s > 0 else math.inf


@dataclass(frozen=True)
class Tool:
    """A coder under test: ``encode(data) -> state``, ``decode(state) -> bytes``.

    ``size(state)`` is the compressed size in bytes.
    """

    name: str
    encode: Callable[[bytes], Any]
    decode: Callable[[Any], bytes]
    size: Callable[[Any], int]


def zlib_huffman(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_HUFFMAN_ONLY)
    return c.compress(data) + c.flush()


def zlib_inflate(blob: bytes) -> bytes:
    d = zlib.decompressobj(-15)
    return d.decompress(blob) + d.flush()


def bitarray_tool() -> Tool:
    from bitarray import bitarray
    from bitarray.util import huffman_code

    def enc(data: bytes) -> tuple[bitarray, dict[int, bitarray]]:
        counts = np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
        freq = {i: int(c) for i, c in enumerate(counts.tolist()) if c}
        if len(freq) == 1:  # bitarray needs two symbols for a code
            freq[(next(iter(freq)) + 1) % 256] = 1
        code = huffman_code(freq)
        a = bitarray(endian="big")
        a.encode(code, data)
        return a, code

    return Tool(
        "bitarray", enc, lambda st: bytes(st[0].decode(st[1])), lambda st: (len(st[0]) + 7) // 8
    )


def dahuffman_tool() -> Tool | None:
    try:
        from dahuffman import HuffmanCodec
    except ImportError:
        return None

    def enc(data: bytes) -> tuple[bytes, Any]:
        codec = HuffmanCodec.from_data(data)
        return codec.encode(data), codec

    return Tool("dahuffman", enc, lambda st: bytes(st[1].decode(st[0])), lambda st: len(st[0]))


def measure(name: str, data: bytes, tools: list[Tool], repeat: int) -> list[Result]:
    """Every tool on ``data``: one untimed warm-up, then ``repeat`` timed rounds.

    The rounds are interleaved (round 1 of every tool, then round 2, ...),
    so that a slow spell of the machine slows all tools alike; each tool's
    time is its best round.
    """
    states = {t.name: t.encode(data) for t in tools}
    backs = {t.name: t.decode(states[t.name]) for t in tools}
    enc = {t.name: math.inf for t in tools}
    dec = {t.name: math.inf for t in tools}
    for _ in range(repeat):
        for t in tools:
            t0 = time.perf_counter()
            states[t.name] = t.encode(data)
            enc[t.name] = min(enc[t.name], time.perf_counter() - t0)
            t0 = time.perf_counter()
            backs[t.name] = t.decode(states[t.name])
            dec[t.name] = min(dec[t.name], time.perf_counter() - t0)
    return [
        Result(name, t.name, len(data), t.size(states[t.name]), enc[t.name], dec[t.name],
               backs[t.name] == data)
        for t in tools
    ]


def order0_bound_bytes(data: bytes) -> float:
    """The order-0 entropy bound n * H / 8, in bytes."""
    if not data:
        return 0.0
    counts = np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
    p = counts[counts > 0] / len(data)
    return float(len(data) * -(p * np.log2(p)).sum() / 8)


def generated_inputs() -> dict[str, bytes]:
    """Seeded synthetic inputs: skewed bytes, English-like text, random bytes."""
    rng = np.random.default_rng(20261122)
    zipf = np.minimum(rng.zipf(1.3, size=4_000_000), 256) - 1
    words = [
        b"the ", b"of ", b"and ", b"a ", b"to ", b"in ", b"is ", b"code ", b"entropy ",
        b"bits ", b"symbol ", b"huffman ", b"tree ", b"probability ", b"\n",
    ]
    weights = np.array([60, 35, 30, 28, 25, 20, 15, 8, 5, 9, 7, 4, 6, 5, 10], dtype=float)
    picks = rng.choice(len(words), size=700_000, p=weights / weights.sum())
    text = b"".join(words[i] for i in picks.tolist())
    return {
        "zipf-bytes": zipf.astype(np.uint8).tobytes(),
        "wordy-text": text,
        "random-bytes": rng.integers(0, 256, size=1_000_000, dtype=np.uint8).tobytes(),
    }


def corpus_inputs(corpus: Path, names: list[str] | None) -> dict[str, bytes]:
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.name not in
                   {"SHA1SUM", "README.md"})
    if names:
        files = [p for p in files if p.name in names]
        missing = set(names) - {p.name for p in files}
        if missing:
            sys.exit(f"bench: not in {corpus}: {', '.join(sorted(missing))}")
    return {p.name: p.read_bytes() for p in files}


def size_ratios(ours: dict[str, Result], peer: dict[str, Result],
                files: list[str]) -> tuple[float, str, float]:
    """Total size of ours over the peer's, and the file with the largest ratio and that ratio."""
    total = sum(ours[f].output_bytes for f in files) / sum(peer[f].output_bytes for f in files)
    rel = {f: ours[f].output_bytes / max(peer[f].output_bytes, 1) for f in files}
    worst = max(files, key=rel.__getitem__)
    return total, worst, rel[worst]


def startup_seconds(repeat: int = 5) -> float:
    """Best wall time of ``entrocode --help`` in a fresh interpreter."""
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "entrocode", "--help"], check=True,
                       stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


# Runs the command line and, at exit, writes the process's peak resident set
# (VmHWM, in KiB) to the file named by its first argument.  The child's own
# VmHWM counts only what it used after exec; getrusage's ru_maxrss would also
# count the benchmark's memory, which the child shares between fork and exec.
_MEASURED_CLI = """
import atexit, sys
def _peak(path=sys.argv[1]):
    with open("/proc/self/status") as f:
        kib = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    with open(path, "w") as out:
        out.write(kib)
atexit.register(_peak)
sys.argv = ["entrocode", *sys.argv[2:]]
from entrocode.cli import main
main()
"""


def run_measured(args: list[str], stdin: Path, stdout: Path) -> tuple[float, float]:
    """Run ``entrocode ARGS < stdin > stdout``: (seconds, peak resident MB)."""
    peak_file = stdout.with_suffix(".peak")
    with stdin.open("rb") as src, stdout.open("wb") as dst:
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _MEASURED_CLI, str(peak_file), *args],
                              stdin=src, stdout=dst, stderr=subprocess.DEVNULL, check=False)
        seconds = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"bench: entrocode {' '.join(args)} exited with {done.returncode}")
    peak_mb = int(peak_file.read_text()) / 1024
    peak_file.unlink()
    return seconds, peak_mb


def memory_targets(seed: bytes, sizes_mb: tuple[int, ...] = (100, 300)) -> list[str]:
    """Compress and decompress inputs of ``sizes_mb`` MB through the command line."""
    lines = []
    times: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="entrocode-bench-") as tmp:
        folder = Path(tmp)
        for mb in sizes_mb:
            plain, packed, back = folder / "input", folder / "input.ec", folder / "output"
            with plain.open("wb") as f:
                left = mb * 1_000_000
                while left > 0:
                    f.write(seed[:left])
                    left -= len(seed)
            enc_s, enc_mb = run_measured(["compress", "-c"], plain, packed)
            dec_s, dec_mb = run_measured(["decompress", "-c"], packed, back)
            same = plain.stat().st_size == back.stat().st_size and _same_file(plain, back)
            times[mb] = (enc_s, dec_s)
            for what, s, peak in (("compress", enc_s, enc_mb), ("decompress", dec_s, dec_mb)):
                verdict = "met" if peak < 200 else "NOT met"
                lines.append(f"  {mb} MB {what:<10} {s:5.2f} s  peak {peak:5.0f} MB "
                             f"(target < 200 MB) {verdict}")
            if not same:
                lines.append(f"  {mb} MB ROUND TRIP FAILED")
            for path in (plain, packed, back):
                path.unlink()
    if len(sizes_mb) >= 2:
        small, large = sizes_mb[0], sizes_mb[-1]
        for k, what in enumerate(("compress", "decompress")):
            per_mb = (times[large][k] / large) / (times[small][k] / small)
            lines.append(f"  {what} time per MB at {large} MB / at {small} MB: x{per_mb:.2f} "
                         f"(1.0 is linear)")
    return lines


def _same_file(a: Path, b: Path, chunk: int = 1 << 24) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            x, y = fa.read(chunk), fb.read(chunk)
            if x != y:
                return False
            if not x:
                return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, help="folder of files (e.g. ../shared/corpus)")
    ap.add_argument("--files", nargs="+", help="only these file names from the corpus")
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    ap.add_argument("--no-dahuffman", action="store_true", help="skip the slow pure-Python peer")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--memory", action="store_true",
                    help="also run the command line on 100 MB and 300 MB inputs\n"
                         "(peak resident set and time; about 1 GB of temporary disk)")
    args = ap.parse_args(argv)

    inputs = corpus_inputs(args.corpus, args.files) if args.corpus else generated_inputs()
    tools = [
        Tool("entrocode", entrocode.compress, entrocode.decompress, len),
        Tool("zlib-huffman", zlib_huffman, zlib_inflate, len),
        bitarray_tool(),
    ]
    slow = None if args.no_dahuffman else dahuffman_tool()
    if slow is not None:
        tools.append(slow)

    results: list[Result] = []
    for name, data in inputs.items():
        for r in measure(name, data, tools, args.repeat):
            results.append(r)
            if not r.roundtrip:
                print(f"ROUND TRIP FAILED: {r.tool} on {name}", file=sys.stderr)

    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}, "
          f"best of {args.repeat} interleaved rounds after a warm-up")
    print()
    hdr = f"{'file':<14} {'tool':<13} {'input':>10} {'output':>10} {'H0 bound':>10} " \
          f"{'enc MB/s':>9} {'dec MB/s':>9}"
    print(hdr)
    print("-" * len(hdr))
    for name, data in inputs.items():
        bound = order0_bound_bytes(data)
        for r in (r for r in results if r.file == name):
            print(f"{name:<14} {r.tool:<13} {r.input_bytes:>10} {r.output_bytes:>10} "
                  f"{bound:>10.0f} {r.encode_mbs:>9.1f} {r.decode_mbs:>9.1f}")
    print()
    tools = sorted({r.tool for r in results} - {"entrocode"})
    ours = {r.file: r for r in results if r.tool == "entrocode"}
    print("ratios (entrocode / peer; speed > 1 is faster, size < 1 is smaller):")
    for tool in tools:
        peer = {r.file: r for r in results if r.tool == tool}
        files = [f for f in ours if f in peer]
        if not files:
            continue
        enc = [ours[f].encode_mbs / peer[f].encode_mbs for f in files]
        dec = [ours[f].decode_mbs / peer[f].decode_mbs for f in files]
        size_total, worst, worst_ratio = size_ratios(ours, peer, files)
        print(f"  vs {tool:<13} encode x{min(enc):.2f}..x{max(enc):.2f}  "
              f"decode x{min(dec):.2f}..x{max(dec):.2f}  total size x{size_total:.4f}  "
              f"worst file {worst} x{worst_ratio:.4f}")
    if "bible.txt" in ours:
        print()
        print("speed targets on bible.txt (whole pipeline):")
        me = ours["bible.txt"]
        for tool, need in (("bitarray", 2.0), ("zlib-huffman", 0.5)):
            p = next((r for r in results if r.tool == tool and r.file == "bible.txt"), None)
            if p is None:
                continue
            for what, a, b in (("encode", me.encode_mbs, p.encode_mbs),
                               ("decode", me.decode_mbs, p.decode_mbs)):
                ratio = a / b
                print(f"  {what} vs {tool:<13} x{ratio:.2f} (target >= x{need}) "
                      f"{'met' if ratio >= need else 'NOT met'}")
    zlib_of = {r.file: r for r in results if r.tool == "zlib-huffman"}
    if args.corpus and not args.files and ours and set(ours) <= set(zlib_of):
        print()
        print(f"size targets on {len(ours)} corpus files (vs zlib-huffman):")
        total, worst, worst_ratio = size_ratios(ours, zlib_of, list(ours))
        print(f"  total size  x{total:.4f} (target <= x1) {'met' if total <= 1 else 'NOT met'}")
        print(f"  worst file  {worst} x{worst_ratio:.4f} (target <= x1.01) "
              f"{'met' if worst_ratio <= 1.01 else 'NOT met'}")
    print()
    startup = startup_seconds()
    print(f"start-up: entrocode --help {startup:.2f} s (target < 0.3 s) "
          f"{'met' if startup < 0.3 else 'NOT met'}")
    if args.memory and not Path("/proc/self/status").exists():
        print("memory: needs /proc/self/status (Linux); skipped")
    elif args.memory:
        seed = inputs.get("bible.txt") or generated_inputs()["wordy-text"]
        print()
        print("memory and time through the command line (one process each way):")
        for line in memory_targets(seed):
            print(line)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0 if all(r.roundtrip for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
