"""Commands that check the theory by experiment: ``sample``, ``verify``, ``extend``, ``demo``."""

from __future__ import annotations

import math
import textwrap
from importlib import resources
from types import ModuleType
from typing import TYPE_CHECKING

import click

from entrocode.cli.common import (
    MODES,
    emit_json,
    fmt,
    force_option,
    load_dist,
    refuse_overwrite,
    table,
    write_stdout,
)

if TYPE_CHECKING:
    from entrocode.experiments import Extension, Verification

NORMALIZE_HELP = "Treat the values as weights or counts and divide by their sum."


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


# ---------------------------------------------------------------------------
# sample
# ---------------------------------------------------------------------------
@click.command("sample")
@click.argument("dist", metavar="DIST")
@click.option("-n", "n", type=int, required=True, metavar="N", help="Number of draws (>= 1).")
@click.option("--seed", type=int, default=None, metavar="S",
              help="Seed >= 0; the same seed gives the same stream. Random when omitted.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write the stream to FILE instead of standard output.")
@click.option("--symbols", "mode", type=click.Choice(MODES), default="lines",
              show_default=True,
              help="How symbols are written, so that `compress --symbols MODE` reads them back.")
@click.option("--normalize", is_flag=True, help=NORMALIZE_HELP)
@force_option
def sample_cmd(dist: str, n: int, seed: int | None, output: str | None, mode: str,
               normalize: bool, force: bool) -> None:
    """Write N symbols drawn i.i.d. from DIST, the same for the same seed.

    The stream is written so that `entrocode compress --symbols MODE` splits it
    back into the same symbols: lines puts one symbol per line, chars and bytes
    concatenate single-character / single-byte symbols, and words joins word
    symbols with one space (the spaces become extra symbols of their own).

    \b
    Examples:
      entrocode sample samples/temperatures.json -n 1000 --seed 1 -o readings.txt
      entrocode sample H=0.9,T=0.1 -n 64 --seed 7 --symbols chars
      entrocode sample samples/dna.json -n 4000 --seed 7 --symbols chars -o dna.txt
    """
    from entrocode.container import atomic_output
    from entrocode.experiments import draw_sample, render_sample

    refuse_overwrite(output, force=force)
    d = load_dist(dist, normalize)
    drawn = draw_sample(d, n, seed)
    data = render_sample(drawn, mode)
    if output is None:
        write_stdout(data)  # bytes go to the binary standard output, unchanged
        if seed is None:
            click.echo(f"entrocode: drew with seed {drawn.seed} (repeat with --seed {drawn.seed})",
                       err=True)
        return
    with atomic_output(output, overwrite=force) as fh:
        fh.write(data)
    click.echo(f"wrote {drawn.n} symbols ({len(data)} bytes) drawn from {dist} with seed "
               f"{drawn.seed} to {output}")
    click.echo(f"compress it with: entrocode compress {output} --symbols {mode}")


# ---------------------------------------------------------------------------
# verify
# ---------------------------------------------------------------------------
def _parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        try:
            sizes.append(int(part.strip()))
        except ValueError:
            raise click.BadParameter(
                f"{part.strip()!r} is not a whole number (give N or a list like 100,1000,10000)",
                param_hint="'-n'",
            ) from None
    return sizes


def _interval(ci: tuple[float, float]) -> str:
    return f"[{fmt(ci[0])}, {fmt(ci[1])}]"


def _line(name: str, formula: str, value: str) -> None:
    click.echo(f"  {name:<11} {formula:<30} {value}".rstrip())


def _note(text: str) -> None:
    # Formulas such as "ceil(-log2 q)" keep their inner spaces (no break there).
    text = text.replace("-log2 q", "-log2\u00a0q")
    click.echo(textwrap.fill(text, width=96).replace("\u00a0", " "))


def _describe(p: str, q: str | None, v: Verification, nested: bool = False) -> None:
    seed = f"seed {v.seed}, nested samples" if nested else f"seed {v.seed}"
    draws = "draws" if nested else f"n = {v.n} draws"
    click.echo(f"{draws} from P = {p} ({seed})")
    model = f"the Huffman code of Q = {q}" if q else "P's own Huffman code (Q = P)"
    smooth = f", smoothed by adding {v.smoothing:g}" if v.smoothing is not None else ""
    click.echo(f"coded with {model}{smooth}")


def _print_single(v: Verification, p: str, q: str | None) -> None:
    h, d = v.entropy_p, v.kl_divergence
    _describe(p, q, v)
    click.echo()
    click.echo("bits of the coded sample")
    _line("predicted", "sum count(x) * l_Q(x)", str(v.predicted_bits))
    _line("measured", "bits written by the codec", f"{v.measured_bits}   "
          f"{'(equal)' if v.matched else '(DIFFERENT)'}")
    _line("round trip", "decode(encode(sample))",
          "gives the sample back" if v.roundtrip else "FAILED")
    click.echo()
    click.echo("rate, bits per symbol")
    _line("expected", "L_P(C_Q) = sum p(x) * l_Q(x)", fmt(v.expected_bits_per_symbol))
    _line("measured", "measured bits / n", f"{fmt(v.measured_bits_per_symbol)}   "
          f"95% CI {_interval(v.ci95)}")
    click.echo()
    _print_theory(v)
    if not v.huffman_in_shannon_bounds:
        click.echo()
        _note(f"note: Q's Huffman code gives {fmt(v.expected_bits_per_symbol)} bits/symbol, "
              f"outside [{fmt(h + d)}, {fmt(h + d + 1)}). That is allowed: the bound "
              "H(P) + D <= L < H(P) + D + 1 is a theorem about the Shannon code of Q "
              "(lengths ceil(-log2 q)), not about its Huffman code, which is optimal for Q, "
              "not for P.")


def _print_theory(v: Verification) -> None:
    h, d = v.entropy_p, v.kl_divergence
    lone = len([c for c in v.counts if c]) <= 1
    own_holds = _yes(v.own_code_in_bounds) if v.own_code_in_bounds or not lone else "no (*)"
    click.echo("information, bits per symbol")
    click.echo(f"  H(P)     {fmt(h)}")
    click.echo(f"  H(P,Q)   {fmt(v.cross_entropy)}")
    click.echo(f"  D(P||Q)  {fmt(d)}")
    click.echo()
    click.echo("bounds, bits per symbol")
    rows = [
        ["P's Huffman code", "H(P) <= L_P(C_P) < H(P) + 1",
         f"{fmt(h)} <= {fmt(v.own_length)} < {fmt(h + 1)}", own_holds],
        ["mismatch cost", "L_P(C_Q) - L_P(C_P) >= 0",
         f"{fmt(v.mismatch_cost)}, beside D(P||Q) = {fmt(d)}", _yes(v.mismatch_cost >= 0)],
        ["Shannon code of Q", "H(P) + D <= L_P(S_Q) < H(P) + D + 1",
         f"{fmt(h + d)} <= {fmt(v.shannon_length)} < {fmt(h + d + 1)}",
         _yes(v.shannon_in_bounds)],
        ["Huffman code of Q", "same interval (not guaranteed)",
         f"{fmt(h + d)} <= {fmt(v.expected_bits_per_symbol)} < {fmt(h + d + 1)}",
         "yes" if v.huffman_in_shannon_bounds else "no"],
    ]
    click.echo(table(["code", "bound", "values", "holds"], rows, right=lambda i: False))
    if own_holds == "no (*)":
        click.echo("(*) P has a single possible symbol: H(P) = 0, but a codeword has at least "
                   "1 bit")


def _print_table(results: tuple[Verification, ...], p: str, q: str | None) -> None:
    first = results[0]
    _describe(p, q, first, nested=True)
    click.echo(f"expected rate L_P(C_Q) = {fmt(first.expected_bits_per_symbol)} bits/symbol")
    click.echo()
    rows = [
        [str(v.n), fmt(v.measured_bits_per_symbol), _interval(v.ci95),
         fmt(v.measured_bits_per_symbol - v.expected_bits_per_symbol),
         "yes" if v.ci_covers_expectation else "no", _yes(v.matched), _yes(v.roundtrip)]
        for v in results
    ]
    click.echo(table(
        ["n", "measured", "95% CI", "minus expected", "CI covers", "predicted = measured",
         "round trip"],
        rows, right=lambda i: i in (0, 1, 3),
    ))
    click.echo()
    _print_theory(first)


@click.command("verify")
@click.argument("p", metavar="P")
@click.argument("q", metavar="[Q]", required=False)
@click.option("-n", "sizes", default="10000", show_default=True, metavar="N[,N...]",
              help="Number of draws; a list like 100,1000,10000 prints a convergence table.")
@click.option("--seed", type=int, default=None, metavar="S",
              help="Seed >= 0 (random and reported when omitted).")
@click.option("--smooth", type=float, default=None, metavar="A",
              help="Add A to every probability of Q, then renormalise (for a Q with zeros).")
@click.option("--normalize", is_flag=True, help=NORMALIZE_HELP)
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (a list of them for several N).")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.png",
              help="Also draw the measured rate against n (needs the plot extra: matplotlib).")
@force_option
def verify_cmd(p: str, q: str | None, sizes: str, seed: int | None, smooth: float | None,
               normalize: bool, as_json: bool, plot: str | None, force: bool) -> None:
    """Draw N symbols from P, code them with Q's Huffman code, and check the theory.

    The draws go through the real codec (encode, then decode). The report sets
    the predicted bits (sum of count x length) beside the bits the codec wrote,
    which must be equal; the expected rate L_P(C_Q) = sum p*l_Q beside the
    measured one with a 95% confidence interval; and H(P), H(P,Q), D(P||Q) with
    the bounds of P's Huffman code, of the mismatch cost and of the Shannon code
    of Q. Q defaults to P. All figures are in bits. A Q that gives probability
    0 to a symbol of P is refused (D(P||Q) is infinite): smooth it with
    --smooth A.

    \b
    Examples:
      entrocode verify samples/temperatures.json -n 10000 --seed 1
      entrocode verify samples/temperatures.json samples/temperatures_uniform.json -n 5000
      entrocode verify samples/temperatures.json -n 100,1000,10000,100000 --seed 3
      entrocode verify a=0.5,b=0.5 a=1,b=0 --smooth 0.01 --json
    """
    from entrocode.experiments import convergence

    refuse_overwrite(plot, force=force)

    ns = _parse_sizes(sizes)
    dp = load_dist(p, normalize, name="P" if q is not None else None)
    dq = load_dist(q, normalize, name="Q") if q is not None else None
    results = convergence(dp, dq, ns, seed, smooth)
    if plot is not None:
        _plot_convergence(results, plot, with_model=q is not None)
    if as_json:
        emit_json(results[0].as_dict() if len(results) == 1 else [v.as_dict() for v in results])
        return
    if len(results) == 1:
        _print_single(results[0], p, q)
    else:
        _print_table(results, p, q)
    if plot is not None:
        click.echo(f"\nplot written to {plot}")


def _plot_convergence(results: tuple[Verification, ...], path: str, with_model: bool) -> None:
    first = results[0]
    rates = [v.measured_bits_per_symbol for v in results]
    # n = 1 has no variance estimate (an infinite interval): draw no band there.
    pairs = list(zip(results, rates, strict=True))
    low = [v.ci95[0] if math.isfinite(v.ci95[0]) else r for v, r in pairs]
    high = [v.ci95[1] if math.isfinite(v.ci95[1]) else r for v, r in pairs]
    _plots().plot_convergence(
        [v.n for v in results], rates, low, high, first.expected_bits_per_symbol,
        first.entropy_p, first.cross_entropy if with_model else None, path,
    )


def _plots() -> ModuleType:
    """The plotting module, imported only when --plot is used."""
    from entrocode import plots

    return plots


# ---------------------------------------------------------------------------
# extend
# ---------------------------------------------------------------------------
def _print_extension(ext: Extension, dist: str) -> None:
    m = int((ext.distribution.probabilities > 0).sum())
    click.echo(f"blocks of K i.i.d. symbols from {dist} ({m} possible "
               f"symbol{'' if m == 1 else 's'})")
    click.echo(f"H = {fmt(ext.entropy)} bits/symbol")
    click.echo()
    rows = [
        [str(r.order), f"{r.blocks:,}", fmt(r.block_length), fmt(r.rate),
         fmt(r.rate - r.lower), fmt(r.upper), _yes(r.in_bounds)]
        for r in ext.rows
    ]
    click.echo(table(["K", "blocks", "L_K bits/block", "L_K/K", "L_K/K - H", "H + 1/K",
                      "H <= L_K/K < H + 1/K"], rows, right=lambda i: i < 6))
    click.echo()
    if m == 1:
        click.echo("DIST has a single possible symbol: H = 0, yet a code spends at least one")
        click.echo("bit per block, so L_K/K = 1/K sits on the upper bound H + 1/K.")
        return
    click.echo("The source coding theorem made visible: coding K symbols at a time squeezes")
    click.echo("L_K/K between H and H + 1/K, so it approaches H as K grows (not always")
    click.echo("monotonically: the rounding of each block code to whole bits comes and goes).")


@click.command("extend")
@click.argument("dist", metavar="DIST")
@click.option("--order", "-k", "order", type=int, default=4, show_default=True, metavar="K",
              help="Largest block length; m**K blocks (m symbols) may not exceed 2**20.")
@click.option("--normalize", is_flag=True, help=NORMALIZE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.png",
              help="Also draw L_K/K against K (needs the plot extra: matplotlib).")
@force_option
def extend_cmd(dist: str, order: int, normalize: bool, as_json: bool, plot: str | None,
               force: bool) -> None:
    """Huffman-code blocks of K symbols and watch L_K/K approach the entropy.

    For K = 1 .. ORDER, the K-th extension of DIST (blocks of K independent
    symbols, p(block) = product of p) gets its own Huffman code of expected
    length L_K bits per block. The rate L_K/K obeys H <= L_K/K < H + 1/K.

    \b
    Examples:
      entrocode extend samples/coin_biased.json --order 8
      entrocode extend samples/skewed_binary.json --order 12 --json
      entrocode extend samples/temperatures.json --order 3
    """
    from entrocode.experiments import extension_rates

    refuse_overwrite(plot, force=force)

    d = load_dist(dist, normalize)
    ext = extension_rates(d, order)
    if plot is not None:
        _plots().plot_extension([r.order for r in ext.rows], [r.rate for r in ext.rows],
                                ext.entropy, plot)
    if as_json:
        emit_json({
            "entropy": ext.entropy,
            "rows": [
                {"order": r.order, "blocks": r.blocks, "block_length": r.block_length,
                 "rate": r.rate, "upper": r.upper, "in_bounds": r.in_bounds}
                for r in ext.rows
            ],
        })
        return
    _print_extension(ext, dist)
    if plot is not None:
        click.echo(f"plot written to {plot}")


# ---------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------
@click.command("demo")
def demo_cmd() -> None:
    """Compress every bundled sample, check every prediction, show a wrong model.

    Each sample stream is compressed with the .ec container and decompressed
    again. The table sets the entropy of its symbols and the predicted payload
    (sum of count x codeword length of the Huffman code of its symbol counts)
    beside the payload actually written, the header, the bits per symbol and
    the compression ratio. Then the temperature readings are coded with the
    code of a uniform model, and the overhead is set beside D(P||Q).

    \b
    Examples:
      entrocode demo
    """
    from entrocode.experiments import run_demo

    report = run_demo()
    rows = [
        [r.sample, f"{r.symbols} {r.mode}", fmt(r.entropy), str(r.predicted_bits),
         str(r.payload_bits), str(r.header_bytes), fmt(r.bits_per_symbol),
         f"{r.ratio:.2f}x"]
        for r in report.rows
    ]
    click.echo(table(["sample", "symbols", "entropy", "predicted", "payload bits",
                      "header bytes", "bits/symbol", "ratio"], rows))
    click.echo()
    click.echo("entropy: H of the sample's own symbol counts, bits/symbol; predicted: sum of")
    click.echo("count x length of their Huffman code; payload bits: what the container wrote;")
    click.echo("ratio: input bytes / output bytes, header included.")
    click.echo()
    if report.all_matched:
        click.echo(f"verdict: all {len(report.rows)} predictions matched to the bit, and every "
                   "round trip gave back the input.")
    else:
        bad = [f"{r.sample} ({r.mode})" for r in report.rows if not (r.matched and r.roundtrip)]
        click.echo(f"verdict: MISMATCH in {', '.join(bad)}")
    m = report.mismatch
    click.echo()
    click.echo(f"a wrong model: the {m.symbols} readings of {m.sample} coded with the Huffman")
    click.echo(f"code of {m.model} (every level 1/8), through the codec")
    click.echo(table(
        ["code", "payload bits", "bits/symbol"],
        [["own Huffman code", str(m.own_bits), fmt(m.own_rate)],
         ["uniform model's code", str(m.model_bits), fmt(m.model_rate)]],
    ))
    click.echo(f"overhead {fmt(m.overhead)} bits/symbol, beside D(P||Q) = "
               f"{fmt(m.kl_divergence)} bits/symbol (H(P) = {fmt(m.entropy)})")
    folder = resources.files("entrocode.samples")
    click.echo()
    click.echo(f"samples: {folder}  (what each teaches: README.md there)")
    click.echo(f"next: entrocode verify {folder / 'temperatures.json'} -n 100,1000,10000")
    if not report.all_matched:
        click.get_current_context().exit(1)


COMMANDS: list[click.Command] = [sample_cmd, verify_cmd, extend_cmd, demo_cmd]
