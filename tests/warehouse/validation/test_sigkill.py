"""An import killed with SIGKILL while it writes the new version's Parquet leaves nothing behind:
the dataset still serves its previous version, no half-written version is visible in the
database or the blob store, and running the import again succeeds.

Everything runs in child processes on a home folder of its own (SQLite, even when the suite runs
on PostgreSQL: the killed process must not share the test database), as `satudata` would.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

ROWS = 300_000
KILL_WAIT_S = 120
CHILD = r"""
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
import django
django.setup()
from satudata.catalog.models import Dataset
from satudata.core.permissions import SYSTEM
step = sys.argv[1]
if step == "setup":
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from satudata.accounts.services import ensure_organisation
    from satudata.catalog.services import create_dataset
    org = ensure_organisation(SYSTEM, slug="dinas-uji", name="Dinas Uji", kind="dinas")
    create_dataset(SYSTEM, organisation=org, title="Data besar", slug="data-besar")
    print("READY", flush=True)
elif step == "import":
    from pathlib import Path
    from satudata.warehouse.services import ingest_upload, publish_version
    path = Path(sys.argv[2])
    dataset = Dataset.objects.get(slug="data-besar")
    def on_stage(name):
        print("STAGE", name, flush=True)
    result = ingest_upload(SYSTEM, dataset, filename=path.name, data=path, on_stage=on_stage)
    if len(sys.argv) > 3:
        publish_version(SYSTEM, result.version, acknowledge_warnings=True)
    print("DONE", result.version.number, result.version.row_count, flush=True)
elif step == "state":
    import duckdb
    from satudata.core import blobs
    from satudata.warehouse.models import Version
    dataset = Dataset.objects.get(slug="data-besar")
    versions = list(Version.objects.filter(dataset=dataset).order_by("number").values(
        "number", "row_count", "raw_sha256", "parquet_sha256", "issues_sha256", "status"))
    public = Version.objects.get(pk=dataset.published_version_id)
    rows = duckdb.connect().execute(
        "SELECT count(*) FROM read_parquet(?)", [str(blobs.blob_path(public.parquet_sha256))]
    ).fetchall()[0][0]
    print("STATE " + json.dumps({"versions": versions, "public": public.number,
                                 "public_rows": rows}), flush=True)
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SATUDATA_HOME"] = str(home)
    env.pop("DATABASE_URL", None)  # SQLite in the home folder: never the suite's database
    return env


def _run(home: Path, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *arguments],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _state(home: Path) -> dict:
    line = next(x for x in _run(home, "state").splitlines() if x.startswith("STATE "))
    return json.loads(line[len("STATE ") :])


def _blob_files(home: Path) -> dict[str, str]:
    """Every file in the content-addressed store, with the hash of its bytes."""
    root = home / "blobs" / "sha256"
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[path.name] = digest
    return found


def _big_csv(path: Path, rows: int) -> None:
    duckdb.connect().execute(
        f"COPY (SELECT printf('51.05.01.%04d', 2001 + r % 15) AS kode_desa, r AS nomor, "
        f"r % 1000 AS jumlah, 'catatan ' || (r % 97) AS catatan FROM range({rows}) t(r)) "
        f"TO '{path}' (HEADER)"
    )


def _parquet_being_written(home: Path) -> bool:
    tmp = home / "blobs" / "tmp"
    return any(p.stat().st_size > 0 for p in tmp.glob("work-*/version.parquet"))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_a_killed_import_leaves_the_previous_version_serving(tmp_path):
    home = tmp_path / "home"
    assert "READY" in _run(home, "setup")
    small = tmp_path / "kecil.csv"
    small.write_text("kode_desa,nomor,jumlah,catatan\n51.05.01.2001,1,10,awal\n")
    assert "DONE 1 1" in _run(home, "import", str(small), "publish")
    before = _blob_files(home)

    big = tmp_path / "besar.csv"
    _big_csv(big, ROWS)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "import", str(big)],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + KILL_WAIT_S
    while not _parquet_being_written(home):
        assert child.poll() is None, "the import ended before it was killed: " + str(
            child.communicate()[1][-2000:]
        )
        assert time.monotonic() < deadline, "the Parquet write never started"
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    state = _state(home)
    assert [v["number"] for v in state["versions"]] == [1], "no half-written version row"
    assert state["public"] == 1 and state["public_rows"] == 1
    after = _blob_files(home)
    assert after == before, "the blob store holds only the blobs it held before"
    assert all(name == digest for name, digest in after.items()), "every blob is whole"

    output = _run(home, "import", str(big))
    assert f"DONE 2 {ROWS}" in output
    state = _state(home)
    assert [v["number"] for v in state["versions"]] == [1, 2]
    assert state["public"] == 1  # the new version is a draft until someone publishes it
    assert len(_blob_files(home)) == len(before) + 2  # its raw file and its Parquet
