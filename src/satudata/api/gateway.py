"""Sector gateway paths `/api/v1/<sektor>/<dataset-slug>` (contract S).

Readable paths such as `/api/v1/kesehatan/jumlah-balita-gizi-buruk`: `<sektor>` is the slug of
the dataset's topic. GET answers the rows of the dataset's current public version with the same
options as `/api/v1/datasets/<slug>/rows` (filters, sort, fields, paging, aggregation; JSON, CSV
or XML) — it is the same code (`warehouse.api.rows_response`). A dataset filed under another
topic, or hidden from the caller, is a 404 like a missing one.

The push ingest (POST on the same path) is added to this router by `satudata.api.push`. The
router is mounted last in `api.v1.mount_routers()`: its catch-all path must not shadow the named
resources.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from satudata.api.auth import ApiKeyAuth
from satudata.api.push import PUSH_DESCRIPTION, PUSH_OPENAPI, PUSH_RESPONSES, push_response
from satudata.api.v1 import api_caller
from satudata.catalog.models import Dataset
from satudata.core.errors import NotFound
from satudata.warehouse.api import (
    ROWS_DESCRIPTION,
    ROWS_OPENAPI,
    ROWS_RESPONSES,
    RowsParams,
    current_version,
    resolve_target,
    rows_response,
)
from satudata.warehouse.models import Version

router = Router(tags=["sector paths"])


def sector_dataset(user, sektor: str, slug: str) -> Dataset:
    """The dataset `slug` filed under topic `sektor`, if the caller may see it."""
    dataset = (
        Dataset.objects.visible_to(user)
        .select_related("topic", "organisation")
        .filter(slug=slug, topic__slug=sektor)
        .first()
    )
    if dataset is None:
        raise NotFound(
            _("There is no dataset “%(slug)s” in sector “%(sektor)s”.")
            % {"slug": slug[:120], "sektor": sektor[:60]},
            details={"sektor": sektor[:60], "slug": slug[:120]},
        )
    return dataset


@router.get(
    "/{sektor}/{slug}",
    response=ROWS_RESPONSES,
    summary="Rows of a dataset by its sector path",
    description=ROWS_DESCRIPTION,
    openapi_extra=ROWS_OPENAPI,
)
def sector_rows(request: HttpRequest, sektor: str, slug: str, params: Query[RowsParams]):
    user = api_caller(request)

    def load() -> tuple[Dataset, Version]:
        dataset = sector_dataset(user, sektor, slug)
        return dataset, current_version(user, dataset)

    target, version = resolve_target(request, user, ("sector", sektor, slug), load)
    return rows_response(request, target, version, chosen_format=params.format)


# Push ingest (owner: api-keys; the logic and its OpenAPI description live in api/push.py).
@router.post(
    "/{sektor}/{slug}",
    auth=ApiKeyAuth(),
    response=PUSH_RESPONSES,
    summary="Push rows into a new draft version (write key of the owning agency)",
    description=PUSH_DESCRIPTION,
    openapi_extra=PUSH_OPENAPI,
)
def sector_push(request: HttpRequest, sektor: str, slug: str):
    return push_response(request, sektor, slug)
