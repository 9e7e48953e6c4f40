"""Shared plumbing for the commands: error handling, DIST arguments, output."""

from __future__ import annotations

import contextlib
import json
import math
import os
import select
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from entrocode.errors import WRITE_ERRNOS, EntrocodeError

if TYPE_CHECKING:
    from entrocode.distribution import Distribution

# The command modules import the library (and with it numpy) inside each
# command, so that building the command line, --help and --version stay fast.

PROG = "entrocode"

#: The symbol modes, as :data:`entrocode.symbols.MODES` (and
#: :data:`entrocode.experiments.SAMPLE_MODES`); repeated here for the option
#: choices, which are built at start-up.  The tests check that they agree.
MODES: tuple[str, ...] = ("bytes", "chars", "words", "lines")

#: Units of ``--base``.
UNITS = {"2": "bits", "e": "nats", "10": "hartleys"}


def fail(message: str) -> None:
    """Print one error line on stderr (no traceback)."""
    click.echo(f"{PROG}: error: {message}", err=True)


class _Escaped(Exception):
    """A BrokenPipeError or KeyboardInterrupt of a command, carried past click's ``main``."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(original)
        self.original = original


class GuardedGroup(click.Group):
    """A command group whose broken pipes and Ctrl-C reach :func:`run_guarded`.

    click's ``main`` ends the program silently (exit 1) on a broken pipe and
    turns Ctrl-C into a blank line and "aborted" (exit 1), even when not
    standalone; carried past it, they get their one line and exit code.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (BrokenPipeError, KeyboardInterrupt) as exc:
            raise _Escaped(exc) from None


STDOUT_NAME = "standard output"
"""How error messages name the standard output."""


def write_stdout(data: bytes) -> None:
    """Write all of `data` to the binary standard output, and flush it.

    Under ``python -u`` (``PYTHONUNBUFFERED``) ``sys.stdout.buffer`` is a raw
    file whose ``write`` may take only part of the data (when a pipe's reader
    goes away, for one); the rest is written, or fails, by the next call.
    """
    out = sys.stdout.buffer
    view = memoryview(data).cast("B")
    try:
        while view:
            written = out.write(view)
            if written is None:  # a non-blocking stdout, full for now: wait for room
                select.select([], [out], [])
                continue
            view = view[written:]
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:  # a full disk under stdout: say so
        raise OSError(exc.errno, exc.strerror, STDOUT_NAME) from None


def run_guarded(command: click.Command, args: Sequence[str]) -> None:
    """Run a click command and turn every expected failure into one line.

    Exit codes: 0 success, 1 bad data or input (library and operating-system
    errors), 2 usage errors (click's convention), 130 on Ctrl-C.
    """
    try:
        try:
            rv = command.main(list(args), prog_name=PROG, standalone_mode=False)
        except _Escaped as escaped:
            raise escaped.original from None
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        fail("aborted")
        sys.exit(1)
    except EntrocodeError as exc:
        fail(str(exc))
        sys.exit(1)
    except BrokenPipeError:
        _silence_stdout()
        fail("output closed before everything was written (broken pipe)")
        sys.exit(1)
    except KeyboardInterrupt:
        _silence_stdout()
        fail("interrupted")
        sys.exit(130)
    except MemoryError:
        fail("out of memory")
        sys.exit(1)
    except OSError as exc:
        if exc.filename is None and exc.errno in WRITE_ERRNOS:
            # Named outputs name themselves (atomic_output): this was stdout.
            exc = OSError(exc.errno, exc.strerror, STDOUT_NAME)
        fail(describe_os_error(exc))
        _settle_stdout()
        sys.exit(1)
    if isinstance(rv, int) and rv:
        sys.exit(rv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        fail("output closed before everything was written (broken pipe)")
        sys.exit(1)
    except OSError as exc:  # a full disk under stdout
        _silence_stdout()
        fail(f"{STDOUT_NAME}: {exc.strerror or exc}")
        sys.exit(1)


def _silence_stdout() -> None:
    # Python flushes stdout at exit; point it at /dev/null so a closed pipe
    # cannot raise a second error there.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _settle_stdout() -> None:
    """Flush stdout now; if it cannot take its data (a full disk), drop the data.

    Otherwise Python's own flush at exit fails again, printing "Exception
    ignored" and exiting with 120.
    """
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()


def describe_os_error(exc: OSError) -> str:
    """One line for an operating-system error: the file and the reason."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason


def load_dist(spec: str, normalize: bool = False, name: str | None = None) -> Distribution:
    """Parse a DIST argument (errors propagate as DistributionError).

    ``name`` (``"P"``, ``"Q"``, ``"--model"``) starts the error message where
    a command takes more than one distribution, so the user knows which one
    is wrong.
    """
    from entrocode.distribution import parse_spec
    from entrocode.errors import DistributionError

    try:
        return parse_spec(spec, normalize=normalize)
    except DistributionError as exc:
        if name is None:
            raise
        raise type(exc)(f"{name}: {exc}") from None


def parse_base(text: str) -> tuple[float, str]:
    """Turn a ``--base`` value into (base, unit name)."""
    t = text.strip().lower()
    if t == "e":
        return math.e, "nats"
    try:
        b = float(t)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not 2, e, 10 or a number > 1", param_hint="'--base'"
        ) from None
    if not math.isfinite(b) or b <= 1:
        raise click.BadParameter(f"{text!r} is not a number > 1", param_hint="'--base'")
    unit = UNITS.get(t) or UNITS.get(format(b, "g")) or f"log{format(b, 'g')} units"
    return b, unit


def label(symbol: Any, mode: str = "chars") -> str:
    """A printable label for a symbol of any kind."""
    if isinstance(symbol, bytes):
        from entrocode.symbols import symbol_label

        return symbol_label(symbol, mode)
    return str(symbol)


def jsonable(value: Any) -> Any:
    """Make a value JSON-safe: infinities become "inf", NaN "nan", tuples lists."""
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if math.isnan(value):
            return "nan"
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def emit_json(obj: Any, err: bool = False) -> None:
    """Print one JSON object on stdout (or stderr)."""
    click.echo(json.dumps(jsonable(obj), ensure_ascii=False), err=err)


def fmt(value: float, digits: int = 4) -> str:
    """Format a number for a table; infinity as 'inf'."""
    if math.isinf(value):
        return "inf"
    return f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Callable[[int], bool]
          | None = None) -> str:
    """A plain text table with aligned columns (numbers right-aligned)."""
    cols = list(zip(*([list(headers)] + [list(r) for r in rows]), strict=True)) if rows else [
        [h] for h in headers
    ]
    widths = [max(len(c) for c in col) for col in cols]
    is_right = right or (lambda i: i > 0)

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if is_right(i) else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


class Refusal(click.ClickException):
    """A refusal to go on (exit 1), shown as one ``entrocode: error:`` line."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        fail(self.message)


#: The ``-f/--force`` option of every command that writes a named file.
force_option = click.option("-f", "--force", is_flag=True,
                            help="Overwrite existing output files.")


def refuse_overwrite(*paths: str | None, force: bool) -> None:
    """Refuse (exit 1) when an output file already exists and ``force`` is off.

    Checked before any work is done, so nothing is computed for nothing; the
    writers themselves replace the file atomically.
    """
    if force:
        return
    for path in paths:
        if path is not None and path != "-" and os.path.lexists(path):
            raise Refusal(f"{path} already exists; use -f to overwrite")

