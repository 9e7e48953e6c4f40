"""Tests of ``entrocode compress``, ``decompress`` and ``stats``: gzip's habits, exact
messages and exit codes, through click's CliRunner and through real processes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from entrocode.cli import file_commands, main
from entrocode.container import compress, decompress

REPO = Path(__file__).resolve().parent.parent
TEXT = ("the quick brown fox jumps over the lazy dog; " * 40 + "naïve café\n") * 5
DATA = TEXT.encode()
JSON_KEYS = ["input_bytes", "output_bytes", "symbols", "distinct_symbols", "entropy",
             "predicted_payload_bits", "payload_bits", "bits_per_symbol", "header_bytes"]


@dataclass
class Result:
    code: int
    stdout: bytes
    stderr: str


def run(*args: str, stdin: bytes = b"", stdin_tty: bool = False) -> Result:
    """Run the command line in-process, as the console script does (exit codes included)."""
    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, _):
        if stdin_tty:
            sys.stdin.isatty = lambda: True  # type: ignore[method-assign]
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return Result(code, out.getvalue(), err.getvalue().decode())


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "notes.txt"
    path.write_bytes(DATA)
    return path


# ---------------------------------------------------------------------------
# compress and decompress, with default names
# ---------------------------------------------------------------------------
def test_compress_writes_input_ec_and_keeps_the_input(notes: Path) -> None:
    r = run("compress", "notes.txt")
    assert r.code == 0, r.stderr
    assert r.stdout == b""
    packed = notes.with_name("notes.txt.ec")
    assert decompress(packed.read_bytes()) == DATA
    assert notes.read_bytes() == DATA
    m = re.fullmatch(
        r"notes\.txt: (\d+) -> (\d+) bytes \(\d+\.\d%\); (\d+\.\d{4}) bits/symbol, "
        r"entropy (\d+\.\d{4}); payload (\d+) bits, predicted (\d+)\n", r.stderr)
    assert m, r.stderr
    assert int(m[1]) == len(DATA) and int(m[2]) == packed.stat().st_size
    assert m[5] == m[6]
    assert float(m[4]) <= float(m[3])


def test_decompress_strips_ec(notes: Path) -> None:
    assert run("compress", "notes.txt", "--symbols", "words").code == 0
    notes.unlink()
    r = run("decompress", "notes.txt.ec")
    assert (r.code, r.stdout, r.stderr) == (0, b"", "")
    assert notes.read_bytes() == DATA
    assert Path("notes.txt.ec").exists()


@pytest.mark.parametrize("command", ["compress", "decompress"])
def test_never_overwrite_without_force(notes: Path, command: str) -> None:
    assert run("compress", "notes.txt").code == 0
    target = "notes.txt.ec" if command == "compress" else "notes.txt"
    source = "notes.txt" if command == "compress" else "notes.txt.ec"
    before = Path(target).read_bytes()
    r = run(command, source)
    assert r.code == 1
    assert r.stderr == f"entrocode: error: {target} already exists; use -f to overwrite\n"
    assert Path(target).read_bytes() == before
    assert run(command, source, "-f").code == 0
    assert run(command, source, "--force").code == 0


def test_output_option_and_stdout(notes: Path) -> None:
    assert run("compress", "notes.txt", "-o", "packed.ec", "--symbols", "chars").code == 0
    r = run("decompress", "packed.ec", "-c")
    assert (r.code, r.stdout) == (0, DATA)
    r = run("decompress", "packed.ec", "-o", "-")
    assert r.stdout == DATA
    r = run("compress", "-c", "notes.txt")
    assert r.code == 0 and decompress(r.stdout) == DATA
    assert not Path("notes.txt.ec").exists()


def test_stdin_to_stdout(notes: Path) -> None:
    for args in (["compress", "-"], ["compress"]):
        r = run(*args, stdin=DATA)
        assert r.code == 0 and decompress(r.stdout) == DATA
        assert r.stderr.startswith("stdin: ")
    packed = compress(DATA, symbols="lines")
    r = run("decompress", stdin=packed)
    assert (r.code, r.stdout, r.stderr) == (0, DATA, "")


def test_json_statistics(notes: Path) -> None:
    r = run("compress", "notes.txt", "--json")
    stats = json.loads(r.stdout)
    assert list(stats) == JSON_KEYS
    assert r.stderr == ""
    assert stats["input_bytes"] == len(DATA)
    assert stats["output_bytes"] == Path("notes.txt.ec").stat().st_size
    assert stats["payload_bits"] == stats["predicted_payload_bits"]
    # With the data on stdout, the statistics go to stderr.
    r = run("compress", "-c", "notes.txt", "--json")
    assert decompress(r.stdout) == DATA
    assert list(json.loads(r.stderr)) == JSON_KEYS


def test_stats_command(notes: Path) -> None:
    r = run("stats", "notes.txt", "--symbols", "words")
    assert r.code == 0
    lines = r.stdout.decode().splitlines()
    assert [line.split()[0] for line in lines] == ["input", "entropy", "Huffman", "compress"]
    assert f"{len(DATA)} bytes" in lines[0] and "(words)" in lines[0]
    r = run("stats", "notes.txt", "--json")
    info = json.loads(r.stdout)
    assert info["output_bytes"] == len(compress(DATA))
    assert info["entropy"] <= info["huffman_bits_per_symbol"] < info["entropy"] + 1
    assert os.listdir(".") == ["notes.txt"]  # nothing written
    assert json.loads(run("stats", "--json", stdin=b"").stdout)["symbols"] == 0


# ---------------------------------------------------------------------------
# Refusals, errors and exit codes
# ---------------------------------------------------------------------------
def test_no_input_on_a_terminal_is_a_usage_error(notes: Path) -> None:
    r = run("compress", stdin_tty=True)
    assert r.code == 2
    assert "no INPUT given and stdin is a terminal" in r.stderr


def test_refuses_to_write_compressed_data_to_a_terminal(
        notes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_commands, "_stdout_is_terminal", lambda: True)
    r = run("compress", "-c", "notes.txt")
    assert (r.code, r.stdout) == (1, b"")
    assert r.stderr == ("entrocode: error: compressed data not written to a terminal; use -o "
                        "OUTPUT or redirect stdout (-f to force)\n")
    assert run("compress", "-c", "-f", "notes.txt").code == 0


@pytest.mark.parametrize(("args", "message"), [
    (["decompress", "notes.txt"],
     "cannot name the output: notes.txt does not end in .ec; use -o OUTPUT or -c"),
    (["compress", "notes.txt", "-o", "x.ec", "-c"],
     "-o/--output and -c/--stdout cannot be combined"),
    (["compress", "notes.txt", "--smooth", "1"],
     "--smooth applies to a model: give --model DIST as well"),
    (["compress", "notes.txt", "--symbols", "bits"], "'bits' is not one of"),
    (["compress", "notes.txt", "--max-length", "0"], "0 is not in the range x>=1"),
])
def test_usage_errors(notes: Path, args: list[str], message: str) -> None:
    r = run(*args)
    assert r.code == 2
    assert message in r.stderr
    assert os.listdir(".") == ["notes.txt"]


@pytest.mark.parametrize(("args", "message"), [
    (["compress", "missing.txt"], "missing.txt: No such file or directory"),
    (["compress", "."], ".: Is a directory"),
    (["compress", "notes.txt", "-o", "nodir/out.ec"],
     "cannot write nodir/out.ec: no directory nodir"),
    (["compress", "notes.txt", "-o", "notes.txt", "-f"],
     "notes.txt is the input itself; choose another output"),
    (["compress", "notes.txt", "--model", "a=0.5,b=0.6"],
     "--model: probabilities must sum to 1 within 1e-09, but sums to 1.1 (pass weights or counts "
     "with normalize=True / --normalize)"),
    (["compress", "notes.txt", "--model", "t=0.5,h=0.5"],
     "symbol 'e' occurs in the input but has probability 0 under the model, so it has no "
     "codeword; use --smooth A (smooth=A) to add A to every symbol's weight"),
    (["compress", "notes.txt", "--max-length", "3"],
     "max_length=3 is too small for 32 symbols: 2**3 = 8 < 32 (need at least 5)"),
    (["compress", "notes.txt", "--symbols", "words", "--model", "the=1", "--smooth", "-1"],
     "smoothing must be a positive number, got -1.0"),
])
def test_bad_input_is_one_line_and_exit_1(notes: Path, args: list[str], message: str) -> None:
    r = run(*args)
    assert (r.code, r.stdout) == (1, b"")
    assert r.stderr == f"entrocode: error: {message}\n"
    assert sorted(os.listdir(".")) == ["notes.txt"]  # no output, no temporary file


def test_model_with_smoothing(notes: Path) -> None:
    r = run("compress", "notes.txt", "--symbols", "chars", "--model", "t=0.5,h=0.5",
            "--smooth", "0.1", "--json")
    assert r.code == 0, r.stderr
    assert decompress(Path("notes.txt.ec").read_bytes()) == DATA
    assert json.loads(r.stdout)["bits_per_symbol"] > json.loads(r.stdout)["entropy"]


def test_compress_refuses_an_ec_input(notes: Path) -> None:
    Path("old.ec").write_bytes(b"x")
    r = run("compress", "old.ec")
    assert r.code == 1
    assert r.stderr == ("entrocode: error: old.ec already has the .ec suffix; use -o OUTPUT to "
                        "compress it again\n")


@pytest.mark.parametrize(("blob", "message"), [
    (b"PK\x03\x04 a zip file", "not an .ec file (bad magic)"),
    (compress(DATA)[:-3], "truncated: the data ends inside the end record"),
    (compress(DATA)[:-4] + b"\x00\x00\x00\x00", "checksum mismatch: the data is corrupt"),
])
def test_damaged_files_leave_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     blob: bytes, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.ec").write_bytes(blob)
    r = run("decompress", "bad.ec")
    assert r.code == 1
    assert r.stderr.startswith(f"entrocode: error: {message}")
    assert r.stderr.count("\n") == 1
    assert os.listdir(".") == ["bad.ec"]
    r = run("decompress", "-c", "bad.ec")
    assert (r.code, r.stdout) == (1, b"")


# ---------------------------------------------------------------------------
# Real processes: pipes and interruptions
# ---------------------------------------------------------------------------
def entrocode(*args: str) -> list[str]:
    return [sys.executable, "-m", "entrocode", *args]


ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def test_pipeline_round_trip(notes: Path) -> None:
    cmd = (f"cat notes.txt | {sys.executable} -m entrocode compress -c --symbols words | "
           f"{sys.executable} -m entrocode decompress -c > restored.txt")
    proc = subprocess.run(cmd, shell=True, env=ENV, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert Path("restored.txt").read_bytes() == DATA
    assert proc.stderr.decode().startswith("stdin: ")


def test_bad_data_in_a_pipe_exits_1_without_output(notes: Path) -> None:
    proc = subprocess.run(entrocode("decompress", "-c"), input=b"not compressed", env=ENV,
                          capture_output=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (1, b"")
    assert proc.stderr == b"entrocode: error: not an .ec file (bad magic)\n"


def wait_for_temporary_file(directory: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not any(p.name.endswith(".tmp") for p in directory.iterdir()):
        if time.monotonic() > deadline:
            raise AssertionError("the command never started writing")
        time.sleep(0.02)


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_interrupted_compress_leaves_no_file(tmp_path: Path, how: str) -> None:
    target = tmp_path / "out.ec"
    proc = subprocess.Popen(entrocode("compress", "-", "-o", str(target)), stdin=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV)
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.write(DATA * 50)  # part of the input; the rest never comes
    proc.stdin.flush()
    wait_for_temporary_file(tmp_path)
    proc.send_signal(getattr(signal, how))
    proc.wait(timeout=30)
    proc.stdin.close()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert not target.exists()
    if how == "SIGINT":
        assert proc.returncode == 130
        assert stderr == "entrocode: error: interrupted\n"
        assert os.listdir(tmp_path) == []  # the temporary file is gone too
