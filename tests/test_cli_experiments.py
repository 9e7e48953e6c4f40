"""Tests for the commands sample, verify, extend and demo."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from entrocode.cli import main
from entrocode.distribution import Distribution
from entrocode.experiments import draw_sample, render_sample
from entrocode.symbols import tokenize

SAMPLES = resources.files("entrocode.samples")
TEMPS = str(SAMPLES / "temperatures.json")
UNIFORM8 = str(SAMPLES / "temperatures_uniform.json")
COIN = str(SAMPLES / "coin_biased.json")
CATDOG = str(SAMPLES / "catdog.json")
CATDOG_QA = str(SAMPLES / "catdog_qa.json")
CATDOG_QB = str(SAMPLES / "catdog_qb.json")

JSON_KEYS = [
    "n", "seed", "predicted_bits", "measured_bits", "expected_bits_per_symbol",
    "measured_bits_per_symbol", "ci95", "entropy_p", "cross_entropy", "kl_divergence",
    "roundtrip",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line; return (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------
# --help
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["sample", "verify", "extend", "demo"])
def test_every_command_has_help_with_examples(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert "Examples:" in out and f"entrocode {command}" in out


# ---------------------------------------------------------------------------
# sample
# ---------------------------------------------------------------------------
def test_sample_writes_a_reproducible_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    code, out, _ = run(capsys, "sample", TEMPS, "-n", "300", "--seed", "4", "-o", str(a))
    assert code == 0
    assert f"wrote 300 symbols (1200 bytes) drawn from {TEMPS} with seed 4 to {a}" in out
    assert "entrocode compress" in out and "--symbols lines" in out
    run(capsys, "sample", TEMPS, "-n", "300", "--seed", "4", "-o", str(b))
    assert a.read_bytes() == b.read_bytes()
    expected = render_sample(draw_sample(Distribution.from_spec(TEMPS), 300, 4), "lines")
    assert a.read_bytes() == expected
    assert len(tokenize(a.read_bytes(), "lines").ids) == 300


def test_sample_to_stdout_in_chars_mode(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    try:
        main(["sample", "H=0.9,T=0.1", "-n", "64", "--seed", "7", "--symbols", "chars"])
    except SystemExit as exc:  # pragma: no cover - a failure shows the code
        pytest.fail(f"exit {exc.code}")
    out, err = capsysbinary.readouterr()
    assert len(out) == 64 and set(out) <= set(b"HT") and err == b""


def test_sample_without_seed_reports_it(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    main(["sample", "a=0.5,b=0.5", "-n", "5", "--symbols", "chars"])
    _, err = capsysbinary.readouterr()
    assert b"drew with seed" in err and b"repeat with --seed" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "entrocode: error: n must be at least 1 (the number of draws), got 0\n"),
        (["-n", "5", "--seed", "-2"], "entrocode: error: seed must be >= 0, got -2\n"),
        (["-n", "5", "--symbols", "chars"],
         "entrocode: error: symbol '100' is 3 characters long, but --symbols chars writes one "
         "character per symbol: use --symbols lines (one symbol per line)\n"),
    ],
)
def test_sample_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "sample", TEMPS, *args)
    assert code == 1 and out == "" and err == message


def test_sample_needs_n(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "sample", TEMPS)
    assert code == 2 and "Missing option '-n'" in err


# ---------------------------------------------------------------------------
# verify
# ---------------------------------------------------------------------------
def test_verify_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "verify", TEMPS, UNIFORM8, "-n", "2000", "--seed", "1")
    assert code == 0 and err == ""
    assert f"n = 2000 draws from P = {TEMPS} (seed 1)\n" in out
    assert f"coded with the Huffman code of Q = {UNIFORM8}\n" in out
    assert "bits written by the codec      6000   (equal)" in out
    assert "gives the sample back" in out
    assert "L_P(C_Q) = sum p(x) * l_Q(x)   3.0000" in out
    assert "95% CI [3.0000, 3.0000]" in out
    assert "D(P||Q)  0.6769" in out
    assert "0.6300, beside D(P||Q) = 0.6769" in out
    assert "2.3231 <= 2.3700 < 3.3231" in out


def test_verify_says_when_huffman_leaves_the_shannon_bound(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "verify", CATDOG, CATDOG_QB, "-n", "100", "--seed", "0")
    assert code == 0
    assert "note: Q's Huffman code gives 1.0000 bits/symbol, outside [2.3219, 3.3219)" in out
    assert "2.3219 <= 3.0000 < 3.3219" in out  # the Shannon code of Q obeys it


def test_verify_json_has_exactly_the_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", COIN, "-n", "500", "--seed", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == JSON_KEYS
    assert data["n"] == 500 and data["seed"] == 2 and data["roundtrip"] is True
    assert data["predicted_bits"] == data["measured_bits"] == 500
    assert len(data["ci95"]) == 2


def test_verify_json_for_several_sizes_is_a_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", TEMPS, "-n", "10,100", "--seed", "2", "--json")
    data = json.loads(out)
    assert code == 0 and [d["n"] for d in data] == [10, 100]
    assert all(list(d) == JSON_KEYS for d in data)


def test_verify_convergence_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", TEMPS, "-n", "100,1000,10000", "--seed", "3")
    assert code == 0
    assert "expected rate L_P(C_Q) = 2.3700 bits/symbol" in out
    lines = [ln for ln in out.splitlines() if ln.strip().split(" ")[0] in {"100", "1000", "10000"}]
    assert len(lines) == 3 and all(ln.split()[-3:] == ["yes", "yes", "yes"] for ln in lines)


def test_verify_refuses_a_model_with_a_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "verify", CATDOG_QA, CATDOG, "-n", "100")
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("entrocode: error: Q gives probability 0 to symbol 'dog'")
    assert "D(P||Q) is infinite" in err and "--smooth A" in err


def test_verify_with_smoothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", CATDOG_QA, CATDOG, "-n", "100", "--seed", "1",
                       "--smooth", "0.01")
    assert code == 0
    assert f"coded with the Huffman code of Q = {CATDOG}, smoothed by adding 0.01" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-n", "0"], 1, "entrocode: error: each n must be at least 1 (the number of draws), "
                         "got 0\n"),
        (["-n", "100,x"], 2, "'x' is not a whole number"),
        (["-n", "10", "--smooth", "-1"], 1, "entrocode: error: smoothing must be a positive "
                                            "number, got -1.0\n"),
    ],
)
def test_verify_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    got, out, err = run(capsys, "verify", TEMPS, *args)
    assert got == code and out == ""
    assert message in err


def test_verify_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "conv.png"
    code, out, _ = run(capsys, "verify", TEMPS, "-n", "1,100,1000", "--seed", "1",
                       "--plot", str(png))
    assert code == 0 and f"plot written to {png}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------
# extend
# ---------------------------------------------------------------------------
def test_extend_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "extend", COIN, "--order", "4")
    assert code == 0
    assert "(2 possible symbols)\nH = 0.4690 bits/symbol\n" in out
    assert "2       4          1.2900  0.6450     0.1760   0.9690  yes" in out


def test_extend_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "extend", COIN, "-k", "6", "--json")
    data = json.loads(out)
    assert code == 0 and data["entropy"] == pytest.approx(0.469, abs=1e-3)
    rates = [r["rate"] for r in data["rows"]]
    assert rates == sorted(rates, reverse=True) and all(r["in_bounds"] for r in data["rows"])


def test_extend_refuses_too_many_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "extend", TEMPS, "--order", "7")
    assert code == 1 and out == ""
    assert err == (
        "entrocode: error: order 7 needs 8**7 = 2,097,152 blocks, more than the limit "
        "2**20 = 1,048,576; with 8 symbols the largest order is 6\n"
    )


def test_extend_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "ext.png"
    code, _, _ = run(capsys, "extend", COIN, "-k", "5", "--plot", str(png))
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG"


# ---------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------
def test_demo(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo")
    assert code == 0 and err == ""
    header = out.splitlines()[0].split()
    assert header == ["sample", "symbols", "entropy", "predicted", "payload", "bits", "header",
                      "bytes", "bits/symbol", "ratio"]
    row = next(ln.split() for ln in out.splitlines() if ln.startswith("temperatures.txt"))
    assert row == ["temperatures.txt", "1000", "lines", "2.3231", "2370", "2370", row[6],
                   "2.3700", row[8]]
    assert "verdict: all 5 predictions matched to the bit" in out
    assert "overhead 0.6300 bits/symbol, beside D(P||Q) = 0.6769 bits/symbol" in out


# ---------------------------------------------------------------------------
# The examples in samples/README.md
# ---------------------------------------------------------------------------
def _readme_examples() -> list[tuple[str, list[str]]]:
    """(command, expected lines) of each ```$ entrocode ...``` block of samples/README.md."""
    text = (SAMPLES / "README.md").read_text(encoding="utf-8")
    examples = []
    for block in text.split("```")[1::2]:
        lines = block.strip("\n").splitlines()
        if lines and lines[0].startswith("$ entrocode "):
            examples.append((lines[0][len("$ entrocode "):], lines[1:]))
    return examples


@pytest.mark.parametrize(("command", "expected"), _readme_examples())
def test_samples_readme_examples_are_real_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    command: str, expected: list[str],
) -> None:
    # The README names files as samples/...: run from the folder that holds them.
    monkeypatch.chdir(Path(str(SAMPLES)).parent)
    code, out, _ = run(capsys, *command.split())
    assert code == 0
    got = iter(out.splitlines())
    for line in expected:  # every shown line appears, in order ("..." and left-out rows skip)
        if line == "...":
            continue
        assert any(g == line for g in got), line
