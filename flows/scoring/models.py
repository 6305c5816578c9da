"""Year-end scoring of a bloc term (chấm điểm thi đua, DOMAIN.md §5 P5).

Every member unit scores itself against the criteria set adopted with the covenant; its head
signs the unit's score sheet; the leader unit (or the units the bloc assigns) cross-scores,
changing points only with a reason; each unit accepts or disputes within the rule set's window;
the leader unit decides disputes, then freezes and ranks. Frozen results never change: a
correction is a new result version.

django-fsm-2 owns the statuses (what pages, the board and later flows read); the viewflow
process (flows.py) owns who acts next.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from viewflow.workflow.models import Process

from flows.blocs.models import BlocTerm
from flows.rules.models import CriteriaSet, Criterion
from workflows.models import Attachment, Organisation


class ScoringStatus(models.TextChoices):
    SELF_SCORING = "self_scoring", _("Units are scoring themselves")
    CROSS_SCORING = "cross_scoring", _("Cross-scoring")
    REVIEW = "review", _("Units are reviewing their cross-scored sheets")
    DISPUTES = "disputes", _("Disputes being decided")
    AGREEING = "agreeing", _("Decisions awaiting the deputy unit's agreement")
    FINAL = "final", _("Final scores, to be frozen")
    FROZEN = "frozen", _("Frozen and ranked, result being signed")
    RANKED = "ranked", _("Ranked, result signed")
    CANCELLED = "cancelled", _("Cancelled")


S = ScoringStatus
LIVE_STATUSES = [status for status in S.values if status != S.CANCELLED]


class Scoring(ConcurrentTransitionMixin, models.Model):
    term = models.ForeignKey(
        BlocTerm, on_delete=models.PROTECT, related_name="scorings", verbose_name=_("bloc term")
    )
    criteria_set = models.ForeignKey(
        CriteriaSet,
        on_delete=models.PROTECT,
        related_name="scorings",
        verbose_name=_("criteria set"),
    )
    status = FSMField(
        _("status"), max_length=20, choices=S.choices, default=S.SELF_SCORING, protected=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    self_score_due = models.DateField(_("self-scoring due"))
    cross_score_due = models.DateField(_("cross-scoring due"), null=True, blank=True)
    dispute_due = models.DateField(_("disputes accepted until"), null=True, blank=True)
    #: The rules that decided the scoring's deadlines and ranking, as resolved when it opened:
    #: {key: {"display": "5 ngày", "source": "…", "rule_set": "…", "value": …}}.
    rulings = models.JSONField(_("rules applied"), default=dict)

    class Meta:
        ordering = ["-term__year", "term__bloc__name"]
        verbose_name = _("scoring")
        verbose_name_plural = _("scorings")
        constraints = [
            models.UniqueConstraint(
                fields=["term"],
                condition=Q(status__in=LIVE_STATUSES),
                name="one_live_scoring_per_term",
            )
        ]

    def __str__(self):
        return _("Scoring of %(bloc)s, %(year)s") % {
            "bloc": self.term.bloc.name,
            "year": self.term.year,
        }

    @transition(field=status, source=S.SELF_SCORING, target=S.CROSS_SCORING)
    def open_cross_scoring(self):
        pass

    @transition(field=status, source=S.CROSS_SCORING, target=S.REVIEW)
    def open_review(self):
        pass

    @transition(field=status, source=S.REVIEW, target=S.DISPUTES)
    def open_disputes(self):
        pass

    @transition(field=status, source=S.DISPUTES, target=S.AGREEING)
    def ask_agreement(self):
        pass

    @transition(field=status, source=S.AGREEING, target=S.DISPUTES)
    def reopen_disputes(self):
        pass

    @transition(field=status, source=[S.REVIEW, S.DISPUTES, S.AGREEING], target=S.FINAL)
    def finalise(self):
        pass

    @transition(field=status, source=S.FINAL, target=S.FROZEN)
    def freeze(self):
        pass

    @transition(field=status, source=S.FROZEN, target=S.RANKED)
    def complete(self):
        pass

    @transition(field=status, source=[S.SELF_SCORING, S.CROSS_SCORING], target=S.CANCELLED)
    def cancel(self):
        pass


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("Being filled in")
    SUBMITTED = "submitted", _("Sent to the head for signature")
    SIGNED = "signed", _("Signed by the head")
    CROSS_SCORED = "cross_scored", _("Cross-scored")
    ACCEPTED = "accepted", _("Accepted by the unit")
    DISPUTED = "disputed", _("Disputed by the unit")
    SETTLED = "settled", _("Disputes decided")


SS = SheetStatus
#: Statuses after which the unit's own points are fixed (signed).
SIGNED_STATUSES = [SS.SIGNED, SS.CROSS_SCORED, SS.ACCEPTED, SS.DISPUTED, SS.SETTLED]


class ScoreSheet(ConcurrentTransitionMixin, models.Model):
    """A member unit's scores against every criterion; its self-assessment is signed by its
    head as a PDF (signatures.pipeline, document type ``score_sheet``)."""

    scoring = models.ForeignKey(
        Scoring, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("scoring")
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="score_sheets", verbose_name=_("unit")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    status = FSMField(
        _("status"), max_length=20, choices=SS.choices, default=SS.DRAFT, protected=True
    )
    submitted_at = models.DateTimeField(_("sent for signature at"), null=True, blank=True)
    document = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="score_sheet",
        verbose_name=_("signed document"),
    )

    class Meta:
        ordering = ["scoring", "position", "unit__name"]
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            models.UniqueConstraint(fields=["scoring", "unit"], name="one_sheet_per_unit")
        ]

    def __str__(self):
        return _("Score sheet of %(unit)s") % {"unit": self.unit.name}

    @transition(field=status, source=SS.DRAFT, target=SS.SUBMITTED)
    def submit(self):
        pass

    @transition(field=status, source=SS.SUBMITTED, target=SS.DRAFT)
    def return_for_changes(self):
        pass

    @transition(field=status, source=SS.SUBMITTED, target=SS.SIGNED)
    def sign(self):
        pass

    @transition(field=status, source=[SS.SIGNED, SS.CROSS_SCORED], target=SS.CROSS_SCORED)
    def cross_score(self):
        pass

    @transition(field=status, source=SS.CROSS_SCORED, target=SS.ACCEPTED)
    def accept(self):
        pass

    @transition(field=status, source=SS.CROSS_SCORED, target=SS.DISPUTED)
    def dispute(self):
        pass

    @transition(field=status, source=SS.DISPUTED, target=SS.SETTLED)
    def settle(self):
        pass


class ComponentScore(models.Model):
    """The points of one component (or bonus or penalty item) on a sheet, at each stage.

    ``revision`` counts the changes: a save carries the revision it was based on, and a newer
    one means someone else changed the points meanwhile (never overwritten silently).
    """

    sheet = models.ForeignKey(
        ScoreSheet, on_delete=models.CASCADE, related_name="scores", verbose_name=_("score sheet")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    self_points = models.DecimalField(
        _("self-scored points"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    self_note = models.TextField(_("note"), blank=True)
    cross_points = models.DecimalField(
        _("cross-scored points"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    cross_reason = models.TextField(_("reason for the change"), blank=True)
    final_points = models.DecimalField(
        _("final points"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed at"), null=True, blank=True)
    evidence = GenericRelation(
        Attachment, content_type_field="owner_type", object_id_field="owner_id"
    )

    class Meta:
        ordering = ["sheet", "criterion__position"]
        verbose_name = _("component score")
        verbose_name_plural = _("component scores")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="one_score_per_criterion")
        ]

    def __str__(self):
        return f"{self.criterion.code}: {self.points}"

    @property
    def points(self) -> Decimal:
        """What counts: the decided points, else the cross-scored, else the unit's own."""
        for value in (self.final_points, self.cross_points, self.self_points):
            if value is not None:
                return value
        return Decimal(0)

    @property
    def after_cross(self) -> Decimal | None:
        """The points once cross-scored (the unit's own where the scorer kept them)."""
        return self.cross_points if self.cross_points is not None else self.self_points

    @property
    def difference(self) -> Decimal | None:
        if self.cross_points is None or self.self_points is None:
            return None
        return self.cross_points - self.self_points


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("To be decided")
    UPHELD = "upheld", _("Upheld: the unit's points restored")
    REJECTED = "rejected", _("Rejected: the cross-scored points stand")
    AMENDED = "amended", _("Decided with other points")


class Dispute(models.Model):
    score = models.OneToOneField(
        ComponentScore,
        on_delete=models.CASCADE,
        related_name="dispute",
        verbose_name=_("component score"),
    )
    reason = models.TextField(_("the unit's reason"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    status = models.CharField(
        _("decision"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    decided_points = models.DecimalField(
        _("decided points"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["score__sheet", "score__criterion__position"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self):
        return f"{self.score}: {self.get_status_display()}"


class ScoringAssignment(models.Model):
    """A unit of the bloc's scoring group and a unit it cross-scores; without assignments the
    leader unit cross-scores every member."""

    scoring = models.ForeignKey(
        Scoring, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("scoring")
    )
    scorer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("scoring unit")
    )
    scored = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit scored")
    )

    class Meta:
        ordering = ["scoring", "scorer__name", "scored__name"]
        verbose_name = _("cross-scoring assignment")
        verbose_name_plural = _("cross-scoring assignments")
        constraints = [
            models.UniqueConstraint(fields=["scoring", "scored"], name="one_scorer_per_unit"),
            models.CheckConstraint(
                condition=~Q(scorer=models.F("scored")), name="no_unit_scores_itself"
            ),
        ]

    def __str__(self):
        return f"{self.scorer} → {self.scored}"


class ScoringResult(models.Model):
    """The frozen ranking (version 1), or a correction of it (version 2, 3…): never changed."""

    scoring = models.ForeignKey(
        Scoring, on_delete=models.CASCADE, related_name="results", verbose_name=_("scoring")
    )
    version = models.PositiveSmallIntegerField(_("version"))
    frozen_at = models.DateTimeField(_("frozen at"), default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("frozen by"),
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    document = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scoring_result",
        verbose_name=_("signed document"),
    )

    class Meta:
        ordering = ["scoring", "-version"]
        verbose_name = _("scoring result")
        verbose_name_plural = _("scoring results")
        constraints = [
            models.UniqueConstraint(fields=["scoring", "version"], name="result_version_once")
        ]

    def __str__(self):
        return _("Result of %(scoring)s, version %(version)s") % {
            "scoring": self.scoring,
            "version": self.version,
        }


class RankedUnit(models.Model):
    result = models.ForeignKey(
        ScoringResult, on_delete=models.CASCADE, related_name="rows", verbose_name=_("result")
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    scored = models.DecimalField(_("points of the criteria"), max_digits=7, decimal_places=2)
    bonus = models.DecimalField(_("bonus points"), max_digits=7, decimal_places=2)
    penalty = models.DecimalField(_("penalty points"), max_digits=7, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2)
    #: The per-major points, in the criteria set's order (the tie rule reads them).
    majors = models.JSONField(_("points by major criterion"), default=dict)
    tie_note = models.CharField(_("how a tie was broken"), max_length=255, blank=True)
    blockers = models.JSONField(_("blocking findings"), default=list)

    class Meta:
        ordering = ["result", "rank", "unit__name"]
        verbose_name = _("ranked unit")
        verbose_name_plural = _("ranked units")
        constraints = [
            models.UniqueConstraint(fields=["result", "unit"], name="ranked_once_per_result")
        ]

    def __str__(self):
        return f"{self.rank}. {self.unit}: {self.total}"


class ScoringProcess(Process):
    """The viewflow process of one scoring (a real foreign key, no status of its own)."""

    scoring = models.ForeignKey(
        Scoring, on_delete=models.PROTECT, related_name="processes", verbose_name=_("scoring")
    )

    class Meta:
        verbose_name = _("scoring process")
        verbose_name_plural = _("scoring processes")
