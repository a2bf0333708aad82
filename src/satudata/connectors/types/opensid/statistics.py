"""OpenSID population statistics for many villages at once: one GROUP BY per statistic.

OpenKab and OpenSID compute a statistic village by village (and often category by category).
Here each statistic is ONE set-based query over the whole combined database, grouped by
(village, wilayah cluster, category) with the sexes summed by the server; the groups are then
rolled up in Python to the level asked for (desa / dusun / RW / RT), and missing combinations
become zero rows.

Privacy: the statements select only ids, codes, dates turned into ages, and counts. No NIK, no
name, no KK number ever leaves the database server (KK/RTM numbers appear only inside a join
condition of the social-assistance statistic). Only aggregates leave this module.

Statements: identifiers come only from this module's constants (tables, columns, aliases) and
the introspected schema; every value is a bound parameter (hence the `noqa: S608` marks).

The base population is the living residents (`status_dasar = 1`), as in OpenSID's
`penduduk_hidup` view; the monthly events count every resident in `log_penduduk`.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pyarrow as pa
from django.utils.translation import gettext as _

from satudata.connectors.types.base import SourceError
from satudata.connectors.types.opensid import codes
from satudata.connectors.types.opensid.schema import SourceSchema, read_schema
from satudata.connectors.types.opensid.wilayah import (
    LEVELS,
    Unit,
    Village,
    Wilayah,
    read_villages,
    unit_sort_key,
)

Category = tuple[str, str]  # (kategori_kode, kategori)
# One aggregated group read from the source:
# (config_id, id_cluster or None, extra (month) or None, kategori_kode or None,
#  jumlah, laki_laki, perempuan)
Group = tuple[int, int | None, str | None, str | None, int, int, int]
# Counted by the server in one group: everyone, then sex 1 (laki-laki) and 2 (perempuan).
_COUNTS_BY_SEX = "COUNT(*), COALESCE(SUM(p.sex = 1), 0), COALESCE(SUM(p.sex = 2), 0)"


@dataclass(frozen=True)
class Request:
    """What to compute; built from the connector's settings."""

    statistic: str
    level: str = "desa"
    reference_date: date = field(default_factory=date.today)
    villages: tuple[str, ...] = ()  # desa codes; empty = every village in the database
    months: int = 12  # monthly events: this many months up to the reference month
    event_date_column: str = "tgl_lapor"  # or tgl_peristiwa
    include_totals: bool = False  # add OpenSID's JUMLAH and TOTAL rows (population statistics)
    max_rows: int | None = None  # refuse (before reading residents) to build more rows than this
    min_cell: int = 0  # counts from 1 to min_cell - 1 are left empty (small-cell suppression)


@dataclass
class Source:
    """What one run reads once: the schema, the villages to report and the run log."""

    cursor: object
    schema: SourceSchema
    villages: dict[int, Village]
    every_village: bool  # no selection: no village filter in the statements (a plain scan)
    log: list[str] = field(default_factory=list)


@dataclass
class Context:
    cursor: object
    schema: SourceSchema
    request: Request
    villages: dict[int, Village]
    every_village: bool
    by_cluster: bool
    log: list[str]
    state: dict = field(default_factory=dict)  # what one statistic passes between its steps

    def village_filter(self, table: str, alias: str) -> tuple[str, list]:
        """`AND <village> IN (...)` for the selected villages (bound values)."""
        column = self.schema.village_column(table, alias)
        if column == "1":
            return "", []
        if self.every_village:
            # Rows without a village (config_id NULL) belong to nobody: never counted.
            return f" AND {column} IS NOT NULL", []
        ids = sorted(self.villages)
        return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids

    def same_village(self, left: tuple[str, str], right: tuple[str, str]) -> str:
        """`AND a.config_id = b.config_id` when both tables carry it: a row of one village
        never joins a row of another, even through a broken id."""
        a = self.schema.village_column(*left)
        b = self.schema.village_column(*right)
        return "" if "1" in (a, b) else f" AND {a} = {b}"

    def living_filter(self, alias: str) -> str:
        sql = f"{alias}.status_dasar = {codes.STATUS_DASAR_HIDUP}"
        if self.schema.has("tweb_penduduk", "is_historical"):
            # Newer OpenSID (2026): rows kept as history of a resident are not residents.
            sql += f" AND COALESCE({alias}.is_historical, 0) = 0"
        return sql


@dataclass(frozen=True)
class Statistic:
    slug: str
    label: str  # Indonesian name of the statistic (data, not UI text)
    kind: str  # penduduk | keluarga | bantuan | peristiwa
    fetch: Callable[[Context], Iterable[Group]]
    categories: Callable[[Context], dict[int, list[Category]]]
    extra_column: str | None = None  # "bulan" for monthly events
    extras: Callable[[Context], list[str]] | None = None
    belum_mengisi: bool = True  # groups outside the categories go to BELUM MENGISI


# ---------------------------------------------------------------- residents by a coded column


def _lookup_labels(ctx: Context, table: str | None, builtin: tuple) -> list[Category]:
    """The source's own reference table when it has one (a newer OpenSID may add codes), else
    the code list of v2410."""
    if table and ctx.schema.has(table, "id") and ctx.schema.has(table, "nama"):
        ctx.cursor.execute(f"SELECT id, nama FROM {table} ORDER BY id")  # noqa: S608 (fixed identifiers; values bound)
        rows = [(str(code), str(name or "").strip()) for code, name in ctx.cursor.fetchall()]
        if rows:
            return rows
    return [(str(code), name) for code, name in builtin]


def _resident_groups(
    ctx: Context, value_sql: str, value_params: list, purpose: str, needs: tuple[str, ...]
) -> Iterable[Group]:
    """Living residents grouped by (village, cluster, value), counted in total and by sex.
    Sex is summed by the server, not grouped: a third of the rows to send and parse."""
    ctx.schema.require("tweb_penduduk", ("id", "sex", "status_dasar", *needs), purpose)
    village = ctx.schema.village_column("tweb_penduduk", "p")
    cluster = "p.id_cluster" if ctx.by_cluster else "NULL"
    if ctx.by_cluster:
        ctx.schema.require("tweb_penduduk", ("id_cluster",), "dusun/RW/RT levels")
    where, params = ctx.village_filter("tweb_penduduk", "p")
    ctx.cursor.execute(
        f"SELECT {village}, {cluster}, {value_sql}, {_COUNTS_BY_SEX} "  # noqa: S608
        f"FROM tweb_penduduk p WHERE {ctx.living_filter('p')}{where} GROUP BY 1, 2, 3",
        [*value_params, *params],
    )
    for config_id, cluster_id, value, total, laki, perempuan in ctx.cursor.fetchall():
        yield int(config_id), cluster_id, None, value, int(total), int(laki), int(perempuan)


def coded_statistic(slug: str, label: str, column: str, lookup: str | None, builtin: tuple):
    def fetch(ctx: Context) -> Iterable[Group]:
        for cfg, cluster, extra, value, *counts in _resident_groups(
            ctx, f"p.{column}", [], f"statistic {slug}", (column,)
        ):
            yield cfg, cluster, extra, None if value is None else str(value), *counts

    def categories(ctx: Context) -> dict[int, list[Category]]:
        labels = _lookup_labels(ctx, lookup, builtin)
        return {config_id: labels for config_id in ctx.villages}

    return Statistic(slug, label, "penduduk", fetch, categories)


# ---------------------------------------------------------------- residents by age


def born_on_or_before(reference: date, years: int) -> date:
    """The latest birth date of someone who is at least `years` full years old on `reference`
    (a birthday on 29 February counts from 28 February in other years, like the month-day
    comparison of full years)."""
    year = reference.year - years
    day = min(reference.day, calendar.monthrange(year, reference.month)[1])
    return date(year, reference.month, day)


def _as_number(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day  # what `DATE + 0` gives in MariaDB


def age_statistic(slug: str, label: str, bands: tuple[codes.AgeBand, ...]):
    """Residents by age band. Instead of computing each age (TIMESTAMPDIFF per row and per
    band), the birth date is compared with the band limits turned into birth dates:
    INTERVAL(birth, limits…) counts the limits at or below the birth date, a binary search per
    row. Bands must be contiguous from 0 (ours are)."""

    def fetch(ctx: Context) -> Iterable[Group]:
        ref = ctx.request.reference_date
        # Age >= k  <=>  birth <= born_on_or_before(ref, k)  <=>  birth < that day + 1.
        limits = [
            born_on_or_before(ref, band.dari) + timedelta(days=1)
            for band in sorted(bands[1:], key=lambda band: band.dari, reverse=True)
        ]
        too_old = born_on_or_before(ref, codes.MAX_PLAUSIBLE_AGE_YEARS + 1) + timedelta(days=1)
        value_sql = (
            "CASE WHEN p.tanggallahir IS NULL OR p.tanggallahir > %s OR p.tanggallahir < %s "
            f"THEN NULL ELSE INTERVAL(p.tanggallahir + 0, {', '.join(['%s'] * len(limits))}) END"
        )
        params = [ref.isoformat(), too_old.isoformat(), *(_as_number(d) for d in limits)]
        last = len(bands) - 1
        for cfg, cluster, extra, younger_than, *counts in _resident_groups(
            ctx, value_sql, params, f"statistic {slug}", ("tanggallahir",)
        ):
            # younger_than = how many band limits the resident has not reached yet.
            kode = None if younger_than is None else bands[last - int(younger_than)].kode
            yield cfg, cluster, extra, kode, *counts

    def categories(ctx: Context) -> dict[int, list[Category]]:
        labels = [(band.kode, band.label) for band in bands]
        return {config_id: labels for config_id in ctx.villages}

    return Statistic(slug, label, "penduduk", fetch, categories)


# ---------------------------------------------------------------- families and households


def _head_groups(ctx: Context, table: str, alias: str, kode: str) -> Iterable[Group]:
    """Families (tweb_keluarga) or households (tweb_rtm) whose head is a living resident of the
    same village, placed where the head lives, split by the head's sex (OpenSID's
    `keluarga_aktif`)."""
    purpose = "statistic keluarga-rumah-tangga"
    ctx.schema.require(table, ("id", "nik_kepala"), purpose)
    ctx.schema.require("tweb_penduduk", ("id", "sex", "status_dasar"), purpose)
    if ctx.by_cluster:
        ctx.schema.require("tweb_penduduk", ("id_cluster",), "dusun/RW/RT levels")
    village = ctx.schema.village_column("tweb_penduduk", "p")
    cluster = "p.id_cluster" if ctx.by_cluster else "NULL"
    where, params = ctx.village_filter("tweb_penduduk", "p")
    # nik_kepala holds the head's tweb_penduduk.id despite its name (no NIK is read).
    ctx.cursor.execute(
        # One family row joins at most one head (p.id is the key): COUNT(*) counts families.
        f"SELECT {village}, {cluster}, {_COUNTS_BY_SEX} "  # noqa: S608
        f"FROM {table} {alias} JOIN tweb_penduduk p ON p.id = {alias}.nik_kepala"
        f"{ctx.same_village((table, alias), ('tweb_penduduk', 'p'))} "
        f"WHERE {ctx.living_filter('p')}{where} GROUP BY 1, 2",
        params,
    )
    for config_id, cluster_id, total, laki, perempuan in ctx.cursor.fetchall():
        yield int(config_id), cluster_id, None, kode, int(total), int(laki), int(perempuan)


def _families_fetch(ctx: Context) -> Iterable[Group]:
    yield from _head_groups(ctx, "tweb_keluarga", "k", "KK")
    yield from _head_groups(ctx, "tweb_rtm", "t", "RTM")


KELUARGA_RUMAH_TANGGA = Statistic(
    "keluarga-rumah-tangga",
    "Jumlah Keluarga (KK) dan Rumah Tangga (RTM)",
    "keluarga",
    _families_fetch,
    lambda ctx: {
        config_id: [("KK", "KELUARGA (KK)"), ("RTM", "RUMAH TANGGA (RTM)")]
        for config_id in ctx.villages
    },
    belum_mengisi=False,
)


# ---------------------------------------------------------------- social-assistance recipients


def _program_scope(ctx: Context) -> str:
    """The village a participant belongs to: the program's own village, or for a regency-wide
    program (config_id NULL) the village stored on the participant row."""
    program = ctx.schema.village_column("program", "g")
    peserta = ctx.schema.village_column("program_peserta", "pp")
    if program == "1":
        return "1"
    if peserta == "1":
        return program
    return f"COALESCE({program}, {peserta})"


# How a participant row finds the person counted: sasaran → (table, alias, key joined to
# `peserta`). Sasaran 1 uses the resident id (kartu_id_pend), never the NIK in `peserta`.
_SASARAN_TABLES = {2: ("tweb_keluarga", "k"), 3: ("tweb_rtm", "t")}


def _bantuan_join(ctx: Context, sasaran: int, scope: str) -> tuple[str, str]:
    """(what is counted, the JOIN from program_peserta `pp` to the counted resident `p`)."""
    if sasaran == 1:
        return "p.id", "JOIN tweb_penduduk p ON p.id = pp.kartu_id_pend"
    table, alias = _SASARAN_TABLES[sasaran]
    owner = ctx.schema.village_column(table, alias)
    in_scope = "" if "1" in (scope, owner) else f" AND {owner} = {scope}"
    # The KK / RTM number is only compared inside the join, never selected.
    return (
        f"{alias}.id",
        f"JOIN {table} {alias} ON {alias}.no_kk = pp.peserta{in_scope} "
        f"JOIN tweb_penduduk p ON p.id = {alias}.nik_kepala",
    )


def _bantuan_fetch(ctx: Context) -> Iterable[Group]:
    purpose = "statistic penerima-bantuan"
    ctx.schema.require("program_peserta", ("program_id", "peserta", "kartu_id_pend"), purpose)
    ctx.schema.require("tweb_penduduk", ("id", "sex", "status_dasar"), purpose)
    if ctx.by_cluster:
        ctx.schema.require("tweb_penduduk", ("id_cluster",), "dusun/RW/RT levels")
    scope = _program_scope(ctx)
    village = ctx.schema.village_column("tweb_penduduk", "p")
    cluster = "p.id_cluster" if ctx.by_cluster else "NULL"
    where, params = ctx.village_filter("tweb_penduduk", "p")
    in_scope = "" if scope == "1" or village == "1" else f" AND {village} = {scope}"
    for sasaran in sorted(ctx.state.get("sasaran", ())):
        counted, join = _bantuan_join(ctx, sasaran, scope)
        ctx.cursor.execute(
            f"SELECT {village}, {cluster}, g.id, COUNT(DISTINCT {counted}), "  # noqa: S608
            f"COUNT(DISTINCT CASE WHEN p.sex = 1 THEN {counted} END), "
            f"COUNT(DISTINCT CASE WHEN p.sex = 2 THEN {counted} END) "
            f"FROM program_peserta pp JOIN program g ON g.id = pp.program_id {join} "
            f"WHERE g.sasaran = %s AND {ctx.living_filter('p')}{in_scope}{where} "
            "GROUP BY 1, 2, 3",
            [sasaran, *params],
        )
        for config_id, cluster_id, program_id, *counts in ctx.cursor.fetchall():
            total, laki, perempuan = (int(count) for count in counts)
            yield int(config_id), cluster_id, None, str(program_id), total, laki, perempuan


def _bantuan_categories(ctx: Context) -> dict[int, list[Category]]:
    purpose = "statistic penerima-bantuan"
    ctx.schema.require("program", ("id", "nama", "sasaran"), purpose)
    program_village = ctx.schema.village_column("program", "g")
    ctx.cursor.execute(
        f"SELECT g.id, {program_village}, g.nama, g.sasaran FROM program g ORDER BY g.id"  # noqa: S608
    )
    per_village: dict[int, list[Category]] = {config_id: [] for config_id in ctx.villages}
    used: set[int] = set()
    skipped = 0
    for program_id, config_id, nama, sasaran in ctx.cursor.fetchall():
        if sasaran not in (1, 2, 3):
            skipped += 1  # kelompok (4): groups are not residents, not counted here
            continue
        targets = ctx.villages if config_id is None else [int(config_id)]
        targets = [target for target in targets if target in per_village]
        if not targets:
            continue
        used.add(int(sasaran))
        label = f"{str(nama).strip()} ({codes.SASARAN_PROGRAM[sasaran]})"
        for target in targets:
            per_village[target].append((str(program_id), label))
    # A program whose participants cannot be resolved stops the run (a zero would be wrong).
    for sasaran in used & set(_SASARAN_TABLES):
        table, _alias = _SASARAN_TABLES[sasaran]
        ctx.schema.require(table, ("id", "no_kk", "nik_kepala"), purpose)
    ctx.state["sasaran"] = used
    if skipped:
        ctx.log.append(
            _("%(n)d program(s) for kelompok (sasaran 4) are not counted.") % {"n": skipped}
        )
    return per_village


PENERIMA_BANTUAN = Statistic(
    "penerima-bantuan",
    "Penerima Bantuan Sosial per Program",
    "bantuan",
    _bantuan_fetch,
    _bantuan_categories,
    belum_mengisi=False,
)


# ---------------------------------------------------------------- monthly events


def month_range(reference: date, months: int) -> list[str]:
    """The `months` months ending with the reference date's month, oldest first ("YYYY-MM")."""
    year, month = reference.year, reference.month
    result = []
    for _step in range(months):
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(result)


def month_bounds(months: list[str]) -> tuple[str, str]:
    """First and last moment of a month range, as text for bound parameters."""
    first = f"{months[0]}-01"
    year, month = (int(part) for part in months[-1].split("-"))
    last_day = calendar.monthrange(year, month)[1]
    return first, f"{months[-1]}-{last_day:02d} 23:59:59"


def _months(ctx: Context) -> list[str]:
    return month_range(ctx.request.reference_date, ctx.request.months)


EVENT_DATE_COLUMNS = ("tgl_lapor", "tgl_peristiwa")


def _peristiwa_fetch(ctx: Context) -> Iterable[Group]:
    column = ctx.request.event_date_column
    if column not in EVENT_DATE_COLUMNS:
        raise SourceError(
            _("Unknown event date column %(name)s.") % {"name": column},
            code="opensid-bad-setting",
        )
    purpose = "statistic peristiwa-bulanan"
    ctx.schema.require("log_penduduk", ("id_pend", "kode_peristiwa", column), purpose)
    ctx.schema.require("tweb_penduduk", ("id", "sex"), purpose)
    if ctx.by_cluster:
        ctx.schema.require("tweb_penduduk", ("id_cluster",), "dusun/RW/RT levels")
    village = ctx.schema.village_column("tweb_penduduk", "p")
    cluster = "p.id_cluster" if ctx.by_cluster else "NULL"
    where, params = ctx.village_filter("tweb_penduduk", "p")
    start, end = month_bounds(_months(ctx))
    kinds = [code for code, _label in codes.PERISTIWA]
    # The column name comes from a fixed choice (tgl_lapor / tgl_peristiwa), never user text.
    # STRAIGHT_JOIN: read the few log rows of the months first, then each resident by its key
    # (not every resident, then its log rows).
    ctx.cursor.execute(
        f"SELECT {village}, {cluster}, YEAR(l.{column}), MONTH(l.{column}), l.kode_peristiwa, "  # noqa: S608
        f"{_COUNTS_BY_SEX} FROM log_penduduk l STRAIGHT_JOIN tweb_penduduk p "
        f"ON p.id = l.id_pend{ctx.same_village(('log_penduduk', 'l'), ('tweb_penduduk', 'p'))} "
        f"WHERE l.{column} >= %s AND l.{column} <= %s "
        f"AND l.kode_peristiwa IN ({', '.join(['%s'] * len(kinds))}){where} "
        "GROUP BY 1, 2, 3, 4, 5",
        [start, end, *kinds, *params],
    )
    for config_id, cluster_id, year, month, kode, *counts in ctx.cursor.fetchall():
        bulan = f"{int(year):04d}-{int(month):02d}"
        total, laki, perempuan = (int(count) for count in counts)
        yield int(config_id), cluster_id, bulan, str(kode), total, laki, perempuan


PERISTIWA_BULANAN = Statistic(
    "peristiwa-bulanan",
    "Peristiwa Kependudukan per Bulan (lahir, mati, pindah)",
    "peristiwa",
    _peristiwa_fetch,
    lambda ctx: {
        config_id: [(str(code), name) for code, name in codes.PERISTIWA]
        for config_id in ctx.villages
    },
    extra_column="bulan",
    extras=_months,
    belum_mengisi=False,
)


# ---------------------------------------------------------------- the list

STATISTICS: dict[str, Statistic] = {
    stat.slug: stat
    for stat in (
        age_statistic("kelompok-umur", "Kelompok Umur (5 tahunan)", codes.KELOMPOK_UMUR),
        age_statistic(
            "kategori-umur", "Kategori Umur (anak, usia produktif, lansia)", codes.KATEGORI_UMUR
        ),
        coded_statistic(
            "jenis-kelamin", "Jenis Kelamin", "sex", "tweb_penduduk_sex", codes.JENIS_KELAMIN
        ),
        coded_statistic("agama", "Agama", "agama_id", "tweb_penduduk_agama", codes.AGAMA),
        coded_statistic(
            "pendidikan-dalam-kk",
            "Pendidikan dalam KK",
            "pendidikan_kk_id",
            "tweb_penduduk_pendidikan_kk",
            codes.PENDIDIKAN_KK,
        ),
        coded_statistic(
            "pendidikan-sedang-ditempuh",
            "Pendidikan Sedang Ditempuh",
            "pendidikan_sedang_id",
            "tweb_penduduk_pendidikan",
            codes.PENDIDIKAN_SEDANG,
        ),
        coded_statistic(
            "pekerjaan", "Pekerjaan", "pekerjaan_id", "tweb_penduduk_pekerjaan", codes.PEKERJAAN
        ),
        coded_statistic(
            "status-perkawinan",
            "Status Perkawinan",
            "status_kawin",
            "tweb_penduduk_kawin",
            codes.STATUS_KAWIN,
        ),
        coded_statistic(
            "hubungan-dalam-kk",
            "Hubungan dalam KK",
            "kk_level",
            "tweb_penduduk_hubungan",
            codes.HUBUNGAN_KK,
        ),
        coded_statistic(
            "warga-negara",
            "Warga Negara",
            "warganegara_id",
            "tweb_penduduk_warganegara",
            codes.WARGA_NEGARA,
        ),
        coded_statistic(
            "golongan-darah",
            "Golongan Darah",
            "golongan_darah_id",
            "tweb_golongan_darah",
            codes.GOLONGAN_DARAH,
        ),
        KELUARGA_RUMAH_TANGGA,
        PENERIMA_BANTUAN,
        PERISTIWA_BULANAN,
    )
}


# ---------------------------------------------------------------- running and shaping


def read_source(cursor, villages: Iterable[str] = (), log: list[str] | None = None) -> Source:
    """Read the schema and the villages (desa codes; empty = all) once per run."""
    wanted = tuple(villages)
    schema = read_schema(cursor)
    found = read_villages(cursor, schema, wanted)
    return Source(cursor, schema, found, not wanted, log if log is not None else [])


def compute(source: Source, request: Request) -> pa.Table:
    """One statistic for the source's villages, as rows (see `output_schema`)."""
    stat = STATISTICS.get(request.statistic)
    if stat is None:
        raise SourceError(
            _("Unknown OpenSID statistic %(name)s.") % {"name": request.statistic},
            code="opensid-bad-setting",
        )
    if request.level not in LEVELS:
        raise SourceError(
            _("Unknown level %(name)s.") % {"name": request.level}, code="opensid-bad-setting"
        )
    by_cluster = request.level != "desa"
    ctx = Context(
        source.cursor,
        source.schema,
        request,
        source.villages,
        source.every_village,
        by_cluster,
        source.log,
    )
    wilayah = Wilayah.read(ctx.cursor, ctx.schema, ctx.villages) if by_cluster else None
    categories = stat.categories(ctx)
    extras = stat.extras(ctx) if stat.extras else [None]
    _check_size(ctx, stat, categories, extras, wilayah)
    counts, units = _roll_up(ctx, stat, categories, wilayah)
    rows = _rows(ctx, stat, request, categories, extras, counts, units)
    if request.min_cell > 1:
        _suppress_small_cells(rows, request.min_cell)
    return pa.Table.from_pylist(rows, schema=output_schema(stat, request.level))


def _suppress_small_cells(rows: list[dict], minimum: int) -> None:
    """Primary suppression only: a count from 1 to minimum - 1 becomes empty. Zeros stay (an
    empty category tells nothing about a person); sums of the other cells may still allow a
    suppressed value to be worked out (documented in docs/opensid.md)."""
    for row in rows:
        for name in ("jumlah", "laki_laki", "perempuan"):
            if 0 < row[name] < minimum:
                row[name] = None


def _check_size(ctx, stat, categories, extras, wilayah) -> None:
    """Stop before the residents are read when the zero-filled rows alone would pass the bound
    (e.g. occupations per RT of a thousand villages)."""
    if ctx.request.max_rows is None:
        return
    units = wilayah.real_units(ctx.request.level) if wilayah else set()
    per_village: dict[int, int] = defaultdict(lambda: 1)  # +1: the row set without wilayah
    for unit in units:
        if unit.config_id in ctx.villages:
            per_village[unit.config_id] += 1
    extra_rows = 1 if stat.belum_mengisi else 0
    extra_rows += 2 if stat.belum_mengisi and ctx.request.include_totals else 0
    planned = sum(
        per_village[config_id] * (len(categories.get(config_id, [])) + extra_rows)
        for config_id in ctx.villages
    ) * len(extras)
    if planned > ctx.request.max_rows:
        raise SourceError(
            _(
                "This statistic would make about %(rows)d rows, more than the limit of "
                "%(limit)d: choose a higher level or fewer desa."
            )
            % {"rows": planned, "limit": ctx.request.max_rows},
            code="too-many-rows",
            details={"rows": planned, "limit": ctx.request.max_rows},
        )


def _roll_up(ctx, stat, categories, wilayah):
    """Sum the source groups into (unit, extra, kategori) → [jumlah, laki, perempuan]."""
    known = {cfg: {kode for kode, _ in cats} for cfg, cats in categories.items()}
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    units: set[Unit] = set()
    level = ctx.request.level
    if wilayah is not None:
        units |= {unit for unit in wilayah.real_units(level) if unit.config_id in ctx.villages}
    else:
        units |= {Unit(config_id) for config_id in ctx.villages}
    for config_id, cluster_id, extra, kode, total, laki, perempuan in stat.fetch(ctx):
        if config_id not in ctx.villages:
            continue  # defensive: the SQL already filters on the selected villages
        unit = wilayah.unit_of(config_id, cluster_id, level) if wilayah else Unit(config_id)
        units.add(unit)
        if kode is None or kode not in known.get(config_id, ()):
            if not stat.belum_mengisi:
                continue
            kode = codes.KODE_BELUM_MENGISI
        cell = counts[(unit, extra, kode)]
        cell[0] += total
        cell[1] += laki
        cell[2] += perempuan
    return counts, units


def _rows(ctx, stat, request, categories, extras, counts, units) -> list[dict]:
    rows = []
    for unit in sorted(units, key=lambda u: unit_sort_key(u, ctx.villages)):
        village = ctx.villages[unit.config_id]
        place = {"kode_desa": village.kode_desa, "nama_desa": village.nama_desa}
        if request.level in ("dusun", "rw", "rt"):
            place["dusun"] = unit.dusun
        if request.level in ("rw", "rt"):
            place["rw"] = unit.rw
        if request.level == "rt":
            place["rt"] = unit.rt
        for extra in extras:
            if stat.extra_column:
                place = {**place, stat.extra_column: extra}
            filled = [0, 0, 0]
            for kode, label in categories.get(unit.config_id, []):
                cell = counts.get((unit, extra, kode), [0, 0, 0])
                filled = [a + b for a, b in zip(filled, cell, strict=True)]
                rows.append(_row(place, kode, label, cell))
            if not stat.belum_mengisi:
                continue
            empty = counts.get((unit, extra, codes.KODE_BELUM_MENGISI), [0, 0, 0])
            if request.include_totals:
                rows.append(_row(place, codes.KODE_JUMLAH, codes.LABEL_JUMLAH, filled))
            rows.append(_row(place, codes.KODE_BELUM_MENGISI, codes.LABEL_BELUM_MENGISI, empty))
            if request.include_totals:
                total = [a + b for a, b in zip(filled, empty, strict=True)]
                rows.append(_row(place, codes.KODE_TOTAL, codes.LABEL_TOTAL, total))
    return rows


def _row(place: dict, kode: str, label: str, cell: list[int]) -> dict:
    return {
        **place,
        "kategori_kode": kode,
        "kategori": label,
        "jumlah": cell[0],
        "laki_laki": cell[1],
        "perempuan": cell[2],
    }


def output_schema(stat: Statistic, level: str) -> pa.Schema:
    """The columns of a statistic's rows: place, [month], category, counts."""
    fields = [pa.field("kode_desa", pa.string()), pa.field("nama_desa", pa.string())]
    if level in ("dusun", "rw", "rt"):
        fields.append(pa.field("dusun", pa.string()))
    if level in ("rw", "rt"):
        fields.append(pa.field("rw", pa.string()))
    if level == "rt":
        fields.append(pa.field("rt", pa.string()))
    if stat.extra_column:
        fields.append(pa.field(stat.extra_column, pa.string()))
    fields += [
        pa.field("kategori_kode", pa.string()),
        pa.field("kategori", pa.string()),
        pa.field("jumlah", pa.int64()),
        pa.field("laki_laki", pa.int64()),
        pa.field("perempuan", pa.int64()),
    ]
    return pa.schema(fields)
