"""File-drop connector type: CSV, XLSX or JSON files put in a watched folder.

Another system (or a person with shell access) drops files named by a pattern, e.g.
`kunjungan_*.csv`, into the connector's folder under `SATUDATA_CONNECTOR_DROP_DIR`; or it POSTs
them to the connector's upload address (views.upload_file), which saves them there and starts a
run. Each run reads the newest matching file; the warehouse makes no new version when its
content did not change. The folder is always inside the drop root: a connector can never be
pointed at other files of the server.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from pathlib import Path

import pyarrow as pa
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.connectors import conf
from satudata.connectors.types import register
from satudata.connectors.types.base import ConnectorType, Pulled, SourceError
from satudata.connectors.types.records import (
    as_text,
    csv_records,
    json_records,
    records_to_table,
)

FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
SUFFIXES = (".csv", ".xlsx", ".xls", ".ods", ".json")


class FileDropConfigForm(forms.Form):
    folder = forms.RegexField(
        label=gettext_lazy("Folder name"),
        regex=FOLDER_NAME,
        max_length=80,
        help_text=gettext_lazy(
            "A folder inside the drop folder of the server (letters, digits, - and _)."
        ),
    )
    pattern = forms.CharField(
        label=gettext_lazy("File name pattern"),
        initial="*.csv",
        max_length=120,
        help_text=gettext_lazy("e.g. kunjungan_*.csv (* is any text)."),
    )
    sheet = forms.CharField(label=gettext_lazy("Sheet (workbooks)"), required=False, max_length=100)
    record_path = forms.CharField(label=gettext_lazy("Record path (JSON)"), required=False)

    def clean_pattern(self) -> str:
        pattern = self.cleaned_data["pattern"].strip()
        if "/" in pattern or "\\" in pattern or ".." in pattern:
            raise forms.ValidationError(_("A pattern names files, not folders."))
        return pattern


def drop_folder(config: dict) -> Path:
    name = str(config.get("folder") or "")
    if not FOLDER_NAME.match(name):
        raise SourceError(_("The connector's folder name is not valid."), code="config-invalid")
    return conf.file_drop_root() / name


def matches(config: dict, filename: str) -> bool:
    pattern = config.get("pattern") or "*"
    return fnmatch.fnmatchcase(filename, pattern) and filename.lower().endswith(SUFFIXES)


@register
class FileDropConnector(ConnectorType):
    key = "filedrop"
    label = gettext_lazy("File drop (folder or upload address)")
    config_form = FileDropConfigForm

    def pull(
        self, config: dict, secrets: dict, *, since: str | None, limit: int | None = None
    ) -> Pulled:
        folder = drop_folder(config)
        folder.mkdir(parents=True, exist_ok=True)
        candidates = [
            path for path in folder.iterdir() if path.is_file() and matches(config, path.name)
        ]
        if not candidates:
            raise SourceError(
                _("No file matching %(pattern)s in the folder %(folder)s yet.")
                % {"pattern": config.get("pattern"), "folder": folder.name},
                code="no-file",
            )
        newest = max(candidates, key=lambda path: (path.stat().st_mtime, path.name))
        if newest.stat().st_size > conf.max_response_bytes():
            raise SourceError(
                _(
                    "The file %(name)s is larger than the limit"
                    " (SATUDATA_CONNECTOR_MAX_RESPONSE_MB)."
                )
                % {"name": newest.name},
                code="response-too-large",
            )
        data = newest.read_bytes()
        table = read_file(newest.name, data, config)
        if limit is not None:
            table = table.slice(0, limit)
        digest = hashlib.sha256(data).hexdigest()[:16]
        log = [_("Read %(name)s (%(rows)d rows).") % {"name": newest.name, "rows": table.num_rows}]
        return Pulled(table=table, cursor=f"{newest.name}:{digest}", log=log)


def read_file(name: str, data: bytes, config: dict) -> pa.Table:
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return records_to_table(csv_records(data))
    if suffix == ".json":
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SourceError(
                _("%(name)s is not valid JSON: %(error)s")
                % {"name": name, "error": str(error)[:150]},
                code="malformed-response",
            ) from None
        return records_to_table(json_records(document, config.get("record_path") or ""))
    return _read_workbook(name, data, config.get("sheet") or "")


def _read_workbook(name: str, data: bytes, sheet: str) -> pa.Table:
    import io

    from python_calamine import CalamineError, load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data))
        chosen = sheet or workbook.sheet_names[0]
        rows = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=True)
    except (CalamineError, KeyError, IndexError, ValueError) as error:
        raise SourceError(
            _("%(name)s cannot be read as a workbook: %(error)s")
            % {"name": name, "error": str(error)[:150]},
            code="malformed-response",
        ) from None
    if not rows:
        return pa.table({})
    header = [as_text(cell) or f"kolom_{i + 1}" for i, cell in enumerate(rows[0])]
    records = [dict(zip(header, row, strict=False)) for row in rows[1:]]
    return records_to_table(records)
