"""Documents under signature, their immutable revisions, signature fields and credentials.

A document's PDF only ever grows: every step (fields added, a signature, a filled number, a
timestamp) is an incremental update stored as a new revision, content-addressed by SHA-256 and
never rewritten. The current PDF is the revision with the highest number.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows import storage
from workflows.models import IssuedNumber, Organisation
from workflows.storage import ContentAltered, content_path, read_content


class SigningLevel(models.TextChoices):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B", _("PAdES B-B (basic signature)")
    B_T = "B-T", _("PAdES B-T (with a signature timestamp)")
    B_LT = "B-LT", _("PAdES B-LT (with validation data)")
    B_LTA = "B-LTA", _("PAdES B-LTA (with a document timestamp)")


class Document(models.Model):
    title = models.CharField(_("title"), max_length=500)
    document_type = models.CharField(_("document type"), max_length=60)
    level = models.CharField(_("signature level"), max_length=6, choices=SigningLevel.choices)
    certify = models.BooleanField(
        _("certify with the first signature"),
        default=True,
        help_text=_("The first signature then allows only form filling and further signatures."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # What the document is of (a covenant's version, a score sheet…): the flow that made it
    # (signatures.pipeline) is told of its signatures through it. Empty for an uploaded PDF.
    owner_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document of"),
    )
    owner_id = models.PositiveBigIntegerField(_("id of what it is the document of"), null=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    issued_number = models.OneToOneField(
        IssuedNumber,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="document",
        verbose_name=_("number"),
        help_text=_("Taken from the issuing organisation's register when it is numbered."),
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")

    def __str__(self):
        return self.title

    def latest_revision(self) -> "Revision":
        return self.revisions.order_by("-number").first()


class RevisionKind(models.TextChoices):
    RENDERED = "rendered", _("Rendered document")
    FIELDS = "fields", _("Signature fields added")
    SIGNATURE = "signature", _("Signature")
    EXTERNAL_SIGNATURE = "external", _("Signature from an external signer")
    TIMESTAMP = "timestamp", _("Document timestamp and validation data")
    UPLOADED = "uploaded", _("Uploaded document")


#: Where revisions (and other PDFs kept by their hash) are stored: ``revisions/ab/ab….pdf``.
REVISIONS_FOLDER, PDF_SUFFIX = "revisions", ".pdf"


def revision_path(sha256: str) -> str:
    return content_path(REVISIONS_FOLDER, sha256, PDF_SUFFIX)


class Revision(models.Model):
    """One immutable state of a document's PDF, stored once under its SHA-256."""

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="revisions", verbose_name=_("document")
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=RevisionKind.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["document", "number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_revision_number"),
        ]

    def __str__(self):
        return f"{self.document} #{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RevisionImmutable(_("A revision never changes: add a new one."))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RevisionImmutable(_("A revision is never deleted."))

    @property
    def path(self) -> str:
        return revision_path(self.sha256)

    def read(self) -> bytes:
        try:
            return read_content(REVISIONS_FOLDER, self.sha256, PDF_SUFFIX)
        except ContentAltered as error:
            raise RevisionImmutable(
                _("The stored file of revision %(number)s does not match its SHA-256.")
                % {"number": self.number}
            ) from error


class RevisionImmutable(Exception):
    pass


def store_content(content: bytes) -> str:
    """Write ``content`` once under its SHA-256 (an existing file is never rewritten)."""
    return storage.store_content(content, REVISIONS_FOLDER, PDF_SUFFIX)


class FieldKind(models.TextChoices):
    PERSONAL = "personal", _("Personal signature")
    ORGANISATION = "organisation", _("Organisation signature")


class SignatureField(models.Model):
    """A visible signature field of a document, for one declared signer."""

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="fields", verbose_name=_("document")
    )
    name = models.CharField(_("field name"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(
        _("kind"), max_length=20, choices=FieldKind.choices, default=FieldKind.PERSONAL
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signature_fields",
        verbose_name=_("signer"),
        help_text=_("The official who signs, or for whom a substitute signs."),
    )
    signer_title = models.CharField(_("signer's title"), max_length=200, blank=True)
    unit_name = models.CharField(_("unit"), max_length=255, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for the organisation"),
        help_text=_("The unit whose head (or records clerk) signs here, when the flow says."),
    )
    page = models.PositiveSmallIntegerField(_("page"))
    box = models.JSONField(_("box"), help_text=_("x1, y1, x2, y2 in PDF points."))
    # What the signature recorded (empty until signed).
    revision = models.OneToOneField(
        Revision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="field",
        verbose_name=_("signed revision"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signing_prefix = models.CharField(_("signing prefix"), max_length=5, blank=True)

    class Meta:
        ordering = ["document", "position"]
        verbose_name = _("signature field")
        verbose_name_plural = _("signature fields")
        constraints = [
            models.UniqueConstraint(fields=["document", "name"], name="one_field_name"),
            models.UniqueConstraint(fields=["document", "position"], name="one_field_position"),
        ]

    def __str__(self):
        return f"{self.document}: {self.name}"

    @property
    def is_signed(self) -> bool:
        return self.revision_id is not None


class Provider(models.TextChoices):
    PKCS12 = "pkcs12", _("Personal keystore (PKCS#12) unlocked by a PIN")
    PKCS11 = "pkcs11", _("Token or HSM (PKCS#11)")
    CSC = "csc", _("Remote signing service (CSC API)")
    EXTERNAL = "external", _("External signer (two-step)")

    @classmethod
    def unlocked_by_pin(cls):
        """Providers whose key the server unlocks with the PIN the official types."""
        return {cls.PKCS12, cls.PKCS11}


class CredentialStatus(models.TextChoices):
    """Where the check of a registered certificate stands (its revocation is asked online)."""

    CHECKING = "checking", _("Being checked…")
    ACTIVE = "active", _("Usable")
    REFUSED = "refused", _("Refused")


class CredentialQuerySet(models.QuerySet):
    def usable_for(self, user) -> "CredentialQuerySet":
        """``user``'s credentials that may sign now: accepted by the check, not withdrawn, and
        within their validity period."""
        now = timezone.now()
        return self.filter(
            user=user,
            status=CredentialStatus.ACTIVE,
            revoked_at__isnull=True,
            valid_from__lte=now,
            valid_to__gt=now,
        )


class Credential(models.Model):
    """An official's signing certificate and where its private key lives.

    A registered certificate is first *checking*: what needs no network is checked at once,
    its revocation status by a task, which makes it *active* or *refused* (with the reason).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credentials",
        verbose_name=_("official"),
    )
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    label = models.CharField(_("label"), max_length=200, blank=True)
    certificate = models.BinaryField(_("certificate (DER)"))
    chain = models.TextField(_("intermediate certificates (PEM)"), blank=True)
    subject = models.CharField(_("subject"), max_length=500)
    issuer = models.CharField(_("issuer"), max_length=500)
    serial = models.CharField(_("serial number"), max_length=80)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"))
    keystore = models.BinaryField(
        _("keystore"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("PKCS#12, protected by the official's PIN and encrypted at rest."),
    )
    config = models.JSONField(_("provider settings"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CredentialStatus.choices,
        default=CredentialStatus.CHECKING,
    )
    reason = models.TextField(_("reason for the refusal"), blank=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        ordering = ["user", "-valid_to"]
        verbose_name = _("signing credential")
        verbose_name_plural = _("signing credentials")
        constraints = [
            # One live registration of a certificate per official; a refused or withdrawn one
            # does not block registering it again once its problem is solved. Per official, not
            # site-wide: certificates are public (every signed PDF carries one), so anybody
            # registering someone else's as his external signer must not lock its owner out.
            models.UniqueConstraint(
                fields=["user", "fingerprint"],
                condition=Q(revoked_at__isnull=True) & ~Q(status="refused"),
                name="one_live_credential_per_certificate",
            ),
        ]

    def __str__(self):
        return f"{self.subject} ({self.get_provider_display()})"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be signed")
    WAITING_EXTERNAL = "waiting_external", _("Waiting for the signer")
    SIGNED = "signed", _("Signed")
    FAILED = "failed", _("Failed")


class SigningRequest(models.Model):
    """One attempt to sign a field, carried out by a background task."""

    field = models.ForeignKey(
        SignatureField, on_delete=models.PROTECT, related_name="requests", verbose_name=_("field")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signing_requests",
        verbose_name=_("signed by"),
    )
    credential = models.ForeignKey(
        Credential, on_delete=models.PROTECT, related_name="requests", verbose_name=_("credential")
    )
    signing_prefix = models.CharField(_("signing prefix"), max_length=5, blank=True)
    fill = models.JSONField(_("fields filled in"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    reason = models.TextField(_("reason"), blank=True)
    # The PIN, encrypted with the server key, for the few seconds until the task runs.
    secret = models.BinaryField(_("sealed PIN"), null=True, blank=True, editable=False)
    # Two-step signing: the prepared PDF (content-addressed), the revision it was prepared on,
    # the digest to sign (hex) and where the signature goes in the prepared PDF.
    external = models.JSONField(
        _("two-step signing data"), default=dict, blank=True, editable=False
    )
    revision = models.OneToOneField(
        Revision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request",
        verbose_name=_("revision"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing request")
        verbose_name_plural = _("signing requests")
        constraints = [
            # A double click never gives two live requests for one field.
            models.UniqueConstraint(
                fields=["field"],
                condition=Q(status__in=["pending", "waiting_external"]),
                name="one_open_request_per_field",
            ),
        ]

    def __str__(self):
        return f"{self.field} – {self.get_status_display()}"


class ValidationStatus(models.TextChoices):
    PENDING = "pending", _("Being checked")
    DONE = "done", _("Checked")
    FAILED = "failed", _("Could not be checked")


class ValidationJob(models.Model):
    """A PDF uploaded for validation; the check runs as a task (it may fetch OCSP/CRL data)."""

    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    fetch_revocation = models.BooleanField(_("fetch revocation data"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ValidationStatus.choices,
        default=ValidationStatus.PENDING,
    )
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("validation")
        verbose_name_plural = _("validations")

    def __str__(self):
        return self.file_name or self.sha256[:12]
