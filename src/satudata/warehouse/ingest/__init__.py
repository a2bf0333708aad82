"""The one ingest service path (DESIGN §2), one module per step:

receive.py (bounded, hashed bytes) → sniff.py (what the file is, encoding, delimiter) →
readers/ (text cells in DuckDB, one module per format) → header.py (field names) →
infer.py (Table Schema; code-like columns stay strings) → parquet.py (typed, atomic) →
report.py (frictionless-style report). pipeline.py strings them together.
"""
