"""Villages (`config`) and their dusun / RW / RT (`tweb_wil_clusterdesa`) as report units.

OpenSID encodes the hierarchy by values in one table: a dusun row is `(D,'0','0')`, an RW row
`(D,R,'0')`, an RT row `(D,R,T)`; creating a dusun also inserts the placeholders `(D,'-','0')`
and `(D,'-','-')`, creating an RW inserts `(D,R,'0')` and `(D,R,'-')`. A resident may point at a
placeholder: `(D,'-','-')` means "in dusun D, no RW/RT". So a unit keeps the real parts and
leaves the placeholder parts empty (None): that resident counts in dusun D at dusun level, and
in the row "dusun D, no RW" at RW level — never in an RW called '-' or '0', and never lost, so
the units of a level always add up to the village.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from satudata.connectors.types.base import SourceError
from satudata.connectors.types.opensid.codes import is_placeholder, kode_desa_bertitik
from satudata.connectors.types.opensid.schema import SourceSchema

LEVELS = ("desa", "dusun", "rw", "rt")


@dataclass(frozen=True)
class Village:
    config_id: int
    kode_desa: str  # Kemendagri code with dots
    nama_desa: str


@dataclass(frozen=True, order=True)
class Unit:
    """One report row's place: a village, optionally a dusun / RW / RT (None = none)."""

    config_id: int
    dusun: str | None = None
    rw: str | None = None
    rt: str | None = None


def read_villages(cursor, schema: SourceSchema, wanted: Iterable[str]) -> dict[int, Village]:
    """The villages to report, by config id. `wanted`: desa codes (dotted); empty = all."""
    schema.require("config", ("id", "kode_desa", "nama_desa"), "the village list")
    cursor.execute("SELECT id, kode_desa, nama_desa FROM config ORDER BY id")
    rows = cursor.fetchall()
    if not rows:
        raise SourceError(
            _("OpenSID table config has no village row."), code="opensid-no-village", details={}
        )
    if not schema.multi_village and len(rows) > 1:
        # Without config_id nothing tells the villages' residents apart.
        raise SourceError(
            _(
                "OpenSID column tweb_penduduk.config_id is missing but table config has "
                "%(n)d villages: their residents cannot be told apart."
            )
            % {"n": len(rows)},
            code="opensid-missing-column",
            details={"table": "tweb_penduduk", "columns": ["config_id"]},
        )
    wanted_codes = {code for code in (kode_desa_bertitik(w) for w in wanted) if code}
    villages: dict[int, Village] = {}
    bad: list[str] = []
    for config_id, raw_code, nama in rows:
        kode = kode_desa_bertitik(raw_code)
        if wanted_codes and kode not in wanted_codes:
            continue
        if kode is None:
            bad.append(f"config.id={config_id} ({nama or '?'}): kode_desa {raw_code!r}")
            continue
        villages[int(config_id)] = Village(int(config_id), kode, str(nama or "").strip())
    if bad:
        raise SourceError(
            _("OpenSID villages without a 10-digit desa code in config.kode_desa: %(list)s")
            % {"list": "; ".join(bad)},
            code="opensid-bad-kode-desa",
            details={"villages": bad},
        )
    missing = sorted(wanted_codes - {v.kode_desa for v in villages.values()})
    if missing:
        raise SourceError(
            _("These desa codes are not in the OpenSID database (config.kode_desa): %(list)s")
            % {"list": ", ".join(missing)},
            code="opensid-unknown-desa",
            details={"kode_desa": missing},
        )
    return villages


def _clean(value: object) -> str | None:
    return None if is_placeholder(value) else str(value).strip()


class Wilayah:
    """Cluster id → unit at each level, and the real units of each level for zero rows."""

    def __init__(self, clusters: dict[int, tuple[int, str | None, str | None, str | None]]):
        # cluster id → (config_id, dusun, rw, rt) with placeholders already None.
        self._clusters = clusters

    @classmethod
    def read(cls, cursor, schema: SourceSchema, villages: dict[int, Village]) -> Wilayah:
        schema.require("tweb_wil_clusterdesa", ("id", "dusun", "rw", "rt"), "dusun/RW/RT levels")
        village = schema.village_column("tweb_wil_clusterdesa", "c")
        ids = sorted(villages)
        cursor.execute(
            f"SELECT c.id, {village}, c.dusun, c.rw, c.rt FROM tweb_wil_clusterdesa c "  # noqa: S608
            f"WHERE {village} IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        clusters = {}
        for cluster_id, config_id, dusun, rw, rt in cursor.fetchall():
            dusun_name = _clean(dusun)
            rw_name = _clean(rw) if dusun_name else None
            rt_name = _clean(rt) if rw_name else None
            clusters[int(cluster_id)] = (int(config_id), dusun_name, rw_name, rt_name)
        return cls(clusters)

    def unit_of(self, config_id: int, cluster_id: int | None, level: str) -> Unit:
        """The unit of a resident of village `config_id` at cluster `cluster_id`.

        A cluster of another village (a broken reference) is treated as no cluster: the row
        stays in its own village and never shows up in the other one.
        """
        if level == "desa":
            return Unit(config_id)
        found = self._clusters.get(cluster_id) if cluster_id is not None else None
        if found is None or found[0] != config_id:
            return Unit(config_id)
        _, dusun, rw, rt = found
        if level == "dusun":
            return Unit(config_id, dusun)
        if level == "rw":
            return Unit(config_id, dusun, rw)
        return Unit(config_id, dusun, rw, rt)

    def real_units(self, level: str) -> set[Unit]:
        """Units that exist as real wilayah rows (they get a row even when nobody lives there)."""
        units = set()
        for config_id, dusun, rw, rt in self._clusters.values():
            if dusun is None:
                continue
            if level == "dusun":
                units.add(Unit(config_id, dusun))
            elif level == "rw" and rw is not None:
                units.add(Unit(config_id, dusun, rw))
            elif level == "rt" and rw is not None and rt is not None:
                units.add(Unit(config_id, dusun, rw, rt))
        return units


def _natural(value: str | None) -> tuple:
    if value is None:
        return (1, 0, "")
    stripped = value.strip()
    if stripped.isdigit():
        return (0, int(stripped), stripped)
    return (0, 1 << 62, stripped.casefold())


def unit_sort_key(unit: Unit, villages: dict[int, Village]) -> tuple:
    return (
        villages[unit.config_id].kode_desa,
        _natural(unit.dusun),
        _natural(unit.rw),
        _natural(unit.rt),
    )
