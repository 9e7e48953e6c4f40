"""Tests of entrocode.distribution: constructors, immutability, DIST specs and their errors."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import numpy as np
import pytest

from entrocode import Distribution, DistributionError, EntrocodeError, parse_spec


def _message(call) -> str:
    """Run ``call``; it must raise a DistributionError (a ValueError). Return the message."""
    with pytest.raises(DistributionError) as info:
        call()
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, EntrocodeError)
    return str(info.value)


# ---------------------------------------------------------------------------
# Constructors
# ---------------------------------------------------------------------------
def test_from_probabilities_sequence_gets_symbols_0_1_2():
    d = Distribution.from_probabilities([0.5, 0.25, 0.25])
    assert d.symbols == ("0", "1", "2")
    assert d.probabilities.tolist() == [0.5, 0.25, 0.25]
    assert d["1"] == 0.25
    assert d.counts is None


def test_from_probabilities_mapping_keeps_key_order():
    d = Distribution.from_probabilities({"z": 0.1, "a": 0.9})
    assert d.symbols == ("z", "a")
    assert d.as_dict() == {"z": 0.1, "a": 0.9}
    assert d.items() == [("z", 0.1), ("a", 0.9)]
    assert list(d) == ["z", "a"]
    assert len(d) == 2
    assert "a" in d and "b" not in d
    assert d.index("a") == 1


def test_from_probabilities_with_explicit_symbols():
    d = Distribution.from_probabilities(np.array([0.75, 0.25]), symbols=[b"x", b"y"])
    assert d.symbols == (b"x", b"y")
    assert d[b"x"] == 0.75


def test_missing_symbol_lookup():
    d = Distribution.from_probabilities({"a": 1.0})
    with pytest.raises(KeyError):
        d["b"]
    assert d.get("b") == 0.0
    assert d.get("b", 0.5) == 0.5


def test_zero_probability_symbols_are_kept_but_not_in_the_support():
    d = Distribution.from_probabilities({"a": 0.5, "b": 0.0, "c": 0.5})
    assert d.symbols == ("a", "b", "c")
    assert d.support == ("a", "c")
    assert d["b"] == 0.0


def test_from_counts_divides_by_the_total_and_keeps_the_counts():
    d = Distribution.from_counts({"a": 6, "b": 3, "c": 1, "d": 0})
    assert d.probabilities.tolist() == pytest.approx([0.6, 0.3, 0.1, 0.0], rel=1e-15)
    assert d.counts == (6, 3, 1, 0)
    assert all(isinstance(c, int) for c in d.counts)
    assert math.fsum(d.probabilities.tolist()) == pytest.approx(1.0, abs=1e-15)


def test_from_counts_with_fractional_weights_has_no_counts():
    d = Distribution.from_counts([0.5, 1.5])
    assert d.probabilities.tolist() == [0.25, 0.75]
    assert d.counts is None


def test_from_counts_with_weights_whose_sum_exceeds_the_float_range():
    d = Distribution.from_counts([1e308, 1e308, 1e308])
    assert d.probabilities.tolist() == pytest.approx([1 / 3] * 3, rel=1e-12)


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([0, 0], "counts sum to 0: at least one must be positive"),
        ([3, -1], "counts[1] = -1.0 is negative"),
        ([math.nan, 1], "counts[0] = nan is NaN"),
        ([1, math.inf], "counts[1] = inf is infinite"),
        ([], "counts is empty"),
        ("abc", "expected numbers, got 'abc'"),
    ],
)
def test_from_counts_errors(counts, message):
    assert _message(lambda: Distribution.from_counts(counts)) == message


def test_from_counts_does_not_need_a_sum_of_one_but_from_probabilities_does():
    assert Distribution.from_counts([2, 2]).probabilities.tolist() == [0.5, 0.5]
    msg = _message(lambda: Distribution.from_probabilities([2, 2]))
    assert msg.startswith("probabilities must sum to 1 within 1e-09, but sums to 4.0")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: Distribution.from_probabilities([0.5, -0.1, 0.6]),
            "probabilities[1] = -0.1 is negative",
        ),
        (lambda: Distribution.from_probabilities([math.nan, 1.0]), "probabilities[0] = nan is NaN"),
        (
            lambda: Distribution.from_probabilities([1.0, math.inf]),
            "probabilities[1] = inf is infinite",
        ),
        (lambda: Distribution.from_probabilities([]), "probabilities is empty"),
        (
            lambda: Distribution.from_probabilities([0.5, 0.5], ["a"]),
            "1 symbols but 2 values: the lengths must match",
        ),
        (
            lambda: Distribution.from_probabilities([0.5, 0.5], ["a", "a"]),
            "duplicate symbol 'a'",
        ),
        (
            lambda: Distribution.from_probabilities({"a": 1.0}, ["a"]),
            "pass symbols either as mapping keys or as symbols=, not both",
        ),
        (
            lambda: Distribution.from_probabilities([0.5, 0.6]),
            "probabilities must sum to 1 within 1e-09, but sums to 1.1 "
            "(pass weights or counts with normalize=True / --normalize)",
        ),
    ],
    ids=["negative", "nan", "inf", "empty", "lengths", "duplicate", "both", "sum"],
)
def test_from_probabilities_errors_quote_the_value(call, message):
    assert _message(call) == message


def test_sum_within_1e_9_is_accepted_and_beyond_is_refused():
    ok = Distribution.from_probabilities([0.5, 0.5 + 9e-10])
    assert ok["1"] == 0.5 + 9e-10  # accepted as given, not renormalised
    total = 0.5 + (0.5 + 2e-9)
    msg = _message(lambda: Distribution.from_probabilities([0.5, 0.5 + 2e-9]))
    assert f"sums to {total!r}" in msg


# ---------------------------------------------------------------------------
# Immutability and inputs left alone
# ---------------------------------------------------------------------------
def test_distribution_is_immutable():
    d = Distribution.from_probabilities({"a": 0.5, "b": 0.5})
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.symbols = ("x", "y")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.probabilities = np.array([1.0, 0.0])  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        d.probabilities[0] = 1.0
    with pytest.raises(ValueError):
        d.probabilities.flags.writeable = True
    assert isinstance(d.symbols, tuple)
    assert d.probabilities.tolist() == [0.5, 0.5]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Distribution.from_counts([1, 2, 3]),
        lambda: Distribution.from_counts([1, 2, 3]).smoothed(1),
        lambda: Distribution.from_data(b"abracadabra"),
        lambda: parse_spec("a=0.5,b=0.5"),
        lambda: Distribution(("a", "b"), np.array([0.5, 0.5])),
    ],
    ids=["counts", "smoothed", "data", "spec", "direct"],
)
def test_every_constructor_gives_read_only_probabilities(make):
    d = make()
    assert not d.probabilities.flags.writeable
    with pytest.raises(ValueError):
        d.probabilities.flags.writeable = True


def test_inputs_are_not_modified_nor_shared():
    probs = np.array([0.25, 0.75])
    counts = np.array([3.0, 1.0])
    plist = [0.25, 0.75]
    mapping = {"a": 0.25, "b": 0.75}
    d1 = Distribution.from_probabilities(probs)
    d2 = Distribution.from_counts(counts)
    d3 = Distribution.from_probabilities(plist)
    d4 = Distribution.from_probabilities(mapping)
    assert probs.tolist() == [0.25, 0.75] and probs.flags.writeable
    assert counts.tolist() == [3.0, 1.0] and counts.flags.writeable
    assert plist == [0.25, 0.75]
    assert mapping == {"a": 0.25, "b": 0.75}
    # changing the inputs afterwards does not reach the distributions
    probs[0], counts[0], plist[0], mapping["a"] = 9.0, 9.0, 9.0, 9.0
    assert d1.probabilities.tolist() == [0.25, 0.75]
    assert d2.probabilities.tolist() == [0.75, 0.25]
    assert d3.probabilities.tolist() == [0.25, 0.75]
    assert d4["a"] == 0.25


def test_views_are_copies():
    d = Distribution.from_probabilities({"a": 0.5, "b": 0.5})
    as_dict = d.as_dict()
    as_dict["a"] = 1.0
    items = d.items()
    items.clear()
    assert d["a"] == 0.5
    assert len(d.items()) == 2


def test_equality_and_hash():
    a = Distribution.from_probabilities({"a": 0.5, "b": 0.5})
    b = parse_spec("a=0.5,b=0.5")
    c = parse_spec("b=0.5,a=0.5")
    assert a == b and hash(a) == hash(b)
    assert a != c  # the order of symbols is part of the distribution
    assert len({a, b, c}) == 2


# ---------------------------------------------------------------------------
# from_data, in each symbol mode
# ---------------------------------------------------------------------------
def test_from_data_bytes():
    d = Distribution.from_data("héé".encode(), "bytes")  # h, then é = C3 A9 twice
    assert d.as_dict() == pytest.approx({b"h": 0.2, b"\xc3": 0.4, b"\xa9": 0.4}, rel=1e-15)
    # only the symbols that occur, in sorted order of their bytes
    assert d.symbols == (b"h", b"\xa9", b"\xc3")
    assert d.counts == (1, 2, 2)


def test_from_data_bytes_is_the_default_mode():
    assert Distribution.from_data(b"aab") == Distribution.from_data(b"aab", "bytes")


def test_from_data_chars_counts_code_points():
    d = Distribution.from_data("héé", "chars")
    assert d.as_dict() == pytest.approx({b"h": 1 / 3, "é".encode(): 2 / 3}, rel=1e-15)
    assert d.symbols == (b"h", "é".encode())
    assert d.counts == (1, 2)


def test_from_data_words_alternates_word_and_non_word_runs():
    d = Distribution.from_data(b"to be or not to be", "words")
    # to, " ", be, " ", or, " ", not, " ", to, " ", be: 11 symbols
    expected = {b"to": 2, b" ": 5, b"be": 2, b"or": 1, b"not": 1}
    assert d.as_dict() == pytest.approx({k: v / 11 for k, v in expected.items()}, rel=1e-15)
    assert dict(zip(d.symbols, d.counts, strict=True)) == expected


def test_from_data_lines_keeps_the_newline_and_a_last_unterminated_line():
    d = Distribution.from_data(b"a\nb\na\na", "lines")
    # "a\n" twice, "b\n" once, and the final "a" without newline is its own symbol
    counts = dict(zip(d.symbols, d.counts, strict=True))
    assert counts == {b"a\n": 2, b"b\n": 1, b"a": 1}
    assert d[b"a\n"] == 0.5


def test_from_data_accepts_str_as_utf8():
    assert Distribution.from_data("abba", "chars") == Distribution.from_data(b"abba", "chars")


def test_from_data_errors():
    assert _message(lambda: Distribution.from_data(b"")) == "data is empty: no symbols to count"
    assert _message(lambda: Distribution.from_data("", "words")).startswith("data is empty")
    with pytest.raises(EntrocodeError, match=re.escape("0xff")):
        Distribution.from_data(b"ok\xff", "chars")
    with pytest.raises(EntrocodeError, match="nibbles"):
        Distribution.from_data(b"ab", "nibbles")


# ---------------------------------------------------------------------------
# smoothed
# ---------------------------------------------------------------------------
def test_smoothed_adds_alpha_to_the_counts():
    d = Distribution.from_counts({"a": 3, "b": 1, "c": 0})
    s = d.smoothed(1)  # Laplace: (3+1, 1+1, 0+1) / 7
    assert s.symbols == ("a", "b", "c")
    assert s.probabilities.tolist() == pytest.approx([4 / 7, 2 / 7, 1 / 7], rel=1e-15)
    assert d.probabilities.tolist() == pytest.approx([0.75, 0.25, 0.0])  # unchanged
    half = d.smoothed(0.5)  # (3.5, 1.5, 0.5) / 5.5
    assert half.probabilities.tolist() == pytest.approx([3.5 / 5.5, 1.5 / 5.5, 0.5 / 5.5])


def test_smoothed_without_counts_uses_the_probabilities_as_weights():
    d = Distribution.from_probabilities({"a": 0.5, "b": 0.5, "c": 0.0})
    s = d.smoothed(1)  # (1.5, 1.5, 1.0) / 4
    assert s.probabilities.tolist() == pytest.approx([0.375, 0.375, 0.25], rel=1e-15)
    assert s.support == ("a", "b", "c")


@pytest.mark.parametrize("alpha", [0, -1, math.nan, math.inf])
def test_smoothed_refuses_non_positive_alpha(alpha):
    d = Distribution.from_counts([1, 1])
    assert _message(lambda: d.smoothed(alpha)) == (
        f"smoothing must be a positive number, got {alpha!r}"
    )


# ---------------------------------------------------------------------------
# DIST specs
# ---------------------------------------------------------------------------
def test_spec_pairs():
    d = parse_spec("a=0.5,b=0.25,c=0.25")
    assert d.symbols == ("a", "b", "c")
    assert d.probabilities.tolist() == [0.5, 0.25, 0.25]
    assert Distribution.from_spec("a=0.5,b=0.25,c=0.25") == d


def test_spec_pairs_ignore_spaces_around_symbols_and_values():
    assert parse_spec(" a = 0.5 , b=0.5 ").as_dict() == {"a": 0.5, "b": 0.5}


def test_spec_bare_values_get_symbols_0_1():
    d = parse_spec("0.9,0.1")
    assert d.symbols == ("0", "1")
    assert d.as_dict() == {"0": 0.9, "1": 0.1}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("1.2e-05,0.999988", [1.2e-05, 0.999988]),
        ("a=1.2e-05,b=0.999988", [1.2e-05, 0.999988]),
        ("1.2E-5,0.999988", [1.2e-05, 0.999988]),
        ("+.5,5e-1", [0.5, 0.5]),
        ("1,0", [1.0, 0.0]),
        ("1.,0.", [1.0, 0.0]),
    ],
)
def test_spec_values_are_any_float_literal(spec, expected):
    assert parse_spec(spec).probabilities.tolist() == expected


def test_spec_json_file(tmp_path):
    path = tmp_path / "dist.json"
    path.write_text(json.dumps({"sun": 0.5, "rain": 0.25, "snow": 2.5e-1}))
    d = parse_spec(str(path))
    assert d.symbols == ("sun", "rain", "snow")
    assert d.probabilities.tolist() == [0.5, 0.25, 0.25]
    upper = tmp_path / "DIST.JSON"
    upper.write_text('{"x": 1}')
    assert parse_spec(str(upper)).as_dict() == {"x": 1.0}


def test_spec_normalize_treats_values_as_weights(tmp_path):
    d = parse_spec("x=3,y=1", normalize=True)
    assert d.as_dict() == {"x": 0.75, "y": 0.25}
    assert d.counts == (3, 1)
    assert parse_spec("5,3,1,1", normalize=True).probabilities.tolist() == [0.5, 0.3, 0.1, 0.1]
    path = tmp_path / "counts.json"
    path.write_text('{"a": 30, "b": 10}')
    assert parse_spec(str(path), normalize=True).as_dict() == {"a": 0.75, "b": 0.25}
    assert Distribution.from_spec("2,2", normalize=True).as_dict() == {"0": 0.5, "1": 0.5}


def test_spec_without_normalize_must_sum_to_one():
    msg = _message(lambda: parse_spec("x=3,y=1"))
    assert msg.startswith("probabilities must sum to 1 within 1e-09, but sums to 4.0")
    assert "--normalize" in msg
    assert parse_spec("0.5,0.5000000009").probabilities.tolist() == [0.5, 0.5000000009]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("a=0.5,a=0.5", "duplicate symbol 'a' in DIST spec"),
        ("a=0.5, a =0.5", "duplicate symbol 'a' in DIST spec"),
        ("a=1.5,b=-0.5", "symbol 'b': value '-0.5' is negative"),
        ("1.5,-0.5", "entry 1: value '-0.5' is negative"),
        ("a=nan,b=1", "symbol 'a': value 'nan' is NaN"),
        ("NaN,1", "entry 0: value 'NaN' is NaN"),
        ("a=inf,b=0", "symbol 'a': value 'inf' is infinite"),
        ("0.5,-Infinity", "entry 1: value '-Infinity' is infinite"),
        ("a=x,b=1", "symbol 'a': 'x' is not a number"),
        ("0.5,half", "entry 1: 'half' is not a number"),
        ("0x1,0", "entry 0: '0x1' is not a number"),
        ("a=,b=1", "symbol 'a': '' is not a number"),
        ("=0.5,b=0.5", "missing symbol before '=' in '=0.5'"),
        ("a=0.5,0.5", "DIST spec 'a=0.5,0.5' mixes symbol=value pairs and bare values"),
        ("0.5,,0.5", "empty entry in DIST spec '0.5,,0.5'"),
        ("0.5,0.5,", "empty entry in DIST spec '0.5,0.5,'"),
        (",", "empty entry in DIST spec ','"),
    ],
)
def test_bad_inline_specs(spec, message):
    assert _message(lambda: parse_spec(spec)) == message
    # --normalize does not relax any of these rules
    assert _message(lambda: parse_spec(spec, normalize=True)) == message


@pytest.mark.parametrize("spec", ["", "   ", "\t\n"])
def test_empty_spec(spec):
    assert _message(lambda: parse_spec(spec)) == (
        "empty DIST spec: give pairs like a=0.5,b=0.5, values like 0.9,0.1, or a .json file"
    )


def test_spec_must_be_a_string():
    assert _message(lambda: parse_spec(0.5)) == "a DIST spec must be a string, got 0.5"  # type: ignore[arg-type]


def _json_file(tmp_path, text: str, name: str = "d.json") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 0.5, "a": 0.5}', "duplicate symbol 'a' in DIST file {path!r}"),
        ("[0.5, 0.5]", 'DIST file {path!r} must hold a JSON object {{"symbol": probability}}'),
        ("0.5", 'DIST file {path!r} must hold a JSON object {{"symbol": probability}}'),
        ("{}", "DIST file {path!r} holds no symbols"),
        ('{"a": 0.5,', "DIST file {path!r} is not valid JSON: Expecting property name enclosed "
                       "in double quotes at line 1"),
        ("not json", "DIST file {path!r} is not valid JSON: Expecting value at line 1"),
        ("", "DIST file {path!r} is not valid JSON: Expecting value at line 1"),
        ('{"a": 1.5, "b": -0.5}', "symbol 'b': value '-0.5' is negative"),
        ('{"a": NaN, "b": 1}', "symbol 'a': value 'nan' is NaN"),
        ('{"a": Infinity, "b": 0}', "symbol 'a': value 'inf' is infinite"),
        ('{"a": 1e400, "b": 0}', "symbol 'a': value 'inf' is infinite"),
        ('{"a": "0.5", "b": 0.5}', "symbol 'a': '0.5' is not a number"),
        ('{"a": true}', "symbol 'a': True is not a number"),
        ('{"a": null}', "symbol 'a': None is not a number"),
        ('{"a": [1]}', "symbol 'a': [1] is not a number"),
        ('{"a": 0.5, "b": 0.6}', "probabilities must sum to 1 within 1e-09, but sums to 1.1"),
    ],
)
def test_bad_json_specs(tmp_path, text, message):
    path = _json_file(tmp_path, text)
    msg = _message(lambda: parse_spec(path))
    assert msg.startswith(message.format(path=path)), msg


def test_json_integer_beyond_the_float_range_is_an_error_not_a_crash(tmp_path):
    path = _json_file(tmp_path, '{"a": 1' + "0" * 400 + ', "b": 1}')
    msg = _message(lambda: parse_spec(path, normalize=True))
    assert msg.startswith("symbol 'a': value 1000")
    assert msg.endswith("is too large (not a finite float)")
    path = _json_file(tmp_path, '{"a": 1' + "0" * 5000 + "}", "huge.json")
    assert _message(lambda: parse_spec(path)).startswith(f"DIST file {path!r} cannot be read")
    path = _json_file(tmp_path, "[" * 100_000 + "]" * 100_000, "deep.json")
    assert _message(lambda: parse_spec(path)).startswith(f"DIST file {path!r} cannot be read")


def test_missing_json_file(tmp_path):
    path = str(tmp_path / "nope.json")
    assert _message(lambda: parse_spec(path)) == f"DIST file {path!r} does not exist"
    assert _message(lambda: parse_spec("~no-such-user-x/d.json")) == (
        "DIST file '~no-such-user-x/d.json' does not exist"
    )


def test_json_path_that_is_a_directory(tmp_path):
    path = tmp_path / "dir.json"
    path.mkdir()
    assert _message(lambda: parse_spec(str(path))) == f"DIST file {str(path)!r} is a directory"


def test_json_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe{}")
    assert _message(lambda: parse_spec(str(path))).startswith(
        f"cannot read DIST file {str(path)!r}: 'utf-8' codec can't decode byte 0xff"
    )


def test_docstring_examples_run():
    import doctest

    import entrocode.distribution

    result = doctest.testmod(entrocode.distribution)
    assert result.attempted > 0
    assert result.failed == 0
