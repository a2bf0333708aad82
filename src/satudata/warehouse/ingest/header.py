"""Field names from header labels: blank labels get a name (`field3`), repeated labels a suffix.

Both are reported as warnings (`blank-header`, `duplicate-label`) so the produsen can fix the file;
names are otherwise kept exactly as written (only surrounding spaces are trimmed), because users
recognise their own column names.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from satudata.warehouse.ingest.report import Report

NAME_MAX_CHARS = 120


def field_names(labels: list[str | None], report: Report) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for position, label in enumerate(labels, start=1):
        name = (label or "").strip()[:NAME_MAX_CHARS]
        if not name:
            name = f"field{position}"
            report.warning(
                "blank-header",
                _("Column %(n)d has no name; it was called “%(name)s”.")
                % {"n": position, "name": name},
                row=1,
                field=name,
            )
        if name.casefold() in seen:
            base, suffix = name, 2
            while f"{base}_{suffix}".casefold() in seen:
                suffix += 1
            name = f"{base}_{suffix}"
            report.warning(
                "duplicate-label",
                _(
                    "The column name “%(label)s” is used more than once; column %(n)d was"
                    " renamed “%(name)s”."
                )
                % {"label": base, "n": position, "name": name},
                row=1,
                field=name,
            )
        seen.add(name.casefold())
        names.append(name)
    return names
