"""Read helpers for region pages (permission-scoped where datasets are involved).

Which datasets "cover" a region: the region page shows two lists.

1. **About this region**: datasets whose spatial coverage is the region itself or any region
   inside it (a dataset for one desa appears on its kecamatan and kabupaten pages). This is the
   same rule as the catalogue's `wilayah` facet, so "see all" links to `/dataset?wilayah=<code>`.
2. **Covering a wider area**: datasets whose coverage is an ancestor (a Bali-wide table on the
   Klungkung page). They may hold this region's figures, but not necessarily, so they are listed
   separately and never mixed into the first list.

Both lists go through `Dataset.objects.visible_to(user)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from satudata.core.errors import ValidationFailed
from satudata.regions.codes import ancestor_codes, normalise_region_code
from satudata.regions.models import Region

# Datasets listed per group on a region page; the rest is one click away in the catalogue.
REGION_PAGE_DATASETS_MAX = 20


@dataclass(frozen=True)
class RegionLookup:
    """The result of resolving a code from a URL: a region, a redirect, or why there is none."""

    region: Region | None = None
    canonical: str | None = None  # the dotted code, when the URL used another spelling
    error: str = ""


@dataclass
class DatasetList:
    items: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def find_region(user, raw_code: str) -> RegionLookup:
    """Resolve a code from a URL (normalising it) to a Region visible to `user`."""
    try:
        code = normalise_region_code(raw_code)
    except ValidationFailed as error:
        return RegionLookup(error=error.message)
    if code != raw_code:
        return RegionLookup(canonical=code)
    region = Region.objects.visible_to(user).filter(code=code).first()
    if region is None:
        return RegionLookup(
            error=_("'%(code)s' is not a known Kemendagri region code.") % {"code": code}
        )
    return RegionLookup(region=region)


def ancestors_of(region: Region) -> list[Region]:
    """Parents from the province down (one query)."""
    return region.ancestors()


def children_of(region: Region) -> list[Region]:
    """Direct children in code order, each with `child_count` (one query)."""
    return list(
        Region.objects.filter(parent_id=region.code)
        .annotate(child_count=Count("children"))
        .order_by("code")
    )


def _limited(qs: QuerySet, limit: int) -> DatasetList:
    items = list(qs[: limit + 1])
    if len(items) <= limit:
        return DatasetList(items=items, total=len(items))
    return DatasetList(items=items[:limit], total=qs.count())


def datasets_covering(
    user, region: Region, *, limit: int = REGION_PAGE_DATASETS_MAX
) -> tuple[DatasetList, DatasetList]:
    """(about this region or inside it, covering a wider area) — see the module docstring."""
    from satudata.catalog.models import Dataset

    through = Dataset.regions.through.objects
    inside = through.filter(
        Q(region_id=region.code) | Q(region__code__startswith=region.code + ".")
    ).values("dataset_id")
    visible = (
        Dataset.objects.visible_to(user)
        .select_related("organisation", "topic")
        .order_by("title", "pk")
    )
    own = _limited(visible.filter(pk__in=inside), limit)
    wider_codes = ancestor_codes(region.code)
    if not wider_codes:
        return own, DatasetList()
    wider_ids = through.filter(region_id__in=wider_codes).values("dataset_id")
    wider = _limited(visible.filter(pk__in=wider_ids).exclude(pk__in=inside), limit)
    return own, wider
