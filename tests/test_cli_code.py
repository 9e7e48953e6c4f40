"""Tests of the ``codebook`` and ``analyze`` commands.

Output is checked through click's CliRunner; the error contract (one line on
stderr, exit code 1, no traceback) goes through ``entrocode.cli.main`` both in
process and in real ``python -m entrocode`` subprocesses, since CliRunner
bypasses ``main()`` and its error handling.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import entrocode
from entrocode import DistributionError, huffman_code, parse_spec
from entrocode.cli import cli, main

CODEBOOK_KEYS = {"unit", "entropy", "expected_length", "redundancy", "kraft_sum", "max_length",
                 "code"}
ENTRY_KEYS = {"symbol", "probability", "codeword", "length"}
ANALYZE_P_KEYS = {"unit", "entropy_p", "expected_length_p", "redundancy_p"}
ANALYZE_Q_KEYS = ANALYZE_P_KEYS | {
    "entropy_q",
    "cross_entropy",
    "kl_divergence",
    "kl_divergence_reverse",
    "js_divergence",
    "expected_length_mismatch",
    "mismatch_overhead",
}
PLANETS = "0.30,0.40,0.05,0.06,0.07,0.02,0.05,0.05"
REPO = Path(__file__).resolve().parents[1]


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def strict_json(text: str) -> dict:
    """Parse one JSON object, refusing the non-standard Infinity and NaN tokens."""

    def refuse(token: str):
        raise AssertionError(f"non-standard JSON token {token}")

    obj = json.loads(text, parse_constant=refuse)
    assert isinstance(obj, dict)
    return obj


def number_after(label: str, text: str) -> str:
    """The value printed on the line that starts with ``label`` and an '='."""
    match = re.search(rf"^{re.escape(label)}\s*=\s*(\S+)", text, re.M)
    assert match, f"no line for {label!r} in:\n{text}"
    return match.group(1)


# ---------------------------------------------------------------------------
# codebook
# ---------------------------------------------------------------------------
def test_codebook_table_for_cover_and_thomas():
    result = invoke("codebook", "0.25,0.25,0.2,0.15,0.15")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["symbol", "probability", "codeword", "length", "surprisal"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    rows = [line.split() for line in lines[2:7]]
    assert rows == [
        ["0", "0.25", "00", "2", f"{-math.log2(0.25):.4f}"],
        ["1", "0.25", "01", "2", f"{-math.log2(0.25):.4f}"],
        ["2", "0.2", "10", "2", f"{-math.log2(0.2):.4f}"],
        ["3", "0.15", "110", "3", f"{-math.log2(0.15):.4f}"],
        ["4", "0.15", "111", "3", f"{-math.log2(0.15):.4f}"],
    ]
    out = result.output
    h = -sum(p * math.log2(p) for p in (0.25, 0.25, 0.2, 0.15, 0.15))
    assert re.search(r"expected length L = 2\.3000 bits/symbol", out)
    assert f"entropy         H = {h:.4f} bits/symbol" in out
    assert f"redundancy  L - H = {2.3 - h:.4f} bits/symbol" in out
    assert f"(efficiency {h / 2.3:.2%})" in out
    assert number_after("Kraft sum", out) == "1"


def test_codebook_table_rows_are_in_canonical_order():
    result = invoke("codebook", "a=0.15,b=0.25,c=0.15,d=0.2,e=0.25")
    rows = [line.split() for line in result.output.splitlines()[2:7]]
    assert [(r[0], r[2]) for r in rows] == [
        ("b", "00"), ("d", "01"), ("e", "10"), ("a", "110"), ("c", "111")
    ]


def test_codebook_table_lists_symbols_without_a_codeword():
    result = invoke("codebook", "a=0.5,b=0,c=0.5")
    assert result.exit_code == 0
    assert "no codeword (probability 0): b" in result.output
    rows = [line.split()[0] for line in result.output.splitlines()[2:4]]
    assert rows == ["a", "c"]


def test_codebook_json_keys_and_values():
    result = invoke("codebook", "a=0.15,b=0.25,c=0.15,d=0.2,e=0.25", "--json")
    assert result.exit_code == 0
    assert result.output.count("\n") == 1  # one JSON object on one line
    data = strict_json(result.output)
    assert set(data) == CODEBOOK_KEYS
    assert data["unit"] == "bits"
    assert data["expected_length"] == pytest.approx(2.3, rel=1e-12)
    h = -sum(p * math.log2(p) for p in (0.15, 0.25, 0.15, 0.2, 0.25))
    assert data["entropy"] == pytest.approx(h, rel=1e-12)
    assert data["redundancy"] == pytest.approx(2.3 - h, rel=1e-9)
    assert data["kraft_sum"] == 1.0
    assert data["max_length"] == 3
    assert all(set(entry) == ENTRY_KEYS for entry in data["code"])
    assert [(e["symbol"], e["codeword"], e["length"]) for e in data["code"]] == [
        ("b", "00", 2), ("d", "01", 2), ("e", "10", 2), ("a", "110", 3), ("c", "111", 3)
    ]
    assert [e["probability"] for e in data["code"]] == [0.25, 0.2, 0.25, 0.15, 0.15]


def test_codebook_json_symbols_are_strings_and_zero_probability_symbols_are_left_out():
    data = strict_json(invoke("codebook", "0.5,0,0.5", "--json").output)
    assert [e["symbol"] for e in data["code"]] == ["0", "2"]
    assert all(isinstance(e["symbol"], str) for e in data["code"])


def test_codebook_json_matches_the_library():
    spec = PLANETS
    data = strict_json(invoke("codebook", spec, "--json").output)
    code = huffman_code(parse_spec(spec))
    assert data["expected_length"] == pytest.approx(2.37, rel=1e-12)
    assert [(e["symbol"], e["codeword"]) for e in data["code"]] == [
        (str(e.symbol), e.codeword) for e in code.entries
    ]


def test_codebook_max_length():
    free = strict_json(invoke("codebook", PLANETS, "--json").output)
    limited = strict_json(invoke("codebook", PLANETS, "--max-length", "3", "--json").output)
    short = strict_json(invoke("codebook", PLANETS, "-L", "3", "--json").output)
    assert free["max_length"] == 5
    assert limited["max_length"] == 3
    assert max(e["length"] for e in limited["code"]) == 3
    assert limited == short
    assert limited["kraft_sum"] == 1.0
    assert limited["expected_length"] > free["expected_length"]


def test_codebook_normalize():
    result = invoke("codebook", "5,3,1,1", "--normalize", "--json")
    assert result.exit_code == 0
    data = strict_json(result.output)
    assert {e["symbol"]: e["probability"] for e in data["code"]} == {
        "0": 0.5, "1": 0.3, "2": 0.1, "3": 0.1
    }
    assert data["expected_length"] == pytest.approx(1.7, rel=1e-12)  # lengths 1, 2, 3, 3


def test_codebook_json_file(tmp_path):
    path = tmp_path / "weather.json"
    path.write_text('{"sun": 0.5, "rain": 0.25, "snow": 0.25}')
    data = strict_json(invoke("codebook", str(path), "--json").output)
    assert {e["symbol"]: e["codeword"] for e in data["code"]} == {
        "sun": "0", "rain": "10", "snow": "11"
    }


def test_codebook_of_one_symbol():
    data = strict_json(invoke("codebook", "x=1", "--json").output)
    assert data["code"] == [{"symbol": "x", "probability": 1.0, "codeword": "0", "length": 1}]
    assert data["kraft_sum"] == 0.5
    assert data["redundancy"] == 1.0


# ---------------------------------------------------------------------------
# analyze
# ---------------------------------------------------------------------------
def test_analyze_p_only_text():
    result = invoke("analyze", PLANETS)
    assert result.exit_code == 0
    out = result.output
    h = -sum(p * math.log2(p) for p in (0.30, 0.40, 0.05, 0.06, 0.07, 0.02, 0.05, 0.05))
    assert number_after("H(P)", out) == f"{h:.4f}"
    assert re.search(r"^H\(P\)\s*= 2\.3231 bits$", out, re.M)
    assert re.search(r"^L_P\(C_P\)\s*= 2\.3700 bits/symbol", out, re.M)
    assert number_after("redundancy", out) == f"{2.37 - h:.4f}"
    assert "H(Q)" not in out and "D(P||Q)" not in out


def test_analyze_p_only_json():
    data = strict_json(invoke("analyze", PLANETS, "--json").output)
    assert set(data) == ANALYZE_P_KEYS
    assert data["unit"] == "bits"
    assert data["entropy_p"] == pytest.approx(2.3231, abs=5e-5)
    assert data["expected_length_p"] == pytest.approx(2.37, rel=1e-12)
    assert data["redundancy_p"] == pytest.approx(2.37 - data["entropy_p"], rel=1e-9)


def test_analyze_cat_dog_text():
    out = invoke("analyze", "cat=1,dog=0", "cat=0.8,dog=0.2").output
    assert number_after("H(P)", out) == "0.0000"
    assert number_after("H(P,Q)", out) == "0.3219"
    assert number_after("D(P||Q)", out) == "0.3219"
    assert number_after("D(Q||P)", out) == "inf"
    assert number_after("JS(P,Q)", out) == "0.1080"
    assert number_after("H(Q)", out) == f"{-(0.8 * math.log2(0.8) + 0.2 * math.log2(0.2)):.4f}"
    assert number_after("L_P(C_Q)", out) == "1.0000"
    assert number_after("overhead", out) == "0.0000"
    out_b = invoke("analyze", "cat=1,dog=0", "cat=0.2,dog=0.8").output
    assert number_after("H(P,Q)", out_b) == "2.3219"
    assert number_after("D(P||Q)", out_b) == "2.3219"


def test_analyze_with_q_json():
    data = strict_json(invoke("analyze", "cat=1,dog=0", "cat=0.8,dog=0.2", "--json").output)
    assert set(data) == ANALYZE_Q_KEYS
    assert data["unit"] == "bits"
    assert data["cross_entropy"] == pytest.approx(-math.log2(0.8), rel=1e-12)
    assert data["kl_divergence"] == pytest.approx(-math.log2(0.8), rel=1e-12)
    assert data["kl_divergence_reverse"] == "inf"
    assert data["js_divergence"] == pytest.approx(0.108, abs=5e-4)
    assert data["expected_length_mismatch"] == 1.0
    assert data["mismatch_overhead"] == 0.0


def test_analyze_mismatched_code_costs_more():
    # P's code: 1, 2, 2 bits (L = 1.5); Q's code gives "2" one bit: 0.5*2 + 0.25*2 + 0.25*1
    data = strict_json(invoke("analyze", "0.5,0.25,0.25", "0.25,0.25,0.5", "--json").output)
    assert data["expected_length_p"] == 1.5
    assert data["expected_length_mismatch"] == pytest.approx(1.75, rel=1e-12)
    assert data["mismatch_overhead"] == pytest.approx(0.25, rel=1e-12)
    assert data["kl_divergence"] == pytest.approx(0.25, rel=1e-12)


def test_analyze_infinite_values_are_the_string_inf():
    result = invoke("analyze", "a=0.5,b=0.5", "b=0.5,c=0.5", "--json")
    data = strict_json(result.output)
    for key in ("cross_entropy", "kl_divergence", "kl_divergence_reverse",
                "expected_length_mismatch", "mismatch_overhead"):
        assert data[key] == "inf", key
    assert data["js_divergence"] == pytest.approx(0.5, rel=1e-12)
    text = invoke("analyze", "a=0.5,b=0.5", "b=0.5,c=0.5").output
    assert number_after("L_P(C_Q)", text) == "inf"
    assert "Q gives probability 0 to a symbol P can emit" in text


@pytest.mark.parametrize(
    ("base", "unit", "scale"),
    [("2", "bits", 1.0), ("e", "nats", math.log(2)), ("E", "nats", math.log(2)),
     ("10", "hartleys", math.log10(2))],
)
def test_analyze_base_sets_the_unit_of_the_measures_only(base, unit, scale):
    data = strict_json(invoke("analyze", "0.5,0.5", "0.9,0.1", "--base", base, "--json").output)
    assert data["unit"] == unit
    assert data["entropy_p"] == pytest.approx(1.0 * scale, rel=1e-12)
    kl_bits = 0.5 * math.log2(0.5 / 0.9) + 0.5 * math.log2(0.5 / 0.1)
    assert data["kl_divergence"] == pytest.approx(kl_bits * scale, rel=1e-12)
    assert data["expected_length_p"] == 1.0  # code lengths stay in bits
    text = invoke("analyze", "0.5,0.5", "0.9,0.1", "--base", base).output
    assert re.search(rf"^H\(P\)\s*= {1.0 * scale:.4f} {unit}$", text, re.M)
    assert re.search(r"^L_P\(C_P\)\s*= 1\.0000 bits/symbol", text, re.M)


def test_analyze_base_10_on_ten_equal_outcomes_is_one_hartley():
    data = strict_json(invoke("analyze", ",".join(["0.1"] * 10), "--base", "10", "--json").output)
    assert data["unit"] == "hartleys"
    assert data["entropy_p"] == pytest.approx(1.0, rel=1e-12)


def test_analyze_normalize_applies_to_p_and_q():
    counts = strict_json(invoke("analyze", "9,1", "5,5", "--normalize", "--json").output)
    probs = strict_json(invoke("analyze", "0.9,0.1", "0.5,0.5", "--json").output)
    assert counts == probs
    # counts are not probabilities without --normalize
    result = CliRunner().invoke(cli, ["analyze", "9,1", "5,5"])
    assert result.exit_code == 1
    assert isinstance(result.exception, DistributionError)
    assert "sums to 10.0" in str(result.exception)


def test_analyze_bad_base_is_a_usage_error():
    for bad, why in (("1", "'1' is not a number > 1"), ("two", "'two' is not 2, e, 10 or")):
        result = CliRunner().invoke(cli, ["analyze", "0.5,0.5", "--base", bad])
        assert result.exit_code == 2
        assert f"Invalid value for '--base': {why}" in result.output


# ---------------------------------------------------------------------------
# --version and --help
# ---------------------------------------------------------------------------
def test_version():
    for flag in ("--version", "-V"):
        result = invoke(flag)
        assert result.exit_code == 0
        assert result.output == f"entrocode, version {entrocode.__version__}\n"


@pytest.mark.parametrize("command", ["codebook", "analyze"])
def test_help_shows_examples_that_run(command, tmp_path, monkeypatch):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    text = result.output
    assert "Examples:" in text
    examples = re.findall(rf"^\s+entrocode ({command} .+)$", text, re.M)
    assert examples, text
    monkeypatch.chdir(tmp_path)  # an example may write a file
    runner = CliRunner()
    for example in examples:
        # the examples are run from the repository root, where samples/ lives
        args = [str(REPO / a) if a.startswith("samples/") else a for a in example.split()]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (example, result.output, result.exception)


def test_codebook_help_mentions_its_options():
    text = invoke("codebook", "--help").output
    for option in ("--max-length", "--normalize", "--json"):
        assert option in text


def test_analyze_help_mentions_its_options():
    text = invoke("analyze", "--help").output
    for option in ("--base", "--normalize", "--json"):
        assert option in text


# ---------------------------------------------------------------------------
# Errors: exactly one line on stderr, exit code 1, no traceback
# ---------------------------------------------------------------------------
FILES = {
    "dup.json": '{"a": 0.5, "a": 0.5}',
    "list.json": "[0.5, 0.5]",
    "broken.json": '{"a": 0.5,',
    "neg.json": '{"a": 1.5, "b": -0.5}',
}

# (id, arguments, library message); "@name" is the path of FILES[name] in a temporary
# directory, and "{name}" in the message is that path quoted as Python does.
ERROR_CASES = [
    ("sum", ["codebook", "0.5,0.6"],
     "probabilities must sum to 1 within 1e-09, but sums to 1.1 "
     "(pass weights or counts with normalize=True / --normalize)"),
    ("negative", ["codebook", "a=1.5,b=-0.5"], "symbol 'b': value '-0.5' is negative"),
    ("nan", ["codebook", "nan,1"], "entry 0: value 'nan' is NaN"),
    ("inf", ["analyze", "0.5,0.5", "inf,0"], "Q: entry 0: value 'inf' is infinite"),
    ("non-numeric", ["codebook", "a=half,b=0.5"], "symbol 'a': 'half' is not a number"),
    ("empty", ["codebook", ""],
     "empty DIST spec: give pairs like a=0.5,b=0.5, values like 0.9,0.1, or a .json file"),
    ("mixed", ["codebook", "a=0.5,0.5"],
     "DIST spec 'a=0.5,0.5' mixes symbol=value pairs and bare values"),
    ("duplicate", ["codebook", "a=0.5,a=0.5"], "duplicate symbol 'a' in DIST spec"),
    ("duplicate-json", ["codebook", "@dup.json"], "duplicate symbol 'a' in DIST file {dup.json}"),
    ("missing-file", ["analyze", "@nope.json"], "DIST file {nope.json} does not exist"),
    ("bad-json", ["codebook", "@broken.json"],
     "DIST file {broken.json} is not valid JSON: Expecting property name enclosed in double "
     "quotes at line 1"),
    ("json-not-object", ["codebook", "@list.json"],
     'DIST file {list.json} must hold a JSON object {"symbol": probability}'),
    ("json-negative", ["codebook", "@neg.json", "--normalize"],
     "symbol 'b': value '-0.5' is negative"),
    ("normalize-negative", ["codebook", "3,-1", "--normalize"], "entry 1: value '-1' is negative"),
    ("bad-q", ["analyze", "0.5,0.5", "0.5,x"], "Q: entry 1: 'x' is not a number"),
    ("huge", ["codebook", "1e308,1e308"],
     "probabilities must sum to 1 within 1e-09, but sums to inf "
     "(pass weights or counts with normalize=True / --normalize)"),
    ("max-length", ["codebook", "0.2,0.2,0.2,0.2,0.2", "--max-length", "2"],
     "max_length=2 is too small for 5 symbols: 2**2 = 4 < 5 (need at least 3)"),
]


@pytest.fixture(scope="module")
def files_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("dists")
    for name, text in FILES.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def _args(args: list[str], directory: Path) -> list[str]:
    return [str(directory / a[1:]) if a.startswith("@") else a for a in args]


def _message(message: str, directory: Path) -> str:
    for name in [*FILES, "nope.json"]:
        message = message.replace("{" + name + "}", repr(str(directory / name)))
    return message


@pytest.mark.parametrize(("case", "args", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_through_main(case, args, message, files_dir, capsys):
    with pytest.raises(SystemExit) as info:
        main(_args(args, files_dir))
    assert info.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"entrocode: error: {_message(message, files_dir)}\n"


@pytest.fixture(scope="module")
def subprocess_results(files_dir) -> dict[str, subprocess.CompletedProcess]:
    """Run every error case as ``python -m entrocode ...``, all at once."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    procs = {
        case: subprocess.Popen(
            [sys.executable, "-m", "entrocode", *_args(args, files_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for case, args, _ in ERROR_CASES
    }
    results = {}
    for case, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        results[case] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


@pytest.mark.parametrize(("case", "args", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_in_a_real_process(case, args, message, files_dir, subprocess_results):
    result = subprocess_results[case]
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("entrocode: error: ")
    assert lines[0] == f"entrocode: error: {_message(message, files_dir)}"


def test_a_real_process_succeeds_and_is_deterministic():
    outputs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-m", "entrocode", "codebook", "z=1,y=1,x=1,w=2,v=2,u=1",
             "--normalize", "--json"],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    data = strict_json(outputs[0])
    assert set(data) == CODEBOOK_KEYS
    assert data["kraft_sum"] == 1.0
    # dyadic weights (1/8 four times, 1/4 twice): L = H = 2.5 bits
    assert data["expected_length"] == pytest.approx(2.5, rel=1e-12)
    assert data["redundancy"] == 0.0


def test_version_in_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "entrocode", "--version"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"entrocode, version {entrocode.__version__}"


def test_the_command_line_starts_without_numpy():
    # Building the commands (--help, --version) imports no numpy: the library
    # modules load inside the commands.  A check of what is imported, not a timing.
    code = ("import sys, entrocode, entrocode.cli; "
            "print(sorted(m for m in ('numpy', 'entrocode.codebook', 'entrocode.container') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_lazy_names_and_modules_of_the_package():
    from entrocode import experiments, symbols
    from entrocode.cli.common import MODES

    assert MODES == symbols.MODES == experiments.SAMPLE_MODES
    for name in entrocode.__all__:
        assert getattr(entrocode, name) is not None
    assert entrocode.codec.MAX_CODE_LENGTH == 32  # a submodule, without importing it
    assert set(entrocode.__all__) <= set(dir(entrocode))
    with pytest.raises(AttributeError, match="has no attribute 'nonesuch'"):
        entrocode.nonesuch  # noqa: B018
