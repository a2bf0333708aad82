"""A small agency web API on 127.0.0.1 (random port) for the connector tests.

It serves residents-per-village records the way agency systems do: an API key header, page or
next-link or cursor pagination, `updated_since`, and faults that tests switch on: a slow answer
(timeout), HTTP 500, malformed JSON, an HTML page, a page served twice, endless pagination, and
a response that claims (and starts) to be 2 GB. All records are synthetic.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

API_KEY = "kunci-rahasia-uji-123"
PAGE_SIZE = 10


def sample_records(count: int = 25) -> list[dict]:
    records = []
    for number in range(1, count + 1):
        records.append(
            {
                "id": number,
                "kode_desa": f"5105012{number:03d}",
                "JK": "L" if number % 2 else "P",
                "jumlah": number * 3,
                "updated_at": f"2024-01-{number:02d}T08:00:00",
            }
        )
    return records


@dataclass
class AgencyState:
    records: list[dict] = field(default_factory=sample_records)
    # One-shot faults, consumed by the next data requests in order: "timeout", "500",
    # "malformed", "html", "repeat".
    faults: list[str] = field(default_factory=list)
    # Lasting modes: "500", "malformed", "endless", "huge", "renamed".
    mode: str = ""
    requests: list[str] = field(default_factory=list)
    slow_s: float = 2.0
    last_body: bytes = b""


def make_handler(state: AgencyState):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet test output
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if urlsplit(self.path).path == "/oauth/token":
                if form.get("grant_type") == ["client_credentials"] and self.headers.get(
                    "Authorization"
                ):
                    return self._send(200, json.dumps({"access_token": API_KEY}).encode())
                return self._send(401, b'{"error":"invalid_client"}')
            return self.do_GET()

        def do_GET(self):
            url = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(url.query).items()}
            state.requests.append(self.path)
            key = self.headers.get("X-API-Key") or self.headers.get("Authorization", "")
            if API_KEY not in key:
                return self._send(401, b'{"error":"invalid api key"}')
            fault = state.faults.pop(0) if state.faults else state.mode
            if fault == "timeout":
                time.sleep(state.slow_s)
            if fault == "500":
                return self._send(500, b'{"error":"internal"}')
            if fault == "html":
                return self._send(
                    200, b"<!DOCTYPE html><html><body>Login</body></html>", "text/html"
                )
            if fault == "malformed":
                return self._send(200, b'{"data": {"items": [{"id": 1,')
            if fault == "huge":
                return self._huge()
            if fault == "repeat" and state.last_body:
                return self._send(200, state.last_body)
            records = [
                r
                for r in state.records
                if not query.get("updated_since") or r["updated_at"] > query["updated_since"]
            ]
            if fault == "renamed":
                records = [{("SEX" if k == "JK" else k): v for k, v in r.items()} for r in records]
            body = self._page(url.path, query, records, endless=fault == "endless")
            state.last_body = body
            return self._send(200, body)

        def _page(self, path: str, query: dict, records: list[dict], *, endless: bool) -> bytes:
            size = int(query.get("per_page", PAGE_SIZE))
            if path == "/api/next":
                page = int(query.get("page", 1))
                chunk = records[(page - 1) * size : page * size]
                following = page < (len(records) + size - 1) // size or endless
                document = {
                    "data": {"items": chunk if not endless else records[:size]},
                    "links": {"next": f"/api/next?page={page + 1}" if following else None},
                }
                if endless:
                    document["data"]["items"] = [dict(r, page=page) for r in records[:size]]
                return json.dumps(document).encode()
            if path == "/api/cursor":
                start = int(query.get("cursor", 0))
                chunk = records[start : start + size]
                after = start + size if start + size < len(records) else None
                return json.dumps(
                    {"data": {"items": chunk}, "meta": {"next_cursor": after}}
                ).encode()
            if path == "/api/penduduk.xml":
                items = "".join(
                    "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in r.items()) + "</item>"
                    for r in records
                )
                return f"<response><items>{items}</items></response>".encode()
            page = int(query.get("page", 1))
            chunk = records[(page - 1) * size : page * size]
            if endless:  # a server that ignores the page number: the same full page forever
                chunk = records[:size]
            return json.dumps({"data": {"items": chunk}, "meta": {"page": 1}}).encode()

        def _huge(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            block = b'{"id": 1, "padding": "' + b"x" * 65_000 + b'"},'
            try:
                self.wfile.write(b"1\r\n[\r\n")
                for _ in range(2 * 1024 * 1024 * 1024 // len(block)):  # ~2 GB if nobody stops
                    self.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


class AgencyServer:
    def __init__(self) -> None:
        self.state = AgencyState()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.state))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> AgencyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
