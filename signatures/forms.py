"""Forms of the signatures app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from signatures import services


class ValidationUploadForm(forms.Form):
    """A PDF to check, refused early when too large or not a PDF at all."""

    file = forms.FileField(
        label=_("PDF file"),
        error_messages={
            "required": _("Choose the PDF file to check."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    fetch_revocation = forms.BooleanField(
        label=_("Also fetch revocation data (OCSP/CRL) online"),
        required=False,
        help_text=_(
            "Asks the certificate authorities whether each certificate has been revoked. "
            "Slower; without it, only the data embedded in the document is used."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The size Django recorded while receiving the upload: nothing is read before it is
        # known to be acceptable.
        services.check_upload(size=upload.size, read_head=lambda count: _peek(upload, count))
        return upload

    def content(self) -> bytes:
        upload = self.cleaned_data["file"]
        upload.seek(0)
        return upload.read()


def _peek(upload, count: int) -> bytes:
    upload.seek(0)
    head = upload.read(count)
    upload.seek(0)
    return head
