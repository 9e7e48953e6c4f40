"""Commands about codes: ``codebook`` and ``analyze``."""

from __future__ import annotations

import click

from entrocode.analysis import compare
from entrocode.cli.common import emit_json, fmt, label, load_dist, parse_base, table
from entrocode.codebook import huffman_code
from entrocode.measures import surprisal

NORMALIZE_HELP = "Treat the values as weights or counts and divide by their sum."


@click.command("codebook")
@click.argument("dist", metavar="DIST")
@click.option("--max-length", "-L", type=click.IntRange(min=1), default=None, metavar="L",
              help="Longest allowed codeword (optimal length-limited code, package-merge).")
@click.option("--normalize", is_flag=True, help=NORMALIZE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def codebook_cmd(dist: str, max_length: int | None, normalize: bool, as_json: bool) -> None:
    """Build the optimal canonical Huffman code of DIST and show it.

    DIST is pairs (a=0.5,b=0.25,c=0.25), bare values (0.9,0.1: symbols 0, 1,
    ...) or a .json file {"symbol": probability}.

    \b
    Examples:
      entrocode codebook a=0.5,b=0.25,c=0.25
      entrocode codebook samples/temperatures.json --max-length 3
      entrocode codebook 5,3,1,1 --normalize --json
    """
    d = load_dist(dist, normalize)
    code = huffman_code(d, max_length=max_length)
    if as_json:
        emit_json({
            "unit": "bits",
            "entropy": code.entropy,
            "expected_length": code.expected_length,
            "redundancy": code.redundancy,
            "kraft_sum": code.kraft_sum,
            "max_length": code.max_length,
            "code": [
                {"symbol": label(e.symbol), "probability": e.probability,
                 "codeword": e.codeword, "length": e.length}
                for e in code.entries
            ],
        })
        return
    rows = [
        [label(e.symbol), f"{e.probability:.6g}", e.codeword, str(e.length),
         fmt(float(surprisal(e.probability)))]
        for e in code.entries
    ]
    right = {1, 3, 4}
    click.echo(table(["symbol", "probability", "codeword", "length", "surprisal"], rows,
                     right=lambda i: i in right))
    unused = [s for s, p in d.items() if p == 0]
    if unused:
        click.echo(f"no codeword (probability 0): {', '.join(label(s) for s in unused)}")
    click.echo()
    click.echo(f"expected length L = {code.expected_length:.4f} bits/symbol")
    click.echo(f"entropy         H = {code.entropy:.4f} bits/symbol")
    click.echo(f"redundancy  L - H = {code.redundancy:.4f} bits/symbol "
               f"(efficiency {code.efficiency:.2%})")
    click.echo(f"Kraft sum         = {code.kraft_sum:.6g}")


@click.command("analyze")
@click.argument("p", metavar="P")
@click.argument("q", metavar="[Q]", required=False)
@click.option("--base", default="2", show_default=True, metavar="2|e|10",
              help="Unit of the measures: 2 bits, e nats, 10 hartleys. Code lengths stay in bits.")
@click.option("--normalize", is_flag=True, help=NORMALIZE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def analyze_cmd(p: str, q: str | None, base: str, normalize: bool, as_json: bool) -> None:
    """Compare the entropy of P with its Huffman code, and with a model Q's code.

    For P: H(P), the expected length L_P(C_P) of P's Huffman code and its
    redundancy. With Q: H(Q), the cross-entropy H(P,Q), D(P||Q), D(Q||P),
    JS(P,Q), the length L_P(C_Q) of Q's code on data from P, and its overhead
    beside D(P||Q).

    \b
    Examples:
      entrocode analyze samples/temperatures.json
      entrocode analyze samples/catdog.json samples/catdog_qb.json
      entrocode analyze 0.9,0.1 0.5,0.5 --base e
    """
    b, unit = parse_base(base)
    dp = load_dist(p, normalize)
    dq = load_dist(q, normalize) if q is not None else None
    result = compare(dp, dq, b)
    if as_json:
        data = result.as_dict()
        data["unit"] = unit
        emit_json(data)
        return
    u = unit
    click.echo(f"H(P)              = {fmt(result.entropy_p)} {u}")
    click.echo(f"L_P(C_P)          = {fmt(result.expected_length_p)} bits/symbol "
               "(P's Huffman code)")
    click.echo(f"redundancy        = {fmt(result.redundancy_p)} bits/symbol "
               "(L_P(C_P) - H(P))")
    if dq is None:
        return
    click.echo(f"H(Q)              = {fmt(result.entropy_q or 0.0)} {u}")
    click.echo(f"H(P,Q)            = {fmt(result.cross_entropy or 0.0)} {u}")
    click.echo(f"D(P||Q)           = {fmt(result.kl_divergence or 0.0)} {u}")
    click.echo(f"D(Q||P)           = {fmt(result.kl_divergence_reverse or 0.0)} {u}")
    click.echo(f"JS(P,Q)           = {fmt(result.js_divergence or 0.0)} {u}")
    click.echo(f"L_P(C_Q)          = {fmt(result.expected_length_mismatch or 0.0)} bits/symbol "
               "(Q's Huffman code on data from P)")
    click.echo(f"overhead          = {fmt(result.mismatch_overhead or 0.0)} bits/symbol "
               f"(L_P(C_Q) - L_P(C_P); D(P||Q) = {fmt(result.kl_divergence or 0.0)} {u})")
    if result.expected_length_mismatch == float("inf"):
        click.echo("Q gives probability 0 to a symbol P can emit: its code has no codeword for "
                   "it, so the cost is infinite (smooth Q to fix it).")


COMMANDS = [codebook_cmd, analyze_cmd]
