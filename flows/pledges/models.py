"""The yearly emulation covenant (giao ước thi đua) of a bloc term, in versions.

django-fsm-2 owns the covenant's status (what pages, boards and later flows read); the viewflow
process (flows.py) owns who acts next. A version's text is frozen once it goes to review; a
change after that is a new version, and a version adopted for signing has its own PDF.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from viewflow.workflow.models import Process

from flows.blocs.models import BlocTerm
from workflows.models import Attachment, IssuedNumber, Organisation

#: The symbol of a covenant's number: NN/GƯ-<issuing unit's symbol> (ND 30 Phụ lục III).
DOCUMENT_SYMBOL = "GƯ"


class CovenantStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Member review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REVIEWED = "reviewed", _("Reviewed, awaiting adoption")
    ADOPTED = "adopted", _("Adopted, document being prepared")
    SIGNING = "signing", _("Signing")
    DECLINED = "declined", _("Signature declined")
    SIGNED = "signed", _("Signed by every member head")
    IN_FORCE = "in_force", _("In force")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = CovenantStatus
#: A term has one covenant at a time: any covenant not withdrawn holds the term.
LIVE_STATUSES = [status for status in S.values if status != S.WITHDRAWN]


class Covenant(ConcurrentTransitionMixin, models.Model):
    term = models.ForeignKey(
        BlocTerm, on_delete=models.PROTECT, related_name="covenants", verbose_name=_("bloc term")
    )
    status = FSMField(
        _("status"), max_length=20, choices=S.choices, default=S.DRAFT, protected=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-term__year", "term__bloc__name"]
        verbose_name = _("emulation covenant")
        verbose_name_plural = _("emulation covenants")
        constraints = [
            models.UniqueConstraint(
                fields=["term"],
                condition=Q(status__in=LIVE_STATUSES),
                name="one_live_covenant_per_term",
            )
        ]

    def __str__(self):
        return _("Emulation covenant %(year)s of %(bloc)s") % {
            "year": self.term.year,
            "bloc": self.term.bloc,
        }

    @property
    def leader(self) -> Organisation:
        return self.term.leader

    @property
    def issued_number(self) -> IssuedNumber | None:
        """The number of the covenant in force: its signed version's, from the leader unit's
        register (read from the versions, prefetched by the pages' selectors)."""
        versions = sorted(self.versions.all(), key=lambda version: version.number)
        document = versions[-1].document if versions else None
        return document.issued_number if document is not None else None

    @property
    def number_label(self) -> str:
        issued = self.issued_number
        return issued.label if issued else ""

    # -- transitions: the legal moves of the document ------------------------------------------

    @transition(field=status, source=[S.DRAFT, S.CHANGES_REQUESTED], target=S.REVIEW)
    def submit_for_review(self):
        pass

    @transition(field=status, source=S.REVIEW, target=S.REVIEWED)
    def conclude_review(self):
        pass

    @transition(field=status, source=S.REVIEW, target=S.CHANGES_REQUESTED)
    def return_for_changes(self):
        pass

    @transition(field=status, source=S.REVIEWED, target=S.ADOPTED)
    def adopt(self):
        pass

    @transition(field=status, source=S.ADOPTED, target=S.SIGNING)
    def open_signing(self):
        pass

    @transition(field=status, source=S.SIGNING, target=S.DECLINED)
    def decline(self):
        pass

    @transition(field=status, source=S.SIGNING, target=S.SIGNED)
    def complete_signing(self):
        pass

    @transition(field=status, source=S.DECLINED, target=S.DRAFT)
    def reopen(self):
        pass

    @transition(field=status, source=S.SIGNED, target=S.IN_FORCE)
    def enter_into_force(self):
        pass

    @transition(field=status, source=S.IN_FORCE, target=S.CLOSED)
    def close(self):
        pass

    @transition(
        field=status,
        source=[S.DRAFT, S.REVIEW, S.CHANGES_REQUESTED, S.DECLINED],
        target=S.WITHDRAWN,
    )
    def withdraw(self):
        pass


class CovenantVersion(models.Model):
    """The covenant's text as drafted; frozen once sent to review (``submitted_at``)."""

    covenant = models.ForeignKey(
        Covenant, on_delete=models.CASCADE, related_name="versions", verbose_name=_("covenant")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=255)
    basis = models.TextField(
        _("legal basis"), blank=True, help_text=_('One "Căn cứ …" line per line.')
    )
    theme = models.CharField(_("theme of the year"), max_length=500, blank=True)
    preamble = models.TextField(_("preamble"), blank=True)
    closing = models.TextField(_("implementation"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("sent to review"), null=True, blank=True)
    document = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="covenant_version",
        verbose_name=_("signed document"),
    )
    attachments = GenericRelation(
        Attachment, content_type_field="owner_type", object_id_field="owner_id"
    )
    # The criteria table the bloc adopted with this version (flows.rules), listed in its
    # document as an annex and scored against at the end of the year.
    criteria_set = models.ForeignKey(
        "rules.CriteriaSet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="covenant_versions",
        verbose_name=_("criteria set"),
    )

    class Meta:
        ordering = ["covenant", "number"]
        verbose_name = _("covenant version")
        verbose_name_plural = _("covenant versions")
        constraints = [models.UniqueConstraint(fields=["covenant", "number"], name="version_once")]

    def __str__(self):
        return _("version %(number)s") % {"number": self.number}

    @property
    def is_frozen(self) -> bool:
        return self.submitted_at is not None

    def basis_lines(self) -> list[str]:
        return [line.strip() for line in self.basis.splitlines() if line.strip()]


class Commitment(models.Model):
    """One section of commitments (nội dung giao ước), in order."""

    version = models.ForeignKey(
        CovenantVersion,
        on_delete=models.CASCADE,
        related_name="commitments",
        verbose_name=_("version"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    heading = models.CharField(_("heading"), max_length=255, blank=True)
    text = models.TextField(_("commitment"))

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self):
        return f"{self.position}. {self.heading or self.text[:60]}"


class Target(models.Model):
    """A quantified target, e.g. "95% CBCCVC đạt Lao động tiên tiến"."""

    version = models.ForeignKey(
        CovenantVersion,
        on_delete=models.CASCADE,
        related_name="targets",
        verbose_name=_("version"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=20)
    text = models.CharField(_("target"), max_length=500)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=40, blank=True)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="target_code_once")]

    def __str__(self):
        return f"{self.code}: {self.text} ({self.value_text})"

    @property
    def value_text(self) -> str:
        value = self.value.normalize()
        text = f"{value:f}".replace(".", ",")
        return f"{text}{'' if self.unit == '%' else ' '}{self.unit}".strip()


class Decision(models.TextChoices):
    APPROVE = "approve", _("Agree with the draft")
    REQUEST_CHANGES = "request_changes", _("Request changes")


class ReviewOpinion(models.Model):
    """A member unit's opinion on one version (góp ý dự thảo)."""

    version = models.ForeignKey(
        CovenantVersion,
        on_delete=models.CASCADE,
        related_name="opinions",
        verbose_name=_("version"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("official"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        ordering = ["version", "created_at"]
        verbose_name = _("review opinion")
        verbose_name_plural = _("review opinions")
        constraints = [
            models.UniqueConstraint(fields=["version", "organisation"], name="one_opinion_per_unit")
        ]

    def __str__(self):
        return f"{self.organisation}: {self.get_decision_display()}"


class SigningDecline(models.Model):
    """A member head's refusal to sign a version, with his reason.

    Also the record of a signing round stopped because the bloc's membership changed: the
    organisation is then the leader unit and the person whoever changed the term (none when
    the system did).
    """

    version = models.ForeignKey(
        CovenantVersion,
        on_delete=models.CASCADE,
        related_name="declines",
        verbose_name=_("version"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("official"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    reason = models.TextField(_("reason"))
    membership_changed = models.BooleanField(_("stopped by a membership change"), default=False)
    created_at = models.DateTimeField(_("declined at"), auto_now_add=True)

    class Meta:
        ordering = ["version", "created_at"]
        verbose_name = _("declined signature")
        verbose_name_plural = _("declined signatures")

    def __str__(self):
        return f"{self.organisation}: {self.reason[:60]}"


class CovenantProcess(Process):
    """The viewflow process of one covenant (a real foreign key, no status of its own)."""

    covenant = models.ForeignKey(
        Covenant, on_delete=models.PROTECT, related_name="processes", verbose_name=_("covenant")
    )

    class Meta:
        verbose_name = _("covenant process")
        verbose_name_plural = _("covenant processes")
