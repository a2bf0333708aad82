"""HTTP connector type: an agency's web API (JSON, XML or CSV), with auth and pagination.

Guard-rails (conf.py): a timeout per request, a size cap per response and per pull (read as a
stream, so a 2 GB answer is cut off at the cap without being downloaded), a page cap, and loop
detection (a cursor or next link seen before, or the same page body twice in a row) — so an
endless pagination ends as a failed run with its cause instead of a worker that never returns.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.connectors import conf
from satudata.connectors.types import register
from satudata.connectors.types.base import ConnectorType, Pulled, SourceError, TransientSourceError
from satudata.connectors.types.records import (
    csv_records,
    dig,
    json_records,
    records_to_table,
    xml_records,
)

AUTH_CHOICES = (
    ("none", gettext_lazy("None")),
    ("header", gettext_lazy("API key in a header")),
    ("basic", gettext_lazy("Basic (user name and password)")),
    ("bearer", gettext_lazy("Bearer token")),
    ("oauth2", gettext_lazy("OAuth2 client credentials")),
)
PAGINATION_CHOICES = (
    ("none", gettext_lazy("None (one request)")),
    ("page", gettext_lazy("Page number")),
    ("offset", gettext_lazy("Offset and limit")),
    ("cursor", gettext_lazy("Cursor from the response")),
    ("next_link", gettext_lazy("Next link (in the response or the Link header)")),
)
FORMAT_CHOICES = (
    ("auto", gettext_lazy("Automatic (from Content-Type)")),
    ("json", "JSON"),
    ("xml", "XML"),
    ("csv", "CSV"),
)
# Origin ("http://127.0.0.1:8000/") → transport. Empty in normal use; the demo loader puts the
# portal's own WSGI app here while the server is not running yet, so that the demo connector's
# first runs go through the same client code to the same address, without a network.
LOCAL_TRANSPORTS: dict[str, httpx.BaseTransport] = {}
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
# A repeated page is asked for once more before it counts as a loop (a flaky proxy or cache).
REPEAT_RETRIES = 1


class JsonTextField(forms.JSONField):
    """JSON in a small text box; empty shows as empty (not "null")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "" if value in (None, {}, "") else super().prepare_value(value)


class HttpConfigForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("Address (URL)"), max_length=1000, assume_scheme="https"
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Method"), choices=(("GET", "GET"), ("POST", "POST")), initial="GET"
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Response format"), choices=FORMAT_CHOICES, initial="auto"
    )
    record_path = forms.CharField(
        label=gettext_lazy("Record path"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Where the list of records is, e.g. data.items (empty: top level)."),
    )
    query = JsonTextField(
        label=gettext_lazy("Extra query parameters (JSON)"), required=False, initial=dict
    )
    body = JsonTextField(label=gettext_lazy("Request body for POST (JSON)"), required=False)
    auth = forms.ChoiceField(label=gettext_lazy("Authentication"), choices=AUTH_CHOICES)
    auth_header = forms.CharField(
        label=gettext_lazy("Header name of the API key"),
        required=False,
        initial="X-API-Key",
        max_length=100,
    )
    username = forms.CharField(label=gettext_lazy("User name (basic)"), required=False)
    token_url = forms.URLField(
        label=gettext_lazy("Token URL (OAuth2)"), required=False, assume_scheme="https"
    )
    client_id = forms.CharField(label=gettext_lazy("Client ID (OAuth2)"), required=False)
    scope = forms.CharField(label=gettext_lazy("Scope (OAuth2)"), required=False)
    pagination = forms.ChoiceField(
        label=gettext_lazy("Pagination"), choices=PAGINATION_CHOICES, initial="none"
    )
    page_param = forms.CharField(
        label=gettext_lazy("Page parameter"), initial="page", required=False
    )
    page_start = forms.IntegerField(
        label=gettext_lazy("First page number"), initial=1, required=False
    )
    size_param = forms.CharField(
        label=gettext_lazy("Page size parameter"), initial="per_page", required=False
    )
    page_size = forms.IntegerField(
        label=gettext_lazy("Page size"), initial=100, min_value=1, max_value=10_000, required=False
    )
    offset_param = forms.CharField(
        label=gettext_lazy("Offset parameter"), initial="offset", required=False
    )
    cursor_param = forms.CharField(
        label=gettext_lazy("Cursor parameter"), initial="cursor", required=False
    )
    cursor_path = forms.CharField(
        label=gettext_lazy("Cursor in the response"), initial="meta.next_cursor", required=False
    )
    next_link_path = forms.CharField(
        label=gettext_lazy("Next link in the response"),
        initial="links.next",
        required=False,
        help_text=gettext_lazy("Empty: the Link header (rel=next)."),
    )
    incremental_param = forms.CharField(
        label=gettext_lazy("Incremental parameter"),
        required=False,
        help_text=gettext_lazy("e.g. updated_since: sent with the newest value of the last run."),
    )
    incremental_field = forms.CharField(
        label=gettext_lazy("Record field with the change time"),
        required=False,
        help_text=gettext_lazy("e.g. updated_at: its largest value is the next run's position."),
    )
    timeout_s = forms.FloatField(
        label=gettext_lazy("Timeout (seconds)"),
        initial=30,
        min_value=0.1,
        max_value=600,
        required=False,
    )


@dataclass
class _Page:
    records: list[dict[str, Any]]
    document: Any
    next_link: str | None
    digest: str
    size: int


@dataclass
class _State:
    total_bytes: int = 0
    seen_digests: set[str] = field(default_factory=set)
    seen_positions: set[str] = field(default_factory=set)
    log: list[str] = field(default_factory=list)


@register
class HttpConnector(ConnectorType):
    key = "http"
    label = gettext_lazy("HTTP API (JSON, XML, CSV)")
    config_form = HttpConfigForm
    secret_fields = ("api_key", "password", "token", "client_secret")
    supports_incremental = True

    def pull(
        self, config: dict, secrets: dict, *, since: str | None, limit: int | None = None
    ) -> Pulled:
        timeout = min(
            float(config.get("timeout_s") or conf.http_timeout_s()), conf.http_timeout_s()
        )
        state = _State()
        transport = LOCAL_TRANSPORTS.get(
            str(httpx.URL(config["url"]).copy_with(path="/", query=None))
        )
        with httpx.Client(timeout=timeout, follow_redirects=True, transport=transport) as client:
            headers, auth = _authenticate(client, config, secrets)
            records = self._all_pages(client, config, headers, auth, since, limit, state)
        if limit is not None:
            records = records[:limit]
        table = records_to_table(records)
        cursor = _newest(records, config.get("incremental_field") or "") or since
        state.log.append(
            _("%(rows)d records read, %(bytes)d bytes.")
            % {"rows": len(records), "bytes": state.total_bytes}
        )
        return Pulled(table=table, cursor=cursor, log=state.log)

    def _all_pages(self, client, config, headers, auth, since, limit, state) -> list[dict]:
        mode = config.get("pagination") or "none"
        size = int(config.get("page_size") or 100)
        page_number = int(config.get("page_start") if config.get("page_start") is not None else 1)
        offset = 0
        url = config["url"]
        params = dict(config.get("query") or {})
        if since and config.get("incremental_param"):
            params[config["incremental_param"]] = since
        records: list[dict] = []
        for _page in range(conf.max_pages()):
            page_params = dict(params)
            if mode == "page":
                page_params[config.get("page_param") or "page"] = page_number
                if config.get("size_param"):
                    page_params[config["size_param"]] = size
            elif mode == "offset":
                page_params[config.get("offset_param") or "offset"] = offset
                page_params[config.get("size_param") or "limit"] = size
            page = self._fetch_new_page(client, config, url, page_params, headers, auth, state)
            records.extend(page.records)
            if len(records) > conf.max_rows():
                raise SourceError(
                    _("The source sent more than %(n)d rows; the limit stops here.")
                    % {"n": conf.max_rows()},
                    code="too-many-rows",
                )
            if limit is not None and len(records) >= limit:
                break
            if mode == "none" or not page.records:
                break
            if mode in ("page", "offset"):
                if len(page.records) < size:
                    break
                page_number += 1
                offset += len(page.records)
                continue
            following = _following(mode, config, page, url)
            if not following:
                break
            if mode == "cursor":
                _remember_position(state, following)
                params[config.get("cursor_param") or "cursor"] = following
            else:
                _remember_position(state, following)
                url, params = following, {}
        else:
            raise SourceError(
                _("Pagination did not end after %(n)d pages; stopped (endless pagination?).")
                % {"n": conf.max_pages()},
                code="pagination-loop",
            )
        return records

    def _fetch_new_page(self, client, config, url, params, headers, auth, state) -> _Page:
        """One page; the same body as an earlier page is asked for again once, then a loop."""
        for attempt in range(REPEAT_RETRIES + 1):
            page = _fetch(client, config, url, params, headers, auth, state)
            if not page.records or page.digest not in state.seen_digests:
                state.seen_digests.add(page.digest)
                return page
            state.log.append(
                _("A page came back identical to an earlier one (attempt %(n)d).")
                % {"n": attempt + 1}
            )
        raise SourceError(
            _(
                "The source keeps sending a page it already sent (%(url)s): pagination loop;"
                " stopped so that no row is imported twice."
            )
            % {"url": _safe_url(url)},
            code="pagination-loop",
        )


def _remember_position(state: _State, position: str) -> None:
    if position in state.seen_positions:
        raise SourceError(
            _("The source sent the same next page (%(position)s) again: pagination loop.")
            % {"position": _safe_url(position)[:200]},
            code="pagination-loop",
        )
    state.seen_positions.add(position)


def _following(mode: str, config: dict, page: _Page, url: str) -> str | None:
    if mode == "cursor":
        value = dig(page.document, config.get("cursor_path") or "meta.next_cursor")
        return str(value) if value not in (None, "") else None
    path = config.get("next_link_path") or "links.next"
    link = dig(page.document, path) if path and isinstance(page.document, dict) else None
    link = link or page.next_link
    return urljoin(url, str(link)) if link else None


def _safe_url(url: str) -> str:
    return str(httpx.URL(url).copy_with(query=None)) if url.startswith("http") else url


# --- one request -----------------------------------------------------------------------------


def _fetch(client, config, url, params, headers, auth, state: _State) -> _Page:
    method = (config.get("method") or "GET").upper()
    body = config.get("body") if method == "POST" else None
    cap = conf.max_response_bytes()
    try:
        with client.stream(
            method, url, params=params or None, headers=headers, auth=auth, json=body
        ) as response:
            _check_status(response, url)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise _too_large(int(declared), cap)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap or state.total_bytes + size > cap:
                    raise _too_large(size, cap)
                chunks.append(chunk)
            content = b"".join(chunks)
            content_type = response.headers.get("content-type", "")
            link = response.links.get("next", {}).get("url")
    except httpx.TimeoutException:
        raise TransientSourceError(
            _("The source did not answer within the timeout (%(url)s).") % {"url": _safe_url(url)},
            code="source-timeout",
        ) from None
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as error:
        raise TransientSourceError(
            _("Cannot reach the source (%(url)s): %(error)s")
            % {"url": _safe_url(url), "error": type(error).__name__},
            code="source-unreachable",
        ) from None
    except httpx.HTTPError as error:
        raise SourceError(
            _("The request to the source failed: %(error)s") % {"error": type(error).__name__},
        ) from None
    state.total_bytes += size
    records, document = _parse(content, content_type, config)
    digest = hashlib.sha256(content).hexdigest()
    return _Page(records=records, document=document, next_link=link, digest=digest, size=size)


def _too_large(size: int, cap: int) -> SourceError:
    return SourceError(
        _(
            "The source's response is larger than the limit of %(cap)d MB"
            " (SATUDATA_CONNECTOR_MAX_RESPONSE_MB); reading stopped at %(size)d MB."
        )
        % {"cap": cap // (1024 * 1024), "size": size // (1024 * 1024)},
        code="response-too-large",
    )


def _check_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status < 400:
        return
    if status in TRANSIENT_STATUS:
        raise TransientSourceError(
            _("The source answered %(status)d (temporary error) for %(url)s.")
            % {"status": status, "url": _safe_url(url)},
            code="source-unavailable",
        )
    if status in (401, 403):
        raise SourceError(
            _("The source refused the credentials (HTTP %(status)d). Check the key or password.")
            % {"status": status},
            code="source-auth",
        )
    raise SourceError(
        _("The source answered HTTP %(status)d for %(url)s.")
        % {"status": status, "url": _safe_url(url)},
        code="source-http-error",
    )


def _format(content: bytes, content_type: str, configured: str) -> str:
    if configured and configured != "auto":
        return configured
    kind = content_type.split(";")[0].strip().lower()
    if "json" in kind:
        return "json"
    if "xml" in kind:
        return "xml"
    if "csv" in kind or kind == "text/plain":
        return "csv"
    if "html" in kind:
        return "html"
    return "json"


def _looks_like_html(content: bytes, content_type: str) -> bool:
    head = content[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def _parse(content: bytes, content_type: str, config: dict) -> tuple[list[dict], Any]:
    fmt = _format(content, content_type, config.get("format") or "auto")
    record_path = config.get("record_path") or ""
    if fmt != "xml" and _looks_like_html(content, content_type):
        raise SourceError(
            _(
                "The source returned a web page (HTML) instead of %(format)s data: probably a"
                " log-in or error page. Check the address and the credentials."
            )
            % {"format": "JSON" if fmt in ("json", "html") else fmt.upper()},
            code="unexpected-html",
        )
    if fmt == "xml":
        _root, records = xml_records(content, record_path)
        return records, None
    if fmt == "csv":
        return csv_records(content), None
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        position = getattr(error, "pos", "?")
        raise SourceError(
            _("The source's JSON is malformed (at byte %(pos)s): %(error)s")
            % {"pos": position, "error": getattr(error, "msg", str(error))[:120]},
            code="malformed-response",
        ) from None
    return json_records(document, record_path), document


# --- authentication ----------------------------------------------------------------------------


def _authenticate(client: httpx.Client, config: dict, secrets: dict):
    """Headers and httpx auth for the configured scheme (an OAuth2 token is fetched once)."""
    scheme = config.get("auth") or "none"
    headers = {"Accept": "application/json, application/xml;q=0.9, text/csv;q=0.8, */*;q=0.1"}
    if scheme == "header":
        headers[config.get("auth_header") or "X-API-Key"] = _secret(secrets, "api_key")
    elif scheme == "bearer":
        headers["Authorization"] = f"Bearer {_secret(secrets, 'token')}"
    elif scheme == "basic":
        return headers, httpx.BasicAuth(config.get("username") or "", _secret(secrets, "password"))
    elif scheme == "oauth2":
        headers["Authorization"] = f"Bearer {_oauth2_token(client, config, secrets)}"
    return headers, None


def _secret(secrets: dict, name: str) -> str:
    value = secrets.get(name)
    if not value:
        raise SourceError(
            _("The credential %(name)s is not set for this connector.") % {"name": name},
            code="secret-missing",
        )
    return str(value)


def _oauth2_token(client: httpx.Client, config: dict, secrets: dict) -> str:
    data = {"grant_type": "client_credentials", "client_id": config.get("client_id") or ""}
    if config.get("scope"):
        data["scope"] = config["scope"]
    try:
        response = client.post(
            config.get("token_url") or "",
            data=data,
            auth=httpx.BasicAuth(config.get("client_id") or "", _secret(secrets, "client_secret")),
        )
    except httpx.TimeoutException:
        raise TransientSourceError(
            _("The token server did not answer within the timeout."), code="source-timeout"
        ) from None
    except httpx.TransportError as error:
        raise TransientSourceError(
            _("Cannot reach the token server: %(error)s") % {"error": type(error).__name__},
            code="source-unreachable",
        ) from None
    _check_status(response, config.get("token_url") or "")
    try:
        token = response.json()["access_token"]
    except (ValueError, KeyError, TypeError):
        raise SourceError(
            _("The token server's answer has no access_token."), code="source-auth"
        ) from None
    return str(token)


def _newest(records: list[dict], field_name: str) -> str | None:
    if not field_name:
        return None
    values = [str(record[field_name]) for record in records if record.get(field_name)]
    return max(values) if values else None
