"""Robustness of the command line: bad arguments everywhere, the user's files, broken outputs.

- Every invalid DIST form goes through every command that takes a DIST (both
  P and Q where there are two); too small ``--max-length``, ``-n`` of zero or
  less, unknown ``--symbols`` modes and a model without a codeword for a
  symbol of the data: each case has its exact message and exit code.  The
  matrix runs in-process through :func:`entrocode.cli.main` (so through
  ``run_guarded``); a sample of it runs again as real processes, which must
  answer the same.
- The user's files: an existing file is never overwritten without ``-f``,
  the input never changes (bytes, mode and mtime), a compress or decompress
  killed half-way (SIGINT, SIGKILL) leaves nothing under the target name and,
  after SIGINT, no temporary file either; unreadable inputs, directories, a
  full disk and a closed standard output each get one line and exit 1.
"""

from __future__ import annotations

import builtins
import errno
import os
import signal
import stat
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from entrocode.cli import main
from entrocode.container import compress, decompress

REPO = Path(__file__).resolve().parent.parent
TEXT = ("the cat sat on the mat; naïve café\n" * 60).encode()
ERROR = "entrocode: error: "
BROKEN_PIPE = ERROR + "output closed before everything was written (broken pipe)\n"


@dataclass(frozen=True)
class Result:
    code: int
    stdout: bytes
    stderr: str


def run(*args: str, stdin: bytes = b"") -> Result:
    """The command line in-process, as the console script runs it (exit codes included)."""
    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return Result(code, out.getvalue(), err.getvalue().decode())


def entrocode(*args: str) -> list[str]:
    return [sys.executable, "-m", "entrocode", *args]


def environment(unbuffered: bool = True) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env


def run_processes(commands: list[list[str]], cwd: Path) -> list[Result]:
    """Run real processes side by side (they spend most of their time starting up)."""
    procs = [subprocess.Popen(entrocode(*args), cwd=cwd, env=environment(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for args in commands]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(Result(proc.returncode, out, err.decode()))
    return results


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_bytes(TEXT)
    return tmp_path


def snapshot(path: Path) -> tuple[bytes, int, int]:
    """What must not change about an input: its bytes, its mode and its mtime (ns)."""
    st = path.stat()
    return path.read_bytes(), st.st_mode, st.st_mtime_ns


# ---------------------------------------------------------------------------
# Every invalid DIST, through every command that takes one
# ---------------------------------------------------------------------------
SUM_MESSAGE = ("probabilities must sum to 1 within 1e-09, but sums to 1.1 (pass weights or "
               "counts with normalize=True / --normalize)")
BAD_DISTS: dict[str, tuple[str, str]] = {
    "duplicate": ("a=0.5,a=0.5", "duplicate symbol 'a' in DIST spec"),
    "negative": ("a=-0.5,b=1.5", "symbol 'a': value '-0.5' is negative"),
    "NaN": ("a=nan,b=1", "symbol 'a': value 'nan' is NaN"),
    "infinite": ("a=inf,b=0", "symbol 'a': value 'inf' is infinite"),
    "not a number": ("a=x,b=1", "symbol 'a': 'x' is not a number"),
    "empty": ("", "empty DIST spec: give pairs like a=0.5,b=0.5, values like 0.9,0.1, or a "
              ".json file"),
    "blank": ("  ", "empty DIST spec: give pairs like a=0.5,b=0.5, values like 0.9,0.1, or a "
              ".json file"),
    "empty entry": ("a=0.5,,b=0.5", "empty entry in DIST spec 'a=0.5,,b=0.5'"),
    "no symbol": ("=0.5,b=0.5", "missing symbol before '=' in '=0.5'"),
    "mixed": ("a=0.5,0.5", "DIST spec 'a=0.5,0.5' mixes symbol=value pairs and bare values"),
    "bare negative": ("0.5,-0.5,1", "entry 1: value '-0.5' is negative"),
    "bare NaN": ("nan,1", "entry 0: value 'nan' is NaN"),
    "sum above 1": ("a=0.5,b=0.6", SUM_MESSAGE),
    "sum below 1": ("0.2,0.2", "probabilities must sum to 1 within 1e-09, but sums to 0.4 (pass "
                    "weights or counts with normalize=True / --normalize)"),
    "json duplicate": ("dup.json", "duplicate symbol 'a' in DIST file 'dup.json'"),
    "json NaN": ("nan.json", "symbol 'a': value 'nan' is NaN"),
    "json negative": ("neg.json", "symbol 'a': value '-1.0' is negative"),
    "json string": ("str.json", "symbol 'a': 'x' is not a number"),
    "json true": ("bool.json", "symbol 'a': True is not a number"),
    "json empty": ("empty.json", "DIST file 'empty.json' holds no symbols"),
    "json list": ("list.json", "DIST file 'list.json' must hold a JSON object "
                  "{\"symbol\": probability}"),
    "json broken": ("broken.json", "DIST file 'broken.json' is not valid JSON: Expecting "
                    "property name enclosed in double quotes at line 1"),
    "json sum": ("sum.json", SUM_MESSAGE),
    "json missing": ("missing.json", "DIST file 'missing.json' does not exist"),
    "json directory": ("folder.json", "DIST file 'folder.json' is a directory"),
}
JSON_FILES = {
    "dup.json": '{"a": 0.5, "a": 0.5}', "nan.json": '{"a": NaN, "b": 1}',
    "neg.json": '{"a": -1, "b": 2}', "str.json": '{"a": "x", "b": 1}',
    "bool.json": '{"a": true, "b": 1}', "empty.json": "{}", "list.json": "[0.5, 0.5]",
    "broken.json": '{"a": 0.5,', "sum.json": '{"a": 0.5, "b": 0.6}',
}
GOOD = "a=0.5,b=0.5"
DIST_SLOTS = {
    "codebook": lambda d: ["codebook", d],
    "analyze P": lambda d: ["analyze", d],
    "analyze Q": lambda d: ["analyze", GOOD, d],
    "verify P": lambda d: ["verify", d, "-n", "10", "--seed", "1"],
    "verify Q": lambda d: ["verify", GOOD, d, "-n", "10", "--seed", "1"],
    "extend": lambda d: ["extend", d, "--order", "2"],
    "sample": lambda d: ["sample", d, "-n", "5", "--seed", "1"],
    "explain": lambda d: ["explain", d, "ab"],
    "compress --model": lambda d: ["compress", "notes.txt", "--model", d, "-o", "out.ec"],
    "verify P beside Q": lambda d: ["verify", d, GOOD, "-n", "10", "--seed", "1"],
}
# Where a command takes two distributions, the message says which one is wrong.
NAMED = {"analyze Q": "Q: ", "verify Q": "Q: ", "verify P beside Q": "P: ",
         "compress --model": "--model: "}


@pytest.fixture
def dist_files(workdir: Path) -> Path:
    for name, text in JSON_FILES.items():
        (workdir / name).write_text(text)
    (workdir / "folder.json").mkdir()
    return workdir


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("slot", list(DIST_SLOTS))
@pytest.mark.parametrize("form", list(BAD_DISTS))
def test_every_bad_dist_in_every_command(dist_files: Path, slot: str, form: str) -> None:
    spec, message = BAD_DISTS[form]
    before = listing(dist_files)
    r = run(*DIST_SLOTS[slot](spec))
    assert (r.code, r.stdout, r.stderr) == (1, b"", ERROR + NAMED.get(slot, "") + message + "\n")
    assert listing(dist_files) == before  # nothing written, not even a temporary file


@pytest.mark.parametrize("slot", list(DIST_SLOTS))
def test_counts_that_sum_to_zero_with_normalize(workdir: Path, slot: str) -> None:
    r = run(*DIST_SLOTS[slot]("a=0,b=0"), "--normalize")
    message = "counts sum to 0: at least one must be positive\n"
    assert (r.code, r.stderr) == (1, ERROR + NAMED.get(slot, "") + message)


@pytest.mark.parametrize("slot", list(DIST_SLOTS))
def test_the_same_dist_fixed_by_normalize_works(workdir: Path, slot: str) -> None:
    """The control: the arguments are right but for the DIST (sum 1.1, normalized)."""
    spec = "a=5,b=6" if slot != "compress --model" else "t=5,h=6"
    args = [*DIST_SLOTS[slot](spec), "--normalize"]
    if slot == "compress --model":
        args += ["--smooth", "0.1"]
    r = run(*args)
    assert r.code == 0, r.stderr


# ---------------------------------------------------------------------------
# Other bad arguments: exact messages and exit codes
# ---------------------------------------------------------------------------
def usage(command: str, metavars: str, message: str) -> str:
    return (f"Usage: entrocode {command} [OPTIONS] {metavars}\nTry 'entrocode {command} --help' "
            f"for help.\n\nError: {message}\n")


FOUR = "a=0.25,b=0.25,c=0.25,d=0.25"
NO_CODEWORD = ("symbol '{}' occurs in the input but has probability 0 under the model, so it "
               "has no codeword; use --smooth A (smooth=A) to add A to every symbol's weight")
SYMBOLS_CHOICE = ("Invalid value for '--symbols': 'bits' is not one of 'bytes', 'chars', "
                  "'words', 'lines'.")
BAD_ARGUMENTS: dict[str, tuple[list[str], int, str]] = {
    # --max-length too small, or not a length at all
    "codebook -L 1": (["codebook", FOUR, "--max-length", "1"], 1, ERROR + "max_length=1 is too "
                      "small for 4 symbols: 2**1 = 2 < 4 (need at least 2)\n"),
    "codebook -L 0": (["codebook", FOUR, "-L", "0"], 2, usage(
        "codebook", "DIST", "Invalid value for '--max-length' / '-L': 0 is not in the range "
        "x>=1.")),
    "codebook -L -3": (["codebook", FOUR, "-L", "-3"], 2, usage(
        "codebook", "DIST", "Invalid value for '--max-length' / '-L': -3 is not in the range "
        "x>=1.")),
    "explain -L 1": (["explain", FOUR, "abcd", "-L", "1"], 1, ERROR + "max_length=1 is too "
                     "small for 4 symbols: 2**1 = 2 < 4 (need at least 2)\n"),
    "compress --max-length 2": (["compress", "notes.txt", "--max-length", "2"], 1, ERROR +
                                "max_length=2 is too small for 17 symbols: 2**2 = 4 < 17 "
                                "(need at least 5)\n"),
    "compress --max-length 0": (["compress", "notes.txt", "--max-length", "0"], 2, usage(
        "compress", "[INPUT|-]", "Invalid value for '--max-length': 0 is not in the range "
        "x>=1.")),
    # -n of zero or less
    "sample -n 0": (["sample", GOOD, "-n", "0"], 1,
                    ERROR + "n must be at least 1 (the number of draws), got 0\n"),
    "sample -n -5": (["sample", GOOD, "-n", "-5"], 1,
                     ERROR + "n must be at least 1 (the number of draws), got -5\n"),
    "sample -n x": (["sample", GOOD, "-n", "x"], 2, usage(
        "sample", "DIST", "Invalid value for '-n': 'x' is not a valid integer.")),
    "verify -n 0": (["verify", GOOD, "-n", "0"], 1,
                    ERROR + "each n must be at least 1 (the number of draws), got 0\n"),
    "verify -n -1": (["verify", GOOD, "-n", "-1"], 1,
                     ERROR + "each n must be at least 1 (the number of draws), got -1\n"),
    "verify -n 100,0": (["verify", GOOD, "-n", "100,0"], 1,
                        ERROR + "each n must be at least 1 (the number of draws), got 0\n"),
    "verify -n 100,,10": (["verify", GOOD, "-n", "100,,10"], 2, usage(
        "verify", "P [Q]", "Invalid value for '-n': '' is not a whole number (give N or a list "
        "like 100,1000,10000)")),
    "extend --order 0": (["extend", GOOD, "--order", "0"], 1, ERROR + "order must be at least 1 "
                         "(the number of symbols per block), got 0\n"),
    # unknown symbol modes
    "compress --symbols bits": (["compress", "notes.txt", "--symbols", "bits"], 2,
                                usage("compress", "[INPUT|-]", SYMBOLS_CHOICE)),
    "stats --symbols bits": (["stats", "notes.txt", "--symbols", "bits"], 2,
                             usage("stats", "[INPUT|-]", SYMBOLS_CHOICE)),
    "sample --symbols bits": (["sample", GOOD, "-n", "5", "--symbols", "bits"], 2,
                              usage("sample", "DIST", SYMBOLS_CHOICE)),
    # a model with zero probability for a symbol of the data
    "model lacks a byte": (["compress", "notes.txt", "--model", "t=0.5,h=0.5"], 1,
                           ERROR + NO_CODEWORD.format("e") + "\n"),
    "model gives a byte 0": (["compress", "notes.txt", "--model", "t=1,h=0"], 1,
                             ERROR + NO_CODEWORD.format("h") + "\n"),
    "model lacks a word": (["compress", "notes.txt", "--symbols", "words", "--model",
                            "the=0.5,cat=0.5"], 1, ERROR + NO_CODEWORD.format("␠") + "\n"),
    "model lacks a line": (["compress", "notes.txt", "--symbols", "lines", "--model",
                            "x=1"], 1, ERROR + NO_CODEWORD.format(
                                "the␠cat␠sat␠on␠the␠mat;␠naïve␠café\\n") + "\n"),
    "model lacks a character": (["compress", "notes.txt", "--symbols", "chars", "--model",
                                 "0.5,0.5", "--normalize"], 1, ERROR + NO_CODEWORD.format("t")
                                + "\n"),
    "model: a byte is one character": (["compress", "notes.txt", "--model", "th=1"], 1, ERROR +
                                       "model symbol 'th' is not a byte: in bytes mode use one "
                                       "character with a code point below 256, or 0x and two "
                                       "hex digits (0x0a)\n"),
    "verify: Q rules out a symbol of P": (["verify", GOOD, "a=1,b=0", "-n", "10"], 1, ERROR +
                                          "Q gives probability 0 to symbol 'b', which P draws "
                                          "with probability 0.5: D(P||Q) is infinite, and Q's "
                                          "code has no codeword for it, so data from P cannot "
                                          "be encoded. Smooth Q with smooth=A / --smooth A (add "
                                          "A to every probability of Q, then renormalise; e.g. "
                                          "--smooth 0.01)\n"),
    "explain: a symbol of probability 0": (["explain", "a=1,b=0", "ab"], 1, ERROR + "symbol 'b' "
                                           "has probability 0, so it has no codeword\n"),
    "smoothing of 0": (["compress", "notes.txt", "--model", "t=0.5,h=0.5", "--smooth", "0"], 1,
                       ERROR + "smoothing must be a positive number, got 0.0\n"),
    "smoothing NaN": (["verify", GOOD, "-n", "5", "--smooth", "nan"], 1,
                      ERROR + "smoothing must be a positive number, got nan\n"),
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_exact_message_and_exit_code(workdir: Path, case: str) -> None:
    args, code, stderr = BAD_ARGUMENTS[case]
    before = snapshot(workdir / "notes.txt")
    r = run(*args)
    assert (r.code, r.stdout, r.stderr) == (code, b"", stderr)
    assert listing(workdir) == ["notes.txt"]
    assert snapshot(workdir / "notes.txt") == before


def test_real_processes_answer_as_the_in_process_matrix(dist_files: Path) -> None:
    """Through ``python -m entrocode``: the same exit codes and the same single line."""
    cases = [DIST_SLOTS[slot](BAD_DISTS[form][0]) for slot, form in [
        ("codebook", "duplicate"), ("analyze Q", "NaN"), ("verify P", "negative"),
        ("verify Q", "sum above 1"), ("extend", "not a number"), ("sample", "empty"),
        ("explain", "json duplicate"), ("compress --model", "mixed"), ("analyze P", "json NaN"),
    ]]
    cases += [BAD_ARGUMENTS[name][0] for name in (
        "codebook -L 1", "compress --max-length 0", "sample -n 0", "verify -n -1",
        "stats --symbols bits", "model lacks a word")]
    expected = [run(*args) for args in cases]
    for args, want, got in zip(cases, expected, run_processes(cases, dist_files), strict=True):
        assert (got.code, got.stdout, got.stderr) == (want.code, want.stdout, want.stderr), args
        assert got.code in (1, 2) and "Traceback" not in got.stderr


# ---------------------------------------------------------------------------
# The user's files: never overwritten, never changed
# ---------------------------------------------------------------------------
def test_inputs_are_never_changed(workdir: Path) -> None:
    notes = workdir / "notes.txt"
    notes.chmod(0o640)
    before = snapshot(notes)
    time.sleep(0.01)  # a rewrite would show in the mtime
    assert run("compress", "notes.txt", "--symbols", "words").code == 0
    assert run("stats", "notes.txt", "--symbols", "lines").code == 0
    assert run("compress", "notes.txt", "-c", "--symbols", "chars").code == 0
    assert run("compress", "notes.txt", "-f", "--model", "t=1", "--smooth", "1").code == 0
    assert snapshot(notes) == before
    packed = workdir / "notes.txt.ec"
    packed_before = snapshot(packed)
    # A run that fails half-way (-f, but the length limit is too small) changes nothing.
    assert run("compress", "notes.txt", "-f", "--max-length", "1").code == 1
    assert snapshot(notes) == before and snapshot(packed) == packed_before
    notes.unlink()
    assert run("decompress", "notes.txt.ec").code == 0
    assert run("decompress", "notes.txt.ec", "-c").stdout == TEXT
    assert run("stats", "notes.txt.ec").code == 0
    assert snapshot(packed) == packed_before
    assert notes.read_bytes() == before[0]
    assert stat.S_IMODE(notes.stat().st_mode) == 0o640  # the output takes the input's mode


@pytest.mark.parametrize("command", ["compress", "decompress"])
def test_existing_files_are_kept_without_force_even_when_the_input_is_bad(
        workdir: Path, command: str) -> None:
    (workdir / "notes.txt.ec").write_bytes(compress(TEXT))
    target = workdir / ("notes.txt.ec" if command == "compress" else "notes.txt")
    source = "notes.txt" if command == "compress" else "notes.txt.ec"
    before = snapshot(target)
    r = run(command, source)
    assert (r.code, r.stderr) == (1, f"{ERROR}{target.name} already exists; use -f to "
                                     "overwrite\n")
    # With -f but a damaged input, the old file stays as it was: nothing replaces it.
    (workdir / "bad.ec").write_bytes(compress(TEXT)[:-1] + b"\x00")
    (workdir / "bad.txt").write_bytes(b"\xff\xfe not UTF-8")
    args = (["decompress", "bad.ec", "-o", target.name, "-f"] if command == "decompress" else
            ["compress", "bad.txt", "-o", target.name, "-f", "--symbols", "chars"])
    r = run(*args)
    assert r.code == 1 and r.stderr.count("\n") == 1 and r.stderr.startswith(ERROR)
    assert snapshot(target) == before
    assert not [p for p in workdir.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------------
# Interrupted runs: nothing under the target name, no stray temporary file
# ---------------------------------------------------------------------------
BIG = 100 << 20


@pytest.fixture(scope="module")
def big_input(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """100 MiB of text: long enough for a compress to be caught half-way."""
    path = tmp_path_factory.mktemp("big") / "big.txt"
    line = b"the quick brown fox jumps over the lazy dog, naively: 0123456789\n"
    chunk = line * ((1 << 20) // len(line) + 1)
    with path.open("wb") as fh:
        for _ in range(BIG // len(chunk) + 1):
            fh.write(chunk)
    yield path
    path.unlink()


def temporaries(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def wait_until_written(directory: Path, proc: subprocess.Popen, least: int) -> int:
    """Wait until the temporary output holds `least` bytes; the process must still run."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sizes = [p.stat().st_size for p in temporaries(directory)]
        if sizes and max(sizes) >= least:
            assert proc.poll() is None, "the run finished before it could be interrupted"
            return max(sizes)
        time.sleep(0.005)
    raise AssertionError("the command never wrote its output")


def test_a_compress_killed_half_way_leaves_no_file(big_input: Path, tmp_path: Path) -> None:
    before = snapshot(big_input)
    runs = {}
    for how in ("SIGINT", "SIGKILL"):
        folder = tmp_path / how
        folder.mkdir()
        proc = subprocess.Popen(entrocode("compress", str(big_input), "-o", str(folder / "out.ec")),
                                env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        runs[how] = folder, proc
    for how, (folder, proc) in runs.items():
        written = wait_until_written(folder, proc, 2 << 20)
        assert written < BIG // 2  # half-way at most
        proc.send_signal(getattr(signal, how))
    for how, (folder, proc) in runs.items():
        out, err = proc.communicate(timeout=60)
        assert not (folder / "out.ec").exists()
        if how == "SIGINT":
            assert (proc.returncode, out, err) == (130, b"", b"entrocode: error: interrupted\n")
            assert listing(folder) == []  # the temporary file is gone too
        else:
            assert proc.returncode == -signal.SIGKILL
            # Killed outright, the process leaves its temporary file, never the target.
            assert [p.name.startswith(".out.ec.") for p in folder.iterdir()] == [True]
    assert snapshot(big_input) == before


def ec_raw_blocks(blocks: int, size: int) -> tuple[bytes, bytes]:
    """An .ec stream of RAW blocks by docs/FORMAT.md (bytes mode), and its data."""
    assert 1 << 14 <= size < 1 << 21 and size % 256 == 0  # a size of three varint bytes
    data = bytes(range(256)) * (size // 256)
    size_field = bytes([0x80 | (size & 0x7F), 0x80 | (size >> 7 & 0x7F), size >> 14])
    block = b"\x01" + size_field + data
    total, crc = blocks * len(data), 0
    for _ in range(blocks):
        crc = zlib.crc32(data, crc)
    varint = bytearray()
    while True:
        varint.append((total & 0x7F) | (0x80 if total >> 7 else 0))
        total >>= 7
        if not total:
            break
    end = b"\x00" + bytes(varint) + crc.to_bytes(4, "little")
    return b"\x89EC\x01\x00" + block * blocks + end, data * blocks


def test_ec_raw_blocks_is_a_valid_file() -> None:
    blob, data = ec_raw_blocks(3, 1 << 16)
    assert decompress(blob) == data


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_a_decompress_killed_half_way_leaves_no_file(tmp_path: Path, how: str) -> None:
    """The .ec data comes from a pipe that stops half-way: the run is caught mid-file."""
    blob, _ = ec_raw_blocks(64, 1 << 20)
    target = tmp_path / "out.bin"
    proc = subprocess.Popen(entrocode("decompress", "-", "-o", str(target)), env=environment(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(blob[: len(blob) // 2])  # 32 blocks of 1 MiB; the rest never comes
    proc.stdin.flush()
    written = wait_until_written(tmp_path, proc, 1)  # the decoder writes in batches
    assert written <= 32 << 20
    proc.send_signal(getattr(signal, how))
    out, err = proc.communicate(timeout=60)
    assert not target.exists()
    if how == "SIGINT":
        assert (proc.returncode, out, err) == (130, b"", b"entrocode: error: interrupted\n")
        assert listing(tmp_path) == []
    else:
        assert proc.returncode == -signal.SIGKILL
        assert [p.name.startswith(".out.bin.") for p in tmp_path.iterdir()] == [True]


def test_ctrl_c_in_any_command_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """A DIST file that is a FIFO blocks opening it, inside the command: then Ctrl-C."""
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    proc = subprocess.Popen(entrocode("sample", str(fifo), "-n", "5", "--seed", "1"),
                            env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while Path(f"/proc/{proc.pid}/wchan").read_text() != "wait_for_partner":
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (130, b"", b"entrocode: error: interrupted\n")


# ---------------------------------------------------------------------------
# Unreadable inputs, directories, a full disk, a closed standard output
# ---------------------------------------------------------------------------
def test_an_unreadable_input(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = workdir / "secret.txt"
    secret.write_bytes(TEXT)
    secret.chmod(0)
    try:
        with secret.open("rb"):
            readable = True  # root reads whatever the mode says
    except PermissionError:
        readable = False
    if readable:
        # Root: the mode does not stop reading, so the refusal the system gives
        # everyone else is given here by `open` for this one file.
        real_open = builtins.open

        def refusing_open(file: object, *args: object, **kwargs: object) -> object:
            if os.fspath(file) == "secret.txt":  # type: ignore[arg-type]
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), "secret.txt")
            return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(builtins, "open", refusing_open)
    for args in (["compress", "secret.txt"], ["stats", "secret.txt"],
                 ["decompress", "secret.txt", "-o", "plain.txt"]):
        r = run(*args)
        assert (r.code, r.stdout, r.stderr) == (1, b"", ERROR + "secret.txt: Permission denied\n")
    monkeypatch.undo()
    assert listing(workdir) == ["notes.txt", "secret.txt"]
    assert stat.S_IMODE(secret.stat().st_mode) == 0


def test_inputs_that_cannot_be_read(workdir: Path) -> None:
    """Real refusals for anyone, root included: no such path, a directory, an I/O error."""
    (workdir / "folder.ec").mkdir()
    (workdir / "dangling").symlink_to(workdir / "gone")
    cases = {
        ("compress", "missing.txt"): "missing.txt: No such file or directory",
        ("compress", "dangling"): "dangling: No such file or directory",
        ("stats", "notes.txt/inner"): "notes.txt/inner: Not a directory",
        ("compress", "notes.txt/inner"): "cannot write notes.txt/inner.ec: no directory notes.txt",
        ("compress", "folder.ec", "-o", "x.ec"): "folder.ec: Is a directory",
        ("decompress", "folder.ec"): "folder.ec: Is a directory",
        ("decompress", "folder.ec", "-c"): "folder.ec: Is a directory",
        ("stats", "folder.ec"): "folder.ec: Is a directory",
        ("compress", "/proc/self/mem", "-o", "mem.ec"): "Input/output error",
        ("compress", "notes.txt", "-o", "folder.ec"): "folder.ec is a directory",
    }
    for args, message in cases.items():
        r = run(*args)
        assert (r.code, r.stdout, r.stderr) == (1, b"", ERROR + message + "\n"), args
    assert listing(workdir) == ["dangling", "folder.ec", "notes.txt"]
    assert listing(workdir / "folder.ec") == []


class FullDisk:
    """A file object whose disk fills up after `room` bytes (ENOSPC, as write(2) gives)."""

    def __init__(self, fh: object, room: int) -> None:
        self._fh = fh
        self._room = room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._fh.write(data)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._fh, name)

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["compress", "decompress"])
def test_a_full_disk_leaves_no_partial_file(workdir: Path, monkeypatch: pytest.MonkeyPatch,
                                            command: str) -> None:
    (workdir / "big.txt").write_bytes(TEXT * 40)
    (workdir / "big.ec").write_bytes(compress(TEXT * 40, block_size=4096))
    (workdir / "old.bin").write_bytes(b"the old file")
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: FullDisk(real_fdopen(fd, *a, **k), 5000))
    source = "big.txt" if command == "compress" else "big.ec"
    for target, force in (("new.out", []), ("old.bin", ["-f"])):
        r = run(command, source, "-o", target, *force)
        message = f"{ERROR}{target}: No space left on device\n"
        assert (r.code, r.stdout, r.stderr) == (1, b"", message)
    monkeypatch.undo()
    assert listing(workdir) == ["big.ec", "big.txt", "notes.txt", "old.bin"]
    assert (workdir / "old.bin").read_bytes() == b"the old file"


@pytest.mark.parametrize("unbuffered", [True, False], ids=["python -u", "buffered"])
def test_a_full_disk_on_standard_output(workdir: Path, unbuffered: bool) -> None:
    """``> /dev/full``: every write fails with ENOSPC."""
    (workdir / "big.ec").write_bytes(compress(TEXT * 40))
    commands = [["decompress", "-c", "big.ec"], ["compress", "-c", "notes.txt"],
                ["sample", GOOD, "-n", "100000", "--seed", "1"], ["codebook", GOOD]]
    with open("/dev/full", "wb") as full:
        procs = [subprocess.Popen(entrocode(*args), env=environment(unbuffered), stdout=full,
                                  stderr=subprocess.PIPE) for args in commands]
        for args, proc in zip(commands, procs, strict=True):
            _, err = proc.communicate(timeout=60)
            assert (proc.returncode, err) == (
                1, b"entrocode: error: standard output: No space left on device\n"
            ), args
    assert listing(workdir) == ["big.ec", "notes.txt"]


@pytest.mark.parametrize("unbuffered", [True, False], ids=["python -u", "buffered"])
def test_a_closed_standard_output(workdir: Path, unbuffered: bool) -> None:
    """``entrocode decompress -c f.ec | head -c 10``: one line, exit 1, nothing left behind."""
    data = bytes(range(256)) * 8192  # 2 MiB: far more than a pipe holds
    (workdir / "big.ec").write_bytes(compress(data))
    (workdir / "big.bin").write_bytes(data)
    commands = [["decompress", "-c", "big.ec"], ["compress", "-c", "big.bin"],
                ["sample", GOOD, "-n", "1000000", "--seed", "1"]]
    procs = [subprocess.Popen(entrocode(*args), env=environment(unbuffered),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for args in commands]
    for args, proc in zip(commands, procs, strict=True):
        assert proc.stdout is not None and proc.stderr is not None
        head = os.read(proc.stdout.fileno(), 10)
        proc.stdout.close()  # what head does after 10 bytes
        err = proc.stderr.read()
        proc.stderr.close()
        assert (proc.wait(timeout=60), err.decode()) == (1, BROKEN_PIPE), args
        assert len(head) == 10
    assert listing(workdir) == ["big.bin", "big.ec", "notes.txt"]
