"""The `satudata` command: help and argument errors, check, audit verify, createadmin, manage.

Most commands run in-process on the test database (`main([...])`); the home-folder cases run the
real program in a subprocess with its own SATUDATA_HOME, because the settings are read once per
process. The demo has its own module: tests/demo/test_demo.py.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from satudata.cli import main
from satudata.commands.clidocs import render_cli_docs
from satudata.core.audit import record
from satudata.core.models import AuditEvent
from satudata.core.permissions import SYSTEM

REPO = Path(__file__).resolve().parents[1]
SUBPROCESS_TIMEOUT_S = 120

COMMANDS = (
    [],
    ["demo"],
    ["serve"],
    ["check"],
    ["createadmin"],
    ["audit"],
    ["audit", "verify"],
    ["manage"],
)


def run_cli(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess:
    """The real program in a fresh process, on SQLite inside `home`."""
    env = {**os.environ, "SATUDATA_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "satudata.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )


# --- help and bad arguments ---------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "satudata")
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: satudata {' '.join(command)}".rstrip() + " ")
    assert "options:" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nonsense"], "invalid choice: 'nonsense'"),
        (["demo", "--port", "http"], "'http' is not a port number"),
        (["demo", "--port", "70000"], "port must be between 1 and 65535"),
        (["serve", "--workers", "0"], "must be 1 or more"),
        (["audit"], "the following arguments are required: ACTION"),
        (["audit", "repair"], "invalid choice: 'repair'"),
        (["createadmin", "--colour", "red"], "unrecognized arguments: --colour red"),
    ],
)
def test_bad_arguments_get_a_clear_message_and_status_2(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "usage: satudata" in err


def test_no_command_shows_the_help_and_exits_2(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "commands:" in err
    assert "choose a command" in err


def test_docs_cli_md_is_generated_from_the_current_help():
    docs = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert docs == render_cli_docs(), (
        "docs/cli.md is out of date: run `uv run python -m satudata.commands.clidocs > docs/cli.md`"
    )


def test_take_home_option_pulls_home_out_of_a_manage_command_line():
    from satudata.cli import take_home_option

    assert take_home_option(["migrate", "--home", "/srv/sd", "-v", "0"], None) == (
        "/srv/sd",
        ["migrate", "-v", "0"],
    )
    assert take_home_option(["shell", "--home=/x"], "/y") == ("/x", ["shell"])
    assert take_home_option(["shell", "--", "--home", "/x"], None) == (
        None,
        ["shell", "--", "--home", "/x"],
    )


# --- check ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_passes_on_a_healthy_installation(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    for name in ("configuration", "database", "storage", "migrations", "django"):
        assert f"ok    {name}" in out
    assert "All checks passed." in out


@pytest.mark.django_db
def test_check_fails_when_the_blob_storage_is_broken(settings, tmp_path, capsys):
    blocker = tmp_path / "blobs"
    blocker.write_text("a file where the blob folder should be")
    settings.BLOB_ROOT = blocker
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert "FAIL  storage" in captured.out
    assert "1 problem found." in captured.err


def test_check_on_a_fresh_home_reports_missing_migrations_then_passes(tmp_path):
    home = tmp_path / "home"
    first = run_cli("check", home=home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "FAIL  migrations" in first.stdout
    assert "satudata manage migrate" in first.stdout

    # --home after the Django command is taken by satudata, not passed to Django.
    migrated = run_cli("manage", "migrate", "--verbosity", "0", f"--home={home}", home=tmp_path)
    assert migrated.returncode == 0, migrated.stderr

    second = run_cli("check", home=home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "All checks passed." in second.stdout
    assert (home / "satudata.sqlite3").exists()
    assert (home / "secret_key").exists()


def test_check_fails_clearly_when_the_home_is_not_a_folder(tmp_path):
    home = tmp_path / "home"
    home.write_text("not a folder")
    result = run_cli("check", home=home)
    assert result.returncode == 1
    assert "FAIL  configuration" in result.stdout
    assert f"cannot use the home folder {home}" in result.stdout
    assert "Traceback" not in result.stderr


# --- audit verify ---------------------------------------------------------------------------------


def append_events(count: int) -> list[AuditEvent]:
    events = []
    for number in range(count):
        with transaction.atomic():
            events.append(
                record(
                    SYSTEM,
                    "test.cli",
                    object_type="test.thing",
                    object_id=str(number),
                    changes={"number": number},
                )
            )
    return events


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=AuditEvent._meta.db_table), params)


@pytest.mark.django_db
def test_audit_verify_says_ok_with_the_number_of_events(capsys):
    append_events(5)
    assert main(["audit", "verify"]) == 0
    assert "OK: 5 audit events, chain intact." in capsys.readouterr().out


@pytest.mark.django_db
def test_audit_verify_names_the_tampered_event_and_fails(capsys):
    events = append_events(5)
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    raw_sql(
        f"UPDATE {{table}} SET changes = %s{cast} WHERE id = %s", ['{"number": 42}', events[2].pk]
    )
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN at event #{events[2].pk}: event content altered" in out
    assert "2 events before it are intact." in out


@pytest.mark.django_db
def test_audit_verify_notices_a_deleted_event_and_fails(capsys):
    events = append_events(5)
    raw_sql("DELETE FROM {table} WHERE id = %s", [events[1].pk])
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    # The gap shows at the event after the deleted one: its link points at a missing row.
    assert f"BROKEN at event #{events[2].pk}: previous event missing or altered" in out


# --- createadmin ----------------------------------------------------------------------------------

GOOD_PASSWORD = "Semarapura-Kangin-77"


@pytest.mark.django_db
def test_createadmin_reads_the_password_from_stdin(monkeypatch, capsys, client):
    monkeypatch.setattr(sys, "stdin", io.StringIO(GOOD_PASSWORD + "\n"))
    status = main(
        [
            "createadmin",
            "--username",
            "kominfo",
            "--email",
            "kominfo@example.org",
            "--password-stdin",
        ]
    )
    assert status == 0, capsys.readouterr().err
    assert "Administrator 'kominfo' created." in capsys.readouterr().out
    user = get_user_model().objects.get(username="kominfo")
    assert user.is_superuser and user.is_staff
    assert user.email == "kominfo@example.org"
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    assert client.login(username="kominfo", password=GOOD_PASSWORD)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_createadmin_refuses_an_existing_username(monkeypatch, capsys):
    get_user_model().objects.create_user("kominfo", password=GOOD_PASSWORD)
    monkeypatch.setattr(sys, "stdin", io.StringIO(GOOD_PASSWORD + "\n"))
    assert main(["createadmin", "--username", "kominfo", "--password-stdin"]) == 1
    assert "a user named 'kominfo' already exists" in capsys.readouterr().err


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password_and_creates_nothing(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("12345678\n"))
    assert main(["createadmin", "--username", "kominfo", "--password-stdin"]) == 1
    assert "the password is not accepted" in capsys.readouterr().err
    assert not get_user_model().objects.filter(username="kominfo").exists()


@pytest.mark.django_db
def test_createadmin_without_a_terminal_asks_for_password_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["createadmin", "--username", "kominfo"]) == 1
    assert "use --password-stdin" in capsys.readouterr().err
    assert not get_user_model().objects.filter(username="kominfo").exists()


# --- manage -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_manage_passes_the_command_line_to_django(capsys):
    assert main(["manage", "showmigrations", "core"]) == 0
    assert "[X] 0001_initial" in capsys.readouterr().out


# --- docs ----------------------------------------------------------------------------------------


def environment_variables_read_by_settings() -> set[str]:
    source = (REPO / "src" / "satudata" / "settings.py").read_text(encoding="utf-8")
    readers = r"(?:environ\.get|environ\[|getenv|_env_[a-z]+)"
    pattern = readers + r"""\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
    found = set(re.findall(pattern, source))
    # dj_database_url.config() reads DATABASE_URL without naming it.
    if "dj_database_url.config(" in source:
        found.add("DATABASE_URL")
    found.discard("DJANGO_SETTINGS_MODULE")
    return found


def test_every_environment_setting_is_documented_in_the_admin_guide():
    guide = (REPO / "docs" / "admin-guide.md").read_text(encoding="utf-8")
    names = environment_variables_read_by_settings()
    assert {"SATUDATA_HOME", "DATABASE_URL", "SATUDATA_DEBUG"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in guide)
    assert not missing, f"add these settings to docs/admin-guide.md §2: {missing}"


def test_readme_starts_with_the_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    head = readme[: readme.index("## Documentation")]
    assert "pip install uv" in head
    assert "uv run satudata demo" in head
    assert "uv run pytest" in head
    for linked in ("docs/admin-guide.md", "docs/panduan-produsen.md", "docs/cli.md"):
        assert linked in readme
        assert (REPO / linked).exists()
