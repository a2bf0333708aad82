"""The file's header against a given schema: which text column feeds which schema field.

- When the header holds exactly the schema's field names in another order, columns are matched
  by name (frictionless calls this `schema_sync`): a reordered file is not an error.
- Otherwise columns are matched by position, as frictionless does: a label that differs from the
  field name is an `incorrect-label`, a field beyond the file's last column a `missing-label`, a
  column beyond the schema's last field an `extra-label`. Blank and repeated labels are already
  reported by the header step (`blank-header`, `duplicate-label`) and not compared again.

Label problems belong to the header, so they carry no row number (as in frictionless).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Binding:
    # Per schema field: the source column, or None when the file lacks it.
    columns: list[str | None]
    # Source columns the schema does not describe: (column, label).
    extra: list[tuple[str, str]] = field(default_factory=list)
    # (type, params, field) for each label problem, in column order.
    problems: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    by_name: bool = False


def _label(value: str | None) -> str:
    return (value or "").strip()


def bind(
    schema: dict[str, Any],
    labels: list[str | None],
    columns: list[str],
    *,
    names: list[str] | None = None,
) -> Binding:
    """Match source columns to schema fields. `labels` are the header cells as written,
    `names` the field names made from them (blank → `field3`, repeated → `Nama_2`)."""
    wanted = [f["name"] for f in schema.get("fields", [])]
    texts = [_label(label) for label in labels]
    found = list(names) if names is not None else texts
    counts = Counter(texts)
    if (
        len(found) == len(wanted)
        and found != wanted
        and sorted(found) == sorted(wanted)
        and len(set(found)) == len(found)
    ):
        position = {name: index for index, name in enumerate(found)}
        return Binding(columns=[columns[position[name]] for name in wanted], by_name=True)
    binding = Binding(columns=[])
    for index, name in enumerate(wanted):
        if index >= len(columns):
            binding.columns.append(None)
            binding.problems.append(("missing-label", {"name": name, "position": index + 1}, name))
            continue
        binding.columns.append(columns[index])
        text = texts[index]
        # Blank and repeated labels are reported by the header step; a generated name that
        # the schema carries (an exported schema of the same file) matches.
        if text and counts[text] == 1 and found[index] != name:
            binding.problems.append(
                ("incorrect-label", {"label": text, "name": name, "position": index + 1}, name)
            )
    for index in range(len(wanted), len(columns)):
        binding.extra.append((columns[index], texts[index]))
        binding.problems.append(
            ("extra-label", {"label": texts[index], "position": index + 1}, None)
        )
    return binding
