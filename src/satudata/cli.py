"""The `satudata` command. Sub-commands are filled in by the CLI work; see docs/cli.md."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "manage":
        execute_from_command_line(["satudata manage", *args[1:]])
        return 0
    print("usage: satudata manage …", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
