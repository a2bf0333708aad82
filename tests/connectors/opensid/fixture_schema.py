"""Our own DDL for the OpenSID tables the connector reads, written from the documented schema
facts (docs/opensid.md, ../shared/reference/opensid.md) — not copied from OpenSID.

Only the columns the connector reads plus a few personal ones (nik, nama, no_kk) that must
never come out. No foreign keys: a real database can hold broken cross-village references
(they are part of the fixture), and the connector must not rely on constraints.

Variants of the schema (older / newer OpenSID) are made with `drop_columns`, `extra_columns`,
`without_tables` and `with_config_id=False` (a database from before the "gabungan" change).
"""

from __future__ import annotations

TABLES: dict[str, list[str]] = {
    "config": [
        "id INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "app_key VARCHAR(100) NOT NULL",
        "nama_desa VARCHAR(100) NOT NULL",
        "kode_desa VARCHAR(10) NULL",
        "nama_kecamatan VARCHAR(100) NOT NULL DEFAULT ''",
        "kode_kecamatan VARCHAR(6) NULL",
        "nama_kabupaten VARCHAR(100) NOT NULL DEFAULT ''",
        "kode_kabupaten VARCHAR(4) NULL",
        "UNIQUE KEY config_app_key (app_key)",
        "UNIQUE KEY config_kode_desa (kode_desa)",
    ],
    "tweb_wil_clusterdesa": [
        "id INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "config_id INT NULL",
        "rt VARCHAR(10) NOT NULL DEFAULT '0'",
        "rw VARCHAR(10) NOT NULL DEFAULT '0'",
        "dusun VARCHAR(50) NOT NULL DEFAULT '0'",
        "id_kepala INT NULL",
        "UNIQUE KEY wil_unique (config_id, rt, rw, dusun)",
    ],
    "tweb_penduduk": [
        "id INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "config_id INT NULL",
        "nama VARCHAR(100) NOT NULL",
        "nik VARCHAR(16) NULL",
        "id_kk INT NULL",
        "kk_level TINYINT NULL",
        "id_rtm VARCHAR(30) NULL",
        "rtm_level INT NULL",
        "sex TINYINT UNSIGNED NULL",
        "tempatlahir VARCHAR(100) NULL",
        "tanggallahir DATE NULL",
        "agama_id INT NULL",
        "pendidikan_kk_id INT NULL",
        "pendidikan_sedang_id INT NULL",
        "pekerjaan_id INT NULL",
        "status_kawin TINYINT NULL",
        "warganegara_id TINYINT NOT NULL DEFAULT 1",
        "golongan_darah_id INT NULL",
        "id_cluster INT NULL",
        "status INT UNSIGNED NULL",
        "status_dasar TINYINT NOT NULL DEFAULT 1",
        "suku VARCHAR(150) NULL",
        "created_at TIMESTAMP NULL",
        "updated_at TIMESTAMP NULL",
        "UNIQUE KEY penduduk_nik (config_id, nik)",
        "KEY penduduk_id_rtm (id_rtm)",
        "KEY penduduk_id_kk (id_kk)",
        "KEY penduduk_id_cluster (id_cluster)",
    ],
    "tweb_keluarga": [
        "id INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "config_id INT NULL",
        "no_kk VARCHAR(16) NULL",
        "nik_kepala INT NULL",
        "kelas_sosial INT NULL",
        "tgl_daftar TIMESTAMP NULL",
        "id_cluster INT NULL",
        "UNIQUE KEY keluarga_no_kk (config_id, no_kk)",
    ],
    "tweb_rtm": [
        "id INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "config_id INT NULL",
        "nik_kepala INT NULL",
        "no_kk VARCHAR(30) NULL",
        "tgl_daftar TIMESTAMP NULL",
        "kelas_sosial INT NULL",
        "bdt VARCHAR(16) NULL",
        "UNIQUE KEY rtm_no_kk (config_id, no_kk)",
    ],
    "program": [
        "id INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "config_id INT NULL",
        "nama VARCHAR(100) NOT NULL",
        "sasaran TINYINT NULL",
        "sdate DATE NULL",
        "edate DATE NULL",
        "status TINYINT NULL",
        "asaldana CHAR(30) NULL",
    ],
    "program_peserta": [
        "id INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "config_id INT NULL",
        "program_id INT NOT NULL",
        "peserta VARCHAR(30) NULL",
        "kartu_nik VARCHAR(30) NULL",
        "kartu_nama VARCHAR(100) NULL",
        "kartu_id_pend INT NULL",
        "UNIQUE KEY peserta_unique (config_id, program_id, kartu_id_pend)",
    ],
    "log_penduduk": [
        "id INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        "config_id INT NULL",
        "id_pend INT NULL",
        "kode_peristiwa TINYINT NULL",
        "tgl_peristiwa DATETIME NULL",
        "tgl_lapor TIMESTAMP NULL",
        "akta_mati VARCHAR(50) NULL",
        "UNIQUE KEY log_unique (config_id, id_pend, kode_peristiwa, tgl_peristiwa)",
    ],
    # Two reference tables only: the others are absent so the built-in code lists are used.
    "tweb_penduduk_sex": ["id TINYINT NOT NULL PRIMARY KEY", "nama VARCHAR(15) NOT NULL"],
    "tweb_penduduk_agama": ["id INT NOT NULL PRIMARY KEY", "nama VARCHAR(100) NOT NULL"],
}


def _column_name(definition: str) -> str | None:
    first = definition.split()[0]
    if first.upper() in {"UNIQUE", "KEY", "PRIMARY", "INDEX"}:
        return None
    return first


def _key_columns(definition: str) -> set[str]:
    if "(" not in definition:
        return set()
    inside = definition[definition.index("(") + 1 : definition.rindex(")")]
    return {part.strip() for part in inside.split(",")}


def create_tables(
    cursor,
    *,
    drop_columns: dict[str, set[str]] | None = None,
    extra_columns: dict[str, list[str]] | None = None,
    without_tables: set[str] = frozenset(),
    with_config_id: bool = True,
) -> None:
    """Create the OpenSID tables in the current (empty) database."""
    drop_columns = drop_columns or {}
    extra_columns = extra_columns or {}
    for table, definitions in TABLES.items():
        if table in without_tables:
            continue
        dropped = set(drop_columns.get(table, set()))
        if not with_config_id:
            dropped.add("config_id")
        kept = []
        for definition in definitions:
            name = _column_name(definition)
            if name is not None and name in dropped:
                continue
            if name is None and _key_columns(definition) & dropped:
                continue
            kept.append(definition)
        columns = [d for d in kept if _column_name(d)] + extra_columns.get(table, [])
        keys = [d for d in kept if not _column_name(d)]
        cursor.execute(
            f"CREATE TABLE {table} ({', '.join(columns + keys)}) "
            "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        )
