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


class AnnulmentProposalForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=500)


class AnnulmentDecisionForm(forms.Form):
    """The authority's answer: "annul" with its decision, or "reject" with the reason."""

    decision_number = forms.CharField(label=_("Decision number"), max_length=60, required=False)
    decided_on = forms.DateField(
        label=_("Decided on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    decided_by = forms.CharField(label=_("Decided by"), max_length=255, required=False)
    reason = forms.CharField(
        label=_("Why it is rejected"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RecoveryForm(forms.Form):
    on = forms.DateField(label=_("Recovered on"), widget=forms.DateInput(attrs={"type": "date"}))
