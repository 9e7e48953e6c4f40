"""The benchmark script runs end to end on tiny inputs (no timing is asserted).

benchmarks/bench.py is how the speed, size, start-up and memory targets are
measured; these tests keep it working: every tool round-trips, the table and
the verdict lines appear, and the command-line memory run reads a peak.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("entrocode_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_bench_prints_the_table_ratios_and_verdicts(
    bench, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inputs = {"tiny-text": b"the entropy of the source " * 200, "one-byte": b"a" * 500}
    monkeypatch.setattr(bench, "generated_inputs", lambda: inputs)
    out_json = tmp_path / "r.json"
    assert bench.main(["--repeat", "1", "--no-dahuffman", "--json", str(out_json)]) == 0
    text = capsys.readouterr().out
    for name in inputs:
        for tool in ("entrocode", "zlib-huffman", "bitarray"):
            assert re.search(rf"^{name}\s+{tool}\s+\d+\s+\d+", text, re.M), (name, tool)
    assert "vs zlib-huffman  encode x" in text
    assert re.search(r"^start-up: entrocode --help \d+\.\d\d s \(target < 0\.3 s\) (met|NOT met)$",
                     text, re.M)
    assert '"roundtrip": true' in out_json.read_text()


def test_bench_corpus_size_verdicts(
    bench, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_bytes(b"abracadabra " * 300)
    (tmp_path / "b.bin").write_bytes(bytes(range(256)) * 8)
    assert bench.main(["--corpus", str(tmp_path), "--repeat", "1", "--no-dahuffman"]) == 0
    text = capsys.readouterr().out
    assert "size targets on 2 corpus files (vs zlib-huffman):" in text
    assert re.search(r"^  total size  x\d\.\d{4} \(target <= x1\) (met|NOT met)$", text, re.M)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_memory_run_round_trips_and_reads_a_peak(bench) -> None:
    lines = bench.memory_targets(b"a small seed of text, repeated\n" * 50, sizes_mb=(1, 2))
    assert not any("FAILED" in line for line in lines)
    peaks = [float(m.group(1)) for m in map(re.compile(r"peak\s+(\d+) MB").search, lines) if m]
    assert len(peaks) == 4 and all(5 < p < 1000 for p in peaks)
    assert sum("(1.0 is linear)" in line for line in lines) == 2
