"""Older and newer OpenSID schemas, broken villages, connection faults, settings — each a real
database on the test MariaDB (synthetic data from fixture_data.py)."""

from __future__ import annotations

import socket

import pymysql
import pytest

from satudata.connectors.types.base import SourceError, TransientSourceError
from satudata.connectors.types.opensid import OpenSIDConnector, request_from_config
from satudata.connectors.types.opensid.codes import kode_desa_bertitik
from satudata.connectors.types.opensid.forms import OpenSIDConfigForm
from satudata.connectors.types.opensid.source import ConnectionSettings, open_read_only

from . import fixture_data
from .conftest import SERVER

DESA_1 = "51.05.01.2001"
JENIS_KELAMIN_DESA_1 = {"1": (7, 7, 0), "2": (5, 0, 5), "777": (1, 0, 0)}


def pull(databases, name, **settings):
    config = databases.config(name, **settings)
    return OpenSIDConnector().pull(config, databases.secrets, since=None)


def by_kode(table, desa=DESA_1) -> dict:
    return {
        row["kategori_kode"]: (row["jumlah"], row["laki_laki"], row["perempuan"])
        for row in table.to_pylist()
        if row["kode_desa"] == desa
    }


def test_kode_desa_gets_its_dots():
    assert kode_desa_bertitik("5105012001") == "51.05.01.2001"
    assert kode_desa_bertitik("51.05.01.2001") == "51.05.01.2001"
    assert kode_desa_bertitik(5105012001) == "51.05.01.2001"
    assert kode_desa_bertitik("") is None
    assert kode_desa_bertitik("510501") is None
    assert kode_desa_bertitik(None) is None


def test_newer_schema_extra_columns_are_ignored_and_history_rows_not_counted(
    opensid_databases,
):
    name = opensid_databases.create(
        extra_columns={
            "tweb_penduduk": [
                "marga VARCHAR(100) NULL",
                "adat VARCHAR(100) NULL",
                "status_asuransi TINYINT NULL",
                "is_historical TINYINT(1) NOT NULL DEFAULT 0",
            ],
            "program": ["publikasi TINYINT(1) NULL"],
        }
    )
    # A history copy of resident A (2026 OpenSID keeps such rows): not a second resident.
    opensid_databases.execute(
        name,
        "INSERT INTO tweb_penduduk (config_id, nama, nik, sex, tanggallahir, id_cluster, "
        "status_dasar, is_historical) VALUES (1, 'SINTETIS 01', NULL, 1, '1980-03-15', 6, 1, 1)",
    )
    assert by_kode(pull(opensid_databases, name, statistik="jenis-kelamin").table) == (
        JENIS_KELAMIN_DESA_1
    )


def test_older_schema_missing_column_names_it_and_other_statistics_still_work(
    opensid_databases,
):
    name = opensid_databases.create(drop_columns={"tweb_penduduk": {"agama_id"}})
    with pytest.raises(SourceError) as failure:
        pull(opensid_databases, name, statistik="agama")
    assert not isinstance(failure.value, TransientSourceError)
    assert "tweb_penduduk.agama_id" in failure.value.message
    assert failure.value.details["columns"] == ["agama_id"]
    assert by_kode(pull(opensid_databases, name, statistik="jenis-kelamin").table) == (
        JENIS_KELAMIN_DESA_1
    )


def test_missing_wilayah_table_fails_below_desa_level_only(opensid_databases):
    name = opensid_databases.create(without_tables={"tweb_wil_clusterdesa"})
    with pytest.raises(SourceError, match="tweb_wil_clusterdesa"):
        pull(opensid_databases, name, statistik="jenis-kelamin", tingkat="dusun")
    assert by_kode(pull(opensid_databases, name, statistik="jenis-kelamin").table) == (
        JENIS_KELAMIN_DESA_1
    )


def test_missing_rtm_table_fails_a_statistic_that_needs_it(opensid_databases):
    name = opensid_databases.create(without_tables={"tweb_rtm"})
    with pytest.raises(SourceError, match="tweb_rtm"):
        pull(opensid_databases, name, statistik="keluarga-rumah-tangga")
    # A household program cannot be counted without tweb_rtm: an error, not a silent zero.
    with pytest.raises(SourceError, match="tweb_rtm"):
        pull(opensid_databases, name, statistik="penerima-bantuan")


def test_single_village_database_from_before_config_id(opensid_databases):
    name = opensid_databases.create(with_config_id=False, data=False)
    village_1 = {
        table: [row for row in rows if row.get("config_id", 1) == 1 or table == "program"]
        for table, rows in fixture_data.ROWS.items()
    }
    village_1["config"] = [fixture_data.CONFIG[0]]
    village_1["program"] = [p for p in fixture_data.PROGRAM if p["config_id"] in (1, None)]
    with (
        pymysql.connect(**SERVER, database=name, autocommit=True) as connection,
        connection.cursor() as cursor,
    ):
        fixture_data.insert_rows(cursor, village_1)
    pulled = pull(opensid_databases, name, statistik="jenis-kelamin")
    assert by_kode(pulled.table) == JENIS_KELAMIN_DESA_1
    pulled = pull(opensid_databases, name, statistik="penerima-bantuan")
    # BLT A B, PKH A H, BPNT A, regency-wide E (its V2 rows are not in this database)
    assert by_kode(pulled.table) == {
        "1": (2, 1, 1),
        "2": (2, 1, 1),
        "3": (1, 1, 0),
        "4": (1, 1, 0),
    }
    # Two villages without config_id cannot be told apart: refused with the cause.
    opensid_databases.execute(
        name,
        "INSERT INTO config (app_key, nama_desa, kode_desa) VALUES ('x', 'DUA', '5105012002')",
    )
    with pytest.raises(SourceError, match="config_id"):
        pull(opensid_databases, name, statistik="jenis-kelamin")


def test_village_without_a_desa_code(opensid_databases):
    name = opensid_databases.create()
    opensid_databases.execute(
        name,
        "INSERT INTO config (id, app_key, nama_desa, kode_desa) VALUES (3, 'k3', 'TIGA', NULL)",
    )
    with pytest.raises(SourceError, match=r"config\.id=3") as failure:
        pull(opensid_databases, name, statistik="jenis-kelamin")
    assert failure.value.code == "opensid-bad-kode-desa"
    # The other villages can still be read by naming them.
    pulled = pull(opensid_databases, name, statistik="jenis-kelamin", desa=DESA_1)
    assert by_kode(pulled.table) == JENIS_KELAMIN_DESA_1


def test_unknown_desa_code_is_named(opensid_databases, gabungan):
    with pytest.raises(SourceError, match=r"51\.05\.01\.2999") as failure:
        pull(opensid_databases, gabungan, statistik="agama", desa="5105012001\n5105012999")
    assert failure.value.code == "opensid-unknown-desa"


def test_session_is_read_only(opensid_databases, gabungan):
    settings = ConnectionSettings(
        host=SERVER["host"],
        port=SERVER["port"],
        database=gabungan,
        user=SERVER["user"],
        password=SERVER["password"],
    )
    with pytest.raises(SourceError, match="READ ONLY"), open_read_only(settings) as cursor:
        cursor.execute("DELETE FROM tweb_penduduk")
    # Nothing changed.
    pulled = pull(opensid_databases, gabungan, statistik="jenis-kelamin")
    assert by_kode(pulled.table) == JENIS_KELAMIN_DESA_1


def test_wrong_credentials_are_permanent(opensid_databases, gabungan):
    config = opensid_databases.config(gabungan, statistik="agama", user="satudata_no_such_user")
    with pytest.raises(SourceError) as failure:
        OpenSIDConnector().pull(config, {"password": "wrong"}, since=None)
    assert not isinstance(failure.value, TransientSourceError)
    assert failure.value.details["errno"] == 1045
    assert "wrong" not in failure.value.message


def test_unknown_database_is_permanent(opensid_databases):
    config = opensid_databases.config("satudata_no_such_database", statistik="agama")
    with pytest.raises(SourceError) as failure:
        OpenSIDConnector().pull(config, opensid_databases.secrets, since=None)
    assert not isinstance(failure.value, TransientSourceError)


def test_refused_connection_is_transient(opensid_databases):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    config = opensid_databases.config("x", statistik="agama", port=free_port)
    with pytest.raises(TransientSourceError):
        OpenSIDConnector().pull(config, opensid_databases.secrets, since=None)


def test_settings_form():
    form = OpenSIDConfigForm(
        data={
            "host": "127.0.0.1",
            "port": 3306,
            "database": "opensid",
            "user": "pembaca",
            "statistik": "kelompok-umur",
            "tingkat": "rw",
            "desa": "5105012001, 51.05.01.2002",
            "tanggal_acuan": "2026-07-01",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["desa"] == "51.05.01.2001\n51.05.01.2002"
    request = request_from_config(form.cleaned_data)
    assert request.villages == ("51.05.01.2001", "51.05.01.2002")
    assert request.level == "rw"
    assert "password" not in form.fields

    bad = OpenSIDConfigForm(
        data={**form.data, "desa": "51.05.01", "tanggal_acuan": "1 Juli", "statistik": "x"}
    )
    assert not bad.is_valid()
    assert set(bad.errors) == {"desa", "tanggal_acuan", "statistik"}


def test_a_stored_setting_that_became_invalid_is_a_source_error():
    with pytest.raises(SourceError) as failure:
        request_from_config({"database": "d", "user": "u", "statistik": "no-such-statistic"})
    assert failure.value.code == "opensid-bad-setting"
    assert "statistik" in failure.value.details


def test_age_limits_as_birth_dates_agree_with_full_years():
    import datetime

    from satudata.connectors.types.opensid.statistics import born_on_or_before

    def full_years(born, on):
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    references = [
        datetime.date(2026, 7, 1),
        datetime.date(2028, 2, 29),
        datetime.date(2027, 2, 28),
        datetime.date(2026, 12, 31),
    ]
    start = datetime.date(1995, 1, 1)
    births = [start + datetime.timedelta(days=n) for n in range(0, 12_000, 7)]
    births += [datetime.date(2000, 2, 29), datetime.date(2024, 2, 29), datetime.date(2023, 3, 1)]
    for reference in references:
        for years in (1, 4, 5, 15, 17, 25, 30):
            limit = born_on_or_before(reference, years)
            for born in births:
                assert (born <= limit) == (full_years(born, reference) >= years), (
                    reference,
                    years,
                    born,
                )


def test_too_many_rows_is_refused_before_reading_residents(opensid_databases, gabungan, settings):
    settings.SATUDATA_CONNECTOR_MAX_ROWS = 100
    # pekerjaan per RT: village 1 has 4 real RTs (one empty) + the row set without wilayah,
    # village 2 has 1 + 1; 89 categories + BELUM MENGISI each
    with pytest.raises(SourceError) as failure:
        pull(opensid_databases, gabungan, statistik="pekerjaan", tingkat="rt")
    assert failure.value.code == "too-many-rows"
    assert failure.value.details["rows"] == (5 + 2) * 90
    assert pull(opensid_databases, gabungan, statistik="jenis-kelamin").table.num_rows == 6


def test_rows_of_no_village_are_not_counted(opensid_databases):
    name = opensid_databases.create()
    opensid_databases.execute(
        name,
        "INSERT INTO tweb_penduduk (config_id, nama, sex, status_dasar) VALUES "
        "(NULL, 'SINTETIS YATIM', 1, 1), (77, 'SINTETIS DESA HILANG', 2, 1)",
    )
    pulled = pull(opensid_databases, name, statistik="jenis-kelamin")
    assert by_kode(pulled.table) == JENIS_KELAMIN_DESA_1
    assert by_kode(pulled.table, "51.05.01.2002") == {
        "1": (2, 2, 0),
        "2": (2, 0, 2),
        "777": (0, 0, 0),
    }


def test_an_account_without_select_on_a_table_gets_the_table_named(opensid_databases, gabungan):
    user = f"sd_opensid_{gabungan[-12:]}"[:32]
    try:
        opensid_databases.execute(gabungan, f"CREATE USER '{user}'@'%' IDENTIFIED BY 'sintetis'")
        for table in ("config", "tweb_penduduk", "tweb_penduduk_agama", "tweb_penduduk_sex"):
            opensid_databases.execute(
                gabungan, f"GRANT SELECT ON `{gabungan}`.{table} TO '{user}'@'%'"
            )
        config = opensid_databases.config(gabungan, statistik="agama", user=user)
        pulled = OpenSIDConnector().pull(config, {"password": "sintetis"}, since=None)
        assert by_kode(pulled.table)["4"] == (8, 5, 2)  # enough grants for desa level
        config["tingkat"] = "dusun"
        with pytest.raises(SourceError, match="tweb_wil_clusterdesa") as failure:
            OpenSIDConnector().pull(config, {"password": "sintetis"}, since=None)
        assert not isinstance(failure.value, TransientSourceError)
    finally:
        opensid_databases.execute(gabungan, f"DROP USER IF EXISTS '{user}'@'%'")
