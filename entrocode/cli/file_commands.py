"""Commands about files: ``compress``, ``decompress`` and ``stats``, with gzip's habits.

Each command works out where to read and where to write, then calls one
function of :mod:`entrocode.container`.  The habits:

- ``INPUT`` becomes ``INPUT.ec``; ``decompress`` strips ``.ec`` (or needs
  ``-o``).  ``-`` or no INPUT with piped stdin reads stdin and writes stdout.
- An existing file is never overwritten without ``-f``; the input is never
  changed; files are written atomically (a temporary file, then a rename),
  so an error or an interruption leaves no partial file under the target
  name.  Data for stdout is held back (in memory, spilling to a temporary
  file) until it is complete and checked, so a failure prints nothing.
- Compressed data is not written to a terminal without ``-f``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import click

from entrocode.cli.common import MODES, Refusal, emit_json, fmt, load_dist, write_stdout

SUFFIX = ".ec"
"""The suffix of compressed files."""

PROGRESS_MIN_BYTES = 8 << 20
"""Inputs at least this long get a progress bar (when stderr is a terminal)."""

SPOOL_BYTES = 16 << 20
"""Output for stdout is kept in memory up to this size, then in a temporary file."""

MODES_HELP = (
    "What one symbol is: bytes (any file), chars (UTF-8 characters), words (runs of word "
    "and non-word characters) or lines."
)


class Interrupted(Refusal):
    """Ctrl-C or SIGTERM: exit 130 after the cleanup, like a shell."""

    exit_code = 130


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Report Ctrl-C (and SIGTERM while a file is written) as one line and exit 130.

    click would turn ``KeyboardInterrupt`` into a bare "Aborted!"; the
    temporary output file has already been removed when this runs.
    """
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted("interrupted") from None


# ---------------------------------------------------------------------------
# Where to read and write
# ---------------------------------------------------------------------------
def _source(input_: str | None) -> str | None:
    """The input path, or None for stdin (refused when stdin is a terminal)."""
    if input_ is None and sys.stdin is not None and sys.stdin.isatty():
        raise click.UsageError("no INPUT given and stdin is a terminal: name a file, or pipe "
                               "data in")
    if input_ is None or input_ == "-":
        return None
    return input_


def _target(source: str | None, output: str | None, to_stdout: bool,
            default_name: Callable[[str], str]) -> str | None:
    """The output path (None for stdout): -o, -c, or ``default_name(INPUT)``."""
    if output is not None and to_stdout:
        raise click.UsageError("-o/--output and -c/--stdout cannot be combined")
    if to_stdout or output == "-":
        return None
    if output is not None:
        return output
    if source is None:
        return None
    return default_name(source)


def _compressed_name(source: str) -> str:
    """INPUT becomes INPUT.ec."""
    if source.endswith(SUFFIX):
        raise Refusal(f"{source} already has the {SUFFIX} suffix; use -o OUTPUT to compress "
                      "it again")
    return source + SUFFIX


def _decompressed_name(source: str) -> str:
    """INPUT.ec becomes INPUT; any other name needs -o or -c."""
    if not source.endswith(SUFFIX) or not os.path.basename(source)[: -len(SUFFIX)]:
        raise click.UsageError(f"cannot name the output: {source} does not end in {SUFFIX}; "
                               "use -o OUTPUT or -c")
    return source[: -len(SUFFIX)]


def _check_target(source: str | None, target: str | None, force: bool) -> None:
    """Refuse to clobber a file without -f, the input itself, or a directory."""
    if target is None:
        return
    if os.path.isdir(target):
        raise Refusal(f"{target} is a directory")
    if source is not None and os.path.exists(target) and os.path.exists(source) \
            and os.path.samefile(source, target):
        raise Refusal(f"{target} is the input itself; choose another output")
    if os.path.lexists(target) and not force:
        raise Refusal(f"{target} already exists; use -f to overwrite")
    directory = os.path.dirname(target) or "."
    if not os.path.isdir(directory):
        raise Refusal(f"cannot write {target}: no directory {directory}")


@contextlib.contextmanager
def _open_source(source: str | None) -> Iterator[tuple[BinaryIO, str, int | None, int | None]]:
    """Yield (binary file, display name, size if a regular file, permission bits)."""
    if source is None:
        yield sys.stdin.buffer, "stdin", None, None
        return
    with open(source, "rb") as fh:
        st = os.fstat(fh.fileno())
        regular = (st.st_mode & 0o170000) == 0o100000
        yield fh, source, (st.st_size if regular else None), (st.st_mode & 0o777
                                                              if regular else None)


@contextlib.contextmanager
def _stdout_when_complete() -> Iterator[BinaryIO]:
    """A buffer that goes to stdout only when the block ends without an error."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        yield spool  # type: ignore[misc]
        spool.seek(0)
        while chunk := spool.read(1 << 20):
            write_stdout(chunk)


@contextlib.contextmanager
def _destination(target: str | None, force: bool, mode: int | None) -> Iterator[BinaryIO]:
    """The output: stdout (when complete) or a file written atomically."""
    if target is None:
        with _stdout_when_complete() as dst:
            yield dst
        return
    from entrocode.container import atomic_output

    with _terminate_as_interrupt(), atomic_output(target, overwrite=force, mode=mode) as dst:
        yield dst


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while writing, so the temporary file is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


@contextlib.contextmanager
def _progress(size: int | None, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for long inputs, when stderr is a terminal."""
    if size is None or size < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=size, label=label, file=sys.stderr) as bar:
        yield bar.update


def _stdout_is_terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------
_input_argument = click.argument("input_", metavar="[INPUT|-]", required=False)
_output_option = click.option("-o", "--output", metavar="OUTPUT",
                              help="Write to OUTPUT ('-': standard output).")
_stdout_option = click.option("-c", "--stdout", "to_stdout", is_flag=True,
                              help="Write to standard output; keep INPUT.")


@click.command("compress")
@_input_argument
@_output_option
@_stdout_option
@click.option("-f", "--force", is_flag=True,
              help="Overwrite an existing OUTPUT; allow compressed data on a terminal.")
@click.option("--symbols", type=click.Choice(MODES), default="bytes", show_default=True,
              help=MODES_HELP)
@click.option("--model", metavar="DIST",
              help="Code with the Huffman code of DIST instead of the data's own (pairs "
              "a=0.5,b=0.5 or a .json file). In bytes mode a symbol is one character or 0xHH.")
@click.option("--normalize", is_flag=True,
              help="Treat the --model values as weights or counts and divide by their sum.")
@click.option("--smooth", type=float, metavar="A",
              help="Add A to the weight of every symbol of the model and of the data, so "
              "that every symbol gets a codeword.")
@click.option("--max-length", type=click.IntRange(min=1), metavar="L",
              help="Longest codeword in bits (optimal length-limited codes).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the statistics as one JSON object (on stderr when the data goes to "
              "stdout).")
def compress_cmd(input_: str | None, output: str | None, to_stdout: bool, force: bool,
                 symbols: str, model: str | None, normalize: bool, smooth: float | None,
                 max_length: int | None, as_json: bool) -> None:
    """Compress INPUT into INPUT.ec with Huffman codes (the input is kept).

    The input is read in chunks of 1 MiB and coded in blocks, each with the
    Huffman code of its own symbol counts (or the previous block's code, or
    stored raw when coding does not help); a chunk whose statistics change is
    cut into several blocks where that saves 1% or more. One line on stderr
    reports the sizes, the bits per symbol against the entropy, and the
    predicted against the actual payload bits, which are always equal.

    With --model DIST every block is coded with DIST's Huffman code instead:
    the cost of coding with the wrong distribution, measured. A symbol the
    model gives probability 0 is an error; --smooth A fixes it.

    \b
    Examples:
      entrocode compress notes.txt                     # writes notes.txt.ec
      entrocode compress notes.txt --symbols words --json
      entrocode compress data.bin -o /tmp/data.ec -f
      cat notes.txt | entrocode compress -c > notes.ec
      entrocode compress dna.txt --model A=0.3,C=0.2,G=0.2,T=0.3 --smooth 0.01
    """
    from entrocode.container import compress_stream

    if smooth is not None and model is None:
        raise click.UsageError("--smooth applies to a model: give --model DIST as well")
    if normalize and model is None:
        raise click.UsageError("--normalize applies to --model DIST")
    source = _source(input_)
    target = _target(source, output, to_stdout, _compressed_name)
    if target is None and _stdout_is_terminal() and not force:
        raise Refusal("compressed data not written to a terminal; use -o OUTPUT or redirect "
                      "stdout (-f to force)")
    dist = load_dist(model, normalize, name="--model") if model is not None else None
    _check_target(source, target, force)
    with _interruptible(), _open_source(source) as (src, name, size, mode), \
            _progress(size, f"compressing {name}") as progress, \
            _destination(target, force, mode) as dst:
        result = compress_stream(src, dst, symbols=symbols, model=dist, smooth=smooth,
                                 max_length=max_length, progress=progress)
    if as_json:
        emit_json(result.as_dict(), err=target is None)
        return
    ratio = f"{result.output_bytes / result.input_bytes:.1%}" if result.input_bytes else "-"
    click.echo(
        f"{name}: {result.input_bytes} -> {result.output_bytes} bytes ({ratio}); "
        f"{fmt(result.bits_per_symbol)} bits/symbol, entropy {fmt(result.entropy)}; "
        f"payload {result.payload_bits} bits, predicted {result.predicted_payload_bits}",
        err=True,
    )


@click.command("decompress")
@_input_argument
@_output_option
@_stdout_option
@click.option("-f", "--force", is_flag=True, help="Overwrite an existing OUTPUT.")
def decompress_cmd(input_: str | None, output: str | None, to_stdout: bool,
                   force: bool) -> None:
    """Restore INPUT.ec into INPUT (the .ec file is kept).

    The file's checksum (CRC-32) is checked before anything is kept: a
    damaged, truncated or foreign file is an error (exit 1) and leaves no
    output behind.

    \b
    Examples:
      entrocode decompress notes.txt.ec                # writes notes.txt
      entrocode decompress archive.ec -o restored.bin
      entrocode decompress -c notes.txt.ec | less
      cat notes.txt | entrocode compress -c | entrocode decompress -c
    """
    from entrocode.container import decompress_stream

    source = _source(input_)
    target = _target(source, output, to_stdout, _decompressed_name)
    _check_target(source, target, force)
    with _interruptible(), _open_source(source) as (src, name, size, mode), \
            _progress(size, f"decompressing {name}") as progress, \
            _destination(target, force, mode) as dst:
        decompress_stream(src, dst, progress=progress)


@click.command("stats")
@_input_argument
@click.option("--symbols", type=click.Choice(MODES), default="bytes", show_default=True,
              help=MODES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def stats_cmd(input_: str | None, symbols: str, as_json: bool) -> None:
    """Report what compressing INPUT would give, without writing anything.

    The order-0 entropy H of the input's symbols (the least any code with
    one codeword per symbol can average), the expected length of the one
    Huffman code of the whole input (between H and H + 1), and the exact
    size `entrocode compress` would write, with its per-block codes.

    \b
    Examples:
      entrocode stats notes.txt
      entrocode stats notes.txt --symbols words --json
      cat notes.txt | entrocode stats --symbols chars
    """
    from entrocode.container import analyze_stream

    source = _source(input_)
    with _interruptible(), _open_source(source) as (src, name, size, _), \
            _progress(size, f"reading {name}") as progress:
        s = analyze_stream(src, symbols=symbols, progress=progress)
    huffman = s.huffman_bits_per_symbol or 0.0
    if as_json:
        emit_json({
            "mode": s.mode,
            "input_bytes": s.input_bytes,
            "symbols": s.symbols,
            "distinct_symbols": s.distinct_symbols,
            "entropy": s.entropy,
            "huffman_bits_per_symbol": huffman,
            "bits_per_symbol": s.bits_per_symbol,
            "predicted_payload_bits": s.predicted_payload_bits,
            "output_bytes": s.output_bytes,
            "header_bytes": s.header_bytes,
            "blocks": s.blocks,
        })
        return
    ratio = f" ({s.output_bytes / s.input_bytes:.1%} of the input)" if s.input_bytes else ""
    click.echo(f"input      {s.input_bytes} bytes, {s.symbols} symbols ({s.mode}), "
               f"{s.distinct_symbols} distinct")
    click.echo(f"entropy    {fmt(s.entropy)} bits/symbol (order 0): at least "
               f"{s.entropy * s.symbols / 8:.1f} bytes")
    click.echo(f"Huffman    {fmt(huffman)} bits/symbol (one code for the whole input)")
    click.echo(f"compress   {fmt(s.bits_per_symbol)} bits/symbol in {s.blocks} "
               f"block{'s' if s.blocks != 1 else ''}: {s.output_bytes} bytes{ratio}, "
               f"{s.header_bytes} of them headers and tables")


COMMANDS: list[click.Command] = [compress_cmd, decompress_cmd, stats_cmd]
