"""File-drop connectors: files named by a pattern in the watched folder, or POSTed by another
system to the connector's upload address with an API key."""

from __future__ import annotations

import pytest

from satudata.connectors import services, sync
from satudata.connectors.models import RunStatus
from satudata.core.errors import ValidationFailed
from satudata.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db

CSV = "kode,JK,jumlah\n5105012001,L,10\n5105012002,P,20\n"


@pytest.fixture
def drop_root(settings, tmp_path):
    settings.SATUDATA_CONNECTOR_DROP_DIR = str(tmp_path / "dropbox")
    return tmp_path / "dropbox"


@pytest.fixture
def filedrop(dataset, drop_root):
    return services.create_connector(
        SYSTEM,
        name="kiriman-dinkes",
        type_key="filedrop",
        dataset=dataset,
        config={"folder": "dinkes", "pattern": "kunjungan_*.csv"},
        mapping={
            "fields": [
                {"target": "kode_desa", "source": "kode", "transform": "kode_wilayah"},
                {
                    "target": "jenis_kelamin",
                    "source": "JK",
                    "values": {"L": "Laki-laki", "P": "Perempuan"},
                },
                {"target": "jumlah", "source": "jumlah"},
            ]
        },
    )


def test_newest_matching_file_in_the_folder_is_imported(filedrop, drop_root):
    folder = drop_root / "dinkes"
    folder.mkdir(parents=True)
    (folder / "lain.csv").write_text("x\n1\n")  # not matching the pattern: ignored
    (folder / "kunjungan_2024.csv").write_text(CSV)
    run = sync.run_now(filedrop)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.rows_imported == 2
    assert sync.run_now(filedrop).status == RunStatus.UNCHANGED


def test_no_file_yet_is_a_clear_failure(filedrop):
    run = sync.run_now(filedrop)
    assert run.status == RunStatus.FAILED
    assert run.error_code == "no-file" and "kunjungan_*.csv" in run.error


def test_folder_outside_the_drop_root_is_refused(dataset, drop_root):
    for folder in ("../etc", "/etc", "a/b"):
        with pytest.raises(ValidationFailed):
            services.create_connector(
                SYSTEM,
                name="jahat",
                type_key="filedrop",
                dataset=dataset,
                config={"folder": folder, "pattern": "*.csv"},
            )


def test_upload_address_with_an_api_key(client, world, filedrop, drop_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from satudata.accounts.services import create_api_token

    produsen = world.users["produsen_own"]
    _token, key = create_api_token(produsen, name="sistem-dinkes", scope="write")
    url = f"/konektor/{filedrop.name}/unggah/"
    upload = SimpleUploadedFile("kunjungan_jan.csv", CSV.encode(), content_type="text/csv")
    response = client.post(url, {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "succeeded" and body["version"] == 1
    assert (drop_root / "dinkes" / "kunjungan_jan.csv").exists()

    wrong_name = SimpleUploadedFile("data.csv", CSV.encode())
    response = client.post(url, {"file": wrong_name}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 400 and "kunjungan_*.csv" in response.json()["message"]

    anonymous = client.post(url, {"file": SimpleUploadedFile("kunjungan_x.csv", b"a\n1\n")})
    assert anonymous.status_code in (401, 403, 404)
    assert not (drop_root / "dinkes" / "kunjungan_x.csv").exists()
