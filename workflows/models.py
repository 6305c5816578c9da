"""Organisations, who holds which role where and when, delegation, the audit log and ballots.

Periods are closed date ranges: ``valid_from`` and ``valid_to`` are both days on which the
appointment or delegation applies; an empty ``valid_to`` means "until further notice".
"""

import datetime
import hashlib
import json
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.storage import read_content


def person_name(user) -> str:
    """The name to show for an official: his full name, else his username."""
    return user.get_full_name() or user.get_username()


class OrganisationKind(models.Model):
    """A kind of organisation (province, department, district, commune, school, council…): data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_jurisdiction = models.BooleanField(
        _("is a jurisdiction"),
        default=False,
        help_text=_("Provinces and cities that organise emulation blocs and councils."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation kind")
        verbose_name_plural = _("organisation kinds")

    def __str__(self):
        return self.name


class Organisation(models.Model):
    """A government unit in a tree: a province holds departments, districts, councils…"""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    kind = models.ForeignKey(
        OrganisationKind,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("kind"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent organisation"),
    )
    abbreviation = models.CharField(
        _("document symbol"),
        max_length=30,
        blank=True,
        help_text=_("Symbol used in document numbers, e.g. UBND in 12/GƯ-UBND (ND 30/2020)."),
    )
    place_name = models.CharField(
        _("place name"),
        max_length=120,
        blank=True,
        help_text=_('Place written before the date of documents, e.g. "Hải Phòng".'),
    )
    historical = models.BooleanField(
        _("historical"),
        default=False,
        help_text=_("Dissolved or merged by the 2025 reorganisation; kept for past records."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError(
                    {"parent": _("An organisation cannot be placed under itself or its own unit.")}
                )
            ancestor = ancestor.parent

    def ancestors(self):
        """Parents from the nearest up to the root."""
        result, node = [], self.parent
        while node is not None:
            result.append(node)
            node = node.parent
        return result


class Role(models.TextChoices):
    HEAD = "head", _("Head of unit")
    DEPUTY_HEAD = "deputy_head", _("Deputy head of unit")
    EMULATION_OFFICER = "emulation_officer", _("Emulation and commendation officer")
    RECORDS_CLERK = "records_clerk", _("Records clerk")
    COUNCIL_CHAIR = "council_chair", _("Council chair")
    COUNCIL_MEMBER = "council_member", _("Council member")
    COUNCIL_SECRETARY = "council_secretary", _("Council secretary")
    HOME_AFFAIRS_OFFICER = "home_affairs_officer", _("Home-affairs officer")

    @classmethod
    def single_holder_roles(cls):
        """Roles one person at a time holds in an organisation."""
        return {cls.HEAD, cls.COUNCIL_CHAIR}


class PeriodQuerySet(models.QuerySet):
    def current(self, on: datetime.date):
        """Rows whose closed period contains the day ``on``."""
        return self.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )

    def overlapping(self, valid_from: datetime.date, valid_to: datetime.date | None):
        """Rows whose period shares at least one day with ``[valid_from, valid_to]``."""
        rows = self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        return rows if valid_to is None else rows.filter(valid_from__lte=valid_to)


def period_label(valid_from: datetime.date, valid_to: datetime.date | None) -> str:
    start = date_format(valid_from, "SHORT_DATE_FORMAT")
    if valid_to is None:
        return _("from %(start)s") % {"start": start}
    return _("%(start)s – %(end)s") % {
        "start": start,
        "end": date_format(valid_to, "SHORT_DATE_FORMAT"),
    }


def validate_period(valid_from, valid_to) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError(
            {
                "valid_to": _("The end date (%(end)s) is before the start date (%(start)s).")
                % {
                    "end": date_format(valid_to, "SHORT_DATE_FORMAT"),
                    "start": date_format(valid_from, "SHORT_DATE_FORMAT"),
                }
            }
        )


class Appointment(models.Model):
    """A person holds a role at an organisation for a period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("official"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    title = models.CharField(
        _("job title"),
        max_length=120,
        blank=True,
        help_text=_('As printed in signature blocks, e.g. "Chủ tịch", "Giám đốc".'),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role", "valid_from"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="appointment_period_ordered",
            )
        ]
        indexes = [models.Index(fields=["organisation", "role", "valid_from"])]

    def __str__(self):
        return f"{person_name(self.user)} – {self.get_role_display()}, {self.organisation}"

    @property
    def period(self) -> str:
        return period_label(self.valid_from, self.valid_to)

    def covers(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def clean(self):
        validate_period(self.valid_from, self.valid_to)
        if self.valid_from and self.organisation_id and self.user_id:
            self._refuse_overlapping_appointment()

    def _refuse_overlapping_appointment(self):
        same_role = (
            Appointment.objects.filter(organisation_id=self.organisation_id, role=self.role)
            .exclude(pk=self.pk)
            .overlapping(self.valid_from, self.valid_to)
            .select_related("user")
        )
        if same_role.filter(user_id=self.user_id).exists():
            raise ValidationError(
                _("This official already holds this role at %(organisation)s in this period.")
                % {"organisation": self.organisation}
            )
        clash = same_role.first() if self.role in Role.single_holder_roles() else None
        if clash is not None:
            raise ValidationError(
                _(
                    "%(organisation)s already has a %(role)s in this period: "
                    "%(person)s (%(period)s)."
                )
                % {
                    "organisation": self.organisation,
                    "role": self.get_role_display().lower(),
                    "person": person_name(clash.user),
                    "period": clash.period,
                }
            )


class SigningPrefix(models.TextChoices):
    """Authority prefixes of ND 30/2020 signature blocks for a person signing for another."""

    KT = "KT.", _("KT. – signing for the head (deputy)")
    TL = "TL.", _("TL. – signing by order of the head")
    TUQ = "TUQ.", _("TUQ. – signing by authorisation of the head")
    Q = "Q.", _("Q. – acting head")


class DelegationScope(models.TextChoices):
    ALL = "all", _("All work of the role")
    REVIEW = "review", _("Reviewing and approving")
    SIGN = "sign", _("Signing documents")
    VOTE = "vote", _("Voting")


class Delegation(models.Model):
    """A principal lets a substitute act in one of his appointments, for a scope and a period."""

    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        related_name="delegations",
        verbose_name=_("delegated appointment"),
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="substitutions",
        verbose_name=_("substitute"),
    )
    scope = models.CharField(
        _("scope"), max_length=20, choices=DelegationScope.choices, default=DelegationScope.ALL
    )
    prefix = models.CharField(
        _("signing prefix"), max_length=5, choices=SigningPrefix.choices, default=SigningPrefix.KT
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="delegation_period_ordered"
            )
        ]

    def __str__(self):
        return _("%(substitute)s for %(principal)s (%(period)s)") % {
            "substitute": person_name(self.substitute),
            "principal": person_name(self.principal),
            "period": self.period,
        }

    @property
    def principal(self):
        return self.appointment.user

    @property
    def period(self) -> str:
        return period_label(self.valid_from, self.valid_to)

    def covers(self, action: str) -> bool:
        return self.scope in (DelegationScope.ALL, action)

    def clean(self):
        validate_period(self.valid_from, self.valid_to)
        if not self.appointment_id:
            return
        appointment = self.appointment
        if self.substitute_id and self.substitute_id == appointment.user_id:
            raise ValidationError({"substitute": _("An official cannot delegate to himself.")})
        if self.valid_from and self.valid_to and not self._inside_appointment(appointment):
            raise ValidationError(
                _(
                    "The delegation (%(delegation)s) must lie within the appointment it "
                    "delegates (%(appointment)s)."
                )
                % {"delegation": self.period, "appointment": appointment.period}
            )

    def _inside_appointment(self, appointment: Appointment) -> bool:
        return appointment.covers(self.valid_from) and appointment.covers(self.valid_to)


class IssuedNumber(models.Model):
    """One entry of an organisation's register of outgoing documents (sổ đăng ký văn bản đi).

    ND 30/2020 Điều 15: the records clerk numbers every document the organisation issues, in
    one series per calendar year starting again at 01 on 1 January; the database refuses two
    documents with the same number in the same year.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="issued_numbers",
        verbose_name=_("issuing organisation"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    symbol = models.CharField(_("symbol"), max_length=60)
    issued_on = models.DateField(_("date"))
    summary = models.CharField(_("summary"), max_length=255)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("records clerk"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["organisation", "-year", "-number"]
        verbose_name = _("issued document number")
        verbose_name_plural = _("register of issued numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "number"], name="one_number_per_year"
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """As printed after "Số:": 05/GƯ-UBND (numbers below 10 take a leading zero)."""
        return f"{self.number:02d}/{self.symbol}"


#: Where attachments are stored, by their SHA-256 (``workflows.storage``).
ATTACHMENTS_FOLDER = "attachments"


class Attachment(models.Model):
    """A file attached to any object of a flow (a covenant's version, a score sheet…).

    The content is stored once under its SHA-256 and never changes: a new version of the
    object that keeps the file gets a row of its own over the same content.
    """

    owner_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("attached to")
    )
    owner_id = models.PositiveBigIntegerField(_("id of what it is attached to"))
    owner = GenericForeignKey("owner_type", "owner_id")
    name = models.CharField(_("name"), max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["owner_type", "owner_id", "uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["owner_type", "owner_id"])]

    def __str__(self):
        return self.name

    def read(self) -> bytes:
        return read_content(ATTACHMENTS_FOLDER, self.sha256)


class AuditEventQuerySet(models.QuerySet):
    """Audit rows are append-only: bulk writes, updates and deletes are refused.

    Entries are appended one at a time by ``services.record_event``, which chains them.
    """

    def update(self, **kwargs):
        raise AuditLogImmutable(_("Audit log entries cannot be changed."))

    def delete(self):
        raise AuditLogImmutable(_("Audit log entries cannot be deleted."))

    def bulk_create(self, *args, **kwargs):
        raise AuditLogImmutable(_("Audit log entries are appended one by one."))

    def bulk_update(self, *args, **kwargs):
        raise AuditLogImmutable(_("Audit log entries cannot be changed."))


class AuditLogImmutable(Exception):
    pass


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit log.

    ``hash`` covers every field and the previous entry's hash, so altering or removing any
    entry breaks the chain from there on (``manage.py audit_verify``). ``position`` numbers the
    entries without gaps, so a removed row shows even where ids skip after a rollback.
    """

    position = models.PositiveBigIntegerField(_("position"), unique=True, editable=False)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    previous_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    GENESIS_HASH = "0" * 64

    class Meta:
        ordering = ["position"]
        # Related-object access and cascades use the base manager: make it the guarded one.
        base_manager_name = "objects"
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"#{self.position} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogImmutable(_("Audit log entries cannot be changed."))
        # Always INSERT: given an existing primary key, Django would otherwise try an UPDATE
        # first and silently overwrite that entry.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutable(_("Audit log entries cannot be deleted."))

    def compute_hash(self) -> str:
        content = {
            "position": self.position,
            "occurred_at": self.occurred_at.astimezone(datetime.UTC).isoformat(),
            "actor": self.actor_id,
            "on_behalf_of": self.on_behalf_of_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "data": self.data,
            "previous_hash": self.previous_hash,
        }
        return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def canonical_json(value) -> str:
    """One byte-exact JSON text for a value, whatever the database did to key order."""
    return json.dumps(
        value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def floats_as_text(value):
    """Floats written as text, recursively.

    PostgreSQL's jsonb rewrites numbers (1e16 comes back as 10000000000000000), which would
    change the hash of a stored entry; text survives every database unchanged.
    """
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {key: floats_as_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [floats_as_text(item) for item in value]
    return value


class AuditChainHead(models.Model):
    """The last position and hash of the chain, one row.

    Appending locks this row (SELECT … FOR UPDATE), which serialises concurrent writers so the
    chain never forks; it also anchors the end, so deleting the newest entries is detected.
    """

    id = models.PositiveSmallIntegerField(_("id"), primary_key=True, default=1, editable=False)
    position = models.PositiveBigIntegerField(_("position"), default=0)
    hash = models.CharField(_("hash"), max_length=64, default=AuditEvent.GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_head_singleton")]

    def __str__(self):
        return f"#{self.position} {self.hash}"


# Ballots ---------------------------------------------------------------------------------------
#
# A ballot asks its electorate one or more questions over at most ``max_rounds`` rounds. Who took
# part in a round (``Participation``) and what was voted (``BallotPaper``) are stored apart: in a
# secret ballot no column, key, order or timestamp relates a paper to its voter (docs/ballots.md).


class BallotMode(models.TextChoices):
    SECRET = "secret", _("Secret ballot")
    OPEN = "open", _("Open vote")


class ThresholdBase(models.TextChoices):
    """Over whom a threshold is counted (the values of the rule sets' ``vote.base``)."""

    ELECTORATE = "total_members", _("the whole electorate")
    PRESENT = "present", _("those present")


class TieRule(models.TextChoices):
    """What settles a tie, or a place still open, once the rounds are spent."""

    PRIORITY = "priority", _("the candidate with priority is preferred")
    DECISION = "decision", _("the deciders named by the rules decide")


class BallotStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    VOTING = "voting", _("Voting")
    COUNTED = "counted", _("Round counted")
    FROZEN = "frozen", _("Result frozen")


class Ballot(ConcurrentTransitionMixin, models.Model):
    """A vote on questions about a subject (a meeting, a council session…)."""

    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    title = models.CharField(_("title"), max_length=255)
    mode = models.CharField(
        _("mode"), max_length=10, choices=BallotMode.choices, default=BallotMode.SECRET
    )
    base = models.CharField(
        _("thresholds counted over"),
        max_length=20,
        choices=ThresholdBase.choices,
        default=ThresholdBase.ELECTORATE,
    )
    base_source = models.CharField(_("legal basis of the base"), max_length=255, blank=True)
    max_rounds = models.PositiveSmallIntegerField(_("most rounds"), default=1)
    written_votes = models.BooleanField(
        _("absentees vote in writing"),
        default=False,
        help_text=_("The secretary records the written votes of electors who are absent."),
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chair"),
        help_text=_("Opens and closes the rounds and freezes the result."),
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("secretary"),
        help_text=_("Records the written votes of absentees."),
    )
    status = FSMField(
        _("status"),
        max_length=10,
        choices=BallotStatus.choices,
        default=BallotStatus.PREPARED,
        protected=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("frozen by"),
    )
    #: The counted result as frozen (``ballots.result_of``), and the SHA-256 of its canonical JSON,
    #: which the audit log keeps too.
    result = models.JSONField(_("result"), null=True, blank=True, encoder=DjangoJSONEncoder)
    result_hash = models.CharField(_("result hash"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self):
        return self.title

    @property
    def is_secret(self) -> bool:
        return self.mode == BallotMode.SECRET

    @transition(
        field=status,
        source=[BallotStatus.PREPARED, BallotStatus.COUNTED],
        target=BallotStatus.VOTING,
    )
    def start_round(self):
        pass

    @transition(field=status, source=BallotStatus.VOTING, target=BallotStatus.COUNTED)
    def finish_round(self):
        pass

    @transition(field=status, source=BallotStatus.COUNTED, target=BallotStatus.FROZEN)
    def freeze(self):
        pass


class BallotQuestion(models.Model):
    """One question: choose at most ``max_choices`` of its candidates, to fill ``seats`` places.

    A yes-or-no question is a question with one candidate and one seat: a paper that marks the
    candidate is a vote for, a paper that does not is a vote against.
    """

    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="questions", verbose_name=_("ballot")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("question"), max_length=255)
    seats = models.PositiveSmallIntegerField(_("places"), default=1)
    max_choices = models.PositiveSmallIntegerField(_("most choices per paper"), default=1)
    #: The share of the base a candidate needs, as a fraction ("1/2", "4/5").
    threshold = models.CharField(_("threshold"), max_length=20)
    threshold_strict = models.BooleanField(
        _("more than the threshold"),
        default=False,
        help_text=_(
            'Checked: more than the threshold ("quá nửa"); unchecked: at least it ("từ 80 %").'
        ),
    )
    threshold_source = models.CharField(_("legal basis of the threshold"), max_length=255)
    #: What settles a tie or an open place once the rounds are spent, in order (``TieRule``).
    tie_rules = models.JSONField(_("tie rules"), default=list, blank=True)
    tie_source = models.CharField(_("legal basis of the tie rules"), max_length=255, blank=True)

    class Meta:
        ordering = ["ballot", "position"]
        verbose_name = _("ballot question")
        verbose_name_plural = _("ballot questions")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "position"], name="ballot_question_position"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="ballot_question_has_seats"),
            models.CheckConstraint(
                condition=Q(max_choices__gte=1), name="ballot_question_allows_a_choice"
            ),
        ]

    def __str__(self):
        return self.label


class BallotCandidate(models.Model):
    question = models.ForeignKey(
        BallotQuestion,
        on_delete=models.CASCADE,
        related_name="candidates",
        verbose_name=_("question"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("candidate"), max_length=255)
    #: What the candidate stands for in the flow that asked ("app.model:pk"), for its own use.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    priority = models.BooleanField(_("has priority in a tie"), default=False)
    priority_reason = models.CharField(_("why it has priority"), max_length=255, blank=True)

    class Meta:
        ordering = ["question", "position"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.UniqueConstraint(
                fields=["question", "position"], name="ballot_candidate_position"
            )
        ]

    def __str__(self):
        return self.label


class Elector(models.Model):
    """Someone who may vote: the holder of an appointment (a unit's head, a council member).

    Resolved when the ballot is prepared; a substitute votes in his place under a delegation.
    """

    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="electors", verbose_name=_("ballot")
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="+", verbose_name=_("appointment")
    )
    label = models.CharField(_("elector"), max_length=255)

    class Meta:
        ordering = ["ballot", "label"]
        verbose_name = _("elector")
        verbose_name_plural = _("electorate")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "appointment"], name="one_elector_per_post")
        ]

    def __str__(self):
        return self.label


class BallotRound(models.Model):
    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("ballot")
    )
    number = models.PositiveSmallIntegerField(_("round"))
    candidates = models.ManyToManyField(
        BallotCandidate, related_name="rounds", verbose_name=_("candidates on the paper")
    )
    #: The roll call of the round, when one was taken: who is present in the room. Without it
    #: everyone who votes in person counts as present.
    present = models.ManyToManyField(
        Elector, related_name="present_in", blank=True, verbose_name=_("present")
    )
    roll_called = models.BooleanField(_("roll call taken"), default=False)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    #: The count, written when the round closes: {"papers": n, "present": n,
    #: "votes": {candidate id: votes for}}.
    tally = models.JSONField(_("count"), null=True, blank=True)

    class Meta:
        ordering = ["ballot", "number"]
        verbose_name = _("ballot round")
        verbose_name_plural = _("ballot rounds")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "number"], name="one_round_per_number")
        ]

    def __str__(self):
        return _("%(ballot)s, round %(number)s") % {"ballot": self.ballot, "number": self.number}

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ParticipationKind(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    WRITTEN = "written", _("In writing (absent)")


class Participation(models.Model):
    """That an elector voted in a round, and how; never what he voted."""

    round = models.ForeignKey(
        BallotRound,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("round"),
    )
    elector = models.ForeignKey(
        Elector, on_delete=models.PROTECT, related_name="participations", verbose_name=_("elector")
    )
    kind = models.CharField(
        _("how"),
        max_length=10,
        choices=ParticipationKind.choices,
        default=ParticipationKind.IN_PERSON,
    )
    #: Who handed in the paper: the elector, his substitute, or the secretary for a written vote.
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cast by"),
    )
    delegation = models.ForeignKey(
        Delegation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("under delegation"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["round", "recorded_at"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "elector"], name="one_vote_per_elector_and_round"
            )
        ]

    def __str__(self):
        return f"{self.elector} – {self.round}"


class BallotPaper(models.Model):
    """What one paper says: the candidates it marks, across the round's questions.

    Deliberately without a voter, a timestamp or an ordered key in a secret ballot: the id is
    random, the rows are rewritten in a random order when the round closes, and ``elector`` is
    filled only in an open vote. ``receipt_hash`` lets the voter find his paper again with the
    code he was given, and nobody else.
    """

    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(
        BallotRound, on_delete=models.CASCADE, related_name="papers", verbose_name=_("round")
    )
    #: The ids of the candidates marked, sorted.
    marks = models.JSONField(_("marks"), default=list)
    receipt_hash = models.CharField(_("receipt hash"), max_length=64, unique=True)
    elector = models.ForeignKey(
        Elector,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("elector (open vote only)"),
    )

    class Meta:
        verbose_name = _("ballot paper")
        verbose_name_plural = _("ballot papers")

    def __str__(self):
        return _("Paper of %(round)s") % {"round": self.round}


class BallotDecision(models.Model):
    """The deciders' choice for a question the rounds left undecided (a tie rule ``DECISION``)."""

    question = models.OneToOneField(
        BallotQuestion,
        on_delete=models.CASCADE,
        related_name="decision",
        verbose_name=_("question"),
    )
    chosen = models.ManyToManyField(BallotCandidate, related_name="+", verbose_name=_("chosen"))
    deciders = models.CharField(_("decided by"), max_length=255)
    reason = models.TextField(_("reason"))
    #: The chair, or nobody when the flow records what its deciders agreed in its own steps.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("decision on a tie")
        verbose_name_plural = _("decisions on ties")

    def __str__(self):
        return str(self.question)
