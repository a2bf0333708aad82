"""Validation of a table against its Table Schema — vectorised, with frictionless error names.

Every check runs as DuckDB SQL over the whole table of text cells at once (the `c0…cN` + `__row`
table every reader produces), never as a Python loop over rows. One module per check family:

    vocabulary.py  error types: name, severity, title, explanation, message (Indonesian/English)
    types.py       per field type: the strict parse of a text cell (SQL), its Parquet type
    labels.py      header against schema: incorrect-label, missing-label, extra-label
    cells.py       type-error, constraint-error (required, minimum, maximum, exclusive…,
                   minLength, maxLength, pattern, enum) — one scan for all fields
    rows.py        blank-row (left out), duplicate-row (warning)
    keys.py        unique-error, primary-key, foreign-key (the region codes table, by level;
                   or the table itself)
    regions.py     domain warnings: unknown / wrong-level region codes, region names that do
                   not match the code (with the official name)
    totals.py      domain warning: a `Jumlah`/`Total` row that disagrees with the rows it sums
    history.py     domain warning: 0 where the previous version had data for the same key
    text.py        domain warning: text with spaces at the start or end (`AIDS ` vs `AIDS`)
    issues.py      the rows with problems (original cells + problem list) as a Parquet blob
    run.py         `validate_table()`: runs the checks, fills the report, returns the issues
    pages.py       what the report page, its JSON and the "rows to fix" downloads read
    cli.py         `satudata dataset validate FILE [--schema S.json] [--report R.json]`

Severity: errors block publication; warnings must be acknowledged by a walidata before publishing.

Region codes in a schema (Satu Data's reference list is called `wilayah`):

    "foreignKeys": [{"fields": "kode_desa",
                     "reference": {"resource": "wilayah", "fields": "kode", "level": "desa"}}]

or, shorter, on the field: `{"name": "kode_desa", "type": "string", "regionLevel": "desa"}`.
`level` is optional (any level); names as in `satudata.regions.codes.LEVEL_DEPTHS`.
"""
