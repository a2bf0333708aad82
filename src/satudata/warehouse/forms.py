"""The upload form: one file and an optional change note."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from satudata.warehouse.ingest.sniff import ACCEPTED_EXTENSIONS
from satudata.warehouse.services import MESSAGE_MAX_CHARS


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Data file"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty."),
        },
    )
    message = forms.CharField(
        label=_("Change note"),
        max_length=MESSAGE_MAX_CHARS,
        required=False,
        help_text=_("What is new in this file, e.g. “data 2024 added”."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "CSV (comma or semicolon separated; UTF-8 or Windows-1252), Excel (XLSX, XLS), ODS,"
            " JSON, GeoJSON or XML — or a ZIP holding one of them — at most %(limit)d MB."
        ) % {"limit": settings.SATUDATA_UPLOAD_MAX_MB}
