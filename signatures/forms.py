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


class KeystoreForm(forms.Form):
    """A personal keystore (PKCS#12, as certificate authorities deliver them) and its PIN."""

    keystore = forms.FileField(
        label=_("Keystore file (.p12, .pfx)"),
        error_messages={"required": _("Choose your keystore file.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
    )
    pin = forms.CharField(
        label=_("PIN"), widget=forms.PasswordInput(render_value=False), strip=False
    )
    label = forms.CharField(
        label=_("Label"),
        required=False,
        max_length=200,
        help_text=_('For example "Ban Cơ yếu certificate, 2026".'),
    )

    MAX_BYTES = 1024 * 1024  # keystores are a few kilobytes

    def clean_keystore(self):
        upload = self.cleaned_data["keystore"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                _("A keystore file is a few kilobytes: this one is too large.")
            )
        return upload
