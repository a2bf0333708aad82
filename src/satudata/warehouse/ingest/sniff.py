"""Step 2: look at the received bytes before parsing them.

Finds out what the file really is (a ZIP, PDF, image or workbook renamed `.csv` gets a clear
message), whether it is empty, its text encoding (UTF-8, UTF-8 with BOM, UTF-16 with BOM, or a
legacy single-byte encoding — Windows-1252 in practice — recognised with charset-normalizer) and,
for delimited text, the delimiter. Non-UTF-8 text is transcoded once into a UTF-8 working copy so
every reader downstream sees UTF-8 only.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
from django.utils.translation import gettext as _

from satudata.warehouse.ingest.receive import Received
from satudata.warehouse.ingest.report import fail

HEAD_BYTES = 64 * 1024
ENCODING_SAMPLE_BYTES = 1024 * 1024
CHUNK_BYTES = 1024 * 1024
DELIMITER_SAMPLE_LINES = 50
DELIMITER_CANDIDATES = (",", ";", "\t", "|")

# File extension → format name of the reader that handles it (see readers/__init__.py).
FORMAT_BY_EXTENSION = {
    "csv": "csv",
    "tsv": "csv",
    "tab": "csv",
    "txt": "csv",
    "geojson": "geojson",
    "json": "geojson",
}
ACCEPTED_EXTENSIONS = tuple(f".{ext}" for ext in FORMAT_BY_EXTENSION)

# The single-byte encoding assumed for legacy (non-UTF-8) files when charset-normalizer finds it
# plausible: what Excel on an Indonesian Windows PC writes for "CSV (Comma delimited)".
LEGACY_ENCODING = "cp1252"

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
}


@dataclass
class Sniffed:
    format: str
    encoding: str
    text_path: Path
    delimiter: str | None = None

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist()[:2000])
    except (zipfile.BadZipFile, OSError, ValueError):
        return _("a ZIP archive")
    if any(name.startswith("xl/") for name in names):
        return _("an Excel workbook (XLSX)")
    if any(name.startswith("word/") for name in names):
        return _("a Word document (DOCX)")
    if "content.xml" in names and "mimetype" in names:
        return _("an OpenDocument file (ODS/ODT)")
    return _("a ZIP archive")


def _binary_kind(head: bytes, path: Path) -> str | None:
    """What a non-text file is, from its first bytes (magic numbers); None for text."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_kind(path)
    signatures = (
        (b"%PDF-", _("a PDF document")),
        (b"\x89PNG\r\n\x1a\n", _("a PNG image")),
        (b"\xff\xd8\xff", _("a JPEG image")),
        (b"GIF87a", _("a GIF image")),
        (b"GIF89a", _("a GIF image")),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _("an old Excel or Word file (XLS/DOC)")),
        (b"\x1f\x8b", _("a GZIP archive")),
        (b"Rar!\x1a\x07", _("a RAR archive")),
        (b"7z\xbc\xaf\x27\x1c", _("a 7-Zip archive")),
        (b"PAR1", _("a Parquet file")),
        (b"SQLite format 3\x00", _("an SQLite database")),
    )
    for magic, kind in signatures:
        if head.startswith(magic):
            return kind
    if b"\x00" in head:
        return _("a binary (non-text) file")
    return None


def _not_text(filename: str, kind: str):
    if kind in {_("an Excel workbook (XLSX)"), _("an old Excel or Word file (XLS/DOC)")}:
        hint = _(
            'Open it in Excel, choose File → Save As → "CSV UTF-8 (Comma delimited)" and upload'
            " the CSV file."
        )
    else:
        hint = _("Upload the data table itself as a CSV file.")
    return fail(
        "format-error",
        _("The file “%(name)s” is %(kind)s, not a CSV text file.")
        % {"name": filename, "kind": kind}
        + " "
        + hint,
    )


def _is_utf8(path: Path) -> tuple[bool, int]:
    """(valid UTF-8, byte offset of the first bad byte). Streams; never loads the file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return False, offset + exc.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, offset
    return True, -1


def _legacy_encoding(path: Path) -> str | None:
    with path.open("rb") as handle:
        sample = handle.read(ENCODING_SAMPLE_BYTES)
    matches = charset_normalizer.from_bytes(sample)
    # charset-normalizer often ranks cp1250 first on short Latin text although cp1252 decodes it
    # equally well; in this context Windows-1252 is the encoding files really come in.
    for match in matches:
        if LEGACY_ENCODING in match.could_be_from_charset or match.encoding == LEGACY_ENCODING:
            return LEGACY_ENCODING
    best = matches.best()
    return best.encoding if best is not None else None


def detect_encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    valid, _offset = _is_utf8(path)
    if valid:
        return "utf-8"
    encoding = _legacy_encoding(path)
    if encoding is None:
        raise fail(
            "encoding-error",
            _(
                "The text encoding of the file could not be recognised. Save it as"
                ' "CSV UTF-8" and upload it again.'
            ),
        )
    return encoding


def transcode_to_utf8(source: Path, encoding: str, target: Path) -> None:
    """Write a UTF-8 copy (no BOM); a byte that is invalid in `encoding` is an encoding-error."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with source.open("rb") as reader, target.open("w", encoding="utf-8", newline="") as writer:
        try:
            while chunk := reader.read(CHUNK_BYTES):
                writer.write(decoder.decode(chunk))
                offset += len(chunk)
            writer.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise fail(
                "encoding-error",
                _(
                    "The file is not valid %(encoding)s text (byte %(offset)d). Save it as"
                    ' "CSV UTF-8" and upload it again.'
                )
                % {
                    "encoding": ENCODING_LABELS.get(encoding, encoding),
                    "offset": offset + exc.start,
                },
            ) from None


def detect_delimiter(sample: str) -> str:
    """The candidate that splits the first lines into the same number (>1) of fields most often."""
    lines = sample.splitlines()[:DELIMITER_SAMPLE_LINES]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last sampled line may be cut in the middle
    text = "\n".join(lines)
    best, best_score = ",", (0.0, 0)
    for candidate in DELIMITER_CANDIDATES:
        counts = [len(row) for row in csv.reader(io.StringIO(text), delimiter=candidate) if row]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _read_text_head(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return head.decode("utf-8", errors="ignore")


def sniff(received: Received, workdir: Path) -> Sniffed:
    path = received.path
    if received.size == 0:
        raise fail("source-error", _("The file “%(name)s” is empty.") % {"name": received.filename})
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    encoding = None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # UTF-16 text is full of NUL bytes: not "binary"
    else:
        kind = _binary_kind(head, path)
        if kind is not None:
            raise _not_text(received.filename, kind)

    extension = received.extension
    fmt = FORMAT_BY_EXTENSION.get(extension)
    if fmt is None:
        raise fail(
            "format-error",
            _("Files of type “%(ext)s” cannot be read yet. Upload a CSV or GeoJSON file.")
            % {"ext": f".{extension}" if extension else received.filename},
        )

    encoding = encoding or detect_encoding(path, head)
    text_path = path
    if encoding != "utf-8":
        text_path = workdir / "text-utf8"
        transcode_to_utf8(path, encoding, text_path)

    text_head = _read_text_head(text_path)
    if not text_head.strip():
        raise fail("source-error", _("The file “%(name)s” is empty.") % {"name": received.filename})

    delimiter = None
    if fmt == "csv":
        delimiter = "\t" if extension in {"tsv", "tab"} else detect_delimiter(text_head)
    return Sniffed(format=fmt, encoding=encoding, text_path=text_path, delimiter=delimiter)
