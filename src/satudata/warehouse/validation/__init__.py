"""Validation of a table against its Table Schema — vectorised, with frictionless error names.

Every check runs as DuckDB SQL over the whole table at once (the `c0…cN` + `__row` text cells
every reader produces, or the typed Parquet just written), never as a Python loop over rows.
One module per check family:

    vocabulary.py  problem types: name, severity, title, explanation, message (Indonesian/English,
                   shown again in the reader's language from the stored params)
    types.py       per field type: the strict parse of a text cell (SQL) and its Parquet type
    schema.py      is a given schema usable (`schema_problems`)
    labels.py      header against a given schema: incorrect-label, missing-label, extra-label
    cells.py       type-error, constraint-error (required, minimum, maximum, exclusive…,
                   minLength, maxLength, pattern, enum); the guarded typed write
    rows.py        blank-row (left out), duplicate-row (warning)
    keys.py        unique-error, primary-key, foreign-key (the region list by level, or the
                   table itself)
    references.py  the Kemendagri region list, looked up per distinct code
    regions.py     domain warnings: unknown / wrong-level region codes, region names that do not
                   match the code (with the official name)
    text.py        domain warning: text with spaces at the start or end; finds total rows
    totals.py      domain warning: a `Jumlah`/`Total` row that disagrees with the rows it sums
    history.py     domain warning: 0 where the previous version had data for the same key
    roles.py       which fields are measures, rates, dimensions (for the domain checks)
    context.py     what every check works on, and `record()` (count all, list the first)
    run.py         `prepare()` and `validate()`: the order of the checks, the typed write
    issues.py      the rows with problems (original cells + problem list) as a Parquet blob
    files.py       `validate_file()`: a file through the import pipeline, nothing stored
    pages.py       what the report page, its JSON and the "rows to fix" downloads read
    views.py       those pages (`/dataset/<slug>/versi/<n>/laporan`, `.json`, `/baris.<fmt>`)
    cli.py         `satudata dataset validate FILE [--schema S.json] [--report R.json]`

Severity: errors block publication; warnings must be acknowledged by a walidata before
publishing (`warehouse.services.acknowledge_warnings`, or `publish_version(…,
acknowledge_warnings=True)`).

Region codes in a schema (Satu Data's reference list is called `wilayah`):

    "foreignKeys": [{"fields": "kode_desa",
                     "reference": {"resource": "wilayah", "fields": "kode", "level": "desa"}}]

or, shorter, on the field: `{"name": "kode_desa", "type": "string", "regionLevel": "desa"}`.
`level` is optional (any level); names as in `satudata.regions.codes.LEVEL_DEPTHS`.
"""
