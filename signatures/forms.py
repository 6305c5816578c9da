"""Forms of the signatures app."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from signatures.models import Credential, Provider
from signatures.services import uploads
from workflows.forms import refuse_larger_than

#: What an administrator registers; personal keystores come from the officials themselves, who
#: alone know their PIN.
ADMIN_PROVIDERS = [Provider.PKCS11, Provider.CSC, Provider.EXTERNAL]


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
        uploads.check_upload(size=upload.size, read_head=lambda count: _peek(upload, count))
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


def _label_field() -> forms.CharField:
    return forms.CharField(
        label=_("Label"),
        required=False,
        max_length=200,
        help_text=_('For example "Ban Cơ yếu certificate, 2026".'),
    )


def _small_upload(upload, limit: int, message):
    """``upload`` unless it is larger than ``limit`` bytes (checked before anything is read)."""
    if upload and upload.size > limit:
        raise forms.ValidationError(message)
    return upload


def _content(upload) -> bytes:
    if not upload:
        return b""
    upload.seek(0)
    return upload.read()


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
    label = _label_field()

    MAX_BYTES = 1024 * 1024  # keystores are a few kilobytes

    def clean_keystore(self):
        return _small_upload(
            self.cleaned_data["keystore"],
            self.MAX_BYTES,
            _("A keystore file is a few kilobytes: this one is too large."),
        )


CERTIFICATE_ACCEPT = ".cer,.crt,.pem,.der,application/pkix-cert,application/x-x509-ca-cert"


class CertificateForm(forms.Form):
    """The certificate of a key kept outside this server (a USB token on the official's PC, a
    signing service), and the intermediate certificates of its certificate authority."""

    certificate = forms.FileField(
        label=_("Certificate file (.cer, .crt, .pem)"),
        error_messages={"required": _("Choose the certificate file.")},
        widget=forms.ClearableFileInput(attrs={"accept": CERTIFICATE_ACCEPT}),
    )
    chain = forms.FileField(
        label=_("Intermediate certificates (.pem, .cer)"),
        required=False,
        help_text=_(
            "The certificates of the certificate authority between this certificate and the "
            "root, when they are not in the certificate file. Without them the certificate "
            "cannot be traced to a trusted root."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": CERTIFICATE_ACCEPT}),
    )
    label = _label_field()

    MAX_BYTES = 64 * 1024  # a certificate is one or two kilobytes, a chain a few

    def clean_certificate(self):
        return _small_upload(
            self.cleaned_data["certificate"],
            self.MAX_BYTES,
            _("A certificate file is a few kilobytes: this one is too large."),
        )

    def clean_chain(self):
        return _small_upload(
            self.cleaned_data["chain"],
            self.MAX_BYTES,
            _("A file of intermediate certificates is a few kilobytes: this one is too large."),
        )

    def certificate_content(self) -> bytes:
        return _content(self.cleaned_data["certificate"])

    def chain_content(self) -> bytes:
        return _content(self.cleaned_data["chain"])


class CredentialAdminForm(CertificateForm):
    """An administrator registers an official's token (PKCS#11), remote signing (CSC) or
    external signer: the settings the server needs to reach the key, and the certificate."""

    user = forms.ModelChoiceField(
        label=_("Official"), queryset=get_user_model().objects.filter(is_active=True)
    )
    provider = forms.ChoiceField(
        label=_("Provider"),
        choices=[(provider.value, provider.label) for provider in ADMIN_PROVIDERS],
    )
    token_label = forms.CharField(label=_("Token label"), required=False, max_length=32)
    key_id = forms.CharField(
        label=_("Key ID (hexadecimal)"),
        required=False,
        max_length=128,
        help_text=_(
            'The CKA_ID of the key and of its certificate on the token, for example "05" '
            "(pkcs11-tool --list-objects shows it)."
        ),
    )
    module = forms.ChoiceField(label=_("PKCS#11 library"), required=False)
    service_url = forms.URLField(
        label=_("Service URL"),
        required=False,
        assume_scheme="https",
        help_text=_("The address of the service, without /csc/v1/."),
    )
    credential_id = forms.CharField(label=_("Credential ID"), required=False, max_length=255)
    oauth_token = forms.CharField(
        label=_("OAuth access token"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Only if the service asks for one."),
    )

    #: What each provider needs, beyond the official.
    REQUIRED = {
        Provider.PKCS11: ["token_label", "key_id", "certificate"],
        Provider.CSC: ["service_url", "credential_id"],
        Provider.EXTERNAL: ["certificate"],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].required = False  # a CSC service gives its own
        default = settings.SIGNING_PKCS11_MODULE
        self.fields["module"].choices = [
            ("", _("The server's library (%(path)s)") % {"path": default}),
            *((path, path) for path in settings.SIGNING_PKCS11_MODULES if path != default),
        ]

    def clean_key_id(self):
        # pkcs11-tool prints "ID: 05"; some tools separate the bytes with colons or spaces.
        key_id = "".join(self.cleaned_data["key_id"].replace(":", " ").split()).lower()
        try:
            bytes.fromhex(key_id)
        except ValueError as error:
            raise forms.ValidationError(
                _('The key ID is hexadecimal, two digits per byte, for example "05" or "0a1b".')
            ) from error
        return key_id

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("provider")
        for name in self.REQUIRED.get(provider, []):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(
                    name,
                    _("Required for a credential of the kind “%(provider)s”.")
                    % {"provider": Provider(provider).label},
                )
        return cleaned

    def config(self) -> dict:
        """The provider settings of the credential (see ``providers``)."""
        data = self.cleaned_data
        if data["provider"] == Provider.PKCS11:
            config = {"token_label": data["token_label"], "key_id": data["key_id"]}
            return {**config, "module": data["module"]} if data["module"] else config
        if data["provider"] == Provider.CSC:
            config = {"service_url": data["service_url"], "credential_id": data["credential_id"]}
            return {**config, "oauth_token": data["oauth_token"]} if data["oauth_token"] else config
        return {}


# -- a signing step's forms ---------------------------------------------------------------


class CredentialSelect(forms.Select):
    """Each certificate's option says whether its PIN is typed here (data-needs-pin), so that
    the page asks for a PIN before sending the form (config/static/thidua/forms.js)."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        credential = getattr(value, "instance", None)
        if credential is not None and credential.provider in Provider.unlocked_by_pin():
            option["attrs"]["data-needs-pin"] = "1"
        return option


class CredentialChoiceField(forms.ModelChoiceField):
    widget = CredentialSelect

    def label_from_instance(self, credential):
        return f"{credential.subject} ({credential.get_provider_display()})"


PIN_MISSING = _("Enter the PIN of your keystore or token.")


class SignForm(forms.Form):
    """The signer's own certificate and the PIN that unlocks it (none for a certificate whose
    key is with an outside signer: his own tool asks for it)."""

    # No empty choice: the official's most recent certificate is chosen unless he picks another.
    credential = CredentialChoiceField(
        label=_("Certificate"), queryset=Credential.objects.none(), empty_label=None
    )
    pin = forms.CharField(
        label=_("PIN"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "off", "data-empty-message": PIN_MISSING}
        ),
        help_text=_(
            "The PIN of your keystore or token (not needed for remote signing or your own"
            " signing tool)."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        usable = Credential.objects.usable_for(user)
        self.fields["credential"].queryset = usable.order_by("-valid_to")

    def clean(self):
        cleaned = super().clean()
        credential = cleaned.get("credential")
        needs_pin = credential is not None and credential.provider in Provider.unlocked_by_pin()
        if needs_pin and not cleaned.get("pin"):
            self.add_error("pin", PIN_MISSING)
        return cleaned


#: A CMS signature is a few kilobytes (the room reserved for it in the PDF is 8 KB).
SIGNATURE_MAX_BYTES = 64 * 1024


class ExternalSignatureForm(forms.Form):
    """The signature an outside signing tool returned: its .p7s file, or its text pasted."""

    signature_file = forms.FileField(label=_("Signature file (.p7s)"), required=False)
    signature_text = forms.CharField(
        label=_("Or paste the signature (base64 or PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    def clean(self):
        if self.errors:  # an unreadable upload: its own message says it
            return self.cleaned_data
        upload = self.cleaned_data.get("signature_file")
        text = self.cleaned_data.get("signature_text", "").strip()
        if bool(upload) == bool(text):
            raise forms.ValidationError(_("Give the signature either as a file or as pasted text."))
        refuse_larger_than(upload, SIGNATURE_MAX_BYTES)
        self.cleaned_data["signature"] = upload.read() if upload else text.encode()
        return self.cleaned_data
