"""Step 2: look at the received bytes before parsing them.

Finds out what the file really is (a ZIP, PDF, image or workbook renamed `.csv` gets a clear
message), whether it is empty, and which reader takes it:

- text formats (CSV/TSV, JSON, GeoJSON, XML): the text encoding (UTF-8, UTF-8 with BOM, UTF-16
  with BOM, or a legacy single-byte encoding — Windows-1252 in practice — recognised with
  charset-normalizer; a file that mixes UTF-8 and another encoding is refused with the lines
  where each appears) and, for delimited text, the delimiter. Non-UTF-8 text is transcoded once
  into a UTF-8 working copy so every reader downstream sees UTF-8 only;
- workbooks (XLSX, XLS, ODS): recognised by their bytes, not only their name; macro-enabled
  workbooks are refused by name (`.xlsm`) and by content (readers/spreadsheet.py);
- a ZIP: one data file inside it is extracted within the ZIP limits (readers/archive.py) and
  sniffed in turn.

Every choice made here (and later by the readers: header rows, sheet, record path, row element,
decimal mark) is written to `Sniffed.choices`, shown to the user with the result and can be
overridden with `ReadOptions` on the next upload or re-read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

import charset_normalizer
from django.utils.translation import gettext as _

from satudata.warehouse.ingest.receive import Received
from satudata.warehouse.ingest.report import fail

HEAD_BYTES = 64 * 1024
ENCODING_SAMPLE_BYTES = 1024 * 1024
CHUNK_BYTES = 1024 * 1024
DELIMITER_SAMPLE_LINES = 50
DELIMITER_CANDIDATES = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# File extension → format name of the reader that handles it (see readers/__init__.py).
FORMAT_BY_EXTENSION = {
    "csv": "csv",
    "tsv": "csv",
    "tab": "csv",
    "txt": "csv",
    "geojson": "geojson",
    "json": "json",
    "xml": "xml",
    "xlsx": "xlsx",
    "xls": "xls",
    "ods": "ods",
    "zip": "zip",
}
TEXT_FORMATS = frozenset({"csv", "json", "geojson", "xml"})
WORKBOOK_FORMATS = frozenset({"xlsx", "xls", "ods"})
MACRO_EXTENSIONS = frozenset({"xlsm", "xltm", "xlam", "xlsb"})
ACCEPTED_EXTENSIONS = tuple(f".{ext}" for ext in FORMAT_BY_EXTENSION)

# The single-byte encoding assumed for legacy (non-UTF-8) files when charset-normalizer finds it
# plausible: what Excel on an Indonesian Windows PC writes for "CSV (Comma delimited)".
LEGACY_ENCODING = "cp1252"

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
}
# Encodings a user may choose instead of the detected one (value → label).
ENCODING_CHOICES = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

# A well-formed UTF-8 multi-byte sequence (2, 3 or 4 bytes); used to tell a file that mixes
# UTF-8 with a legacy encoding from a plain legacy file.
_UTF8_MULTIBYTE_RE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


@dataclass
class ReadOptions:
    """Choices the user may impose instead of the detected ones (all optional).

    `header_rows` is a 1-based row or row range of the header block, e.g. "1" or "3-4" (rows
    above it are skipped as titles); `record_path` a dotted path to the records in a JSON
    document (`data.items`); `row_element` the XML element that is one row; `member` the file
    inside a ZIP; `decimal` "," or "." for numbers.
    """

    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    header_rows: str | None = None
    sheet: str | None = None
    record_path: str | None = None
    row_element: str | None = None
    member: str | None = None

    @classmethod
    def from_dict(cls, values: dict[str, Any] | ReadOptions | None) -> ReadOptions:
        if isinstance(values, ReadOptions):
            return values
        known = {f.name for f in fields(cls)}
        cleaned = {}
        for key, value in (values or {}).items():
            if key in known and value not in (None, ""):
                cleaned[key] = str(value)
        return cls(**cleaned)

    def to_dict(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value not in (None, "")}


@dataclass
class Sniffed:
    format: str
    encoding: str
    text_path: Path
    delimiter: str | None = None
    filename: str = ""
    options: ReadOptions = field(default_factory=ReadOptions)
    # What was chosen (detected or imposed), shown to the user: see `describe_choices`.
    choices: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The file the reader opens (UTF-8 text for text formats, the workbook otherwise)."""
        return self.text_path

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


# --- what the bytes are ---------------------------------------------------------------------


def _zip_names(path: Path) -> set[str] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return set(archive.namelist()[:5000])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def _zip_content(path: Path) -> str:
    """'xlsx', 'ods', 'docx', 'zip' or 'broken' for a file that starts like a ZIP."""
    names = _zip_names(path)
    if names is None:
        return "broken"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    if any(name.startswith("word/") for name in names):
        return "docx"
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    return "zip"


ZIP_KIND_LABELS = {
    "xlsx": lambda: _("an Excel workbook (XLSX)"),
    "docx": lambda: _("a Word document (DOCX)"),
    "ods": lambda: _("an OpenDocument file (ODS/ODT)"),
    "zip": lambda: _("a ZIP archive"),
    "broken": lambda: _("a ZIP archive"),
}


def _binary_kind(head: bytes, path: Path) -> str | None:
    """What a non-text file is, from its first bytes (magic numbers); None for text."""
    if head.startswith(ZIP_MAGICS):
        return ZIP_KIND_LABELS[_zip_content(path)]()
    signatures = (
        (b"%PDF-", _("a PDF document")),
        (b"\x89PNG\r\n\x1a\n", _("a PNG image")),
        (b"\xff\xd8\xff", _("a JPEG image")),
        (b"GIF87a", _("a GIF image")),
        (b"GIF89a", _("a GIF image")),
        (OLE_MAGIC, _("an old Excel or Word file (XLS/DOC)")),
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


FORMAT_LABELS = {
    "csv": "CSV",
    "json": "JSON",
    "geojson": "GeoJSON",
    "xml": "XML",
    "xlsx": "XLSX",
    "xls": "XLS",
    "ods": "ODS",
    "zip": "ZIP",
}


def _not_text(filename: str, kind: str, fmt: str):
    if kind in {_("an Excel workbook (XLSX)"), _("an old Excel or Word file (XLS/DOC)")}:
        hint = _(
            "Upload the workbook with its own name ending in .xlsx or .xls, or open it in"
            ' Excel, choose File → Save As → "CSV UTF-8 (Comma delimited)" and upload the CSV'
            " file."
        )
    elif kind == _("a ZIP archive"):
        hint = _("Upload it with a name ending in .zip to read the data file inside it.")
    else:
        hint = _("Upload the data table itself as a CSV, Excel, JSON or XML file.")
    if fmt == "csv":
        text = _("The file “%(name)s” is %(kind)s, not a CSV text file.")
    else:
        text = _("The file “%(name)s” is %(kind)s, not a %(format)s text file.")
    return fail(
        "format-error",
        text % {"name": filename, "kind": kind, "format": FORMAT_LABELS.get(fmt, fmt.upper())}
        + " "
        + hint,
    )


def _workbook_format(head: bytes, path: Path, filename: str, declared: str) -> str:
    """The workbook format the bytes really have (an .xls saved as .xlsx still reads)."""
    if head.startswith(ZIP_MAGICS):
        content = _zip_content(path)
        if content in {"xlsx", "ods"}:
            return content
        if content == "broken":
            raise fail(
                "format-error",
                _("The file “%(name)s” is damaged: its ZIP structure cannot be read.")
                % {"name": filename},
            )
    elif head.startswith(OLE_MAGIC):
        return "xls"
    elif head.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
        # Many web portals (the BPS website among them) export an HTML table named .xls.
        raise fail(
            "format-error",
            _(
                "The file “%(name)s” is a web page (an HTML table) with a spreadsheet name, not"
                " a real workbook. Open it in Excel, choose File → Save As → “Excel Workbook"
                " (.xlsx)” and upload the new file."
            )
            % {"name": filename},
        )
    raise fail(
        "format-error",
        _(
            "The file “%(name)s” is named like %(format)s but its contents are not a"
            " spreadsheet. Check that you chose the right file."
        )
        % {"name": filename, "format": FORMAT_LABELS.get(declared, declared.upper())},
    )


# --- encodings --------------------------------------------------------------------------------


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


def _line_of(path: Path, offset: int) -> int:
    """The 1-based line number of a byte offset (counts newlines; streams)."""
    lines, position = 1, 0
    with path.open("rb") as handle:
        while position < offset and (chunk := handle.read(min(CHUNK_BYTES, offset - position))):
            lines += chunk.count(b"\n")
            position += len(chunk)
    return lines


def _first_utf8_multibyte(path: Path) -> int:
    """Offset of the first well-formed UTF-8 multi-byte sequence, or -1 (streams)."""
    offset = 0
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            block = tail + chunk
            found = _UTF8_MULTIBYTE_RE.search(block)
            if found:
                return offset - len(tail) + found.start()
            tail = block[-3:]
            offset += len(chunk)
    return -1


def _refuse_mixed_encodings(path: Path, bad_offset: int) -> None:
    """UTF-8 text in one part and legacy bytes in another cannot both be read right: say where."""
    utf8_offset = _first_utf8_multibyte(path)
    if utf8_offset < 0:
        return
    raise fail(
        "encoding-error",
        _(
            "The file mixes two text encodings: line %(utf8_line)d is UTF-8, but line"
            " %(bad_line)d has a byte that is not valid UTF-8 (probably Windows-1252, pasted"
            " from another file). Open the file, save it once as “CSV UTF-8” and upload it"
            " again."
        )
        % {"utf8_line": _line_of(path, utf8_offset), "bad_line": _line_of(path, bad_offset)},
        row=_line_of(path, bad_offset),
    )


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
    valid, bad_offset = _is_utf8(path)
    if valid:
        return "utf-8"
    _refuse_mixed_encodings(path, bad_offset)
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


def _chosen_encoding(options: ReadOptions) -> str | None:
    if not options.encoding:
        return None
    wanted = options.encoding.strip().lower().replace("_", "-")
    aliases = {
        "windows-1252": "cp1252",
        "utf8": "utf-8",
        "latin1": "latin-1",
        "iso-8859-1": "latin-1",
    }
    wanted = aliases.get(wanted, wanted)
    if wanted not in ENCODING_CHOICES:
        raise fail(
            "source-error",
            _("“%(encoding)s” is not an encoding that can be chosen (use one of: %(choices)s).")
            % {"encoding": options.encoding, "choices": ", ".join(ENCODING_CHOICES)},
        )
    return wanted


def _chosen_delimiter(options: ReadOptions) -> str | None:
    if not options.delimiter:
        return None
    names = {name: char for char, name in DELIMITER_NAMES.items()}
    wanted = names.get(options.delimiter.strip().lower(), options.delimiter)
    if wanted in {"\\t", "tab"}:
        wanted = "\t"
    if len(wanted) != 1 or wanted in {'"', "\n", "\r"}:
        raise fail(
            "source-error",
            _("The delimiter must be one character such as , ; | or tab, not “%(value)s”.")
            % {"value": options.delimiter},
        )
    return wanted


def _sniff_text(
    path: Path,
    filename: str,
    extension: str,
    fmt: str,
    head: bytes,
    workdir: Path,
    options: ReadOptions,
) -> Sniffed:
    chosen = _chosen_encoding(options)
    encoding = chosen or detect_encoding(path, head)
    text_path = path
    if encoding != "utf-8":
        text_path = workdir / f"text-utf8-{PurePosixPath(filename).stem[:40] or 'data'}"
        transcode_to_utf8(path, encoding, text_path)

    text_head = _read_text_head(text_path)
    if not text_head.strip():
        raise fail("source-error", _("The file “%(name)s” is empty.") % {"name": filename})

    choices: dict[str, Any] = {"format": fmt, "encoding": encoding}
    delimiter = None
    if fmt == "csv":
        delimiter = _chosen_delimiter(options) or (
            "\t" if extension in {"tsv", "tab"} else detect_delimiter(text_head)
        )
        choices["delimiter"] = delimiter
    return Sniffed(
        format=fmt,
        encoding=encoding,
        text_path=text_path,
        delimiter=delimiter,
        filename=filename,
        options=options,
        choices=choices,
    )


def sniff_path(
    path: Path,
    filename: str,
    workdir: Path,
    options: ReadOptions | dict | None = None,
    *,
    depth: int = 0,
) -> Sniffed:
    """Sniff a file on disk (the received upload, or a file extracted from a ZIP)."""
    options = ReadOptions.from_dict(options)
    size = path.stat().st_size
    if size == 0:
        raise fail("source-error", _("The file “%(name)s” is empty.") % {"name": filename})
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)

    suffix = PurePosixPath(filename).suffix
    extension = suffix[1:].lower() if suffix else ""
    if extension in MACRO_EXTENSIONS:
        raise fail(
            "format-error",
            _(
                "The workbook “%(name)s” can contain macros (.%(ext)s), which are never opened"
                " here. In Excel choose File → Save As → “Excel Workbook (.xlsx)” and upload"
                " that file."
            )
            % {"name": filename, "ext": extension},
        )
    fmt = FORMAT_BY_EXTENSION.get(extension)
    if fmt is None:
        raise fail(
            "format-error",
            _(
                "Files of type “%(ext)s” cannot be read. Upload a CSV, Excel (XLSX, XLS), ODS,"
                " JSON, GeoJSON or XML file, or a ZIP holding one of them."
            )
            % {"ext": f".{extension}" if extension else filename},
        )

    if fmt == "zip":
        if not head.startswith(ZIP_MAGICS):
            raise fail(
                "format-error",
                _("The file “%(name)s” is named .zip but is not a ZIP archive.")
                % {"name": filename},
            )
        if depth > 0:
            raise fail(
                "format-error",
                _(
                    "“%(name)s” is a ZIP inside the ZIP; only one level is read. Extract it"
                    " and upload the inner file."
                )
                % {"name": filename},
            )
        from satudata.warehouse.ingest.readers.archive import extract_member

        member_path, member_name, members = extract_member(path, filename, workdir, options)
        inner = sniff_path(member_path, member_name, workdir, options, depth=depth + 1)
        inner.choices = {"member": member_name, "members": members, **inner.choices}
        return inner

    if fmt in WORKBOOK_FORMATS:
        real = _workbook_format(head, path, filename, fmt)
        return Sniffed(
            format=real,
            encoding="",
            text_path=path,
            filename=filename,
            options=options,
            choices={"format": real},
        )

    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # (UTF-16 text is full of NUL bytes: not "binary".)
        kind = _binary_kind(head, path)
        if kind is not None:
            raise _not_text(filename, kind, fmt)
    return _sniff_text(path, filename, extension, fmt, head, workdir, options)


def sniff(received: Received, workdir: Path, options: ReadOptions | dict | None = None) -> Sniffed:
    return sniff_path(received.path, received.filename, workdir, options)


# --- showing the choices --------------------------------------------------------------------


def describe_choices(choices: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of the choices made while reading, for the result pages."""
    rows: list[tuple[str, str]] = []
    if choices.get("member"):
        rows.append((_("File in the ZIP"), str(choices["member"])))
    if choices.get("format"):
        rows.append((_("Format"), FORMAT_LABELS.get(choices["format"], choices["format"])))
    if choices.get("sheet"):
        rows.append((_("Sheet"), str(choices["sheet"])))
    if choices.get("encoding"):
        rows.append((_("Encoding"), ENCODING_LABELS.get(choices["encoding"], choices["encoding"])))
    if choices.get("delimiter"):
        delimiter = choices["delimiter"]
        names = {",": _("comma (,)"), ";": _("semicolon (;)"), "\t": _("tab"), "|": _("pipe (|)")}
        rows.append((_("Delimiter"), names.get(delimiter, delimiter)))
    if choices.get("header_rows"):
        rows.append((_("Header rows"), str(choices["header_rows"])))
    if choices.get("decimal"):
        rows.append(
            (
                _("Decimal mark"),
                _("comma (12,5)") if choices["decimal"] == "," else _("point (12.5)"),
            )
        )
    if choices.get("record_path"):
        rows.append((_("Records at"), str(choices["record_path"])))
    if choices.get("row_element"):
        rows.append((_("Row element"), str(choices["row_element"])))
    return rows
