from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from satudata.monitoring.periods import Frequency


class PromiseForm(forms.Form):
    title = forms.CharField(label=_("Dataset title"), max_length=250)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    period = forms.CharField(
        label=_("Reference period"),
        max_length=20,
        help_text=_("2025 (yearly), 2026-03 (monthly), 2026-T1 (quarter), 2026-S1"),
    )
    dataset = forms.ModelChoiceField(label=_("Dataset"), queryset=None, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    def __init__(self, *args, datasets=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = datasets


class DaftarForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Agency"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, organisations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class ImportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    file = forms.FileField(label=_("Filled template (.xlsx or .csv)"))
