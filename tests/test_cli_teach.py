"""Tests for the teaching options of the command line.

``codebook --tree/--ascii/--trace/--dot/--method/--lengths``, ``analyze --plot`` and
``explain``.  Printed trees are parsed back and compared with the codebook; the
existing output of ``codebook`` and ``analyze`` without the new options is pinned.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from entrocode import huffman_code, parse_spec
from entrocode.cli import main
from entrocode.cli.teach_commands import split_message
from entrocode.comparison import shannon_code, shannon_fano_code
from entrocode.errors import CodebookError

FIVE = "a=0.4,b=0.2,c=0.2,d=0.1,e=0.1"
REPO = Path(__file__).resolve().parent.parent
TEMPERATURES = str(REPO / "samples" / "temperatures.json")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in-process; return (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


# A compact parser of the drawn tree (see tests/test_render.py for the full one).
_LINE = re.compile(r"^((?:[│|]    |     )*)[├└|`][─-]([01])[─-] (.*)$")
_LEAF = re.compile(r"^(.*): ([01]+) \(([^()]+)\)$")


def tree_codewords(lines: list[str]) -> dict[str, str]:
    """{symbol: codeword} from the branch bits of a drawn tree (its lines, root first)."""
    assert re.fullmatch(r"\([^()]+\)", lines[0]), lines[0]
    found: dict[str, str] = {}
    path: list[str] = []
    for line in lines[1:]:
        m = _LINE.match(line)
        assert m, line
        depth = len(m[1]) // 5
        path = [*path[:depth], m[2]]
        leaf = _LEAF.match(m[3])
        if leaf:
            assert leaf[2] == "".join(path)
            found[leaf[1]] = "".join(path)
    return found


def section(out: str, title: str) -> list[str]:
    """The lines after the line starting with ``title``, up to a blank line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rest = lines[start + 1:]
    return rest[: rest.index("")] if "" in rest else rest


# ---------------------------------------------------------------------------
# The existing output is unchanged
# ---------------------------------------------------------------------------
def test_codebook_output_without_new_options_is_unchanged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "codebook", FIVE) == (0, "\n".join([
        "symbol  probability  codeword  length  surprisal",
        "------  -----------  --------  ------  ---------",
        "a               0.4  00             2     1.3219",
        "b               0.2  01             2     2.3219",
        "c               0.2  10             2     2.3219",
        "d               0.1  110            3     3.3219",
        "e               0.1  111            3     3.3219",
        "",
        "expected length L = 2.2000 bits/symbol",
        "entropy         H = 2.1219 bits/symbol",
        "redundancy  L - H = 0.0781 bits/symbol (efficiency 96.45%)",
        "Kraft sum         = 1",
    ]) + "\n", "")


def test_codebook_json_keys_without_new_options(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "codebook", FIVE, "--json")
    assert list(json.loads(out)) == ["unit", "entropy", "expected_length", "redundancy",
                                     "kraft_sum", "max_length", "code"]


def test_analyze_output_without_plot_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "analyze", "1,0", "0.8,0.2")
    assert code == 0
    assert out.splitlines()[3:5] == ["H(Q)              = 0.7219 bits",
                                     "H(P,Q)            = 0.3219 bits"]
    assert "plot" not in out


# ---------------------------------------------------------------------------
# --tree, --ascii, --trace, --dot
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("spec", [FIVE, "a=0.5,b=0.25,c=0.25", "x=1", "a=0.5,b=0,c=0.5",
                                  "5,3,1,1", TEMPERATURES])
@pytest.mark.parametrize("flag", ["--tree", "--ascii"])
def test_printed_tree_matches_the_codebook(capsys: pytest.CaptureFixture[str], spec: str,
                                           flag: str) -> None:
    normalize = ["--normalize"] if spec == "5,3,1,1" else []
    code, out, _ = run(capsys, "codebook", spec, flag, *normalize)
    assert code == 0
    lines = out.splitlines()
    start = lines.index("a leaf symbol: codeword (probability)") + 1
    drawn = tree_codewords(lines[start:])
    expected = huffman_code(parse_spec(spec, normalize=bool(normalize))).codewords
    assert drawn == {str(s): w for s, w in expected.items()}
    if flag == "--ascii":
        assert "\n".join(lines[start:]).isascii()


@pytest.mark.parametrize("method", ["shannon", "fano"])
def test_printed_tree_of_other_methods(capsys: pytest.CaptureFixture[str], method: str) -> None:
    _, out, _ = run(capsys, "codebook", "a=0.35,b=0.17,c=0.17,d=0.16,e=0.15", "--method", method,
                    "--tree")
    lines = out.splitlines()
    start = lines.index("a leaf symbol: codeword (probability)") + 1
    dist = parse_spec("a=0.35,b=0.17,c=0.17,d=0.16,e=0.15")
    build = shannon_code if method == "shannon" else shannon_fano_code
    assert tree_codewords(lines[start:]) == build(dist).codewords


def test_trace(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "codebook", FIVE, "--trace")
    assert code == 0
    assert section(out, "left (on equal weights") == [
        "step  lightest  weight  2nd lightest  weight  new node  weight  symbols below",
        "----  --------  ------  ------------  ------  --------  ------  -------------",
        "   1  d            0.1  e                0.1  n1           0.2  d, e",
        "   2  b            0.2  c                0.2  n2           0.4  b, c",
        "   3  n1           0.2  a                0.4  n3           0.6  d, e, a",
        "   4  n2           0.4  n3               0.6  n4             1  b, c, d, e, a",
    ]


def test_trace_with_counts_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "codebook", "5,3,1,1", "--normalize", "--trace")
    assert "(the weights are the counts)" in out.splitlines()


def test_trace_and_tree_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "codebook", FIVE, "--trace", "--tree", "--json")
    data = json.loads(out)
    assert data["merges"][0] == {"step": 1, "left": ["d"], "right": ["e"], "left_weight": 0.1,
                                 "right_weight": 0.1, "weight": 0.2}
    assert len(data["merges"]) == 4
    leaves = {n["symbol"]: n["prefix"] for n in data["tree"] if n["leaf"]}
    assert leaves == {e["symbol"]: e["codeword"] for e in data["code"]}
    assert data["tree"][0] == {"prefix": "", "weight": 1.0, "leaf": False}


def test_dot_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "tree.dot"
    code, out, _ = run(capsys, "codebook", FIVE, "--dot", str(target))
    assert code == 0
    assert out.splitlines()[-1] == (f"code tree written to {target} (render it: dot -Tpng "
                                    f"{target} -o tree.png)")
    text = target.read_text(encoding="utf-8")
    assert text.startswith('digraph "code_tree" {')
    for sym, word in huffman_code(parse_spec(FIVE)).codewords.items():
        assert f'label="{sym}\\n{word}\\n' in text
    assert {p.name for p in tmp_path.iterdir()} == {"tree.dot"}


def test_dot_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "codebook", "a=0.5,b=0.5", "--dot", "-")
    assert code == 0
    assert out.startswith('digraph "code_tree" {') and out.endswith("}\n")
    assert 'n0 [label="a\\n0\\np=0.5", shape=box];' in out


def test_dot_into_missing_folder_is_one_line(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    code, out, err = run(capsys, "codebook", FIVE, "--dot", str(tmp_path / "no" / "t.dot"))
    assert code == 1 and out == ""
    assert err.startswith("entrocode: error: ") and err.count("\n") == 1


# ---------------------------------------------------------------------------
# --method
# ---------------------------------------------------------------------------
def test_method_comparison_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "codebook", "a=0.35,b=0.17,c=0.17,d=0.16,e=0.15",
                       "--method", "fano")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Shannon-Fano code (split into halves of equal weight, top down):"
    assert "expected length L = 2.3100 bits/symbol" in lines
    assert section(out, "all constructions") == [
        "method   expected length  redundancy  over Huffman  longest codeword",
        "-------  ---------------  ----------  ------------  ----------------",
        "huffman           2.3000      0.0672        0.0000                 3",
        "shannon           2.6500      0.4172        0.3500                 3",
        "fano              2.3100      0.0772        0.0100                 3",
    ]


def test_method_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "codebook", "a=0.9,b=0.1", "--method", "shannon", "--json")
    data = json.loads(out)
    assert data["method"] == "shannon"
    assert [c["codeword"] for c in data["code"]] == ["0", "1000"]
    assert [(c["method"], round(c["expected_length"], 6)) for c in data["comparison"]] == [
        ("huffman", 1.0), ("shannon", 1.3), ("fano", 1.0)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "shannon", "--max-length", "3"],
         "--method shannon compares unconstrained codes; it cannot be combined with "
         "--max-length"),
        (["--method", "huffman", "--max-length", "3"],
         "--method huffman compares unconstrained codes; it cannot be combined with "
         "--max-length"),
        (["--method", "fano", "--trace"],
         "--trace shows Huffman's merges; it does not apply to --method fano"),
        (["--trace", "--max-length", "3"],
         "--trace shows Huffman's merges, which a --max-length code (package-merge) does not "
         "follow"),
        (["--lengths", "2,2,2,3,3", "--method", "huffman"],
         "--lengths checks your own lengths; it cannot be combined with --method"),
        (["--lengths", "2,2,2,3,3", "--max-length", "3"],
         "--lengths checks your own lengths; it cannot be combined with --max-length"),
        (["--lengths", "2,2,2,3,3", "--trace"],
         "--trace shows Huffman's merges; it does not apply to --lengths"),
        (["--dot", "-", "--json"],
         "--dot - prints only the DOT; write it to a file to combine it with other output"),
    ],
)
def test_meaningless_combinations_are_usage_errors(capsys: pytest.CaptureFixture[str],
                                                   args: list[str], message: str) -> None:
    code, out, err = run(capsys, "codebook", FIVE, *args)
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == f"Error: {message}"


# ---------------------------------------------------------------------------
# --lengths
# ---------------------------------------------------------------------------
def test_lengths_optimal(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "codebook", FIVE, "--lengths", "1,2,3,4,4") == (0, "\n".join([
        "symbol  probability  length  codeword  surprisal",
        "------  -----------  ------  --------  ---------",
        "a               0.4       1  0            1.3219",
        "b               0.2       2  10           2.3219",
        "c               0.2       3  110          2.3219",
        "d               0.1       4  1110         3.3219",
        "e               0.1       4  1111         3.3219",
        "",
        "Kraft sum         = 1 (= 1: a complete prefix code exists)",
        "expected length L = 2.2000 bits/symbol",
        "optimal length    = 2.2000 bits/symbol (Huffman code)",
        "entropy         H = 2.1219 bits/symbol",
        "verdict: optimal: no prefix code has a smaller expected length",
    ]) + "\n", "")


def test_lengths_incomplete_with_tree(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "codebook", FIVE, "--lengths", "2,2,3,3,3", "--tree")
    lines = out.splitlines()
    assert "Kraft sum         = 7/8 = 0.875 (< 1: a prefix code exists, but some branches are " \
           "unused)" in lines
    assert lines[lines.index("a leaf symbol: codeword (probability)") + 1:][-1].endswith("unused")
    start = lines.index("a leaf symbol: codeword (probability)") + 1
    assert tree_codewords(lines[start:]) == {"a": "00", "b": "01", "c": "100", "d": "101",
                                             "e": "110"}


def test_lengths_over_full(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "codebook", FIVE, "--lengths", "1,1,3,3,3", "--tree")
    assert code == 0
    lines = out.splitlines()
    assert lines[2] == "a               0.4       1  -            1.3219"
    assert "Kraft sum         = 11/8 = 1.375 (> 1: over-full, no prefix code has these " \
           "lengths)" in lines
    assert lines[-1] == "no code tree: no prefix code has these lengths"


def test_lengths_over_full_has_no_dot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "codebook", FIVE, "--lengths", "1,1,3,3,3", "--dot",
                         str(tmp_path / "t.dot"))
    assert (code, out) == (1, "")
    assert err == ("entrocode: error: no prefix code has these lengths (Kraft sum > 1), so "
                   "there is no tree to write\n")
    assert not list(tmp_path.iterdir())


def test_lengths_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "codebook", FIVE, "--lengths", "2,2,2,3,3", "--json")
    data = json.loads(out)
    assert data["optimal"] is True and data["kraft_sum_exact"] == "1"
    assert data["lengths"][3] == {"symbol": "d", "probability": 0.1, "length": 3,
                                  "codeword": "110"}
    _, out, _ = run(capsys, "codebook", FIVE, "--lengths", "1,1,2,3,3", "--json")
    data = json.loads(out)
    assert data["prefix_code_exists"] is False and data["optimal"] is False
    assert data["lengths"][0]["codeword"] is None and data["kraft_sum_exact"] == "3/2"


@pytest.mark.parametrize(
    ("lengths", "error"),
    [
        ("1,2,3", "3 code lengths for 5 symbols: give one length per symbol (a, b, c, d, e)"),
        ("1,2,x,4,4", "code length 3: 'x' is not a whole number"),
        ("1,2,3,4,-4", "code length 5: -4 is negative"),
        ("1,2,3,4,0", "symbol 'e' has probability 0.1 but length 0: every symbol that can occur "
                      "needs a codeword"),
    ],
)
def test_bad_lengths_are_one_line(capsys: pytest.CaptureFixture[str], lengths: str,
                                  error: str) -> None:
    assert run(capsys, "codebook", FIVE, f"--lengths={lengths}") == (
        1, "", f"entrocode: error: {error}\n")


# ---------------------------------------------------------------------------
# analyze --plot
# ---------------------------------------------------------------------------
def test_analyze_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "catdog.png"
    code, out, _ = run(capsys, "analyze", "cat=1,dog=0", "cat=0.8,dog=0.2", "--plot",
                       str(target))
    assert code == 0
    assert out.splitlines()[-1] == f"plot written to {target}"
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, err = run(capsys, "analyze", "0.5,0.5", "--plot", str(target), "--json")
    assert (code, out) == (1, "")
    assert err == f"entrocode: error: {target} already exists; use -f to overwrite\n"
    _, out, _ = run(capsys, "analyze", "0.5,0.5", "--plot", str(target), "--json", "-f")
    assert json.loads(out)["entropy_p"] == 1.0


# ---------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------
def test_explain_abca(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "a=0.5,b=0.25,c=0.25", "abca")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "message: a b c a (4 symbols)"
    start = lines.index("a leaf symbol: codeword (probability)") + 1
    assert tree_codewords(lines[start:start + 5]) == {"a": "0", "b": "10", "c": "11"}
    assert "bits: 010110" in lines
    assert section(out, "and start again at the root.") == [
        "bit  read  path  emit",
        "---  ----  ----  ----",
        "  1  0     0     a",
        "  2  1     1",
        "  3  0     10    b",
        "  4  1     1",
        "  5  1     11    c",
        "  6  0     0     a",
    ]
    assert lines[-7:] == [
        "decoded: a b c a",
        "matches the message: yes",
        "entrocode's codec writes the same bits, and its reference decoder reads the message back",
        "",
        "bits used           = 6",
        "information content = 6.0000 bits (sum of -log2 p over the 4 symbols)",
        "difference          = +0.0000 bits (+0.0000 per symbol)",
    ]


@pytest.mark.parametrize(
    ("spec", "message", "symbols"),
    [
        ("a=0.5,b=0.25,c=0.25", "abca", ["a", "b", "c", "a"]),
        ("a=0.5,b=0.25,c=0.25", "a,b c, a", ["a", "b", "c", "a"]),
        ("sun=0.5,rain=0.3,snow=0.2", "sun,rain,sun,snow", ["sun", "rain", "sun", "snow"]),
        ("sun=0.5,rain=0.3,snow=0.2", "sun rain  sun", ["sun", "rain", "sun"]),
        ("sun=0.5,rain=0.3,snow=0.2", " sun , rain ", ["sun", "rain"]),
        ("0.5,0.5", "0110", ["0", "1", "1", "0"]),
        (TEMPERATURES, "105,100,162", ["105", "100", "162"]),
    ],
)
def test_explain_message_rules(capsys: pytest.CaptureFixture[str], spec: str, message: str,
                               symbols: list[str]) -> None:
    assert split_message(message, parse_spec(spec)) == tuple(symbols)
    code, out, _ = run(capsys, "explain", spec, message, "--json")
    assert code == 0
    data = json.loads(out)
    book = huffman_code(parse_spec(spec))
    assert data["message"] == symbols
    assert data["bits"] == book.encode(symbols)
    assert data["decoded"] == symbols and data["matches"] is True
    assert data["bit_count"] == len(data["bits"])
    assert data["codec_checked"] is True


def test_explain_spaces_and_commas_as_symbols() -> None:
    from entrocode import Distribution

    assert split_message("a b", parse_spec("a=0.5,b=0.5")) == ("a", "b")

    with_space = Distribution.from_probabilities({"a": 0.5, " ": 0.25, ",": 0.25})
    assert split_message("a ,a", with_space) == ("a", " ", ",", "a")


def test_explain_other_methods(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "explain", "a=0.9,b=0.1", "ab", "--method", "shannon", "--json")
    data = json.loads(out)
    assert data["bits"] == "01000" and data["method"] == "shannon"
    _, out, _ = run(capsys, "explain", "a=0.9,b=0.1", "ab", "--method", "shannon", "--ascii")
    assert "Shannon code of a=0.9,b=0.1: each branch is a code bit; a node shows (its weight)," \
           in out.splitlines()
    assert "     |    |    `-1- unused" in out.splitlines()


def test_explain_max_length(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "explain", TEMPERATURES, "162", "--max-length", "4", "--json")
    data = json.loads(out)
    assert len(data["bits"]) <= 4
    code, _, err = run(capsys, "explain", "a=0.5,b=0.5", "ab", "--method", "fano",
                       "--max-length", "4")
    assert code == 2
    assert err.splitlines()[-1] == ("Error: --max-length applies to Huffman codes only, not to "
                                    "--method fano")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["a=0.5,b=0.5", "abz"], "symbol 'z' is not in the distribution (a, b)"),
        (["a=0.5,b=0.5,c=0", "abc"], "symbol 'c' has probability 0, so it has no codeword"),
        (["a=0.5,b=0.5", ", ,"], "the message is empty: give at least one symbol"),
        (["sun=0.5,rain=0.5", "sun,,rain"],
         "empty symbol in message 'sun,,rain' (two commas in a row?)"),
        (["sun=0.5,rain=0.5", "sunrain"],
         "symbol 'sunrain' is not in the distribution (sun, rain)"),
        (["a=0.5,b=0.6", "ab"], None),
    ],
)
def test_explain_errors_are_one_line(capsys: pytest.CaptureFixture[str], args: list[str],
                                     error: str | None) -> None:
    code, out, err = run(capsys, "explain", *args)
    assert code == 1 and out == ""
    assert err.startswith("entrocode: error: ") and err.count("\n") == 1
    if error is not None:
        assert err == f"entrocode: error: {error}\n"


def test_explain_long_message_bits_are_abbreviated_in_the_running_column(
    capsys: pytest.CaptureFixture[str],
) -> None:
    message = "abcd" * 20
    _, out, _ = run(capsys, "explain", "a=0.25,b=0.25,c=0.25,d=0.25", message)
    lines = out.splitlines()
    assert f"bits: {'00011011' * 20}" in lines
    assert any(line.endswith("…" + ("00011011" * 20)[-47:]) for line in lines)
    assert "matches the message: yes" in lines


def test_split_message_errors() -> None:
    with pytest.raises(CodebookError, match="the message is empty"):
        split_message("   ", parse_spec("sun=0.5,rain=0.5"))


@pytest.mark.parametrize("command", [
    ["codebook", "a=0.5,b=0.5", "--dot"],
    ["sample", "a=0.5,b=0.5", "-n", "3", "--seed", "1", "-o"],
])
def test_named_outputs_are_never_overwritten_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str],
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("keep me")
    code, out, err = run(capsys, *command, str(target))
    assert (code, out) == (1, "")
    assert err == f"entrocode: error: {target} already exists; use -f to overwrite\n"
    assert target.read_text() == "keep me"
    code, _, _ = run(capsys, *command, str(target), "-f")
    assert code == 0
    assert target.read_text() != "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary file left
