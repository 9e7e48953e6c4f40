"""The ``entrocode`` command line: a thin layer over the library.

Each command parses its arguments, calls one library function and prints.
Library errors (:class:`~entrocode.errors.EntrocodeError`) and operating-system
errors become one line on stderr and exit code 1; usage errors exit 2.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from entrocode import __version__
from entrocode.cli.common import GuardedGroup, run_guarded


@click.group(cls=GuardedGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="entrocode")
def cli() -> None:
    """Huffman coding: build codes, compress streams, and check the theory.

    \b
    Examples:
      entrocode demo
      entrocode codebook a=0.5,b=0.25,c=0.25
      entrocode analyze samples/catdog.json samples/catdog_qb.json
      entrocode compress notes.txt --symbols words
    """


def _register() -> None:
    from entrocode.cli import code_commands, experiment_commands, file_commands, teach_commands

    for module in (code_commands, file_commands, experiment_commands, teach_commands):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    return run_guarded(cli, argv if argv is not None else sys.argv[1:])
