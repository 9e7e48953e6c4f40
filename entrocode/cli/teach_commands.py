"""Commands for teaching: ``explain``.

``codebook --tree/--trace/--dot/--method/--lengths`` live with ``codebook`` in
:mod:`entrocode.cli.code_commands`.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import click

from entrocode.cli.common import emit_json, load_dist
from entrocode.errors import CodebookError

if TYPE_CHECKING:
    from entrocode.distribution import Distribution

NORMALIZE_HELP = "Treat the values as weights or counts and divide by their sum."


def split_message(text: str, dist: Distribution) -> tuple[Hashable, ...]:
    """Split the MESSAGE argument of ``explain`` into symbols of ``dist``.

    The rule:

    - When every symbol of ``dist`` is a single character, the message is a
      string of symbols, one per character (``abca``).  Commas and whitespace
      are skipped, so ``a,b,c,a`` and ``a b c a`` mean the same, unless they
      are themselves symbols of ``dist``.
    - Otherwise symbols are separated by commas (``sun,rain,sun``), or by
      whitespace when the message holds no comma (``sun rain sun``).

    Raises
    ------
    CodebookError
        For a message with no symbols.
    """
    singles = all(isinstance(s, str) and len(s) == 1 for s in dist.symbols)
    if singles:
        parts: list[Hashable] = [
            c for c in text if c in dist or not (c == "," or c.isspace())
        ]
    elif "," in text:
        parts = [p.strip() for p in text.split(",")]
        if any(not p for p in parts):
            raise CodebookError(f"empty symbol in message {text!r} (two commas in a row?)")
    else:
        parts = list(text.split())
    if not parts:
        raise CodebookError("the message is empty: give at least one symbol")
    return tuple(parts)


@click.command("explain")
@click.argument("dist", metavar="DIST")
@click.argument("message", metavar="MESSAGE")
@click.option("--method", type=click.Choice(["huffman", "shannon", "fano"]), default="huffman",
              show_default=True, help="The code construction to explain.")
@click.option("--max-length", "-L", type=click.IntRange(min=1), default=None, metavar="L",
              help="Longest allowed codeword (Huffman only).")
@click.option("--ascii", "ascii_", is_flag=True, help="Draw the tree with ASCII characters only.")
@click.option("--normalize", is_flag=True, help=NORMALIZE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def explain_cmd(dist: str, message: str, method: str, max_length: int | None, ascii_: bool,
                normalize: bool, as_json: bool) -> None:
    """Encode MESSAGE with the code of DIST, then decode it bit by bit.

    Shows the code tree, each symbol's codeword appended in turn, then the
    decoder walking the tree one bit at a time from the root and emitting a
    symbol at each leaf; the decoded message is checked against MESSAGE, and
    against what entrocode's own codec writes and reads back. Last, the bit
    count beside the message's information content sum(-log2 p), which no
    code beats on average.

    MESSAGE: when every symbol of DIST is one character, a string of symbols
    (abca; commas and spaces are skipped unless they are symbols); otherwise
    symbols separated by commas, or by spaces (sun,rain,sun or "sun rain sun").

    \b
    Examples:
      entrocode explain a=0.5,b=0.25,c=0.25 abca
      entrocode explain sun=0.5,rain=0.3,snow=0.2 sun,rain,sun,snow
      entrocode explain samples/dna.json GATTACA --method shannon
    """
    from entrocode.codebook import huffman_code
    from entrocode.comparison import code_by_method
    from entrocode.render import draw_tree, draw_walkthrough, explain_coding, symbol_text

    if max_length is not None and method != "huffman":
        raise click.UsageError(f"--max-length applies to Huffman codes only, not to --method "
                               f"{method}")
    d = load_dist(dist, normalize)
    if max_length is None:
        code = code_by_method(d, method)
    else:
        code = huffman_code(d, max_length=max_length)
    walk = explain_coding(code, split_message(message, d))
    if as_json:
        data: dict[str, Any] = {
            "method": method,
            "message": [symbol_text(s) for s in walk.message],
            "encoding": [
                {"symbol": symbol_text(s.symbol), "probability": s.probability,
                 "codeword": s.codeword, "surprisal": s.surprisal}
                for s in walk.encoding
            ],
            "bits": walk.bits,
            "bit_count": walk.bit_count,
            "information": walk.information,
            "decoded": [symbol_text(s) for s in walk.decoded],
            "codec_checked": walk.codec_checked,
            "matches": walk.matches,
        }
        emit_json(data)
    else:
        names = {"huffman": "Huffman code", "shannon": "Shannon code",
                 "fano": "Shannon-Fano code"}
        n = len(walk.message)
        click.echo(f"message: {' '.join(symbol_text(s) for s in walk.message)} "
                   f"({n} symbol{'s' if n != 1 else ''})")
        click.echo()
        click.echo(f"{names[method]} of {dist}: each branch is a code bit; a node shows "
                   "(its weight),")
        click.echo("a leaf symbol: codeword (probability)")
        click.echo(draw_tree(code, ascii=ascii_))
        click.echo()
        click.echo(draw_walkthrough(walk))
    if not walk.matches:
        raise CodebookError("decoding did not give back the message")


COMMANDS: list[click.Command] = [explain_cmd]
