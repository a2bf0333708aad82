"""The OpenSID connector through the connectors app: a run makes a dataset version of the
statistics; an unchanged source makes none; a source of an unsupported OpenSID version fails
the run with the table.column named and leaves the last good version as it was."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from satudata.connectors import services, sync
from satudata.connectors.models import RunStatus
from satudata.core import blobs
from satudata.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db


def rows_of(version) -> list[dict]:
    return pq.read_table(blobs.blob_path(version.parquet_sha256)).to_pylist()


def test_sync_run_makes_a_version_of_the_statistics(opensid_databases, dataset):
    name = opensid_databases.create()
    connector = services.create_connector(
        SYSTEM,
        name="opensid-agama",
        type_key="opensid",
        dataset=dataset,
        config=opensid_databases.config(name, statistik="agama", desa="51.05.01.2001"),
        secrets=opensid_databases.secrets or None,
    )
    first = sync.run_now(connector)
    assert first.status == RunStatus.SUCCEEDED, first.error
    rows = rows_of(first.version)
    hindu = next(row for row in rows if str(row["kategori_kode"]) == "4")
    assert (str(hindu["kode_desa"]), int(hindu["jumlah"])) == ("51.05.01.2001", 8)
    assert {str(row["kode_desa"]) for row in rows} == {"51.05.01.2001"}  # never village 2
    assert "Agama" in first.log  # the connector's own log line (statistic name) reaches the run

    second = sync.run_now(connector)
    assert second.status == RunStatus.UNCHANGED, second.error

    # The village database is "upgraded" to a version without agama_id: the run fails with
    # the cause, the version of the first run stays the dataset's latest.
    opensid_databases.execute(name, "ALTER TABLE tweb_penduduk DROP COLUMN agama_id")
    third = sync.run_now(connector)
    assert third.status == RunStatus.FAILED
    assert "tweb_penduduk.agama_id" in third.error
    assert dataset.versions.order_by("-number").first().pk == first.version.pk


def test_rt_level_version_keeps_the_wilayah_names(opensid_databases, dataset):
    name = opensid_databases.create()
    connector = services.create_connector(
        SYSTEM,
        name="opensid-rt",
        type_key="opensid",
        dataset=dataset,
        config=opensid_databases.config(name, statistik="jenis-kelamin", tingkat="rt"),
        secrets=opensid_databases.secrets or None,
    )
    run = sync.run_now(connector)
    assert run.status == RunStatus.SUCCEEDED, run.error
    rows = rows_of(run.version)
    places = {(row["kode_desa"], row["dusun"], row["rw"], row["rt"]) for row in rows}
    assert ("51.05.01.2001", "KAJA", "001", "001") in places  # "001" stays "001"
    assert ("51.05.01.2001", "KAJA", None, None) in places  # residents of (KAJA,-,-)
    assert not {place[3] for place in places} & {"0", "-"}
    assert sum(row["jumlah"] for row in rows) == 13 + 4  # every living resident, once
