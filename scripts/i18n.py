#!/usr/bin/env python3
"""Keep the Indonesian catalogue (src/satudata/locale/id/LC_MESSAGES/django.po/.mo) complete.

    uv run python scripts/i18n.py collect     # extract msgids, merge i18n-pending/*.tsv into .po
    uv run python scripts/i18n.py missing     # print untranslated msgids as TSV lines to fill in
    uv run python scripts/i18n.py apply F.tsv # fill untranslated entries from that file, filled in
    uv run python scripts/i18n.py compile     # write the .mo with polib (runtime needs no gettext)
    uv run python scripts/i18n.py check       # exit 1 when something is untranslated or stale

`collect` runs Django's `makemessages` extraction (needs GNU gettext: `apt-get install gettext`)
on a copy of the source tree so that no msgid is missed, then merges it with the existing .po
and with every `i18n-pending/*.tsv` (one `msgid<TAB>Indonesian` per line; `\\t`, `\\n` and
`\\\\` escapes; `#` comments). Existing translations win over the TSV files unless
`--overwrite` is given (the .po is where translations get reviewed). The merge is done here with
polib rather than msgmerge, so no "fuzzy" guesses are ever written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polib

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = REPO_ROOT / "src" / "satudata"
LOCALE = "id"
PO_PATH = SOURCE_DIR / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PENDING_DIR = REPO_ROOT / "i18n-pending"
# Folders never scanned for msgids (vendored JS, data, generated migrations, caches).
IGNORED_DIRS = {"static", "locale", "migrations", "__pycache__", "data"}
SCANNED_SUFFIXES = {".py", ".html", ".txt"}
KEPT_FLAGS = {"python-format", "python-brace-format", "no-python-format"}
HEADER = {
    "Project-Id-Version": "satudata",
    "Language": LOCALE,
    "Language-Team": "Indonesian",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}
# %(name)s / %s / %d style and {name} style placeholders; %% is a literal percent sign.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdifr]|\{[a-z_][a-z0-9_]*\}"
)


# --- pending TSV files ----------------------------------------------------------------------


@dataclass
class Pending:
    translations: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # msgid -> "file:line"
    problems: list[str] = field(default_factory=list)


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "tn\\":
            out.append({"t": "\t", "n": "\n", "\\": "\\"}[text[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def read_pending(pending_dir: Path = PENDING_DIR) -> Pending:
    """Every `msgid<TAB>translation` line of every *.tsv (files in name order, later wins)."""
    pending = Pending()
    if not pending_dir.is_dir():
        return pending
    for path in sorted(pending_dir.glob("*.tsv")):
        read_pending_file(path, pending)
    return pending


def read_pending_file(path: Path, pending: Pending | None = None) -> Pending:
    """The `msgid<TAB>translation` lines of one file, added to `pending` (or a new one)."""
    pending = pending if pending is not None else Pending()
    text = path.read_text(encoding="utf-8-sig")
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{path.name}:{number}"
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "\t" not in line:
            pending.problems.append(f"{where}: no TAB between msgid and translation")
            continue
        msgid, translation = (_unescape(part) for part in line.split("\t", 1))
        if not msgid or not translation.strip():
            pending.problems.append(f"{where}: empty msgid or translation")
            continue
        previous = pending.translations.get(msgid)
        if previous is not None and previous != translation:
            pending.problems.append(
                f"{where}: {msgid!r} also translated in {pending.sources[msgid]} "
                f"({previous!r}); using {translation!r}"
            )
        pending.translations[msgid] = translation
        pending.sources[msgid] = where
    return pending


# --- extraction -----------------------------------------------------------------------------


def xgettext_available() -> bool:
    return all(shutil.which(tool) for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib"))


def _setup_django() -> None:
    import django
    from django.apps import apps

    if apps.ready:  # already set up (e.g. inside the test run)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    # The settings create SATUDATA_HOME (secret key, database); keep that out of the repository.
    os.environ.setdefault("SATUDATA_HOME", tempfile.mkdtemp(prefix="satudata-i18n-"))
    django.setup()


def _copy_sources(source_dir: Path, target: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(source_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS and not d.startswith("."))
        relative = Path(dirpath).relative_to(source_dir)
        for name in filenames:
            if Path(name).suffix in SCANNED_SUFFIXES:
                (target / relative).mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(dirpath) / name, target / relative / name)


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def extract(source_dir: Path = SOURCE_DIR) -> polib.POFile:
    """Run Django's makemessages on a copy of the sources; return the fresh (untranslated) PO.

    A copy, because makemessages writes into any `locale` folder it finds next to the files.
    """
    if not xgettext_available():
        raise RuntimeError("GNU gettext is not installed (apt-get install gettext)")
    _setup_django()
    from django.core.management import call_command
    from django.core.management.commands import makemessages
    from django.test.utils import override_settings

    with tempfile.TemporaryDirectory(prefix="satudata-extract-") as tmp:
        work = Path(tmp) / "src"
        _copy_sources(source_dir, work)
        (work / "locale").mkdir(exist_ok=True)
        with _working_directory(work), override_settings(LOCALE_PATHS=[]):
            call_command(
                makemessages.Command(),
                locale=[LOCALE],
                domain="django",
                verbosity=0,
                add_location="file",
                no_obsolete=True,
                ignore_patterns=sorted(IGNORED_DIRS),
            )
        fresh = work / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
        if not fresh.exists():  # no translatable string at all
            return polib.POFile()
        return polib.pofile(str(fresh))


# --- merge ----------------------------------------------------------------------------------


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def is_translated(entry: polib.POEntry) -> bool:
    if "fuzzy" in entry.flags or entry.obsolete:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(v.strip() for v in entry.msgstr_plural.values())
    return bool(entry.msgstr.strip())


def _translation_of(entry: polib.POEntry) -> str:
    if entry.msgid_plural:
        return entry.msgstr_plural.get(0, "")
    return entry.msgstr


def _set_translation(entry: polib.POEntry, text: str) -> None:
    if entry.msgid_plural:
        entry.msgstr_plural = {0: text}
        entry.msgstr = ""
    else:
        entry.msgstr = text
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def placeholder_problems(po: polib.POFile) -> list[str]:
    """Translations whose %(name)s / {name} placeholders differ from their msgid's."""
    problems = []
    for entry in po:
        if not is_translated(entry):
            continue
        if placeholders(entry.msgid) != placeholders(_translation_of(entry)):
            problems.append(
                f"{entry.msgid!r}: placeholders {placeholders(entry.msgid)} but translation has "
                f"{placeholders(_translation_of(entry))}"
            )
    return problems


@dataclass
class MergeReport:
    total: int = 0
    added: int = 0
    from_pending: int = 0
    from_django: int = 0
    dropped: int = 0
    untranslated: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# Django's own Indonesian catalogues, used for msgids we share with Django ("Permissions", ...).
DJANGO_CATALOGUE_APPS = ("admin", "auth", "contenttypes", "sessions", "humanize")


def django_translations() -> dict[str, str]:
    """msgid -> Indonesian from the catalogues Django ships (singular, context-free entries)."""
    import django

    base = Path(django.__file__).resolve().parent
    paths = [base / "conf" / "locale" / LOCALE / "LC_MESSAGES" / "django.mo"]
    paths += [
        base / "contrib" / app / "locale" / LOCALE / "LC_MESSAGES" / "django.mo"
        for app in DJANGO_CATALOGUE_APPS
    ]
    found: dict[str, str] = {}
    for path in paths:
        if path.exists():
            for entry in polib.mofile(str(path)):
                if entry.msgid and not entry.msgid_plural and not entry.msgctxt and entry.msgstr:
                    found.setdefault(entry.msgid, entry.msgstr)
    return found


def merge(
    existing: polib.POFile | None,
    template: polib.POFile | None,
    pending: Pending,
    *,
    overwrite: bool = False,
    fallback: dict[str, str] | None = None,
) -> tuple[polib.POFile, MergeReport]:
    """The new catalogue: every template msgid, every pending msgid, the best translation of each.

    Order of preference: the existing .po, then i18n-pending (or the reverse with `overwrite`),
    then `fallback` (Django's own catalogues). Without a template (no gettext), every existing
    entry is kept.
    """
    fallback = fallback or {}
    report = MergeReport(problems=list(pending.problems))
    old = {_key(e): e for e in (existing or []) if not e.obsolete and e.msgid}
    result = polib.POFile(wrapwidth=100)
    result.metadata = {**(existing.metadata if existing else {}), **HEADER}
    result.header = "Indonesian translation of Satu Data. Update with scripts/i18n.py."

    sources = list(template) if template is not None else list(old.values())
    seen: set[tuple[str, str]] = set()
    for source in sources:
        if not source.msgid or source.obsolete:
            continue
        key = _key(source)
        if key in seen:
            continue
        seen.add(key)
        entry = polib.POEntry(
            msgid=source.msgid,
            msgctxt=source.msgctxt,
            msgid_plural=source.msgid_plural,
            occurrences=list(source.occurrences),
            comment=source.comment,
            flags=[f for f in source.flags if f in KEPT_FLAGS],
            msgstr="",
            msgstr_plural={0: ""} if source.msgid_plural else {},
        )
        before = old.get(key)
        if before is not None and is_translated(before):
            _set_translation(entry, _translation_of(before))
            entry.comment = entry.comment or before.comment  # e.g. "from Django's catalogue"
        elif before is None:
            report.added += 1
        wanted = pending.translations.get(source.msgid)
        if wanted is not None and (overwrite or not is_translated(entry)):
            if _translation_of(entry) != wanted:
                report.from_pending += 1
                _set_translation(entry, wanted)
        elif wanted is not None and _translation_of(entry) != wanted:
            report.problems.append(
                f"kept the .po translation of {source.msgid!r} ({_translation_of(entry)!r}); "
                f"{pending.sources[source.msgid]} says {wanted!r} (use --overwrite to take it)"
            )
        if not is_translated(entry) and not source.msgid_plural and source.msgid in fallback:
            _set_translation(entry, fallback[source.msgid])
            entry.comment = "translation from Django's own catalogue"
            report.from_django += 1
        result.append(entry)

    # Pending msgids that extraction did not find (strings built at run time, JS later, ...).
    for msgid in sorted(pending.translations):
        if ("", msgid) in seen:
            continue
        seen.add(("", msgid))
        before = old.get(("", msgid))
        entry = polib.POEntry(msgid=msgid, msgstr="")
        if before is not None and is_translated(before) and not overwrite:
            entry.msgstr = _translation_of(before)
        else:
            entry.msgstr = pending.translations[msgid]
            report.from_pending += int(before is None or not is_translated(before))
        entry.comment = f"from i18n-pending/{pending.sources[msgid].split(':')[0]}"
        result.append(entry)

    report.dropped = len(set(old) - seen)
    report.total = len(result)
    report.untranslated = [e.msgid for e in result if not is_translated(e)]
    report.problems.extend(placeholder_problems(result))
    return result, report


def load_po(path: Path = PO_PATH) -> polib.POFile | None:
    return polib.pofile(str(path), wrapwidth=100) if path.exists() else None


def apply_translations(path: Path, po_path: Path = PO_PATH) -> tuple[int, list[str]]:
    """Fill untranslated .po entries from one TSV file (the `missing` output, filled in).

    Unlike i18n-pending, nothing new is added: lines whose msgid is not in the .po are reported.
    """
    pending = read_pending_file(path)
    po = polib.pofile(str(po_path), wrapwidth=100)
    by_msgid = {e.msgid: e for e in po if e.msgid and not e.obsolete}
    filled, problems = 0, list(pending.problems)
    for msgid, text in pending.translations.items():
        entry = by_msgid.get(msgid)
        if entry is None:
            problems.append(f"{pending.sources[msgid]}: {msgid!r} is not in the catalogue")
        elif not is_translated(entry):
            _set_translation(entry, text)
            filled += 1
    po.save(str(po_path))
    problems.extend(placeholder_problems(po))
    return filled, problems


def collect(*, overwrite: bool = False, run_extraction: bool = True) -> MergeReport:
    existing = load_po()
    template = None
    if run_extraction:
        if xgettext_available():
            template = extract()
        else:
            print("GNU gettext not installed: only merging i18n-pending/*.tsv (no extraction).")
    po, report = merge(
        existing, template, read_pending(), overwrite=overwrite, fallback=django_translations()
    )
    PO_PATH.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(PO_PATH))
    return report


def compile_catalogue(po_path: Path = PO_PATH, mo_path: Path = MO_PATH) -> int:
    """Write the .mo (translated, non-fuzzy entries only); returns how many were written."""
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(mo_path))
    return len(po.translated_entries())


def mo_matches_po(po_path: Path = PO_PATH, mo_path: Path = MO_PATH) -> bool:
    if not mo_path.exists():
        return False
    po = polib.pofile(str(po_path))
    mo = polib.mofile(str(mo_path))

    def pairs(entries) -> set[tuple]:
        found = set()
        for e in entries:
            if not e.msgid:
                continue
            plural = tuple(sorted(e.msgstr_plural.items())) if e.msgid_plural else ()
            found.add((e.msgctxt or "", e.msgid, e.msgstr if not e.msgid_plural else "", plural))
        return found

    return pairs(po.translated_entries()) == pairs(mo)


# --- command line ---------------------------------------------------------------------------


def _tsv_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _print_report(report: MergeReport) -> None:
    print(
        f"{PO_PATH.relative_to(REPO_ROOT)}: {report.total} entries, {report.added} new msgids, "
        f"{report.from_pending} translations taken from i18n-pending, {report.from_django} from "
        f"Django's catalogues, {report.dropped} dropped."
    )
    for problem in report.problems:
        print(f"  note: {problem}")
    if report.untranslated:
        print(f"{len(report.untranslated)} untranslated (see `scripts/i18n.py missing`):")
        for msgid in report.untranslated[:40]:
            print(f"  - {msgid!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    collect_cmd = commands.add_parser("collect", help="extract msgids and merge i18n-pending")
    collect_cmd.add_argument("--overwrite", action="store_true", help="TSV wins over the .po")
    collect_cmd.add_argument("--no-extract", action="store_true", help="skip makemessages")
    commands.add_parser("compile", help="write the .mo with polib")
    commands.add_parser("missing", help="untranslated msgids as TSV lines")
    apply_cmd = commands.add_parser("apply", help="fill untranslated entries from a TSV file")
    apply_cmd.add_argument("tsv", type=Path)
    commands.add_parser("check", help="fail when untranslated, fuzzy or .mo stale")
    args = parser.parse_args(argv)

    if args.command == "collect":
        _print_report(collect(overwrite=args.overwrite, run_extraction=not args.no_extract))
        return 0
    if args.command == "apply":
        filled, problems = apply_translations(args.tsv)
        print(f"{filled} translations filled in from {args.tsv}")
        for problem in problems:
            print(f"  note: {problem}")
        return 0
    if args.command == "compile":
        count = compile_catalogue()
        print(f"{MO_PATH.relative_to(REPO_ROOT)}: {count} translations")
        return 0
    po = load_po()
    if po is None:
        print(f"{PO_PATH} does not exist; run `scripts/i18n.py collect` first.")
        return 1
    untranslated = [e for e in po if e.msgid and not e.obsolete and not is_translated(e)]
    if args.command == "missing":
        for entry in untranslated:
            print(f"{_tsv_escape(entry.msgid)}\t")
        return 0
    problems = [f"untranslated or fuzzy: {e.msgid!r}" for e in untranslated]
    problems += placeholder_problems(po)
    if not mo_matches_po():
        problems.append("the .mo does not match the .po (run `scripts/i18n.py compile`)")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
