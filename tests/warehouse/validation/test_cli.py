"""`satudata dataset validate FILE [--schema S.json] [--report R.json]` for scripts."""

from __future__ import annotations

import json

from satudata.cli import main

GOOD = "kode,jumlah\n0101,12\n0102,7\n"
BAD = "kode,jumlah\n0101,12\n0102,dua\n0103,-1\n"
SCHEMA = {
    "fields": [
        {"name": "kode", "type": "string"},
        {"name": "jumlah", "type": "integer", "constraints": {"minimum": 0}},
    ]
}


def _files(tmp_path, data: str, schema: dict | None = None):
    path = tmp_path / "data.csv"
    path.write_text(data, encoding="utf-8")
    schema_path = None
    if schema is not None:
        schema_path = tmp_path / "schema.json"
        schema_path.write_text(json.dumps(schema), encoding="utf-8")
    return path, schema_path


def test_a_valid_file_exits_0_with_a_summary(db, tmp_path, capsys):
    path, schema = _files(tmp_path, GOOD, SCHEMA)
    status = main(["dataset", "validate", str(path), "--schema", str(schema), "--language", "en"])
    out = capsys.readouterr().out
    assert status == 0
    assert "File: data.csv — rows: 2, columns: 2" in out
    assert "Result: 0 errors, 0 warnings — VALID" in out


def test_errors_exit_1_with_a_table_and_the_report_file(db, tmp_path, capsys):
    path, schema = _files(tmp_path, BAD, SCHEMA)
    report_path = tmp_path / "report.json"
    status = main(
        [
            "dataset",
            "validate",
            str(path),
            "--schema",
            str(schema),
            "--report",
            str(report_path),
            "--language",
            "en",
        ]
    )
    out = capsys.readouterr().out
    assert status == 1
    lines = out.splitlines()
    assert lines[1].split() == ["problem", "severity", "count", "first", "rows"]
    assert lines[2].split() == ["constraint-error", "error", "1", "4"]
    assert lines[3].split() == ["type-error", "error", "1", "3"]
    assert "Result: 2 errors, 0 warnings — NOT VALID" in out
    assert "Row 3, column “jumlah”: “dua” is not a whole number." in out
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["valid"] is False and report["stats"]["errors"] == 2
    assert [e["type"] for e in report["errors"]] == ["type-error", "constraint-error"]
    assert report["table_schema"]["fields"][1]["type"] == "integer"


def test_without_schema_the_schema_is_inferred(db, tmp_path, capsys):
    path, _schema = _files(tmp_path, GOOD)
    assert main(["dataset", "validate", str(path), "--language", "en"]) == 0
    assert "VALID" in capsys.readouterr().out


def test_an_unreadable_file_exits_1(db, tmp_path, capsys):
    path = tmp_path / "data.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert main(["dataset", "validate", str(path), "--language", "en"]) == 1
    assert "NOT VALID" in capsys.readouterr().out


def test_wrong_command_lines_exit_2(db, tmp_path, capsys):
    path, _schema = _files(tmp_path, GOOD)
    missing = tmp_path / "nothing.csv"
    assert main(["dataset", "validate", str(missing)]) == 2
    broken = tmp_path / "schema.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["dataset", "validate", str(path), "--schema", str(broken)]) == 2
    unusable = tmp_path / "unusable.json"
    unusable.write_text(json.dumps({"fields": [{"name": "kode", "type": "warna"}]}))
    assert main(["dataset", "validate", str(path), "--schema", str(unusable)]) == 2
    err = capsys.readouterr().err
    assert "not valid JSON" in err and "warna" in err


def test_messages_in_indonesian_by_default(db, tmp_path, capsys):
    path, schema = _files(tmp_path, BAD, SCHEMA)
    assert main(["dataset", "validate", str(path), "--schema", str(schema)]) == 1
    out = capsys.readouterr().out
    assert "type-error" in out  # the type names are the same in every language
