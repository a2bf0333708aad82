"""The connector form: common settings, the type's own settings (prefix `cfg`) and its
credentials (prefix `secret`, password inputs that are never filled back)."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.catalog.models import Dataset
from satudata.connectors.models import Connector, Schedule
from satudata.core.permissions import ROLE_PRODUSEN, actor_for

MAPPING_HELP = gettext_lazy(
    'JSON, e.g. {"fields": [{"target": "jenis_kelamin", "source": "JK", "values": {"L":'
    ' "Laki-laki"}}], "key": ["id"]}. Empty: the source columns as they are. See docs/konektor.md.'
)


class ConnectorForm(forms.Form):
    name = forms.SlugField(label=gettext_lazy("Name"), max_length=80)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    dataset = forms.ModelChoiceField(
        label=gettext_lazy("Dataset it feeds"), queryset=Dataset.objects.none()
    )
    schedule = forms.ChoiceField(label=gettext_lazy("Schedule"), choices=Schedule.choices)
    cron = forms.CharField(
        label=gettext_lazy("Cron expression"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Only for the cron schedule, e.g. 30 6 * * 1-5"),
    )
    mapping = forms.CharField(
        label=gettext_lazy("Field mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=MAPPING_HELP,
    )
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)
    auto_publish = forms.BooleanField(
        label=gettext_lazy("Publish automatically when valid"),
        required=False,
        help_text=gettext_lazy("Only a walidata may allow this."),
    )

    def __init__(self, *args, user=None, editing: Connector | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        who = actor_for(user)
        datasets = Dataset.objects.editable_by(user)
        if not who.is_walidata:
            datasets = datasets.filter(organisation_id__in=who.organisations_with(ROLE_PRODUSEN))
        self.fields["dataset"].queryset = datasets.order_by("title")
        if not who.is_walidata:
            self.fields["auto_publish"].disabled = True
        if editing is not None:
            self.fields["name"].disabled = True
            self.fields["dataset"].disabled = True

    def clean_mapping(self):
        text = (self.cleaned_data.get("mapping") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("The mapping is not valid JSON (line %(line)d): %(error)s")
                % {"line": error.lineno, "error": error.msg}
            ) from None
        from satudata.connectors.mapping import parse_mapping
        from satudata.core.errors import ValidationFailed

        try:
            parse_mapping(value)
        except ValidationFailed as error:
            raise forms.ValidationError(error.message) from None
        return value


SECRET_LABELS = {
    "api_key": gettext_lazy("API key"),
    "password": gettext_lazy("Password"),
    "token": gettext_lazy("Token"),
    "client_secret": gettext_lazy("Client secret (OAuth2)"),
}


def secrets_form_class(connector_type, stored: list[str]):
    """A form with one password input per credential; a stored one shows only "stored"."""
    fields = {}
    for name in connector_type.secret_fields:
        help_text = _("Stored (hidden). Leave blank to keep it.") if name in stored else ""
        fields[name] = forms.CharField(
            label=SECRET_LABELS.get(name, name.replace("_", " ").capitalize()),
            required=False,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            help_text=help_text,
        )
    return type("SecretsForm", (forms.Form,), fields)


def config_initial(connector_type, config: dict) -> dict:
    initial = {}
    for name, field in connector_type.config_form.base_fields.items():
        value = config.get(name, field.initial)
        initial[name] = value() if callable(value) else value
    return initial
