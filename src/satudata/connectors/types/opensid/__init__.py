"""OpenSID connector type: population statistics per desa (and dusun / RW / RT) from a village
database or a combined ("gabungan") database of many villages.

Only aggregates leave this package: counts per place and category, keyed by the Kemendagri desa
code with dots. See docs/opensid.md for the tables and columns read, the age bands and privacy.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.connectors import conf
from satudata.connectors.types import register
from satudata.connectors.types.base import ConnectorType, Pulled, SourceError
from satudata.connectors.types.opensid.forms import (
    DEFAULT_STATEMENT_TIMEOUT_S,
    OpenSIDConfigForm,
    desa_codes,
)
from satudata.connectors.types.opensid.source import ConnectionSettings, open_read_only
from satudata.connectors.types.opensid.statistics import STATISTICS, Request, compute, read_source

__all__ = ["OpenSIDConnector", "request_from_config", "settings_from_config"]


def settings_from_config(config: dict, secrets: dict) -> ConnectionSettings:
    return ConnectionSettings(
        host=str(config.get("host") or "127.0.0.1"),
        port=int(config.get("port") or 3306),
        database=str(config.get("database") or ""),
        user=str(config.get("user") or ""),
        password=str(secrets.get("password") or ""),
        statement_timeout_s=int(config.get("batas_waktu_s") or DEFAULT_STATEMENT_TIMEOUT_S),
    )


def request_from_config(config: dict, *, today: datetime.date | None = None) -> Request:
    """The statistic asked for by a stored configuration (checked again: it may be old)."""
    # A setting missing from an older stored configuration takes the form's default.
    data = {
        name: field.initial
        for name, field in OpenSIDConfigForm.base_fields.items()
        if field.initial is not None
    }
    data.update({key: value for key, value in config.items() if value is not None})
    form = OpenSIDConfigForm(data=data)
    if not form.is_valid():
        problems = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        raise SourceError(
            _("The OpenSID connector settings are not valid: %(fields)s")
            % {"fields": ", ".join(sorted(problems))},
            code="opensid-bad-setting",
            details=problems,
        )
    data = form.cleaned_data
    reference = (
        datetime.date.fromisoformat(data["tanggal_acuan"])
        if data.get("tanggal_acuan")
        else today or timezone.localdate()
    )
    return Request(
        statistic=data["statistik"],
        level=data.get("tingkat") or "desa",
        reference_date=reference,
        villages=tuple(desa_codes(data.get("desa") or "")),
        months=data.get("bulan") or 12,
        event_date_column=data.get("tanggal_peristiwa") or "tgl_lapor",
        include_totals=bool(data.get("baris_total")),
        max_rows=conf.max_rows(),
        min_cell=data.get("sel_minimum") or 0,
    )


@register
class OpenSIDConnector(ConnectorType):
    key = "opensid"
    label = gettext_lazy("OpenSID village database (statistics)")
    config_form = OpenSIDConfigForm
    secret_fields = ("password",)
    supports_incremental = False  # aggregates are recomputed whole; unchanged → same content

    def pull(
        self, config: dict, secrets: dict, *, since: str | None, limit: int | None = None
    ) -> Pulled:
        request = request_from_config(config)
        settings = settings_from_config(config, secrets)
        log: list[str] = []
        with open_read_only(settings) as cursor:
            source = read_source(cursor, request.villages, log)
            table = compute(source, request)
        stat = STATISTICS[request.statistic]
        log.insert(
            0,
            _("%(stat)s for %(villages)d desa at level %(level)s, reference date %(date)s.")
            % {
                "stat": stat.label,
                "villages": len(source.villages),
                "level": request.level,
                "date": request.reference_date.isoformat(),
            },
        )
        log.append(_("%(rows)d statistic rows.") % {"rows": table.num_rows})
        if limit is not None:
            table = table.slice(0, limit)
        return Pulled(table=table, cursor=None, log=log)
