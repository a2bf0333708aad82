"""Generate docs/cli.md from the real argument parser, so the CLI docs cannot drift.

    uv run python -m satudata.commands.clidocs > docs/cli.md

`tests/test_cli.py` fails when docs/cli.md differs from what this prints.
"""

from __future__ import annotations

import argparse

from satudata.cli import PROG, build_parser

# A fixed width makes the output independent of the terminal it is generated in.
DOCS_WIDTH = 88

HEADER = """\
# The `satudata` command

Generated from the program's own `--help` output by
`uv run python -m satudata.commands.clidocs > docs/cli.md`; do not edit by hand
(a test fails when this file is out of date).

Every command accepts `--help`. Wrong arguments print a short message and exit with status 2;
a command that finds a problem (for example `check` or `audit verify`) exits with status 1.
"""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _walk(parser: argparse.ArgumentParser, name: str) -> list[tuple[str, str]]:
    sections = [(name, parser.format_help())]
    for child_name, child in _subparsers(parser).items():
        sections.extend(_walk(child, f"{name} {child_name}"))
    return sections


def render_cli_docs() -> str:
    """The whole Markdown page: one section per command with its `--help` text."""
    parts = [HEADER]
    for name, text in _walk(build_parser(width=DOCS_WIDTH), PROG):
        parts.append(f"## `{name}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render_cli_docs(), end="")
