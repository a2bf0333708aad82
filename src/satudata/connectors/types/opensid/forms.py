"""The OpenSID connector's settings form. Values stay JSON-friendly (text, numbers, booleans):
they are stored as the connector's configuration; the password is a secret field, not here."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.connectors.types.opensid.codes import kode_desa_bertitik
from satudata.connectors.types.opensid.statistics import STATISTICS

LEVEL_CHOICES = (
    ("desa", gettext_lazy("Desa")),
    ("dusun", gettext_lazy("Dusun")),
    ("rw", gettext_lazy("RW")),
    ("rt", gettext_lazy("RT")),
)
EVENT_DATE_CHOICES = (
    ("tgl_lapor", gettext_lazy("Date reported (as OpenSID's monthly report)")),
    ("tgl_peristiwa", gettext_lazy("Date of the event")),
)
DEFAULT_STATEMENT_TIMEOUT_S = 120
_SEPARATORS = re.compile(r"[\s,;]+")


def desa_codes(text: str) -> list[str]:
    """Desa codes typed by a person, one per line or comma-separated, with or without dots."""
    return [part for part in _SEPARATORS.split(text or "") if part]


class OpenSIDConfigForm(forms.Form):
    host = forms.CharField(label=gettext_lazy("Host"), max_length=255, initial="127.0.0.1")
    port = forms.IntegerField(
        label=gettext_lazy("Port"), min_value=1, max_value=65535, initial=3306
    )
    database = forms.CharField(label=gettext_lazy("Database name"), max_length=64)
    user = forms.CharField(label=gettext_lazy("User (read-only)"), max_length=80)
    statistik = forms.ChoiceField(
        label=gettext_lazy("Statistic"),
        choices=[(slug, stat.label) for slug, stat in STATISTICS.items()],
        initial="jenis-kelamin",
    )
    tingkat = forms.ChoiceField(
        label=gettext_lazy("Level"),
        choices=LEVEL_CHOICES,
        initial="desa",
        required=False,  # empty: desa
        help_text=gettext_lazy("One row set per desa, or per dusun, RW or RT within each desa."),
    )
    desa = forms.CharField(
        label=gettext_lazy("Desa codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Kemendagri desa codes (e.g. 51.05.01.2001), one per line. Empty: every village "
            "in the database."
        ),
    )
    tanggal_acuan = forms.CharField(
        label=gettext_lazy("Reference date"),
        required=False,
        max_length=10,
        help_text=gettext_lazy(
            "YYYY-MM-DD: ages are computed on this date and monthly events end in its month. "
            "Empty: the day of the run."
        ),
    )
    bulan = forms.IntegerField(
        label=gettext_lazy("Months of events"),
        min_value=1,
        max_value=120,
        initial=12,
        required=False,
        help_text=gettext_lazy("Monthly births, deaths and moves: how many months back."),
    )
    tanggal_peristiwa = forms.ChoiceField(
        label=gettext_lazy("Month of an event by"),
        choices=EVENT_DATE_CHOICES,
        initial="tgl_lapor",
        required=False,
    )
    baris_total = forms.BooleanField(
        label=gettext_lazy("Add JUMLAH and TOTAL rows"),
        required=False,
        help_text=gettext_lazy(
            "As OpenSID's tables show them. Leave off when the dataset is summed in charts."
        ),
    )
    sel_minimum = forms.IntegerField(
        label=gettext_lazy("Hide counts smaller than"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=gettext_lazy(
            "Counts from 1 up to this number minus one are left empty: at RT level a small "
            "count can point at one person. Empty or 0: every count is shown."
        ),
    )
    batas_waktu_s = forms.IntegerField(
        label=gettext_lazy("Statement time limit (seconds)"),
        min_value=5,
        max_value=3600,
        initial=DEFAULT_STATEMENT_TIMEOUT_S,
        required=False,
    )

    def clean_desa(self) -> str:
        text = self.cleaned_data.get("desa") or ""
        bad = [code for code in desa_codes(text) if kode_desa_bertitik(code) is None]
        if bad:
            raise forms.ValidationError(
                _("Not a 10-digit desa code: %(codes)s") % {"codes": ", ".join(bad)}
            )
        return "\n".join(kode_desa_bertitik(code) for code in desa_codes(text))

    def clean_tanggal_acuan(self) -> str:
        text = (self.cleaned_data.get("tanggal_acuan") or "").strip()
        if text:
            try:
                datetime.date.fromisoformat(text)
            except ValueError:
                raise forms.ValidationError(_("Write the date as YYYY-MM-DD.")) from None
        return text
