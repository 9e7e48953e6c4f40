"""Tests for entrocode.plots: headless PNGs of sensible size; a clear message without matplotlib."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

from entrocode import EntrocodeError, parse_spec
from entrocode.plots import PlotError, plot_convergence, plot_distribution, plot_extension

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
INSTALL_HINT = 'pip install "entrocode[plot]"'

P = parse_spec("a=0.5,b=0.25,c=0.125,d=0.125")
Q = parse_spec("a=0.25,b=0.25,c=0.25,e=0.25")


def png_size(path: Path) -> tuple[int, int]:
    """Check the PNG signature and IHDR chunk; return (width, height)."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data.rstrip(b"\x00")[-8:-4] == b"IEND", "truncated PNG"
    return width, height


def assert_sensible_png(path: Path) -> None:
    width, height = png_size(path)
    assert 400 <= width <= 2000 and 300 <= height <= 1500, (width, height)
    assert path.stat().st_size > 5000  # an actual drawing, not an empty canvas


def _no_leftovers(folder: Path, keep: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == keep


@pytest.fixture()
def mpl() -> None:
    pytest.importorskip("matplotlib")


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------
@pytest.mark.usefixtures("mpl")
def test_plot_distribution_with_model(tmp_path: Path) -> None:
    out = plot_distribution(P, Q, tmp_path / "pq.png")
    assert out == tmp_path / "pq.png"
    assert_sensible_png(out)
    assert png_size(out) == (960, 600)
    _no_leftovers(tmp_path, {"pq.png"})


@pytest.mark.usefixtures("mpl")
def test_plot_distribution_alone_and_with_zeros(tmp_path: Path) -> None:
    assert_sensible_png(plot_distribution(P, None, tmp_path / "p.png"))
    catdog, model = parse_spec("cat=1,dog=0"), parse_spec("cat=0.8,dog=0.2")
    assert_sensible_png(plot_distribution(catdog, model, tmp_path / "c.png"))
    assert_sensible_png(plot_distribution(parse_spec("x=1"), None, str(tmp_path / "one.png")))


@pytest.mark.usefixtures("mpl")
def test_plot_distribution_many_symbols(tmp_path: Path) -> None:
    from entrocode import Distribution

    big = Distribution.from_counts(list(range(1, 301)))
    assert_sensible_png(plot_distribution(big, None, tmp_path / "big.png"))


@pytest.mark.usefixtures("mpl")
def test_plot_convergence(tmp_path: Path) -> None:
    out = plot_convergence(
        [100, 1000, 10000, 100000],
        [2.41, 2.38, 2.372, 2.3703],
        [2.2, 2.32, 2.35, 2.366],
        [2.6, 2.44, 2.39, 2.374],
        2.37, 2.3195, 2.52, tmp_path / "conv.png",
    )
    assert_sensible_png(out)
    # Without a model (cross_entropy None) and with a single sample size.
    assert_sensible_png(plot_convergence([500], [1.0], [0.9], [1.1], 1.0, 0.99, None,
                                         tmp_path / "one.png"))


@pytest.mark.usefixtures("mpl")
def test_plot_extension(tmp_path: Path) -> None:
    out = plot_extension([1, 2, 3, 4, 5], [1.0, 0.645, 0.533, 0.493, 0.481], 0.469,
                         tmp_path / "ext.png")
    assert_sensible_png(out)
    assert_sensible_png(plot_extension(range(1, 31), [0.5 + 1 / k for k in range(1, 31)], 0.5,
                                       tmp_path / "long.png"))


@pytest.mark.usefixtures("mpl")
def test_png_replaces_an_existing_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "p.png"
    target.write_bytes(b"old")
    plot_distribution(P, None, target)
    assert_sensible_png(target)
    _no_leftovers(tmp_path, {"p.png"})


@pytest.mark.usefixtures("mpl")
def test_missing_folder_is_an_os_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        plot_distribution(P, None, tmp_path / "nowhere" / "p.png")
    _no_leftovers(tmp_path, set())


@pytest.mark.usefixtures("mpl")
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: plot_convergence([1, 2], [1.0], [1.0], [1.0], 1, 1, 1, p),
         "the series must have the same length, got ns: 2, measured_rates: 1, ci_low: 1, "
         "ci_high: 1"),
        (lambda p: plot_convergence([], [], [], [], 1, 1, 1, p),
         "ns must be a non-empty list of numbers, got shape (0,)"),
        (lambda p: plot_convergence([0, 10], [1, 1], [1, 1], [1, 1], 1, 1, 1, p),
         "sample sizes must be positive, got [0.0, 10.0]"),
        (lambda p: plot_convergence([1], [float("nan")], [1], [1], 1, 1, 1, p),
         "measured_rates holds a value that is NaN or infinite: [nan]"),
        (lambda p: plot_convergence([1], [1], [1], [1], float("inf"), 1, 1, p),
         "expected_rate must be finite, got inf"),
        (lambda p: plot_extension([1, 2], [1.0, 0.5, 0.2], 0.4, p),
         "the series must have the same length, got orders: 2, rates: 3"),
        (lambda p: plot_extension([0, 1], [1.0, 0.5], 0.4, p),
         "block lengths K must be positive, got [0.0, 1.0]"),
        (lambda p: plot_extension([1], ["x"], 0.4, p), "rates must be numbers, got ['x']"),
        (lambda p: plot_extension([1], [1.0], None, p), "entropy must be a number, got None"),
    ],
)
def test_bad_series(tmp_path: Path, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PlotError) as info:
        call(tmp_path / "x.png")
    assert str(info.value) == message
    _no_leftovers(tmp_path, set())


# ---------------------------------------------------------------------------
# Without matplotlib
# ---------------------------------------------------------------------------
@pytest.fixture()
def no_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every ``import matplotlib...`` fail, as on a machine without the extra."""
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


@pytest.mark.usefixtures("no_matplotlib")
@pytest.mark.parametrize(
    "call",
    [
        lambda p: plot_distribution(P, Q, p),
        lambda p: plot_convergence([10, 100], [1.1, 1.0], [1, 0.9], [1.2, 1.1], 1, 0.9, None, p),
        lambda p: plot_extension([1, 2], [1.0, 0.6], 0.47, p),
    ],
)
def test_missing_matplotlib_says_how_to_install(tmp_path: Path, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PlotError) as info:
        call(tmp_path / "x.png")
    assert str(info.value) == (
        f"plotting needs matplotlib, which is not installed: {INSTALL_HINT}"
    )
    assert isinstance(info.value, EntrocodeError)
    _no_leftovers(tmp_path, set())


@pytest.mark.usefixtures("no_matplotlib")
def test_missing_matplotlib_is_one_line_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from entrocode.cli import main

    with pytest.raises(SystemExit) as info:
        main(["analyze", "0.9,0.1", "0.5,0.5", "--plot", str(tmp_path / "x.png")])
    assert info.value.code == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"entrocode: error: plotting needs matplotlib, which is not installed: {INSTALL_HINT}\n"
    )
    assert captured.out == ""


def test_importing_entrocode_does_not_import_matplotlib() -> None:
    import subprocess

    code = ("import sys, entrocode, entrocode.plots, entrocode.render, entrocode.cli; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
