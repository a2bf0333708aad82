"""The Indonesian catalogue is complete and compiled, and the UI switches language.

The catalogue is kept by scripts/i18n.py (collect / compile). A fresh extraction needs GNU
gettext; without it that one test is skipped, except under CI=true where it must run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import polib
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _load_script():
    path = REPO_ROOT / "scripts" / "i18n.py"
    spec = importlib.util.spec_from_file_location("satudata_i18n", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


i18n = _load_script()


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    assert i18n.PO_PATH.exists(), "no catalogue: run `uv run python scripts/i18n.py collect`"
    return polib.pofile(str(i18n.PO_PATH))


# --- the committed catalogue ---------------------------------------------------------------


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    missing = [e.msgid for e in po if e.msgid and not e.obsolete and not i18n.is_translated(e)]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy[:20]}"
    assert not missing, (
        f"{len(missing)} msgids without Indonesian translation (add them to i18n-pending/*.tsv "
        f"and run scripts/i18n.py collect + compile): {missing[:20]}"
    )


def test_translations_keep_their_placeholders(po):
    problems = i18n.placeholder_problems(po)
    assert not problems, "\n".join(problems[:20])


def test_catalogue_header_declares_indonesian_without_plurals(po):
    assert po.metadata["Language"] == "id"
    assert po.metadata["Plural-Forms"].startswith("nplurals=1;")
    assert "charset=UTF-8" in po.metadata["Content-Type"]


def test_compiled_mo_matches_the_po():
    assert i18n.mo_matches_po(), "the .mo is stale: run `uv run python scripts/i18n.py compile`"


def test_fresh_extraction_finds_nothing_missing_from_the_po(po):
    if not i18n.xgettext_available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("GNU gettext (xgettext) is needed under CI=true: apt-get install gettext")
        pytest.skip("GNU gettext is not installed; cannot re-extract msgids")
    fresh = i18n.extract()
    known = {(e.msgctxt or "", e.msgid) for e in po}
    missing = sorted(e.msgid for e in fresh if e.msgid and (e.msgctxt or "", e.msgid) not in known)
    assert not missing, (
        f"{len(missing)} msgids in the code are not in the catalogue (run scripts/i18n.py "
        f"collect, translate, compile): {missing[:20]}"
    )


# --- the merge logic of scripts/i18n.py ------------------------------------------------------


def _po(*entries: polib.POEntry) -> polib.POFile:
    po = polib.POFile()
    for entry in entries:
        po.append(entry)
    return po


def test_pending_tsv_parsing_handles_escapes_comments_and_reports_bad_lines(tmp_path):
    (tmp_path / "a.tsv").write_text(
        "# comment\n\nHello\tHalo\nTwo\\nlines\tDua\\nbaris\nno tab here\nEmpty\t \n",
        encoding="utf-8",
    )
    (tmp_path / "b.tsv").write_text("Hello\tHai\n", encoding="utf-8")
    pending = i18n.read_pending(tmp_path)
    assert pending.translations == {"Hello": "Hai", "Two\nlines": "Dua\nbaris"}
    problems = "\n".join(pending.problems)
    assert "a.tsv:5: no TAB" in problems
    assert "a.tsv:6: empty" in problems
    assert "b.tsv:1" in problems and "Halo" in problems  # conflicting translations reported


def test_merge_prefers_the_po_then_pending_then_django_and_never_writes_fuzzy():
    existing = _po(
        polib.POEntry(msgid="Kept", msgstr="Tetap"),
        polib.POEntry(msgid="Guess", msgstr="Tebakan", flags=["fuzzy"]),
        polib.POEntry(msgid="Gone", msgstr="Hilang"),
    )
    template = _po(
        polib.POEntry(msgid="Kept"),
        polib.POEntry(msgid="Guess"),
        polib.POEntry(msgid="Permissions"),
        polib.POEntry(msgid="New %(count)s", flags=["python-format"]),
        polib.POEntry(msgid="%(n)s file", msgid_plural="%(n)s files", msgstr_plural={0: ""}),
    )
    pending = i18n.Pending(
        translations={"Kept": "Dipertahankan", "Guess": "Pasti", "%(n)s file": "%(n)s berkas"},
        sources={"Kept": "x.tsv:1", "Guess": "x.tsv:2", "%(n)s file": "x.tsv:3"},
    )
    merged, report = i18n.merge(existing, template, pending, fallback={"Permissions": "Hak akses"})
    by_id = {e.msgid: e for e in merged}
    assert by_id["Kept"].msgstr == "Tetap"  # the reviewed .po wins
    assert by_id["Guess"].msgstr == "Pasti" and "fuzzy" not in by_id["Guess"].flags
    assert by_id["Permissions"].msgstr == "Hak akses"
    assert by_id["%(n)s file"].msgstr_plural == {0: "%(n)s berkas"}
    assert "Gone" not in by_id  # no longer in the code
    assert report.untranslated == ["New %(count)s"]
    assert any("Dipertahankan" in problem for problem in report.problems)
    merged, _ = i18n.merge(existing, template, pending, overwrite=True)
    assert {e.msgid: e for e in merged}["Kept"].msgstr == "Dipertahankan"


def test_merge_reports_lost_placeholders():
    template = _po(polib.POEntry(msgid="Region %(code)s not found"))
    pending = i18n.Pending(
        translations={"Region %(code)s not found": "Wilayah tidak ditemukan"},
        sources={"Region %(code)s not found": "x.tsv:1"},
    )
    _, report = i18n.merge(None, template, pending)
    assert any("placeholders" in problem for problem in report.problems)


def test_compile_writes_only_translated_entries(tmp_path):
    po = _po(polib.POEntry(msgid="Yes", msgstr="Ya"), polib.POEntry(msgid="Later", msgstr=""))
    po.metadata = dict(i18n.HEADER)
    po.save(str(tmp_path / "django.po"))
    assert i18n.compile_catalogue(tmp_path / "django.po", tmp_path / "django.mo") == 1
    assert {e.msgid for e in polib.mofile(str(tmp_path / "django.mo"))} == {"Yes"}
    assert i18n.mo_matches_po(tmp_path / "django.po", tmp_path / "django.mo")


# --- the running site ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/akun/masuk/"])
def test_pages_are_indonesian_by_default_and_english_after_switching(client, path):
    indonesian = client.get(path)
    body = indonesian.content.decode()
    assert indonesian.status_code == 200
    assert '<html lang="id">' in body
    assert "Langsung ke konten" in body and "Navigasi utama" in body and "Masuk" in body
    assert "Skip to content" not in body

    switched = client.post("/i18n/setlang/", {"language": "en", "next": path})
    assert switched.status_code == 302 and switched["Location"] == path

    english = client.get(path).content.decode()
    assert '<html lang="en">' in english
    assert "Skip to content" in english and "Main navigation" in english and "Log in" in english
    assert "Langsung ke konten" not in english

    client.post("/i18n/setlang/", {"language": "id", "next": path})
    assert '<html lang="id">' in client.get(path).content.decode()


@pytest.mark.django_db
def test_language_switch_refuses_foreign_next_and_unknown_language(client):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example.org/"}
    )
    assert response.status_code == 302 and "evil" not in response["Location"]
    # An unknown language changes nothing (the switch above to English stays).
    client.post("/i18n/setlang/", {"language": "xx", "next": "/akun/masuk/"})
    assert '<html lang="en">' in client.get("/akun/masuk/").content.decode()


@pytest.mark.django_db
def test_language_switch_form_is_in_the_header(client):
    body = client.get("/akun/masuk/").content.decode()
    assert 'action="/i18n/setlang/"' in body
    assert 'name="language" value="id"' in body and 'name="language" value="en"' in body
    assert 'aria-pressed="true"' in body


@pytest.mark.django_db
def test_browser_language_alone_does_not_switch_to_english(client):
    # A phone set to English still gets the Indonesian portal until English is chosen.
    response = client.get("/akun/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="id">' in response.content.decode()
    assert response["Content-Language"] == "id"
    client.cookies["django_language"] = "en"
    response = client.get("/akun/masuk/", HTTP_ACCEPT_LANGUAGE="id")
    assert '<html lang="en">' in response.content.decode()
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_unsupported_language_cookie_falls_back_to_indonesian(client):
    client.cookies["django_language"] = "fr"
    assert '<html lang="id">' in client.get("/akun/masuk/").content.decode()
