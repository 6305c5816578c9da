"""The bloc's year-end meeting: bình xét – suy tôn (DOMAIN.md §5 P6).

The leader unit convenes the meeting from the frozen ranking; candidates per award are proposed
and checked (blockers, one award per achievement, the flags' places), the member heads vote with
the engine's ballot (workflows.ballots), the bloc's leader and deputy settle what two rounds
leave undecided for a flag, and the minutes with the vote count are signed by the chair and the
secretary of the meeting.

django-fsm-2 owns the statuses (what pages, the board and later flows read); the viewflow
process (flows.py) owns who acts next.
"""

from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from viewflow.workflow.models import Process

from flows.blocs.models import BlocTerm
from flows.rules.parameters import ratio_text
from flows.scoring.models import ScoringResult
from workflows.models import Ballot, Organisation


class BlocAward(models.TextChoices):
    """What a bloc proposes at its year-end meeting (seed 003; DOMAIN.md §3)."""

    CO_CP = "co_cp", _("Government emulation flag")
    CO_TINH = "co_tinh", _("Provincial emulation flag")
    BK_TOAN_DIEN = "bk_toan_dien", _("Provincial certificate of merit (all-round)")
    BK_CHUYEN_DE = "bk_chuyen_de", _("Provincial certificate of merit (thematic)")


#: The award types of the award history (flows.awards) each bloc award is, and its kind.
AWARD_TYPES = {
    BlocAward.CO_CP: ("CO_CP", "regular"),
    BlocAward.CO_TINH: ("CO_TINH", "regular"),
    BlocAward.BK_TOAN_DIEN: ("BK_TINH", "regular"),
    BlocAward.BK_CHUYEN_DE: ("BK_TINH", "thematic"),
}
#: The flags: one question with seats on the ballot, the leader and deputy decide a tie (K-06).
FLAGS = (BlocAward.CO_CP, BlocAward.CO_TINH)


class MeetingStatus(models.TextChoices):
    PREPARING = "preparing", _("Candidates being prepared")
    VOTING = "voting", _("Voting")
    COUNTING = "counting", _("Round counted")
    DECIDING = "deciding", _("Leader and deputy deciding a tie")
    AGREEING = "agreeing", _("Awaiting the deputy's agreement")
    NOMINATED = "nominated", _("Nominated, minutes being signed")
    MINUTES_SIGNED = "minutes_signed", _("Minutes signed")
    CANCELLED = "cancelled", _("Cancelled")


M = MeetingStatus
LIVE_STATUSES = [status for status in M.values if status != M.CANCELLED]


class Meeting(ConcurrentTransitionMixin, models.Model):
    term = models.ForeignKey(
        BlocTerm, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("bloc term")
    )
    result = models.ForeignKey(
        ScoringResult,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("ranking it starts from"),
    )
    status = FSMField(
        _("status"), max_length=20, choices=M.choices, default=M.PREPARING, protected=True
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=255)
    presiding = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("presiding"),
        help_text=_("The head of the leader unit, who chairs the meeting and its ballot."),
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("secretary"),
    )
    attendees = models.ManyToManyField(
        Organisation, related_name="+", blank=True, verbose_name=_("units present")
    )
    theme = models.CharField(
        _("theme of the thematic awards"),
        max_length=255,
        blank=True,
        help_text=_('What the thematic certificates reward, e.g. "xây dựng nông thôn mới".'),
    )
    ballot = models.OneToOneField(
        Ballot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ballot"),
    )
    minutes = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes"),
    )
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("convened by"),
    )
    convened_at = models.DateTimeField(_("convened at"), default=timezone.now)
    #: The rules the meeting applies, as resolved when it was convened:
    #: {key: {"display": "…", "source": "…", "rule_set": "…", "value": …}}.
    rulings = models.JSONField(_("rules applied"), default=dict)
    #: The leader's choice for a flag's tie, awaiting the deputy's agreement:
    #: {"chosen": {question id: [candidate ids]}, "reason": "…"}.
    decision = models.JSONField(_("proposed decision"), default=dict, blank=True)

    class Meta:
        ordering = ["-term__year", "term__bloc__name"]
        verbose_name = _("year-end meeting")
        verbose_name_plural = _("year-end meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["term"],
                condition=Q(status__in=LIVE_STATUSES),
                name="one_live_meeting_per_term",
            )
        ]

    def __str__(self):
        return _("Year-end meeting %(year)s of %(bloc)s") % {
            "year": self.term.year,
            "bloc": self.term.bloc,
        }

    @transition(field=status, source=M.PREPARING, target=M.VOTING)
    def open_voting(self):
        pass

    @transition(field=status, source=M.VOTING, target=M.COUNTING)
    def count(self):
        pass

    @transition(field=status, source=M.COUNTING, target=M.VOTING)
    def vote_again(self):
        pass

    @transition(field=status, source=[M.COUNTING, M.AGREEING], target=M.DECIDING)
    def ask_decision(self):
        pass

    @transition(field=status, source=M.DECIDING, target=M.AGREEING)
    def ask_agreement(self):
        pass

    @transition(field=status, source=[M.COUNTING, M.DECIDING, M.AGREEING], target=M.NOMINATED)
    def nominate(self):
        pass

    @transition(field=status, source=M.NOMINATED, target=M.MINUTES_SIGNED)
    def sign_minutes(self):
        pass


class Candidacy(models.Model):
    """A unit proposed for an award at the meeting, with the checks made before the vote.

    ``checks`` keeps every check as made when the unit was proposed: [{"rule": "R-05",
    "passed": true | false | null (for information), "text": "…", "source": "…"}]. An
    ineligible unit is listed with its reasons but never put to the vote.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="candidacies", verbose_name=_("meeting")
    )
    award = models.CharField(_("award"), max_length=20, choices=BlocAward.choices)
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    checks = models.JSONField(_("checks"), default=list)
    eligible = models.BooleanField(_("eligible"))
    priority = models.BooleanField(
        _("priority in a tie"),
        default=False,
        help_text=_("A collective with at least the rule set's share of women (R-07)."),
    )
    priority_reason = models.CharField(_("why it has priority"), max_length=255, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    #: Set when the ballot's result is frozen: whether the bloc nominates the unit, and how
    #: ("round 1", "priority", "decision").
    nominated = models.BooleanField(_("nominated"), null=True)
    nominated_how = models.CharField(_("how"), max_length=20, blank=True)

    class Meta:
        ordering = ["meeting", "award", "rank"]
        verbose_name = _("candidacy")
        verbose_name_plural = _("candidacies")
        constraints = [
            # One award per unit and meeting: one achievement, one award.
            models.UniqueConstraint(fields=["meeting", "unit"], name="one_candidacy_per_unit")
        ]

    def __str__(self):
        return f"{self.get_award_display()}: {self.unit}"

    @property
    def reference(self) -> str:
        return f"nominations.candidacy:{self.pk}"


class MeetingProcess(Process):
    """The viewflow process of one meeting (a real foreign key, no status of its own)."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="processes", verbose_name=_("meeting")
    )

    class Meta:
        verbose_name = _("year-end meeting process")
        verbose_name_plural = _("year-end meeting processes")


# The dossier (DOMAIN.md §5 P7, §7 T10–T11) -------------------------------------------------------


class DossierStatus(models.TextChoices):
    REPORTS = "reports", _("Achievement reports being written and signed")
    COMPILING = "compiling", _("Proposal being compiled")
    SIGNING = "signing", _("Proposal awaiting the head's signature")
    REGISTERING = "registering", _("Proposal awaiting its number and seal")
    SUBMITTED = "submitted", _("Submitted to the home-affairs department")
    RETURNING = "returning", _("Being returned: the return notice awaits its signature")
    RETURNED = "returned", _("Returned to the bloc, being completed")
    RECEIVED = "received", _("Received, being appraised")
    APPRAISING = "appraising", _("Appraisal awaiting the department head's signature")
    APPRAISED = "appraised", _("Appraised")


D = DossierStatus


class Dossier(ConcurrentTransitionMixin, models.Model):
    """What the bloc sends to the province: the proposal (tờ trình, Mẫu số 01 of NĐ 152) with
    its list, the minutes of the meeting, and each nominee's achievement report."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.PROTECT, related_name="dossier", verbose_name=_("meeting")
    )
    status = FSMField(
        _("status"), max_length=20, choices=D.choices, default=D.REPORTS, protected=True
    )
    recipient = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent to"),
    )
    due = models.DateField(_("due"))
    due_source = models.CharField(_("legal basis of the deadline"), max_length=255)
    proposal = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposal"),
    )
    appraisal = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appraisal"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("nomination dossier")
        verbose_name_plural = _("nomination dossiers")

    def __str__(self):
        return _("Nomination dossier %(year)s of %(bloc)s") % {
            "year": self.meeting.term.year,
            "bloc": self.meeting.term.bloc,
        }

    @property
    def late(self) -> bool:
        """Sent, or still not sent, after the rule set's deadline (allowed, and shown)."""
        day = timezone.localtime(self.submitted_at).date() if self.submitted_at else None
        return (day or timezone.localdate()) > self.due

    @transition(field=status, source=[D.REPORTS, D.RETURNED], target=D.COMPILING)
    def compile(self):
        pass

    @transition(field=status, source=D.COMPILING, target=D.SIGNING)
    def send_for_signature(self):
        pass

    @transition(field=status, source=D.SIGNING, target=D.REGISTERING)
    def signed(self):
        pass

    @transition(field=status, source=D.REGISTERING, target=D.SUBMITTED)
    def submit(self):
        pass

    @transition(field=status, source=D.SUBMITTED, target=D.RECEIVED)
    def receive(self):
        pass

    @transition(field=status, source=D.SUBMITTED, target=D.RETURNING)
    def send_back(self):
        pass

    @transition(field=status, source=D.RETURNING, target=D.RETURNED)
    def returned(self):
        pass

    @transition(field=status, source=D.RETURNED, target=D.REPORTS)
    def rewrite_reports(self):
        pass

    @transition(field=status, source=D.RECEIVED, target=D.APPRAISING)
    def send_appraisal(self):
        pass

    @transition(field=status, source=D.APPRAISING, target=D.APPRAISED)
    def appraised(self):
        pass


class SubmissionOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting reception")
    RECEIVED = "received", _("Received")
    RETURNED = "returned", _("Returned")


class Submission(models.Model):
    """One sending of the dossier to the home-affairs department: its version, the proposal and
    reports as sent, and what the department made of it. A returned dossier is completed and
    sent again as the next version; the earlier ones are kept with their return notices."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("dossier")
    )
    version = models.PositiveSmallIntegerField(_("version"))
    proposal = models.ForeignKey(
        "signatures.Document",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposal as sent"),
    )
    #: {"reports": {unit id: document id}}: the reports as sent with this version.
    documents = models.JSONField(_("documents sent"), default=dict)
    submitted_at = models.DateTimeField(_("submitted at"))
    late = models.BooleanField(_("late"))
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=SubmissionOutcome.choices,
        default=SubmissionOutcome.PENDING,
    )
    #: The reception's checklist: [{"item", "label", "unit", "present", "accepted", "note"}].
    checklist = models.JSONField(_("checklist"), default=list)
    reason = models.TextField(_("reason for the return"), blank=True)
    legal_basis = models.CharField(_("legal basis of the return"), max_length=500, blank=True)
    notice = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("return notice"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["dossier", "version"]
        verbose_name = _("dossier submission")
        verbose_name_plural = _("dossier submissions")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "version"], name="one_submission_version")
        ]

    def __str__(self):
        return _("%(dossier)s, version %(version)s") % {
            "dossier": self.dossier,
            "version": self.version,
        }


class AppraisalConclusion(models.TextChoices):
    AGREED = "agreed", _("Meets the conditions: put to the council")
    NOT_AGREED = "not_agreed", _("Does not meet the conditions")


class Appraisal(models.Model):
    """The department's appraisal of one nominee (thẩm định): every rule check as computed, with
    its citation, and the officer's opinion and conclusion."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="appraisals", verbose_name=_("dossier")
    )
    candidacy = models.OneToOneField(
        Candidacy, on_delete=models.PROTECT, related_name="appraisal", verbose_name=_("nominee")
    )
    #: [{"rule", "passed", "text", "source"}] as computed on ``appraised_on``.
    checks = models.JSONField(_("checks"), default=list)
    meets_rules = models.BooleanField(_("meets every rule"))
    conclusion = models.CharField(
        _("conclusion"), max_length=12, choices=AppraisalConclusion.choices, blank=True
    )
    opinion = models.TextField(_("appraisal opinion"), blank=True)
    leading_units = models.PositiveSmallIntegerField(
        _("blocs' leading units meeting the provincial flag's standard"),
        null=True,
        blank=True,
        help_text=_(
            "For a Government flag nominee: the province's count, on which its quota is"
            " reckoned (K-02), at least the blocs this site knows."
        ),
    )
    appraised_on = models.DateField(_("checked on"))
    appraised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appraised by"),
    )

    class Meta:
        ordering = ["dossier", "candidacy__rank"]
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")

    def __str__(self):
        return _("Appraisal of %(unit)s") % {"unit": self.candidacy.unit}


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Being written")
    SUBMITTED = "submitted", _("Awaiting the head's signature")
    SIGNED = "signed", _("Signed")


class AchievementReport(ConcurrentTransitionMixin, models.Model):
    """A nominee's report of achievement (báo cáo thành tích, NĐ 152 appendix), written by its
    emulation officer from its scores and history, signed by its own head."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="reports", verbose_name=_("dossier")
    )
    candidacy = models.OneToOneField(
        Candidacy, on_delete=models.PROTECT, related_name="report", verbose_name=_("nomination")
    )
    status = FSMField(
        _("status"),
        max_length=20,
        choices=ReportStatus.choices,
        default=ReportStatus.DRAFT,
        protected=True,
    )
    situation = models.TextField(
        _("the unit and its tasks"),
        blank=True,
        help_text=_("I. Sơ lược đặc điểm, tình hình: the unit, its staff, its functions."),
    )
    achievements = models.TextField(
        _("achievements"),
        blank=True,
        help_text=_("II. Thành tích đạt được: results, measures, the movements it led."),
    )
    document = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["dossier", "candidacy__rank"]
        verbose_name = _("achievement report")
        verbose_name_plural = _("achievement reports")

    def __str__(self):
        return _("Achievement report of %(unit)s") % {"unit": self.candidacy.unit}

    @transition(field=status, source=ReportStatus.DRAFT, target=ReportStatus.SUBMITTED)
    def submit(self):
        pass

    @transition(field=status, source=ReportStatus.SUBMITTED, target=ReportStatus.SIGNED)
    def sign(self):
        pass

    @transition(field=status, source=ReportStatus.SIGNED, target=ReportStatus.DRAFT)
    def reopen(self):
        """The department returned the dossier for this report: written and signed again (the
        signed one stays with the submission that sent it)."""
        self.document = None


# The leader's hand-over (DOMAIN.md §5 P13, §7 T19) -----------------------------------------------


class HandoverStatus(models.TextChoices):
    ELECTING = "electing", _("Members electing the next leader unit")
    SIGNING = "signing", _("Hand-over minutes being signed")
    HANDED_OVER = "handed_over", _("Handed over")
    NOT_ELECTED = "not_elected", _("No unit elected")


#: A hand-over still going on (a term has one at a time; an election without a winner ends).
LIVE_HANDOVERS = [HandoverStatus.ELECTING, HandoverStatus.SIGNING, HandoverStatus.HANDED_OVER]


class Handover(ConcurrentTransitionMixin, models.Model):
    """The outgoing leader unit hands the bloc's lead to next year's, as the bloc's rotation
    policy designates it; both heads sign the minutes (biên bản bàn giao), and on the hand-over
    day the next term's leader and deputy take over."""

    term = models.ForeignKey(
        BlocTerm, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("bloc term")
    )
    #: Next year's term: opened at designation, or once the members have elected its leader.
    next_term = models.ForeignKey(
        BlocTerm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("next term"),
    )
    #: The deputy named with the leader, for an elected leader's term.
    next_deputy = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("next deputy unit"),
    )
    #: The members' election of the next leader, under the rotation policy "vote".
    ballot = models.OneToOneField(
        Ballot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("election"),
    )
    handover_on = models.DateField(_("handed over on"))
    policy = models.CharField(_("rotation policy"), max_length=20)
    policy_source = models.CharField(_("legal basis of the policy"), max_length=255)
    status = FSMField(
        _("status"),
        max_length=20,
        choices=HandoverStatus.choices,
        default=HandoverStatus.SIGNING,
        protected=True,
    )
    minutes = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hand-over minutes"),
    )
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("designated by"),
    )
    designated_at = models.DateTimeField(_("designated at"), default=timezone.now)

    class Meta:
        verbose_name = _("leader hand-over")
        verbose_name_plural = _("leader hand-overs")
        constraints = [
            models.UniqueConstraint(
                fields=["term"],
                condition=Q(status__in=LIVE_HANDOVERS),
                name="one_live_handover_per_term",
            )
        ]

    def __str__(self):
        return _("Hand-over of the lead of %(bloc)s, %(year)s") % {
            "bloc": self.term.bloc,
            "year": self.term.year + 1,
        }

    @transition(field=status, source=HandoverStatus.ELECTING, target=HandoverStatus.SIGNING)
    def elected(self):
        pass

    @transition(field=status, source=HandoverStatus.ELECTING, target=HandoverStatus.NOT_ELECTED)
    def not_elected(self):
        pass

    @transition(field=status, source=HandoverStatus.SIGNING, target=HandoverStatus.HANDED_OVER)
    def hand_over(self):
        pass


class HandoverProcess(Process):
    handover = models.ForeignKey(
        Handover, on_delete=models.PROTECT, related_name="processes", verbose_name=_("hand-over")
    )

    class Meta:
        verbose_name = _("leader hand-over process")
        verbose_name_plural = _("leader hand-over processes")


# The provincial council's session and vote (DOMAIN.md §5 P9, §7 T14) ---------------------------


class SessionStatus(models.TextChoices):
    CONVENED = "convened", _("Convened: the roll call is being taken")
    VOTING = "voting", _("Members voting")
    COUNTED = "counted", _("Counted, minutes being signed")
    MINUTES_SIGNED = "minutes_signed", _("Minutes signed")
    CANCELLED = "cancelled", _("Cancelled")


S = SessionStatus
LIVE_SESSIONS = [status for status in S.values if status != S.CANCELLED]
#: The awards a bloc proposes that the council votes on (DOMAIN.md §3: the flags; the
#: provincial certificates go from the appraisal to the decision).
COUNCIL_AWARDS = (BlocAward.CO_CP, BlocAward.CO_TINH)


class CouncilSession(ConcurrentTransitionMixin, models.Model):
    """A sitting of the jurisdiction's emulation and commendation council on the nominees the
    home-affairs department appraised for a year (xét khen thưởng)."""

    council = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("council")
    )
    year = models.PositiveSmallIntegerField(_("year of the achievements"))
    status = FSMField(
        _("status"), max_length=20, choices=S.choices, default=S.CONVENED, protected=True
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=255)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chair"),
        help_text=_("The council's chairman, or the vice-chairman he delegated."),
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("secretary"),
    )
    #: The rules of the sitting as resolved when it was convened (quorum, presence, thresholds,
    #: secrecy), each with its source: {key: {"value", "display", "source", "rule_set"}}.
    rulings = models.JSONField(_("rules applied"), default=dict)
    present = models.ManyToManyField(
        "workflows.Appointment", related_name="+", blank=True, verbose_name=_("members present")
    )
    ballot = models.OneToOneField(
        Ballot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ballot"),
    )
    minutes = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes"),
    )
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("convened by"),
    )
    convened_at = models.DateTimeField(_("convened at"), default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("council session")
        verbose_name_plural = _("council sessions")

    def __str__(self):
        return _("Session of %(council)s on %(day)s") % {
            "council": self.council,
            "day": self.held_on.strftime("%d/%m/%Y"),
        }

    @transition(field=status, source=S.CONVENED, target=S.VOTING)
    def open_voting(self):
        pass

    @transition(field=status, source=S.VOTING, target=S.COUNTED)
    def count(self):
        pass

    @transition(field=status, source=S.COUNTED, target=S.MINUTES_SIGNED)
    def sign_minutes(self):
        pass


class AgendaItem(models.Model):
    """A nominee put to the council: the appraisal it rests on, the threshold its award needs
    over the council's total membership, and the result once counted."""

    session = models.ForeignKey(
        CouncilSession, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("session")
    )
    appraisal = models.OneToOneField(
        Appraisal, on_delete=models.PROTECT, related_name="agenda_item", verbose_name=_("nominee")
    )
    threshold = models.CharField(_("votes needed"), max_length=20)
    threshold_source = models.CharField(_("legal basis of the threshold"), max_length=255)
    votes_for = models.PositiveSmallIntegerField(_("votes for"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True)

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self):
        candidacy = self.appraisal.candidacy
        return f"{candidacy.get_award_display()}: {candidacy.unit}"

    @property
    def reference(self) -> str:
        return f"nominations.agendaitem:{self.pk}"

    @property
    def threshold_text(self) -> str:
        return ratio_text(Fraction(self.threshold))


class CouncilProcess(Process):
    """The viewflow process of one council session."""

    session = models.ForeignKey(
        CouncilSession,
        on_delete=models.PROTECT,
        related_name="processes",
        verbose_name=_("council session"),
    )

    class Meta:
        verbose_name = _("council session process")
        verbose_name_plural = _("council session processes")


# The province's award decision (DOMAIN.md §5 P10, §7 T17) ---------------------------------------


class DecisionStatus(models.TextChoices):
    SIGNING = "signing", _("Awaiting the chairman's signature")
    REGISTERING = "registering", _("Awaiting its number and seal")
    ISSUED = "issued", _("Issued")


class AwardDecision(ConcurrentTransitionMixin, models.Model):
    """The chairman's decision (Quyết định khen thưởng) on the nominees of a year the province
    decides: the provincial flags the council passed, the certificates the department agreed;
    the awards' amounts from the rule set's ``money.*``."""

    issuer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
        help_text=_("The province's People's Committee, whose chairman signs."),
    )
    year = models.PositiveSmallIntegerField(_("year of the achievements"))
    status = FSMField(
        _("status"),
        max_length=20,
        choices=DecisionStatus.choices,
        default=DecisionStatus.SIGNING,
        protected=True,
    )
    #: ``money.*`` and the legal bases as resolved when it was drafted, with their sources.
    rulings = models.JSONField(_("rules applied"), default=dict)
    document = models.OneToOneField(
        "signatures.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decision"),
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    drafted_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    class Meta:
        ordering = ["-drafted_at", "-pk"]
        verbose_name = _("award decision")
        verbose_name_plural = _("award decisions")

    def __str__(self):
        return _("Award decision %(year)s of %(issuer)s") % {
            "year": self.year,
            "issuer": self.issuer,
        }

    @transition(field=status, source=DecisionStatus.SIGNING, target=DecisionStatus.REGISTERING)
    def signed(self):
        pass

    @transition(field=status, source=DecisionStatus.REGISTERING, target=DecisionStatus.ISSUED)
    def issue(self):
        pass


class DecisionLine(models.Model):
    """One nominee awarded by the decision: its award, the coefficient and the amount, and the
    award history row written when the decision is issued."""

    decision = models.ForeignKey(
        AwardDecision, on_delete=models.CASCADE, related_name="lines", verbose_name=_("decision")
    )
    appraisal = models.OneToOneField(
        Appraisal, on_delete=models.PROTECT, related_name="decision_line", verbose_name=_("nominee")
    )
    award_type = models.CharField(_("award"), max_length=20)
    kind = models.CharField(_("kind"), max_length=15)
    coefficient = models.CharField(_("coefficient"), max_length=20)
    amount = models.PositiveIntegerField(_("amount (đồng)"))
    record = models.OneToOneField(
        "awards.AwardRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("award record"),
    )

    class Meta:
        ordering = ["decision", "pk"]
        verbose_name = _("decision line")
        verbose_name_plural = _("decision lines")

    def __str__(self):
        return str(self.appraisal.candidacy)


class DecisionProcess(Process):
    """The viewflow process of one award decision."""

    decision = models.ForeignKey(
        AwardDecision,
        on_delete=models.PROTECT,
        related_name="processes",
        verbose_name=_("decision"),
    )

    class Meta:
        verbose_name = _("award decision process")
        verbose_name_plural = _("award decision processes")


# Consultation before a State-level award (lấy ý kiến; DOMAIN.md §1.2 R-16) --------------------


class ConsultationOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting the answer")
    NO_OBJECTION = "no_objection", _("No objection")
    OBJECTION = "objection", _("Objection")


#: The awards whose nominees the department consults agencies about (R-16: the State-level
#: awards a bloc proposes).
CONSULTED_AWARDS = (BlocAward.CO_CP,)


class Consultation(models.Model):
    """A request for the opinion of an agency (police, tax, social insurance, inspectorate)
    about a nominee, recorded by the department's officer with its answer; an agency silent
    past its deadline (working days) counts as not objecting (NĐ 152/2025 Điều 34)."""

    appraisal = models.ForeignKey(
        Appraisal,
        on_delete=models.CASCADE,
        related_name="consultations",
        verbose_name=_("nominee"),
    )
    agency = models.CharField(_("agency consulted"), max_length=255)
    sent_on = models.DateField(_("sent on"))
    due = models.DateField(_("answer due"))
    outcome = models.CharField(
        _("answer"),
        max_length=15,
        choices=ConsultationOutcome.choices,
        default=ConsultationOutcome.PENDING,
    )
    answer = models.TextField(_("what the agency answered"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["appraisal", "sent_on", "pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self):
        return f"{self.agency}: {self.appraisal.candidacy.unit}"
