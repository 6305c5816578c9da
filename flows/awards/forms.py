from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

#: The largest sheet accepted: far above any province's yearly list, far below what would
#: keep a worker busy unpacking it.
SHEET_MAX_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetUploadForm(forms.Form):
    """An XLSX sheet of one kind of record; its rows are checked by the import service."""

    file = forms.FileField(
        label=_("Excel sheet (.xlsx)"),
        error_messages={
            "required": _("Choose the sheet to import."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": f"{XLSX},.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > SHEET_MAX_BYTES:
            raise forms.ValidationError(
                _("The sheet is larger than %(size)s.") % {"size": filesizeformat(SHEET_MAX_BYTES)}
            )
        return upload
