"""Push ingest: `POST /api/v1/<sektor>/<dataset-slug>` with a write key of the owning agency.

The body is JSON rows (`[{…}, …]` or `{"rows": [{…}, …]}`) or CSV (`text/csv`, UTF-8, a header
row). `?mode=append` (default) adds the rows to the dataset's latest version; `?mode=replace`
makes them the whole table. Either way the result is a NEW DRAFT version made by the same ingest
and validation service as a web upload (`warehouse.services.ingest_upload`), and the answer is
its validation report. Nothing is published by a push.

How the rows reach the ingest: as one UTF-8 CSV (`api-push.csv`) with the latest version's
columns — its rows first (append), then the pushed ones — so the ingest reuses that version's
schema and checks the new rows against it exactly as it checks an uploaded file.

Refusals, each before anything is stored: a body over `SATUDATA_API_PUSH_MAX_MB` (413), a
content type other than JSON or CSV (415), malformed JSON/CSV or an empty push (400), columns
the dataset does not have, nested values or unknown parameters (422), a key that may not write
for the dataset's agency (403), a dataset the key cannot see (404).

`Idempotency-Key` makes a retry safe: the first answer is stored (per key, for
`SATUDATA_API_IDEMPOTENCY_HOURS`) and the same request again gets it back without a second
version; the same Idempotency-Key with another body, mode or path is refused (422), and a retry
while the first request still runs gets 409. Pushes to one dataset run one at a time (a lock row
per dataset, PushLock): another push meanwhile gets 409 `push-in-progress` and retries.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema

from satudata.api.auth import api_token, api_user, require_write
from satudata.api.models import IdempotencyRecord, PushLock
from satudata.api.v1 import ERROR_RESPONSES, ErrorOut
from satudata.catalog.models import Dataset
from satudata.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    SatuDataError,
    ValidationFailed,
)
from satudata.warehouse import engine
from satudata.warehouse.exports.rows import as_text, source_sql
from satudata.warehouse.models import Version
from satudata.warehouse.queries import schema_fields

MODES = ("append", "replace")
KNOWN_PARAMS = frozenset({"mode", "message"})
JSON_TYPES = frozenset({"application/json"})
CSV_TYPES = frozenset({"text/csv", "application/csv"})
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")
READ_CHUNK = 1024 * 1024
PUSH_FILENAME = "api-push.csv"
# Table Schema types whose cells cannot travel through a CSV and back unchanged.
SPATIAL_TYPES = frozenset({"geojson", "geometry", "geopoint"})
LISTED_MAX = 20
# A push lock older than this is taken over: the process holding it must have died.
PUSH_LOCK_TIMEOUT_S = 900


class PayloadTooLarge(SatuDataError):
    code = "payload-too-large"
    status = 413


class UnsupportedMediaType(SatuDataError):
    code = "unsupported-media-type"
    status = 415


class Unprocessable(SatuDataError):
    code = "unprocessable"
    status = 422


@dataclass
class PushAnswer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


# --- request reading --------------------------------------------------------------------------


def max_body_bytes() -> int:
    return int(getattr(settings, "SATUDATA_API_PUSH_MAX_MB", 50)) * 1024 * 1024


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        _("The request body is larger than %(mb)d MB. Send the rows in several pushes.")
        % {"mb": limit // (1024 * 1024)},
        details={"max_bytes": limit},
    )


def read_body(request) -> bytes:
    """The raw body, read in chunks and cut off at the limit (a declared length over the limit
    is refused before reading). Never through `request.body`, whose limit is far smaller."""
    limit = max_body_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = request.read(READ_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request) -> tuple[str, str]:
    """(type, charset) from Content-Type, lower-cased; charset '' when not given."""
    raw = request.META.get("CONTENT_TYPE", "")
    kind, _sep, params = raw.partition(";")
    charset = ""
    for param in params.split(";"):
        name, _eq, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return kind.strip().lower(), charset


def _check_media_type(kind: str, charset: str) -> str:
    if kind in JSON_TYPES:
        fmt = "json"
    elif kind in CSV_TYPES:
        fmt = "csv"
    else:
        raise UnsupportedMediaType(
            _("Send the rows as JSON (Content-Type: application/json) or CSV (text/csv)."),
            details={"content_type": kind or None},
        )
    if charset and charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            _("Only UTF-8 is accepted for pushed data."), details={"charset": charset}
        )
    return fmt


def _params(request) -> tuple[str, str]:
    unknown = sorted(set(request.GET) - KNOWN_PARAMS)
    if unknown:
        raise Unprocessable(
            _("Unknown parameters: %(names)s. A push accepts mode and message.")
            % {"names": ", ".join(unknown[:LISTED_MAX])},
            code="unknown-parameters",
            details={"parameters": unknown[:LISTED_MAX]},
        )
    mode = request.GET.get("mode", "append")
    if mode not in MODES:
        raise Unprocessable(
            _("mode must be append or replace."), code="invalid-mode", details={"mode": mode[:50]}
        )
    message = " ".join(request.GET.get("message", "").split())[:500]
    return mode, message


# --- body parsing -----------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            _("The body is not valid UTF-8 (byte %(offset)d).") % {"offset": exc.start},
            code="invalid-encoding",
        ) from exc


def _cell(value: Any, row: int, column: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    raise Unprocessable(
        _("Row %(row)d, column %(column)s: a cell must be text, a number, true/false or null.")
        % {"row": row, "column": column[:100]},
        code="nested-value",
        details={"row": row, "column": column[:100]},
    )


def parse_json_rows(body: bytes) -> tuple[list[str], list[dict[str, str | None]]]:
    """(columns in order of first appearance, rows) of a JSON body. Numbers keep their text."""
    try:
        document = json.loads(
            _decode(body), parse_float=str, parse_int=str, parse_constant=_reject_constant
        )
    except ValueError as exc:
        raise ValidationFailed(
            _("The body is not valid JSON: %(error)s") % {"error": str(exc)[:200]},
            code="invalid-json",
        ) from exc
    if isinstance(document, dict):
        extra = sorted(set(document) - {"rows"})
        if extra or "rows" not in document:
            raise Unprocessable(
                _('Send a list of rows, or an object with only "rows". Unknown fields: %(names)s')
                % {"names": ", ".join(extra[:LISTED_MAX]) or "-"},
                code="unknown-fields",
                details={"fields": extra[:LISTED_MAX]},
            )
        document = document["rows"]
    if not isinstance(document, list):
        raise Unprocessable(_("The rows must be a JSON list of objects."), code="not-a-list")
    columns: dict[str, None] = {}
    rows = []
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            raise Unprocessable(
                _("Row %(row)d is not an object of column: value pairs.") % {"row": number},
                code="not-an-object",
                details={"row": number},
            )
        row = {}
        for name, value in item.items():
            columns.setdefault(name, None)
            row[name] = _cell(value, number, name)
        rows.append(row)
    return list(columns), rows


def parse_csv_rows(body: bytes) -> tuple[list[str], list[dict[str, str | None]]]:
    """(header, rows) of a CSV body; delimiter detected like an upload's."""
    from satudata.warehouse.ingest.sniff import detect_delimiter

    text = _decode(body)
    if "\x00" in text:
        raise ValidationFailed(_("The CSV body contains NUL bytes."), code="invalid-csv")
    delimiter = detect_delimiter(text[: 64 * 1024])
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        table = [line for line in reader if line]
    except csv.Error as exc:
        raise ValidationFailed(
            _("The CSV body cannot be read: %(error)s") % {"error": str(exc)[:200]},
            code="invalid-csv",
        ) from exc
    if not table:
        return [], []
    header = [name.strip() for name in table[0]]
    if len(set(header)) != len(header) or "" in header:
        raise ValidationFailed(
            _("The CSV header needs unique, non-empty column names."), code="invalid-csv"
        )
    rows = []
    for number, line in enumerate(table[1:], start=2):
        if len(line) > len(header):
            raise ValidationFailed(
                _("Line %(line)d has more cells than the header.") % {"line": number},
                code="invalid-csv",
                details={"line": number},
            )
        rows.append(dict(zip(header, line, strict=False)))
    return header, rows


# --- building the table for the ingest --------------------------------------------------------


def _columns_for(
    latest: Version | None, pushed: list[str], mode: str
) -> tuple[list[str], list[dict]]:
    """The output columns: the latest version's (pushed columns must be among them)."""
    fields = schema_fields(latest) if latest is not None else []
    if not fields:
        return pushed, []
    names = [field["name"] for field in fields]
    unknown = [name for name in pushed if name not in set(names)]
    if unknown:
        raise Unprocessable(
            _("Columns the dataset does not have: %(names)s. Its columns are: %(columns)s.")
            % {
                "names": ", ".join(unknown[:LISTED_MAX]),
                "columns": ", ".join(names[:50]),
            },
            code="unknown-fields",
            details={"unknown": unknown[:LISTED_MAX], "columns": names},
        )
    if mode == "append" and any(f.get("type") in SPATIAL_TYPES for f in fields):
        raise Unprocessable(
            _("Rows cannot be appended to a dataset with geometry; use mode=replace."),
            code="append-not-supported",
        )
    return names, fields


def _previous_rows_csv(latest: Version, fields: list[dict]) -> bytes:
    """The latest version's rows as CSV lines (no header), written by DuckDB in one pass, cells
    as DuckDB writes them (the previous schema then reads them back the same)."""
    cells = ", ".join(
        f"{as_text(field, engine.quote_identifier(field['name']))} AS "
        f"{engine.quote_identifier(field['name'])}"
        for field in fields
    )
    with tempfile.TemporaryDirectory(prefix="satudata-push-") as folder:
        target = Path(folder) / "previous.csv"
        con = engine.connect()
        try:
            con.execute(
                f"COPY (SELECT {cells} FROM {source_sql(latest)}) "  # noqa: S608
                f"TO {engine.quote_literal(str(target))} (FORMAT csv, HEADER false)"
            )
        finally:
            con.close()
        return target.read_bytes()


def build_csv(
    columns: list[str],
    rows: list[dict[str, str | None]],
    latest: Version | None,
    fields: list[dict],
    mode: str,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    head = buffer.getvalue().encode("utf-8")
    old = _previous_rows_csv(latest, fields) if mode == "append" and latest and fields else b""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in columns])
    return head + old + buffer.getvalue().encode("utf-8")


# --- dataset, permission, idempotency ---------------------------------------------------------


def find_dataset(user, sektor: str, slug: str) -> Dataset:
    """The dataset at `<sektor>/<slug>` this key may write to: 404 when it cannot see it at all
    (nothing leaks about private datasets), 403 when it can see but not write."""
    found = (
        Dataset.objects.visible_to(user)
        .filter(slug=slug, topic__slug=sektor)
        .select_related("organisation", "topic")
        .first()
    )
    if found is None:
        raise NotFound(_("No dataset at this path."), details={"path": f"{sektor}/{slug}"[:200]})
    if not Dataset.objects.editable_by(user).filter(pk=found.pk).exists():
        raise PermissionDenied(
            _("This key may not send data to %(dataset)s (it belongs to %(agency)s).")
            % {"dataset": found.title, "agency": found.organisation.name},
            code="organisation-not-allowed",
        )
    return found


def request_digest(method: str, path: str, mode: str, message: str, kind: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method, path, mode, message, kind):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    digest.update(body)
    return digest.hexdigest()


def idempotency_key(request) -> str | None:
    value = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if value is None:
        return None
    if not IDEMPOTENCY_KEY_RE.match(value):
        raise ValidationFailed(
            _("Idempotency-Key must be 1 to 200 visible ASCII characters."),
            code="invalid-idempotency-key",
        )
    return value


def _claim(token, key: str, digest: str) -> IdempotencyRecord | PushAnswer:
    """The new pending record for this key, or the stored answer when the request was seen."""
    cutoff = timezone.now() - timedelta(hours=settings.SATUDATA_API_IDEMPOTENCY_HOURS)
    IdempotencyRecord.objects.filter(token=token, key=key, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(token=token, key=key, request_sha256=digest)
    except IntegrityError:
        pass
    seen = IdempotencyRecord.objects.filter(token=token, key=key).first()
    if seen is None:  # deleted in between (its request failed): the caller may simply retry
        raise Conflict(_("This request is being processed; retry in a moment."), code="in-progress")
    if seen.request_sha256 != digest:
        raise Unprocessable(
            _(
                "This Idempotency-Key was already used for a different request. Use a new key "
                "for new data."
            ),
            code="idempotency-key-reused",
        )
    if seen.status is None:
        raise Conflict(
            _("A request with this Idempotency-Key is still running; retry in a moment."),
            code="in-progress",
        )
    return PushAnswer(status=seen.status, body=seen.response, replayed=True)


class PushInProgress(Conflict):
    code = "push-in-progress"


@contextmanager
def dataset_push_lock(dataset_id: int) -> Iterator[None]:
    """Hold the dataset's push lock (a PushLock row) for the duration, or refuse with 409."""
    stale = timezone.now() - timedelta(seconds=PUSH_LOCK_TIMEOUT_S)
    PushLock.objects.filter(dataset_id=dataset_id, created_at__lt=stale).delete()
    try:
        with transaction.atomic():
            lock = PushLock.objects.create(dataset_id=dataset_id)
    except IntegrityError:
        raise PushInProgress(
            _("Another push to this dataset is running; retry in a moment.")
        ) from None
    try:
        yield
    finally:
        PushLock.objects.filter(pk=lock.pk).delete()


def _error_body(exc: SatuDataError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "details": exc.details}


# --- the push ---------------------------------------------------------------------------------


def _ingest(user, dataset: Dataset, mode: str, message: str, fmt: str, body: bytes) -> PushAnswer:
    from satudata.warehouse import services

    pushed, rows = parse_json_rows(body) if fmt == "json" else parse_csv_rows(body)
    if not rows:
        raise ValidationFailed(_("The push holds no rows."), code="no-rows")
    latest = Version.objects.filter(dataset=dataset).order_by("-number").first()
    columns, fields = _columns_for(latest, pushed, mode)
    data = build_csv(columns, rows, latest, fields, mode)
    try:
        result = services.ingest_upload(
            user,
            dataset,
            filename=PUSH_FILENAME,
            data=data,
            message=message or _("Pushed through the API (%(mode)s)") % {"mode": mode},
        )
    except ValidationFailed as exc:
        raise Unprocessable(exc.message, code=exc.code, details=exc.details) from exc
    version = result.version
    return PushAnswer(
        status=201 if result.created else 200,
        body={
            "dataset": dataset.slug,
            "sektor": dataset.topic.slug if dataset.topic_id else None,
            "mode": mode,
            "created": result.created,
            "version": version.number,
            "status": version.status,
            "rows_pushed": len(rows),
            "rows": version.row_count,
            "valid": bool((result.report or {}).get("valid", version.error_count == 0)),
            "report": result.report,
        },
    )


def push(request, sektor: str, slug: str) -> PushAnswer:
    """Handle one push request (the gateway's POST operation calls this)."""
    token = api_token(request)
    if token is None:
        raise PermissionDenied(_("A write API key is needed to send data."), code="unauthenticated")
    user = api_user(request)  # the key's user, narrowed to what the key may do
    dataset = find_dataset(user, sektor, slug)
    require_write(request, dataset.organisation_id)
    mode, message = _params(request)
    kind, charset = media_type(request)
    fmt = _check_media_type(kind, charset)
    key = idempotency_key(request)
    body = read_body(request)
    if key is None:
        with dataset_push_lock(dataset.pk):
            return _ingest(user, dataset, mode, message, fmt, body)
    digest = request_digest(request.method, request.path, mode, message, fmt, body)
    claimed = _claim(token, key, digest)
    if isinstance(claimed, PushAnswer):
        return claimed
    try:
        with dataset_push_lock(dataset.pk):
            answer = _ingest(user, dataset, mode, message, fmt, body)
    except PushInProgress:
        claimed.delete()  # not an answer to remember: the same request may simply be retried
        raise
    except SatuDataError as exc:
        # A refusal is an answer too: the same request again gets the same refusal.
        _store(claimed, exc.status, _error_body(exc))
        raise
    except BaseException:
        claimed.delete()  # an unexpected failure: let the client retry with the same key
        raise
    _store(claimed, answer.status, answer.body)
    return answer


def _store(record: IdempotencyRecord, status: int, body: dict[str, Any]) -> None:
    record.status = status
    record.response = json.loads(json.dumps(body, default=str))
    record.save(update_fields=["status", "response"])


# --- HTTP ---------------------------------------------------------------------------------------


class PushOut(Schema):
    dataset: str
    sektor: str | None
    mode: str
    created: bool
    version: int
    status: str
    rows_pushed: int
    rows: int
    valid: bool
    report: dict[str, Any]


PUSH_RESPONSES: dict[int, Any] = {200: PushOut, 201: PushOut, **ERROR_RESPONSES}
PUSH_RESPONSES.update({409: ErrorOut, 413: ErrorOut, 415: ErrorOut})
_ROW_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": ["string", "number", "integer", "boolean", "null"]},
}
PUSH_OPENAPI = {
    "parameters": [
        {
            "name": "mode",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(MODES), "default": "append"},
            "description": "append: add the rows to the latest version; replace: the whole table.",
        },
        {
            "name": "message",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "maxLength": 500},
            "description": "Change note of the new version.",
        },
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
            "description": "Makes a retry safe: the same request again gets the first answer.",
        },
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "array", "items": _ROW_SCHEMA},
                        {
                            "type": "object",
                            "properties": {"rows": {"type": "array", "items": _ROW_SCHEMA}},
                            "required": ["rows"],
                            "additionalProperties": False,
                        },
                    ]
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    },
}
PUSH_DESCRIPTION = (
    "Send rows to a dataset of your agency with a **write** API key "
    "(`Authorization: Bearer …` or `X-API-Key`). The rows become a new **draft** version, "
    "checked by the same validation as an upload; the answer is its validation report (201, or "
    '200 when the data equals the latest version). Body: JSON rows (`[{…}]` or `{"rows": '
    "[…]}`) or CSV with a header (UTF-8). Columns must be among the dataset's. Send "
    "`Idempotency-Key` to make retries safe."
)


def push_response(request, sektor: str, slug: str) -> HttpResponse:
    """The gateway's POST: run the push, answer JSON (errors go to the API's error handler)."""
    answer = push(request, sektor, slug)
    response = JsonResponse(answer.body, status=answer.status)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
