"""The pages of the signatures app: checking the signatures of an uploaded PDF, the officials'
signing certificates, and the signing step every flow's signatures use.

The presentation of a validation report (labels, verdict) lives here too: ``manage.py
verify_pdf`` prints the same rows as the page shows.
"""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView
from viewflow.urls import AppMenuMixin, Viewset

from signatures import selectors
from signatures.forms import (
    CertificateForm,
    ExternalSignatureForm,
    KeystoreForm,
    SignForm,
    ValidationUploadForm,
)
from signatures.keystores import KeystoreLocked
from signatures.models import (
    Credential,
    Provider,
    RequestStatus,
    SigningRequest,
    ValidationJob,
    ValidationStatus,
)
from signatures.services import credentials, external, signing_requests, uploads
from signatures.trust import CertificateRefused
from workflows.views import StepView

# The machine values of validation.SignatureReport, in words.
KIND_LABELS = {
    "signature": gettext_lazy("Digital signature"),
    "timestamp": gettext_lazy("Document timestamp"),
}
CHAIN_LABELS = {
    "trusted": gettext_lazy("Leads to a trusted root certificate authority"),
    "untrusted": gettext_lazy("Does not lead to a trusted root certificate authority"),
    "revoked": gettext_lazy("Revoked"),
    "unknown": gettext_lazy("Unknown"),
}
COVERAGE_LABELS = {
    "entire_file": gettext_lazy("The whole file"),
    "entire_revision": gettext_lazy("The whole revision it signed (later updates follow)"),
    "partial": gettext_lazy("Only part of the revision"),
    "unclear": gettext_lazy("Unclear"),
}
MODIFICATION_LABELS = {
    "none": gettext_lazy("None"),
    "lta_updates": gettext_lazy("Validation data and timestamps only"),
    "form_filling": gettext_lazy("Form filling and further signatures"),
    "annotations": gettext_lazy("Annotations"),
    "other": gettext_lazy("Changes it does not permit"),
}


# -- presenting a report (a ValidationReport.as_dict()) ----------------------------------------


@dataclass(frozen=True)
class Verdict:
    ok: bool
    headline: str
    reasons: list[str]


def verdict(report: dict) -> Verdict:
    """The verdict of a report, with every reason it is negative, document problems first."""
    if report.get("ok"):
        return Verdict(True, _("All signatures are valid"), [])
    reasons = list(report.get("problems", []))
    for number, signature in enumerate(report.get("signatures", []), start=1):
        reasons.extend(
            _("Signature %(number)s (%(field)s, %(signer)s): %(problem)s")
            % {
                "number": number,
                "field": signature.get("field_name") or "—",
                "signer": signature.get("signer") or "—",
                "problem": problem,
            }
            for problem in signature.get("problems", [])
        )
    if not report.get("signatures"):
        return Verdict(False, _("No valid signature could be confirmed"), reasons)
    return Verdict(False, _("The signatures of this document are not all valid"), reasons)


def signature_rows(signature: dict) -> list[tuple[str, str]]:
    """``(label, value)`` for every fact of one signature's report, in the user's language."""
    certified = signature.get("certification", False)
    return [
        (_("Signature field"), signature.get("field_name") or "—"),
        (_("Kind"), _label(KIND_LABELS, signature.get("kind"))),
        (_("Signer"), signature.get("signer") or "—"),
        (_("Unit"), signature.get("unit") or "—"),
        (_("Certificate issuer"), signature.get("issuer") or "—"),
        (_("Signed revision"), _revision(signature.get("revision"))),
        (_("Signing time (declared by the signer)"), moment(signature.get("signing_time"))),
        (_("Timestamp"), moment(signature.get("timestamp"))),
        (_("Intact (unchanged since signing)"), _yes_no(signature.get("intact"))),
        (_("Cryptographically valid"), _yes_no(signature.get("valid"))),
        (_("Trusted certificate"), _yes_no(signature.get("trusted"))),
        (_("Certificate chain"), _label(CHAIN_LABELS, signature.get("chain"))),
        (_("Coverage"), _label(COVERAGE_LABELS, signature.get("coverage"))),
        (_("Changes after signing"), _label(MODIFICATION_LABELS, signature.get("modification"))),
        (_("Certifies the document"), _yes_no(certified)),
        (
            _("Certification respected"),
            _yes_no(signature.get("certification_respected")) if certified else "—",
        ),
    ]


def moment(iso: str | None) -> str:
    """An ISO 8601 moment of the report in local time, "14:03:27 21/11/2026" in Vietnamese."""
    if not iso:
        return "—"
    try:
        value = timezone.localtime(datetime.datetime.fromisoformat(iso))
    except (TypeError, ValueError):
        return iso
    time, day = formats.date_format(value, "H:i:s"), formats.date_format(value, "SHORT_DATE_FORMAT")
    return f"{time} {day}"


def _label(labels: dict, value) -> str:
    if not value:
        return "—"
    return str(labels.get(value, value))


def _revision(value) -> str:
    return str(value) if isinstance(value, int) and value >= 0 else "—"


def _yes_no(value) -> str:
    return _("Yes") if value else _("No")


# -- a flow's signing step ------------------------------------------------------------------


def signing_state(request: SigningRequest | None) -> str:
    """Where a step's latest signing request stands, for its page: "" (none yet), "signing",
    "preparing" / "waiting" / "embedding" (an outside signer's two steps), "signed", "failed"."""
    if request is None:
        return ""
    if request.status != RequestStatus.PENDING:
        return {
            RequestStatus.WAITING_EXTERNAL: "waiting",
            RequestStatus.SIGNED: "signed",
            RequestStatus.FAILED: "failed",
        }[request.status]
    if request.credential.provider != Provider.EXTERNAL:
        return "signing"
    return "embedding" if external.RETURNED_CMS in request.external else "preparing"


class SigningStepView(StepView):
    """A step in which the task's person signs a field of a document: a head's signature, the
    records clerk's organisation signature, any flow's.

    The flow's step gives ``service`` (its service that asks for the signature: it checks
    that the person acts in the task, then calls ``signatures.pipeline``), the field signed
    (:meth:`field_id`; the task's ``field`` by default) and the PDF to read (:meth:`pdf_url`).
    A certificate whose key is with an outside signer (his USB-token tool, a remote-signing
    service) signs in two steps: once the document is prepared, the page shows what his tool
    signs and takes back the signature it returns (or a cancellation).
    """

    service = None

    actions = {
        "sign": ("sign_form", "sign"),
        "complete": ("external_form", "complete"),
        "cancel": (None, "cancel"),
    }

    def make_forms(self, data=None):
        last = self.last_request()
        return {
            "sign_form": SignForm(
                data if data and "sign" in data else None, user=self.request.user
            ),
            "external_form": ExternalSignatureForm(
                *((data, self.request.FILES) if data and "complete" in data else ())
            ),
            "last_request": last,
            "signing_state": signing_state(last),
            # Only the newest request can be open: a field has one open request at most.
            "under_way": last is not None and last.status in signing_requests.OPEN_STATUSES,
            "pdf_url": self.pdf_url(),
        }

    def field_id(self):
        return self.task.data.get("field")

    def pdf_url(self) -> str:
        """Where the signer reads the document he signs (empty: nowhere)."""
        return ""

    def last_request(self) -> SigningRequest | None:
        return selectors.last_request(self.field_id())

    def sign(self, form):
        credential = form.cleaned_data["credential"]
        self.service(
            task=self.task,
            by=self.request.user,
            credential=credential,
            secret=form.cleaned_data["pin"] or None,
        )
        if credential.provider == Provider.EXTERNAL:
            messages.info(
                self.request,
                _(
                    "The document is being prepared for your signing tool; this page then shows"
                    " what to sign."
                ),
            )
        # Otherwise no notice: the step itself says the signature is being made, then what
        # came of it (a notice would still say "being made" beside a failure).
        return HttpResponseRedirect(self.request.get_full_path())

    def complete(self, form):
        external.complete_external_signature(
            request=self._asked(), cms=form.cleaned_data["signature"], by=self.request.user
        )
        messages.info(
            self.request,
            _(
                "Your signature was received and is being added to the document; this page shows"
                " when done."
            ),
        )
        return HttpResponseRedirect(self.request.get_full_path())

    def cancel(self, form):
        external.cancel_external_signature(request=self._asked(), by=self.request.user)
        messages.info(
            self.request,
            _("The signature was cancelled: you may sign again, with this certificate or another."),
        )
        return HttpResponseRedirect(self.request.get_full_path())

    def _asked(self) -> SigningRequest:
        """The request the signer answers; the service says why if it waits for nothing."""
        request = self.last_request()
        if request is None:
            raise ValidationError(_("No signature has been asked for in this step yet."))
        return request


# -- the pages ---------------------------------------------------------------------------------


class ValidationUploadView(FormView):
    """Upload a PDF; its check is queued and the user lands on the job's page."""

    template_name = "signatures/validation/upload.html"
    form_class = ValidationUploadForm

    def get_context_data(self, **kwargs):
        recent = selectors.recent_validations(self.request.user)
        return super().get_context_data(recent_jobs=recent, **kwargs)

    def form_valid(self, form):
        try:
            job = uploads.submit_validation(
                content=form.content(),
                file_name=form.cleaned_data["file"].name,
                user=self.request.user,
                fetch=form.cleaned_data["fetch_revocation"],
            )
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
        return redirect(self.request.resolver_match.viewset.reverse("detail", args=[job.pk]))


@dataclass(frozen=True)
class SignatureCard:
    number: int
    report: dict
    rows: list[tuple[str, str]]


class ValidationJobView(TemplateView):
    """One check: "being checked" (the page reloads itself), then the verdict and the report.

    The report is JSON in the job's row: one query, however many signatures.
    """

    template_name = "signatures/validation/job.html"
    refresh_seconds = 2

    def get_context_data(self, **kwargs):
        # Someone else's job is answered as if it did not exist.
        job = get_object_or_404(ValidationJob, pk=self.kwargs["pk"], requested_by=self.request.user)
        report = job.report or {}
        return super().get_context_data(
            job=job,
            pending=job.status == ValidationStatus.PENDING,
            failed=job.status == ValidationStatus.FAILED,
            refresh_seconds=self.refresh_seconds,
            verdict=verdict(report),
            document_problems=report.get("problems", []),
            cards=[
                SignatureCard(number, signature, signature_rows(signature))
                for number, signature in enumerate(report.get("signatures", []), start=1)
            ],
            **kwargs,
        )


class ValidationViewset(AppMenuMixin, Viewset):
    """Check the digital signatures of any PDF: every signed-in official may."""

    app_name = "validation"
    title = gettext_lazy("Check signatures")
    icon = "verified"

    index_path = path("", ValidationUploadView.as_view(), name="index")
    detail_path = path("<int:pk>/", ValidationJobView.as_view(), name="detail")


# -- the official's own signing credentials ---------------------------------------------------


class CredentialListView(FormView):
    """ "My signing certificates": the list with each one's state, and registering a personal
    keystore (this view) or the certificate of an external signer (the next one).

    The list is a live region: when the check of a certificate ends, the page shows it.
    """

    template_name = "signatures/credentials/list.html"
    form_class = KeystoreForm
    #: The name of this view's form in the template, which shows both forms.
    form_name = "keystore_form"

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:  # it is given, bound, when a registration was refused
            kwargs["form"] = self.get_form()
        forms = {
            "keystore_form": KeystoreForm(),
            "certificate_form": CertificateForm(prefix=CERTIFICATE_PREFIX),
            self.form_name: kwargs["form"],
        }
        user = self.request.user
        return super().get_context_data(
            credentials=selectors.credentials_of(user),
            usable=selectors.usable_credential_ids(user),
            **forms,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            self.register(form)
        except (KeystoreLocked, CertificateRefused) as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Your certificate was registered. Its revocation status is being checked: you "
                "can sign with it once it shows as usable."
            ),
        )
        return HttpResponseRedirect(reverse("thidua:credentials:index"))

    def register(self, form) -> None:
        credentials.register_keystore(
            user=self.request.user,
            keystore=form.cleaned_data["keystore"].read(),
            pin=form.cleaned_data["pin"],
            label=form.cleaned_data["label"],
            by=self.request.user,
        )


# Both forms of the page have a label field.
CERTIFICATE_PREFIX = "external"


class CredentialCertificateView(CredentialListView):
    """Register the certificate of an external signer (a USB token on the official's PC, a
    signing service of his certificate authority): he signs in two steps."""

    http_method_names = ["post"]
    form_class = CertificateForm
    prefix = CERTIFICATE_PREFIX
    form_name = "certificate_form"

    def register(self, form) -> None:
        credentials.register_credential(
            user=self.request.user,
            provider=Provider.EXTERNAL,
            certificate=form.certificate_content(),
            chain=form.chain_content(),
            label=form.cleaned_data["label"],
            by=self.request.user,
        )


class CredentialWithdrawView(View):
    http_method_names = ["post"]

    def post(self, request, pk):
        credential = get_object_or_404(Credential, pk=pk, user=request.user)
        credentials.withdraw_credential(credential=credential, by=request.user)
        messages.success(request, _("The certificate will no longer be used for signing."))
        return HttpResponseRedirect(reverse("thidua:credentials:index"))


class CredentialViewset(AppMenuMixin, Viewset):
    app_name = "credentials"
    title = gettext_lazy("My signing certificates")
    icon = "key"

    index_path = path("", CredentialListView.as_view(), name="index")
    certificate_path = path("certificate/", CredentialCertificateView.as_view(), name="certificate")
    withdraw_path = path("<int:pk>/withdraw/", CredentialWithdrawView.as_view(), name="withdraw")
