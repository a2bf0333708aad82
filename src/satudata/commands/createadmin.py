"""`satudata createadmin`: a superuser, created through the accounts service (audited)."""

from __future__ import annotations

import argparse
import getpass
import sys

from satudata.commands.environment import HomeError, fail, setup_django


class PasswordError(Exception):
    pass


def read_password(from_stdin: bool) -> str:
    """One line of standard input, or asked twice on the terminal (hidden)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise PasswordError("no password on standard input")
        return password
    if not sys.stdin.isatty():
        raise PasswordError("no terminal to ask the password on; use --password-stdin")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password (again): ")
    if first != second:
        raise PasswordError("the two passwords do not match")
    if not first:
        raise PasswordError("the password is empty")
    return first


def run(args: argparse.Namespace) -> int:
    try:
        setup_django()
    except HomeError as exc:
        return fail(str(exc))
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from satudata.accounts.services import create_user
    from satudata.core.errors import SatuDataError
    from satudata.core.permissions import SYSTEM

    username = args.username.strip()
    if not username:
        return fail("the username is empty")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return fail(f"a user named '{username}' already exists")
    try:
        password = read_password(args.password_stdin)
        validate_password(password, User(username=username, email=args.email))
    except PasswordError as exc:
        return fail(str(exc))
    except ValidationError as exc:
        return fail("the password is not accepted: " + " ".join(exc.messages))
    try:
        user = create_user(
            SYSTEM, username=username, password=password, email=args.email, is_superuser=True
        )
    except SatuDataError as exc:
        return fail(exc.message)
    print(f"Administrator '{user.get_username()}' created.")
    return 0
