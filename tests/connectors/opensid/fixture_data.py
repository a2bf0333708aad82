"""SYNTHETIC OpenSID data: two villages in one combined ("gabungan") database.

Every person here is invented: names are "SINTETIS nn", NIK and KK numbers start with 9999
(no Indonesian province has code 99). The expected numbers in the tests are counted by hand
from the lists below (see the comments), not from the connector's code.

Reference date of the tests: 2026-07-01 (ages are full years on that day).

Village 1 (config_id 1, kode 5105012001 → 51.05.01.2001) wilayah:
  1 (KAJA,0,0) dusun row          2 (KAJA,-,0) placeholder     3 (KAJA,-,-) placeholder
  4 (KAJA,001,0) RW row           5 (KAJA,001,-) placeholder   6 (KAJA,001,001) RT
  7 (KAJA,001,002) RT
  8 (KELOD,0,0) dusun row         9 (KELOD,-,0)                10 (KELOD,-,-)
  11 (KELOD,002,0) RW row         12 (KELOD,002,-)             13 (KELOD,002,001) RT
  20 (KELOD,002,003) RT where nobody lives
Village 2 (config_id 2, kode 5105012002 → 51.05.01.2002) wilayah:
  14 (TENGAH,0,0)  15 (TENGAH,-,0)  16 (TENGAH,-,-)  17 (TENGAH,001,0)  18 (TENGAH,001,-)
  19 (TENGAH,001,001) RT
  21 (BARAT,0,0)  22 (BARAT,-,0)  23 (BARAT,-,-)   a dusun where nobody lives
"""

from __future__ import annotations

V1, V2 = 1, 2

CONFIG = [
    {
        "id": V1,
        "app_key": "base64:SINTETIS-DESA-1",
        "nama_desa": "SUKAMAJU SINTETIS",
        "kode_desa": "5105012001",
        "nama_kecamatan": "BANJARANGKAN",
        "kode_kecamatan": "510501",
    },
    {
        "id": V2,
        "app_key": "base64:SINTETIS-DESA-2",
        "nama_desa": "MEKARSARI SINTETIS",
        "kode_desa": "5105012002",
        "nama_kecamatan": "BANJARANGKAN",
        "kode_kecamatan": "510501",
    },
]

_W = [
    # id, config, dusun, rw, rt
    (1, V1, "KAJA", "0", "0"),
    (2, V1, "KAJA", "-", "0"),
    (3, V1, "KAJA", "-", "-"),
    (4, V1, "KAJA", "001", "0"),
    (5, V1, "KAJA", "001", "-"),
    (6, V1, "KAJA", "001", "001"),
    (7, V1, "KAJA", "001", "002"),
    (8, V1, "KELOD", "0", "0"),
    (9, V1, "KELOD", "-", "0"),
    (10, V1, "KELOD", "-", "-"),
    (11, V1, "KELOD", "002", "0"),
    (12, V1, "KELOD", "002", "-"),
    (13, V1, "KELOD", "002", "001"),
    (20, V1, "KELOD", "002", "003"),
    (14, V2, "TENGAH", "0", "0"),
    (15, V2, "TENGAH", "-", "0"),
    (16, V2, "TENGAH", "-", "-"),
    (17, V2, "TENGAH", "001", "0"),
    (18, V2, "TENGAH", "001", "-"),
    (19, V2, "TENGAH", "001", "001"),
    (21, V2, "BARAT", "0", "0"),
    (22, V2, "BARAT", "-", "0"),
    (23, V2, "BARAT", "-", "-"),
]
WILAYAH = [{"id": i, "config_id": c, "dusun": d, "rw": rw, "rt": rt} for i, c, d, rw, rt in _W]

# id, config, cluster, sex, born, agama, pend_kk, pekerjaan, kawin, kk_level, status_dasar, id_kk
# Ages on 2026-07-01 in the comment; "!" marks what the row is there to test.
_P = [
    (1, V1, 6, 1, "1980-03-15", 4, 5, 9, 2, 1, 1, 1),  # A 46
    (2, V1, 6, 2, "1983-07-02", 4, 5, 2, 2, 3, 1, 1),  # B 42 (birthday the day after)
    (3, V1, 6, 1, "2010-07-01", 4, 2, 3, 1, 4, 1, 1),  # C 16 (birthday on the day)
    (4, V1, 7, 2, "2024-01-10", 4, 1, 1, 1, 4, 1, 2),  # D 2
    (5, V1, 7, 1, "1950-12-31", 1, 3, 4, 4, 1, 1, 2),  # E 75
    (6, V1, 3, 2, "1990-01-01", None, None, None, None, 1, 1, 3),  # F 36 ! (KAJA,-,-), empty codes
    (7, V1, 10, 1, None, 4, 4, 88, 1, 11, 1, None),  # G ! no birth date, (KELOD,-,-)
    (8, V1, 13, 2, "2000-06-30", 2, 8, 15, 2, 1, 1, 4),  # H 26
    (9, V1, 12, 1, "2030-01-01", 4, 1, 1, 1, 4, 1, 4),  # I ! future birth date, (KELOD,002,-)
    (10, V1, None, 2, "1960-08-15", 99, 3, 9, 2, 11, 1, None),  # J 65 ! no wilayah, agama 99
    (11, V1, 6, 1, "1940-01-01", 4, 3, 9, 2, 1, 2, 5),  # K ! dead (status_dasar 2)
    (12, V1, 13, 2, "1995-05-05", 4, 5, 15, 1, 4, 3, 4),  # L ! moved out (status_dasar 3)
    (13, V1, 5, 1, "2021-07-01", 4, 1, 1, 1, 4, 1, 1),  # M 5 ! (KAJA,001,-)
    (14, V1, 19, 1, "1970-01-01", 5, 5, 8, 2, 11, 1, None),  # N 56 ! points at village 2's RT
    (15, V1, 1, None, "2001-01-01", 4, 5, 88, 1, 11, 1, None),  # O 25 ! sex empty, dusun row
    (21, V2, 19, 1, "1985-01-01", 1, 5, 9, 2, 1, 1, 21),  # P 41
    (22, V2, 19, 2, "1987-02-02", 1, 5, 2, 2, 3, 1, 21),  # Q 39
    (23, V2, 16, 2, "2015-03-03", 1, 2, 3, 1, 4, 1, 21),  # R 11 (TENGAH,-,-)
    (24, V2, 19, 1, "1930-01-01", 1, 3, 9, 2, 7, 2, 21),  # S ! dead
    (25, V2, 6, 1, "1999-09-09", 3, 6, 15, 1, 1, 1, 22),  # T 26 ! points at village 1's RT
]
PENDUDUK = [
    {
        "id": pid,
        "config_id": cfg,
        "nama": f"SINTETIS {pid:02d}",
        "nik": f"99990000000000{pid:02d}",
        "id_cluster": cluster,
        "sex": sex,
        "tanggallahir": born,
        "agama_id": agama,
        "pendidikan_kk_id": pend,
        "pekerjaan_id": kerja,
        "status_kawin": kawin,
        "kk_level": level,
        "status_dasar": dasar,
        "id_kk": kk,
        "id_rtm": {1: "9999RTM1", 2: "9999RTM1", 3: "9999RTM1", 8: "9999RTM3"}.get(pid),
    }
    for pid, cfg, cluster, sex, born, agama, pend, kerja, kawin, level, dasar, kk in _P
]
NAMES_AND_NIKS = [p["nama"] for p in PENDUDUK] + [p["nik"] for p in PENDUDUK]

KELUARGA = [
    {"id": 1, "config_id": V1, "no_kk": "9999000000000001", "nik_kepala": 1},  # A
    {"id": 2, "config_id": V1, "no_kk": "9999000000000002", "nik_kepala": 5},  # E
    {"id": 3, "config_id": V1, "no_kk": "9999000000000003", "nik_kepala": 6},  # F
    {"id": 4, "config_id": V1, "no_kk": "9999000000000004", "nik_kepala": 8},  # H
    {"id": 5, "config_id": V1, "no_kk": "9999000000000005", "nik_kepala": 11},  # K dead
    {"id": 21, "config_id": V2, "no_kk": "9999000000000021", "nik_kepala": 21},  # P
    {"id": 22, "config_id": V2, "no_kk": "9999000000000022", "nik_kepala": 25},  # T
    {"id": 23, "config_id": V2, "no_kk": "9999000000000023", "nik_kepala": 1},  # ! head in V1
]
RTM = [
    {"id": 1, "config_id": V1, "no_kk": "9999RTM1", "nik_kepala": 1},  # A
    {"id": 2, "config_id": V1, "no_kk": "9999RTM2", "nik_kepala": 11},  # K dead
    {"id": 3, "config_id": V1, "no_kk": "9999RTM3", "nik_kepala": 8},  # H
    {"id": 21, "config_id": V2, "no_kk": "9999RTM21", "nik_kepala": 22},  # Q
]
PROGRAM = [
    {"id": 1, "config_id": V1, "nama": "BLT DANA DESA SINTETIS", "sasaran": 1},
    {"id": 2, "config_id": V1, "nama": "PKH SINTETIS", "sasaran": 2},
    {"id": 3, "config_id": V1, "nama": "BPNT SINTETIS", "sasaran": 3},
    {"id": 4, "config_id": None, "nama": "BANTUAN KABUPATEN SINTETIS", "sasaran": 1},
    {"id": 5, "config_id": V2, "nama": "BLT DESA DUA SINTETIS", "sasaran": 1},
    {"id": 6, "config_id": V1, "nama": "KELOMPOK TANI SINTETIS", "sasaran": 4},
]


def _nik(pid: int) -> str:
    return f"99990000000000{pid:02d}"


PROGRAM_PESERTA = [
    # BLT V1 (penduduk): A, B, and K who is dead
    {"config_id": V1, "program_id": 1, "peserta": _nik(1), "kartu_id_pend": 1},
    {"config_id": V1, "program_id": 1, "peserta": _nik(2), "kartu_id_pend": 2},
    {"config_id": V1, "program_id": 1, "peserta": _nik(11), "kartu_id_pend": 11},
    # PKH V1 (keluarga): KK 1 (head A), KK 4 (head H), KK 5 (head K dead)
    {"config_id": V1, "program_id": 2, "peserta": "9999000000000001", "kartu_id_pend": 1},
    {"config_id": V1, "program_id": 2, "peserta": "9999000000000004", "kartu_id_pend": 8},
    {"config_id": V1, "program_id": 2, "peserta": "9999000000000005", "kartu_id_pend": 11},
    # BPNT V1 (rumah tangga): RTM 1 (head A)
    {"config_id": V1, "program_id": 3, "peserta": "9999RTM1", "kartu_id_pend": 1},
    # Regency-wide program (config_id NULL): E of V1, Q of V2, and a V2 row pointing at H (V1)
    {"config_id": V1, "program_id": 4, "peserta": _nik(5), "kartu_id_pend": 5},
    {"config_id": V2, "program_id": 4, "peserta": _nik(22), "kartu_id_pend": 22},
    {"config_id": V2, "program_id": 4, "peserta": _nik(8), "kartu_id_pend": 8},
    # BLT V2: P, and a broken row pointing at C of V1
    {"config_id": V2, "program_id": 5, "peserta": _nik(21), "kartu_id_pend": 21},
    {"config_id": V2, "program_id": 5, "peserta": _nik(3), "kartu_id_pend": 3},
]
LOG_PENDUDUK = [
    # D born 2024, reported 2026-06-15
    {
        "config_id": V1,
        "id_pend": 4,
        "kode_peristiwa": 1,
        "tgl_peristiwa": "2024-01-10 08:00:00",
        "tgl_lapor": "2026-06-15 09:00:00",
    },
    # K died 2026-05-20, reported 2026-06-02
    {
        "config_id": V1,
        "id_pend": 11,
        "kode_peristiwa": 2,
        "tgl_peristiwa": "2026-05-20 10:00:00",
        "tgl_lapor": "2026-06-02 09:00:00",
    },
    # L moved out 2026-07-01
    {
        "config_id": V1,
        "id_pend": 12,
        "kode_peristiwa": 3,
        "tgl_peristiwa": "2026-07-01 10:00:00",
        "tgl_lapor": "2026-07-01 11:00:00",
    },
    # M born 2021: outside the months asked
    {
        "config_id": V1,
        "id_pend": 13,
        "kode_peristiwa": 1,
        "tgl_peristiwa": "2021-07-01 05:00:00",
        "tgl_lapor": "2021-07-05 09:00:00",
    },
    # N moved in: happened in April, reported 2026-05-01
    {
        "config_id": V1,
        "id_pend": 14,
        "kode_peristiwa": 5,
        "tgl_peristiwa": "2026-04-30 10:00:00",
        "tgl_lapor": "2026-05-01 08:00:00",
    },
    # ! a V1 log row pointing at P of V2
    {
        "config_id": V1,
        "id_pend": 21,
        "kode_peristiwa": 2,
        "tgl_peristiwa": "2026-06-01 10:00:00",
        "tgl_lapor": "2026-06-01 11:00:00",
    },
    # S (V2) died 2026-06-10
    {
        "config_id": V2,
        "id_pend": 24,
        "kode_peristiwa": 2,
        "tgl_peristiwa": "2026-06-10 10:00:00",
        "tgl_lapor": "2026-06-11 09:00:00",
    },
    # Q (V2) moved in 2026-07-15: after the reference day, inside the reference month
    {
        "config_id": V2,
        "id_pend": 22,
        "kode_peristiwa": 5,
        "tgl_peristiwa": "2026-07-15 10:00:00",
        "tgl_lapor": "2026-07-15 11:00:00",
    },
]
SEX = [{"id": 1, "nama": "LAKI-LAKI"}, {"id": 2, "nama": "PEREMPUAN"}]
# The source's own agama list has an 8th code a newer OpenSID might add: it must show up.
AGAMA = [
    {"id": i, "nama": n}
    for i, n in [
        (1, "ISLAM"),
        (2, "KRISTEN"),
        (3, "KATHOLIK"),
        (4, "HINDU"),
        (5, "BUDHA"),
        (6, "KHONGHUCU"),
        (7, "Kepercayaan Terhadap Tuhan YME / Lainnya"),
        (8, "AGAMA BARU SINTETIS"),
    ]
]

ROWS = {
    "config": CONFIG,
    "tweb_wil_clusterdesa": WILAYAH,
    "tweb_penduduk": PENDUDUK,
    "tweb_keluarga": KELUARGA,
    "tweb_rtm": RTM,
    "program": PROGRAM,
    "program_peserta": PROGRAM_PESERTA,
    "log_penduduk": LOG_PENDUDUK,
    "tweb_penduduk_sex": SEX,
    "tweb_penduduk_agama": AGAMA,
}


def insert_rows(cursor, tables: dict[str, list[dict]] | None = None) -> None:
    """Insert the fixture rows, leaving out columns the (variant) schema does not have."""
    for table, rows in (tables or ROWS).items():
        cursor.execute(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
            (table,),
        )
        present = {name for (name,) in cursor.fetchall()}
        if not present:
            continue
        for row in rows:
            kept = {k: v for k, v in row.items() if k in present}
            names = ", ".join(kept)
            marks = ", ".join(["%s"] * len(kept))
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(kept.values()))
