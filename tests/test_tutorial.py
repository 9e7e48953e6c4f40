"""Run every command shown in docs/tutorial.md and check that it prints what the tutorial shows.

A command block in the tutorial is a fenced code block whose first line starts
with ``$ entrocode``.  Each ``$ `` line is a command; the lines after it, up to
the next ``$ `` line or the end of the block, are its exact output (standard
output and standard error as a terminal shows them).  The commands run in
order, as real subprocesses (``python -m entrocode``), in a temporary folder
holding a copy of the repository's ``samples/``, so files they write never
land in the repository.

After a deliberate change of output, regenerate the tutorial's outputs with::

    python tests/test_tutorial.py --update

and review the diff.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TUTORIAL = REPO / "docs" / "tutorial.md"
_FENCE = re.compile(r"^(```+|~~~+)")


@dataclass(frozen=True)
class Command:
    """One ``$ entrocode ...`` line of the tutorial and the output shown under it."""

    line: int  # 1-based line number of the command in the tutorial
    argv: tuple[str, ...]
    expected: str
    out_start: int  # 0-based index of the first output line in the file
    out_end: int  # 0-based index one past the last output line


def parse_tutorial(text: str) -> list[Command]:
    """The command blocks of a Markdown text, in order."""
    lines = text.split("\n")
    commands: list[Command] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not lines[end].startswith(fence.group(1)):
            end += 1
        body = list(range(i + 1, end))
        if body and lines[body[0]].startswith("$ entrocode"):
            starts = [k for k in body if lines[k].startswith("$ ")]
            for n, start in enumerate(starts):
                stop = starts[n + 1] if n + 1 < len(starts) else end
                argv = tuple(shlex.split(lines[start][2:]))
                expected = "\n".join(lines[start + 1:stop])
                commands.append(Command(start + 1, argv, expected, start + 1, stop))
        i = end + 1
    return commands


def run_command(argv: tuple[str, ...], cwd: Path) -> str:
    """Run one tutorial command; return what a terminal would show (stdout and stderr)."""
    if argv[0] != "entrocode":
        raise ValueError(f"tutorial commands must start with entrocode, got {argv[0]!r}")
    env = dict(os.environ, COLUMNS="100", PYTHONIOENCODING="utf-8")
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "entrocode", *argv[1:]],
        cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, timeout=300, check=False,
    )
    return done.stdout.decode("utf-8")


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def _workdir(base: Path) -> Path:
    shutil.copytree(REPO / "samples", base / "samples", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return base


COMMANDS = parse_tutorial(TUTORIAL.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    """Every command's output, run in order in one scratch folder."""
    cwd = _workdir(tmp_path_factory.mktemp("tutorial"))
    return {c.line: run_command(c.argv, cwd) for c in COMMANDS}


def test_the_tutorial_has_commands() -> None:
    assert len(COMMANDS) >= 15
    assert all(c.argv[0] == "entrocode" for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=[f"line {c.line}" for c in COMMANDS])
def test_tutorial_output_is_current(command: Command, outputs: dict[int, str]) -> None:
    actual = outputs[command.line]
    assert _normal(actual) == _normal(command.expected), (
        f"docs/tutorial.md line {command.line}: `{shlex.join(command.argv)}` now prints:\n"
        f"{actual}\n(regenerate with: python tests/test_tutorial.py --update)"
    )


def test_the_parser_reads_blocks() -> None:
    text = "\n".join([
        "Intro", "```", "$ entrocode a 'b c'", "out 1", "", "out 2", "$ entrocode d", "x", "```",
        "```", "not a command", "```", "~~~console", "$ entrocode e", "y", "~~~",
    ])
    got = [(c.line, c.argv, c.expected) for c in parse_tutorial(text)]
    assert got == [(3, ("entrocode", "a", "b c"), "out 1\n\nout 2"),
                   (7, ("entrocode", "d"), "x"), (14, ("entrocode", "e"), "y")]


def update(path: Path = TUTORIAL) -> int:
    """Rewrite the outputs shown in the tutorial with what the commands print now."""
    import tempfile

    lines = path.read_text(encoding="utf-8").split("\n")
    commands = parse_tutorial("\n".join(lines))
    with tempfile.TemporaryDirectory() as tmp:
        cwd = _workdir(Path(tmp))
        new = {c.line: _normal(run_command(c.argv, cwd)) for c in commands}
    for c in reversed(commands):
        lines[c.out_start:c.out_end] = new[c.line].split("\n") if new[c.line] else []
    path.write_text("\n".join(lines), encoding="utf-8")
    return len(commands)


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_tutorial.py --update")
    print(f"updated the output of {update()} commands in {TUTORIAL}")
