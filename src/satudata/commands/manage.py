"""`satudata manage …`: Django's management commands, with the home folder prepared."""

from __future__ import annotations

import argparse

from satudata.commands.environment import HomeError, fail, setup_django


def run(args: argparse.Namespace) -> int:
    try:
        setup_django()
    except HomeError as exc:
        return fail(str(exc))
    from django.core.management import execute_from_command_line

    arguments = list(args.arguments)
    if arguments[:1] == ["--"]:
        arguments = arguments[1:]
    execute_from_command_line(["satudata manage", *(arguments or ["help"])])
    return 0
