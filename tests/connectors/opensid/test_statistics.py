"""The OpenSID connector against a real MariaDB holding the synthetic two-village database.

Every expected number below was counted by hand from fixture_data.py (the letters are the
synthetic residents there), not produced by the connector. Reference date: 2026-07-01.
"""

from __future__ import annotations

import pytest

from satudata.connectors.types import get
from satudata.connectors.types.opensid import OpenSIDConnector

from .fixture_data import NAMES_AND_NIKS

DESA_1 = "51.05.01.2001"
DESA_2 = "51.05.01.2002"


def pull(databases, name, **settings) -> list[dict]:
    config = databases.config(name, **settings)
    return OpenSIDConnector().pull(config, databases.secrets, since=None).table.to_pylist()


def cells(rows, *place) -> dict:
    """(kode_desa, *place fields, kategori_kode) → (jumlah, laki_laki, perempuan), every row."""
    return {
        (row["kode_desa"], *(row[p] for p in place), row["kategori_kode"]): (
            row["jumlah"],
            row["laki_laki"],
            row["perempuan"],
        )
        for row in rows
    }


def nonzero(rows, *place) -> dict:
    return {key: value for key, value in cells(rows, *place).items() if value[0]}


def test_registered_under_its_key():
    assert get("opensid") is OpenSIDConnector


def test_jenis_kelamin_per_desa_only_living_residents(opensid_databases, gabungan):
    rows = pull(opensid_databases, gabungan, statistik="jenis-kelamin")
    assert cells(rows) == {
        # V1 living: L = A C E G I M N, P = B D F H J, no sex = O; K (dead), L (moved) out
        (DESA_1, "1"): (7, 7, 0),
        (DESA_1, "2"): (5, 0, 5),
        (DESA_1, "777"): (1, 0, 0),
        # V2 living: L = P T, P = Q R; S is dead
        (DESA_2, "1"): (2, 2, 0),
        (DESA_2, "2"): (2, 0, 2),
        (DESA_2, "777"): (0, 0, 0),
    }
    assert {row["nama_desa"] for row in rows} == {"SUKAMAJU SINTETIS", "MEKARSARI SINTETIS"}
    assert [row["kategori"] for row in rows[:3]] == ["LAKI-LAKI", "PEREMPUAN", "BELUM MENGISI"]


def test_agama_uses_the_source_code_list_and_unknown_codes_are_belum_mengisi(
    opensid_databases, gabungan
):
    rows = pull(opensid_databases, gabungan, statistik="agama")
    assert nonzero(rows) == {
        (DESA_1, "1"): (1, 1, 0),  # E
        (DESA_1, "2"): (1, 0, 1),  # H
        (DESA_1, "4"): (8, 5, 2),  # A C G I M (L), B D (P), O (no sex)
        (DESA_1, "5"): (1, 1, 0),  # N
        (DESA_1, "777"): (2, 0, 2),  # F (empty), J (code 99)
        (DESA_2, "1"): (3, 1, 2),  # P, Q R
        (DESA_2, "3"): (1, 1, 0),  # T
    }
    labels = {row["kategori_kode"]: row["kategori"] for row in rows}
    # Code 8 exists only in the source's own tweb_penduduk_agama: it gets a (zero) row.
    assert labels["8"] == "AGAMA BARU SINTETIS"
    assert cells(rows)[(DESA_1, "8")] == (0, 0, 0)


def test_pekerjaan_falls_back_to_the_built_in_code_list(opensid_databases, gabungan):
    # The fixture has no tweb_penduduk_pekerjaan table: the v2410 list of 89 codes is used.
    rows = pull(opensid_databases, gabungan, statistik="pekerjaan")
    village_1 = [row for row in rows if row["kode_desa"] == DESA_1]
    assert len(village_1) == 89 + 1
    assert village_1[87]["kategori"] == "WIRASWASTA"
    assert {k: v for k, v in nonzero(rows).items() if k[0] == DESA_1} == {
        (DESA_1, "1"): (3, 2, 1),  # I M, D
        (DESA_1, "2"): (1, 0, 1),  # B
        (DESA_1, "3"): (1, 1, 0),  # C
        (DESA_1, "4"): (1, 1, 0),  # E
        (DESA_1, "8"): (1, 1, 0),  # N
        (DESA_1, "9"): (2, 1, 1),  # A, J
        (DESA_1, "15"): (1, 0, 1),  # H
        (DESA_1, "88"): (2, 1, 0),  # G, O (no sex)
        (DESA_1, "777"): (1, 0, 1),  # F
    }


def test_kelompok_umur_in_full_years_on_the_reference_date(opensid_databases, gabungan):
    rows = pull(opensid_databases, gabungan, statistik="kelompok-umur")
    assert nonzero(rows) == {
        (DESA_1, "00-04"): (1, 0, 1),  # D 2
        (DESA_1, "05-09"): (1, 1, 0),  # M 5 (born on the day)
        (DESA_1, "15-19"): (1, 1, 0),  # C 16 (born on the day)
        (DESA_1, "25-29"): (2, 0, 1),  # H 26, O 25 (no sex)
        (DESA_1, "35-39"): (1, 0, 1),  # F 36
        (DESA_1, "40-44"): (1, 0, 1),  # B 42 (43 the day after)
        (DESA_1, "45-49"): (1, 1, 0),  # A 46
        (DESA_1, "55-59"): (1, 1, 0),  # N 56
        (DESA_1, "65-69"): (1, 0, 1),  # J 65
        (DESA_1, "75+"): (1, 1, 0),  # E 75
        (DESA_1, "777"): (2, 2, 0),  # G no date, I born in 2030
        (DESA_2, "10-14"): (1, 0, 1),  # R 11
        (DESA_2, "25-29"): (1, 1, 0),  # T 26
        (DESA_2, "35-39"): (1, 0, 1),  # Q 39
        (DESA_2, "40-44"): (1, 1, 0),  # P 41
    }
    assert len(rows) == 2 * (16 + 1)


def test_kategori_umur(opensid_databases, gabungan):
    rows = pull(opensid_databases, gabungan, statistik="kategori-umur")
    assert cells(rows) == {
        (DESA_1, "00-14"): (2, 1, 1),  # M, D
        (DESA_1, "15-64"): (7, 3, 3),  # A C N, B F H, O
        (DESA_1, "65+"): (2, 1, 1),  # E, J
        (DESA_1, "777"): (2, 2, 0),  # G, I
        (DESA_2, "00-14"): (1, 0, 1),  # R
        (DESA_2, "15-64"): (3, 2, 1),  # P T, Q
        (DESA_2, "65+"): (0, 0, 0),
        (DESA_2, "777"): (0, 0, 0),
    }


def test_jumlah_and_total_rows_when_asked(opensid_databases, gabungan):
    rows = pull(opensid_databases, gabungan, statistik="agama", baris_total=True)
    village_1 = cells(rows)
    assert village_1[(DESA_1, "666")] == (11, 7, 3)  # JUMLAH: the filled categories
    assert village_1[(DESA_1, "777")] == (2, 0, 2)
    assert village_1[(DESA_1, "888")] == (13, 7, 5)  # TOTAL: every living resident
    assert [row["kategori"] for row in rows if row["kode_desa"] == DESA_1][-3:] == [
        "JUMLAH",
        "BELUM MENGISI",
        "TOTAL",
    ]


def test_dusun_level_puts_placeholder_residents_in_their_dusun(opensid_databases, gabungan):
    rows = pull(opensid_databases, gabungan, statistik="jenis-kelamin", tingkat="dusun")
    assert nonzero(rows, "dusun") == {
        # KAJA: A B C (RT 001), D E (RT 002), M (RW 001, '-'), F ('-','-'), O (dusun row)
        (DESA_1, "KAJA", "1"): (4, 4, 0),
        (DESA_1, "KAJA", "2"): (3, 0, 3),
        (DESA_1, "KAJA", "777"): (1, 0, 0),
        # KELOD: H (RT 001), I (RW 002, '-'), G ('-','-')
        (DESA_1, "KELOD", "1"): (2, 2, 0),
        (DESA_1, "KELOD", "2"): (1, 0, 1),
        # no dusun: J (no id_cluster), N (points at village 2's RT)
        (DESA_1, None, "1"): (1, 1, 0),
        (DESA_1, None, "2"): (1, 0, 1),
        (DESA_2, "TENGAH", "1"): (1, 1, 0),  # P
        (DESA_2, "TENGAH", "2"): (2, 0, 2),  # Q, R ('-','-')
        (DESA_2, None, "1"): (1, 1, 0),  # T (points at village 1's RT)
    }
    # A dusun where nobody lives still has its rows; placeholders never become a dusun.
    assert cells(rows, "dusun")[(DESA_2, "BARAT", "1")] == (0, 0, 0)
    assert {row["dusun"] for row in rows} == {"KAJA", "KELOD", "TENGAH", "BARAT", None}


def test_rw_level_never_reports_a_placeholder_rw(opensid_databases, gabungan):
    rows = pull(opensid_databases, gabungan, statistik="jenis-kelamin", tingkat="rw")
    assert nonzero(rows, "dusun", "rw") == {
        (DESA_1, "KAJA", "001", "1"): (4, 4, 0),  # A C E M
        (DESA_1, "KAJA", "001", "2"): (2, 0, 2),  # B D
        (DESA_1, "KAJA", None, "2"): (1, 0, 1),  # F
        (DESA_1, "KAJA", None, "777"): (1, 0, 0),  # O
        (DESA_1, "KELOD", "002", "1"): (1, 1, 0),  # I
        (DESA_1, "KELOD", "002", "2"): (1, 0, 1),  # H
        (DESA_1, "KELOD", None, "1"): (1, 1, 0),  # G
        (DESA_1, None, None, "1"): (1, 1, 0),  # N
        (DESA_1, None, None, "2"): (1, 0, 1),  # J
        (DESA_2, "TENGAH", "001", "1"): (1, 1, 0),  # P
        (DESA_2, "TENGAH", "001", "2"): (1, 0, 1),  # Q
        (DESA_2, "TENGAH", None, "2"): (1, 0, 1),  # R
        (DESA_2, None, None, "1"): (1, 1, 0),  # T
    }
    assert {row["rw"] for row in rows} == {"001", "002", None}


def test_rt_level_adds_up_to_the_village(opensid_databases, gabungan):
    rows = pull(opensid_databases, gabungan, statistik="jenis-kelamin", tingkat="rt")
    per_rt = nonzero(rows, "dusun", "rw", "rt")
    assert per_rt[(DESA_1, "KAJA", "001", "001", "1")] == (2, 2, 0)  # A C — never T of V2
    assert per_rt[(DESA_1, "KAJA", "001", "001", "2")] == (1, 0, 1)  # B
    assert per_rt[(DESA_1, "KAJA", "001", "002", "1")] == (1, 1, 0)  # E
    assert per_rt[(DESA_1, "KAJA", "001", None, "1")] == (1, 1, 0)  # M
    assert per_rt[(DESA_2, "TENGAH", "001", "001", "1")] == (1, 1, 0)  # P — never N of V1
    # The RT where nobody lives has zero rows; no RT is called '-' or '0'.
    assert cells(rows, "dusun", "rw", "rt")[(DESA_1, "KELOD", "002", "003", "1")] == (0, 0, 0)
    assert {row["rt"] for row in rows} == {"001", "002", "003", None}
    for desa, living in ((DESA_1, 13), (DESA_2, 4)):
        assert sum(row["jumlah"] for row in rows if row["kode_desa"] == desa) == living


def test_keluarga_and_rumah_tangga_with_a_living_head(opensid_databases, gabungan):
    rows = pull(opensid_databases, gabungan, statistik="keluarga-rumah-tangga")
    assert cells(rows) == {
        (DESA_1, "KK"): (4, 2, 2),  # heads A E (L), F H (P); K is dead
        (DESA_1, "RTM"): (2, 1, 1),  # heads A, H; K is dead
        (DESA_2, "KK"): (2, 2, 0),  # heads P, T; KK 23's head lives in village 1
        (DESA_2, "RTM"): (1, 0, 1),  # head Q
    }
    by_dusun = nonzero(
        pull(opensid_databases, gabungan, statistik="keluarga-rumah-tangga", tingkat="dusun"),
        "dusun",
    )
    assert by_dusun[(DESA_1, "KAJA", "KK")] == (3, 2, 1)  # A E, F
    assert by_dusun[(DESA_1, "KELOD", "KK")] == (1, 0, 1)  # H
    assert by_dusun[(DESA_2, None, "KK")] == (1, 1, 0)  # T lives at a village-1 cluster id


def test_penerima_bantuan_per_program(opensid_databases, gabungan):
    pulled = OpenSIDConnector().pull(
        opensid_databases.config(gabungan, statistik="penerima-bantuan"),
        opensid_databases.secrets,
        since=None,
    )
    assert cells(pulled.table.to_pylist()) == {
        (DESA_1, "1"): (2, 1, 1),  # BLT: A, B (K is dead)
        (DESA_1, "2"): (2, 1, 1),  # PKH: KK 1 head A, KK 4 head H (KK 5's head is dead)
        (DESA_1, "3"): (1, 1, 0),  # BPNT: RTM 1 head A
        (DESA_1, "4"): (1, 1, 0),  # regency-wide: E (not H, listed under village 2)
        (DESA_2, "4"): (1, 0, 1),  # regency-wide: Q
        (DESA_2, "5"): (1, 1, 0),  # BLT village 2: P (not C of village 1)
    }
    labels = {row["kategori_kode"]: row["kategori"] for row in pulled.table.to_pylist()}
    assert labels["2"] == "PKH SINTETIS (KELUARGA)"
    assert any("sasaran 4" in line for line in pulled.log)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (
            "tgl_lapor",  # as OpenSID's monthly report
            {
                (DESA_1, "2026-05", "5"): (1, 1, 0),  # N moved in (happened in April)
                (DESA_1, "2026-06", "1"): (1, 0, 1),  # D born 2024, reported in June
                (DESA_1, "2026-06", "2"): (1, 1, 0),  # K died in May, reported in June
                (DESA_1, "2026-07", "3"): (1, 0, 1),  # L moved out
                (DESA_2, "2026-06", "2"): (1, 1, 0),  # S died
                (DESA_2, "2026-07", "5"): (1, 0, 1),  # Q moved in on the 15th
            },
        ),
        (
            "tgl_peristiwa",
            {
                (DESA_1, "2026-05", "2"): (1, 1, 0),
                (DESA_1, "2026-07", "3"): (1, 0, 1),
                (DESA_2, "2026-06", "2"): (1, 1, 0),
                (DESA_2, "2026-07", "5"): (1, 0, 1),
            },
        ),
    ],
)
def test_peristiwa_bulanan(opensid_databases, gabungan, column, expected):
    rows = pull(
        opensid_databases,
        gabungan,
        statistik="peristiwa-bulanan",
        bulan=3,
        tanggal_peristiwa=column,
    )
    assert nonzero(rows, "bulan") == expected
    # Every month and event kind is there, zero or not: 2 desa, 3 months, 6 kinds.
    assert len(rows) == 2 * 3 * 6
    assert {row["bulan"] for row in rows} == {"2026-05", "2026-06", "2026-07"}


@pytest.mark.parametrize(
    "statistik",
    ["jenis-kelamin", "agama", "kelompok-umur", "keluarga-rumah-tangga", "penerima-bantuan"],
)
@pytest.mark.parametrize("tingkat", ["desa", "rt"])
def test_a_village_sees_only_its_own_rows(opensid_databases, gabungan, statistik, tingkat):
    everything = pull(opensid_databases, gabungan, statistik=statistik, tingkat=tingkat)
    for desa in (DESA_1, DESA_2):
        alone = pull(opensid_databases, gabungan, statistik=statistik, tingkat=tingkat, desa=desa)
        assert {row["kode_desa"] for row in alone} == {desa}
        assert alone == [row for row in everything if row["kode_desa"] == desa]


def test_village_two_alone_has_its_own_numbers(opensid_databases, gabungan):
    rows = pull(
        opensid_databases, gabungan, statistik="jenis-kelamin", tingkat="rt", desa="5105012002"
    )
    assert nonzero(rows, "dusun", "rw", "rt") == {
        (DESA_2, "TENGAH", "001", "001", "1"): (1, 1, 0),
        (DESA_2, "TENGAH", "001", "001", "2"): (1, 0, 1),
        (DESA_2, "TENGAH", None, None, "2"): (1, 0, 1),
        (DESA_2, None, None, None, "1"): (1, 1, 0),
    }


def test_no_name_or_nik_is_read_or_returned(opensid_databases, gabungan, monkeypatch):
    import re

    import pymysql.cursors

    statements: list[str] = []
    original = pymysql.cursors.Cursor.execute

    def recording(self, query, args=None):
        statements.append(query)
        return original(self, query, args)

    monkeypatch.setattr(pymysql.cursors.Cursor, "execute", recording)
    values = []
    for statistik in ("jenis-kelamin", "kelompok-umur", "keluarga-rumah-tangga"):
        values += pull(opensid_databases, gabungan, statistik=statistik, tingkat="rt")
    values += pull(opensid_databases, gabungan, statistik="penerima-bantuan", tingkat="rt")
    values += pull(opensid_databases, gabungan, statistik="peristiwa-bulanan", tingkat="rt")
    text = repr(values)
    assert not [secret for secret in NAMES_AND_NIKS if secret in text]
    select_lists = [
        part for statement in statements for part in re.findall(r"SELECT (.*?) FROM", statement)
    ]
    assert select_lists
    for select_list in select_lists:
        assert not re.search(r"\bnik\b|\bno_kk\b|\bpeserta\b|\bkartu_\w+|\bp\.nama\b", select_list)
    assert not any(re.search(r"\bnik\b|kartu_nik|kartu_nama", s) for s in statements)


def test_preview_limit(opensid_databases, gabungan):
    pulled = OpenSIDConnector().pull(
        opensid_databases.config(gabungan, statistik="pekerjaan"),
        opensid_databases.secrets,
        since=None,
        limit=5,
    )
    assert pulled.table.num_rows == 5
    assert pulled.cursor is None


def test_small_cells_can_be_left_empty(opensid_databases, gabungan):
    rows = pull(opensid_databases, gabungan, statistik="agama", desa=DESA_1, sel_minimum=3)
    shown = cells(rows)
    assert shown[(DESA_1, "1")] == (None, None, 0)  # ISLAM 1 (1, 0)
    assert shown[(DESA_1, "4")] == (8, 5, None)  # HINDU 8 (5, 2)
    assert shown[(DESA_1, "777")] == (None, 0, None)  # BELUM MENGISI 2 (0, 2)
    assert shown[(DESA_1, "3")] == (0, 0, 0)
