"""Commands about codes: ``codebook`` and ``analyze``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from entrocode.cli.common import (
    emit_json,
    fmt,
    force_option,
    label,
    load_dist,
    parse_base,
    refuse_overwrite,
    table,
)

if TYPE_CHECKING:
    from entrocode.codebook import Codebook
    from entrocode.distribution import Distribution

NORMALIZE_HELP = "Treat the values as weights or counts and divide by their sum."

METHOD_NAMES = {
    "huffman": "Huffman code (optimal: merge the two lightest nodes, bottom up)",
    "shannon": "Shannon code (lengths ceil(-log2 p), canonical codewords)",
    "fano": "Shannon-Fano code (split into halves of equal weight, top down)",
}


@click.command("codebook")
@click.argument("dist", metavar="DIST")
@click.option("--max-length", "-L", type=click.IntRange(min=1), default=None, metavar="L",
              help="Longest allowed codeword (optimal length-limited code, package-merge).")
@click.option("--normalize", is_flag=True, help=NORMALIZE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--tree", is_flag=True,
              help="Also draw the code tree: weights at nodes, codewords at leaves.")
@click.option("--ascii", "ascii_", is_flag=True,
              help="Draw the tree with ASCII characters only (implies --tree).")
@click.option("--trace", is_flag=True,
              help="Also show each step of Huffman's algorithm: the two lightest nodes merged.")
@click.option("--dot", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              metavar="FILE", help="Write the code tree as Graphviz DOT to FILE ('-': print only "
              "the DOT).")
@click.option("--method", type=click.Choice(["huffman", "shannon", "fano"]), default=None,
              help="Build the code by this construction and compare all three.")
@click.option("--lengths", default=None, metavar="1,2,3,3",
              help="Check these code lengths (one per symbol of DIST, in order) instead: Kraft "
              "sum, canonical codewords, distance from optimal.")
@force_option
def codebook_cmd(dist: str, max_length: int | None, normalize: bool, as_json: bool, tree: bool,
                 ascii_: bool, trace: bool, dot: str | None, method: str | None,
                 lengths: str | None, force: bool) -> None:
    """Build the optimal canonical Huffman code of DIST and show it.

    DIST is pairs (a=0.5,b=0.25,c=0.25), bare values (0.9,0.1: symbols 0, 1,
    ...) or a .json file {"symbol": probability}.

    For teaching: --tree draws the code tree (the path of 0s and 1s from the
    root to a leaf is its codeword), --trace shows Huffman's merges, --dot
    writes the tree for Graphviz. --method shannon|fano builds the Shannon or
    Shannon-Fano code instead and compares the expected lengths of all three,
    Huffman's being the least. --lengths checks a hand-made set of lengths
    (an exercise answer): any optimal set is accepted.

    \b
    Examples:
      entrocode codebook a=0.5,b=0.25,c=0.25
      entrocode codebook samples/temperatures.json --max-length 3
      entrocode codebook 5,3,1,1 --normalize --json
      entrocode codebook a=0.4,b=0.2,c=0.2,d=0.1,e=0.1 --trace --tree
      entrocode codebook a=0.35,b=0.17,c=0.17,d=0.16,e=0.15 --method fano
      entrocode codebook a=0.4,b=0.2,c=0.2,d=0.1,e=0.1 --lengths 1,2,3,4,4
      entrocode codebook samples/dna.json --dot tree.dot
    """
    from entrocode.codebook import huffman_code
    from entrocode.measures import surprisal

    tree = tree or ascii_
    _check_codebook_options(max_length, trace, tree, dot, method, lengths, as_json)
    refuse_overwrite(dot, force=force)
    d = load_dist(dist, normalize)
    if lengths is not None:
        _check_lengths(d, lengths, as_json, tree, ascii_, dot)
        return
    if method in (None, "huffman"):
        code = huffman_code(d, max_length=max_length)
    else:
        from entrocode.comparison import code_by_method

        code = code_by_method(d, method)
    if dot == "-":
        from entrocode.render import to_dot

        click.echo(to_dot(code), nl=False)
        return
    if dot is not None:
        _write_dot(code, dot)
    if as_json:
        data: dict[str, Any] = {
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
        }
        if method is not None:
            data["method"] = method
            data["comparison"] = _comparison_json(d)
        if trace:
            data["merges"] = _merges_json(d)
        if tree:
            data["tree"] = _tree_json(code)
        emit_json(data)
        return
    if method is not None:
        click.echo(f"{METHOD_NAMES[method]}:")
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
    if method is not None:
        click.echo()
        _print_comparison(d)
    if trace:
        click.echo()
        _print_trace(d)
    if tree:
        click.echo()
        _print_tree(code, ascii_)
    if dot is not None:
        click.echo()
        click.echo(f"code tree written to {dot} (render it: dot -Tpng {dot} -o tree.png)")


def _check_codebook_options(max_length: int | None, trace: bool, tree: bool, dot: str | None,
                            method: str | None, lengths: str | None, as_json: bool) -> None:
    """Refuse combinations of codebook options that mean nothing (usage errors)."""
    def bad(message: str) -> None:
        raise click.UsageError(message)

    if lengths is not None:
        if method is not None:
            bad("--lengths checks your own lengths; it cannot be combined with --method")
        if max_length is not None:
            bad("--lengths checks your own lengths; it cannot be combined with --max-length")
        if trace:
            bad("--trace shows Huffman's merges; it does not apply to --lengths")
    if method is not None and max_length is not None:
        bad(f"--method {method} compares unconstrained codes; it cannot be combined with "
            "--max-length")
    if trace and method not in (None, "huffman"):
        bad(f"--trace shows Huffman's merges; it does not apply to --method {method}")
    if trace and max_length is not None:
        bad("--trace shows Huffman's merges, which a --max-length code (package-merge) "
            "does not follow")
    if dot == "-" and (as_json or tree or trace or method is not None):
        bad("--dot - prints only the DOT; write it to a file to combine it with other output")


def _write_dot(code: Codebook, path: str) -> None:
    from entrocode.container import atomic_output
    from entrocode.render import to_dot

    # The refusal to overwrite without -f has been checked before any work.
    with atomic_output(path, overwrite=True) as fh:
        fh.write(to_dot(code).encode("utf-8"))


def _print_tree(code: Codebook, ascii_: bool) -> None:
    from entrocode.render import draw_tree

    click.echo("code tree: each branch is a code bit; a node shows (its weight),")
    click.echo("a leaf symbol: codeword (probability)")
    click.echo(draw_tree(code, ascii=ascii_))


def _tree_json(code: Codebook) -> list[dict[str, Any]]:
    """The tree as a flat list of nodes in depth-first order, 0 before 1."""
    from entrocode.render import code_tree, symbol_text

    out: list[dict[str, Any]] = []
    stack = [code_tree(code)]
    while stack:
        node = stack.pop()
        item: dict[str, Any] = {"prefix": node.prefix, "weight": node.weight,
                                "leaf": node.is_leaf}
        if node.is_leaf:
            item["symbol"] = symbol_text(node.symbol)
        out.append(item)
        stack.extend(c for c in (node.one, node.zero) if c is not None)
    return out


def _print_trace(d: Distribution) -> None:
    from entrocode.render import draw_merges

    click.echo("Huffman's algorithm: merge the two lightest nodes into a new node until one is")
    click.echo("left (on equal weights the older node goes first):")
    if d.counts is not None:
        click.echo("(the weights are the counts)")
    click.echo(draw_merges(d))


def _merges_json(d: Distribution) -> list[dict[str, Any]]:
    from entrocode.codebook import huffman_merges
    from entrocode.render import symbol_text

    weights = d.counts if d.counts is not None else d.probabilities.tolist()
    return [
        {"step": k, "left": [symbol_text(d.symbols[i]) for i in s.left],
         "right": [symbol_text(d.symbols[i]) for i in s.right],
         "left_weight": s.left_weight, "right_weight": s.right_weight, "weight": s.weight}
        for k, s in enumerate(huffman_merges(list(weights)), start=1)
    ]


def _print_comparison(d: Distribution) -> None:
    from entrocode.comparison import compare_methods

    rows = [
        [m.method, fmt(m.expected_length), fmt(m.redundancy), fmt(m.excess),
         str(m.code.max_length)]
        for m in compare_methods(d)
    ]
    click.echo("all constructions (Huffman's expected length is the least of any prefix code):")
    click.echo(table(["method", "expected length", "redundancy", "over Huffman",
                      "longest codeword"], rows))


def _comparison_json(d: Distribution) -> list[dict[str, Any]]:
    from entrocode.comparison import compare_methods

    return [
        {"method": m.method, "expected_length": m.expected_length, "redundancy": m.redundancy,
         "excess": m.excess, "max_length": m.code.max_length}
        for m in compare_methods(d)
    ]


def _check_lengths(d: Distribution, text: str, as_json: bool, tree: bool, ascii_: bool,
                   dot: str | None) -> None:
    """``codebook DIST --lengths ...``: the verdict on a hand-made set of lengths."""
    from entrocode.comparison import check_code_lengths, parse_lengths
    from entrocode.errors import CodebookError
    from entrocode.measures import surprisal
    from entrocode.render import symbol_text, to_dot

    check = check_code_lengths(parse_lengths(text), d)
    if dot is not None and check.code is None:
        raise CodebookError("no prefix code has these lengths (Kraft sum > 1), so there is no "
                            "tree to write")
    if dot == "-" and check.code is not None:
        click.echo(to_dot(check.code), nl=False)
        return
    if dot is not None and check.code is not None:
        _write_dot(check.code, dot)
    words = check.code.codewords if check.code is not None else {}
    k = check.kraft_fraction
    exact = str(k.numerator) if k.denominator == 1 else f"{k.numerator}/{k.denominator}"
    if as_json:
        data: dict[str, Any] = {
            "unit": "bits",
            "lengths": [
                {"symbol": symbol_text(s), "probability": d[s], "length": n,
                 "codeword": words.get(s)}
                for s, n in zip(check.symbols, check.lengths, strict=True)
            ],
            "kraft_sum": check.kraft_sum,
            "kraft_sum_exact": exact,
            "prefix_code_exists": check.prefix_code_exists,
            "complete": check.complete,
            "expected_length": check.expected_length,
            "optimal_length": check.optimal_length,
            "entropy": check.entropy,
            "gap": check.gap,
            "optimal": check.is_optimal,
            "verdict": check.verdict,
        }
        if tree and check.code is not None:
            data["tree"] = _tree_json(check.code)
        emit_json(data)
        return
    rows = [
        [symbol_text(s), f"{d[s]:.6g}", str(n), words.get(s, "-"),
         fmt(float(surprisal(d[s])))]
        for s, n in zip(check.symbols, check.lengths, strict=True)
    ]
    right = {1, 2, 4}
    click.echo(table(["symbol", "probability", "length", "codeword", "surprisal"], rows,
                     right=lambda i: i in right))
    click.echo()
    if k > 1:
        kraft_note = "> 1: over-full, no prefix code has these lengths"
    elif k == 1:
        kraft_note = "= 1: a complete prefix code exists"
    else:
        kraft_note = "< 1: a prefix code exists, but some branches are unused"
    shown = exact if k.denominator == 1 else f"{exact} = {check.kraft_sum:.6g}"
    click.echo(f"Kraft sum         = {shown} ({kraft_note})")
    click.echo(f"expected length L = {fmt(check.expected_length or 0.0)} bits/symbol")
    click.echo(f"optimal length    = {fmt(check.optimal_length or 0.0)} bits/symbol "
               "(Huffman code)")
    click.echo(f"entropy         H = {fmt(check.entropy or 0.0)} bits/symbol")
    click.echo(f"verdict: {check.verdict}")
    if tree:
        click.echo()
        if check.code is None:
            click.echo("no code tree: no prefix code has these lengths")
        else:
            _print_tree(check.code, ascii_)
    if dot is not None:
        click.echo()
        click.echo(f"code tree written to {dot} (render it: dot -Tpng {dot} -o tree.png)")


@click.command("analyze")
@click.argument("p", metavar="P")
@click.argument("q", metavar="[Q]", required=False)
@click.option("--base", default="2", show_default=True, metavar="2|e|10",
              help="Unit of the measures: 2 bits, e nats, 10 hartleys. Code lengths stay in bits.")
@click.option("--normalize", is_flag=True, help=NORMALIZE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.png",
              help="Also draw P and Q with surprisals and codeword lengths (needs the plot "
              "extra: matplotlib).")
@force_option
def analyze_cmd(p: str, q: str | None, base: str, normalize: bool, as_json: bool,
                plot: str | None, force: bool) -> None:
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
      entrocode analyze samples/catdog.json samples/catdog_qa.json --plot catdog.png
    """
    from entrocode.analysis import compare

    refuse_overwrite(plot, force=force)
    b, unit = parse_base(base)
    dp = load_dist(p, normalize, name="P" if q is not None else None)
    dq = load_dist(q, normalize, name="Q") if q is not None else None
    result = compare(dp, dq, b)
    if plot is not None:
        from entrocode.plots import plot_distribution

        plot_distribution(dp, dq, plot)
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
        _plot_written(plot)
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
    _plot_written(plot)


def _plot_written(plot: str | None) -> None:
    if plot is not None:
        click.echo(f"plot written to {plot}")


COMMANDS = [codebook_cmd, analyze_cmd]
