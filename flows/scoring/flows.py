"""The scoring process (DOMAIN.md §5 P5) as a viewflow flow.

    open → every unit: its officer fills the sheet → its head signs it
         → the leader unit (or each unit of the scoring group) cross-scores
         → every unit accepts or disputes within the window → the leader decides disputes
           (with the deputy unit's agreement, when the bloc has one)
         → the leader unit freezes and ranks → its head signs the result

viewflow decides who acts next; every gateway reads the scoring's FSM status, which only the
services change. A head who returns his unit's sheet keeps his signing task: the sheet goes
back to its officer, who sends it again from the sheet's page.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from flows.scoring import events, imports
from flows.scoring.models import Scoring, ScoringProcess, ScoringStatus, SheetStatus
from flows.scoring.selectors import may_see_scoring, member_items, scorer_items
from workflows.access import ProcessVisibility
from workflows.locks import process_row_lock
from workflows.models import DelegationScope, Role
from workflows.nodes import FanOut, RoleTask

#: The steps' views, named by path: they call the services, which start this flow.
VIEWS = "flows.scoring.views"
#: Days for the steps the rule set leaves to the bloc's practice: a head signs his unit's
#: sheet, the leader unit decides disputes, freezes, and its head signs the result.
HEAD_DAYS = 3


def _leader(process):
    return process.scoring.term.leader


def _deputy(process):
    return process.scoring.term.deputy


def _reminders(process):
    bloc = process.scoring.term.bloc
    return bloc.reminder_days, bloc.escalate_overdue


def _rule_days(key):
    return lambda process: process.scoring.rulings[key]["value"]


def _days_from_today(scoring, key) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=scoring.rulings[key]["value"])


def _status_is(*statuses):
    return lambda activation: activation.process.scoring.status in statuses


class ScoringFlow(ProcessVisibility, flow.Flow):
    process_class = ScoringProcess
    lock_impl = staticmethod(process_row_lock)
    process_title = _("Year-end scoring")
    process_summary_template = (
        "{{ process.scoring }}: {{ process.scoring.get_status_display|lower }}"
    )
    summary_related = ["scoring__term__bloc"]
    process_description = _(
        "Self-scoring, cross-scoring, disputes and ranking of a bloc's member units."
    )

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Open the scoring"))
        .Next(this.self_split)
    )

    def may_see_process(self, user, process) -> bool:
        return may_see_scoring(user, process.scoring_id)

    self_split = (
        FanOut()
        .Annotation(title=_("Ask every member unit to score itself"))
        .Next(this.self_score, data_source=member_items)
    )
    self_score = (
        RoleTask(f"{VIEWS}.SelfScoreView")
        .Role(
            Role.EMULATION_OFFICER,
            due_days=_rule_days("scoring.self_score_days"),
            reminders=_reminders,
            reason=_("every member unit scores itself against the criteria set"),
        )
        .Annotation(title=_("Score the unit"))
        .Permission("scoring.manage_scoringprocess")
        .Next(this.sign_sheet)
    )
    sign_sheet = (
        RoleTask(f"{VIEWS}.SignSheetView")
        .Role(
            Role.HEAD,
            action=DelegationScope.SIGN,
            due_days=lambda process: HEAD_DAYS,
            reminders=_reminders,
            reason=_("the head of the unit signs its self-assessment"),
        )
        .Annotation(title=_("Sign the unit's score sheet"))
        .Permission("scoring.manage_scoringprocess")
        .Next(this.self_join)
    )
    self_join = flow.Join().Annotation(title=_("Gather the signed sheets")).Next(this.open_cross)
    open_cross = (
        flow.Function(this.start_cross_scoring)
        .Annotation(title=_("Open the cross-scoring"))
        .Next(this.cross_split)
    )
    cross_split = (
        FanOut()
        .Annotation(title=_("Ask the scoring units to cross-score"))
        .Next(this.cross_score, data_source=scorer_items)
    )
    cross_score = (
        RoleTask(f"{VIEWS}.CrossScoreView")
        .Role(
            Role.EMULATION_OFFICER,
            due_days=_rule_days("scoring.cross_score_days"),
            reminders=_reminders,
            reason=_("the leader unit, or the bloc's scoring group, cross-scores the sheets"),
        )
        .Annotation(title=_("Cross-score"))
        .Permission("scoring.manage_scoringprocess")
        .Next(this.cross_join)
    )
    cross_join = flow.Join().Annotation(title=_("Gather the cross-scores")).Next(this.open_review)
    open_review = (
        flow.Function(this.start_review)
        .Annotation(title=_("Show every unit its cross-scored sheet"))
        .Next(this.review_split)
    )
    review_split = (
        FanOut()
        .Annotation(title=_("Ask every unit to accept or dispute"))
        .Next(this.review, data_source=member_items)
    )
    review = (
        RoleTask(f"{VIEWS}.ReviewView")
        .Role(
            Role.HEAD,
            action=DelegationScope.REVIEW,
            due_days=_rule_days("scoring.dispute_window_days"),
            reminders=_reminders,
            reason=_("every unit accepts its cross-scored points or disputes them"),
        )
        .Annotation(title=_("Accept or dispute the cross-scored points"))
        .Permission("scoring.manage_scoringprocess")
        .Next(this.review_join)
    )
    review_join = flow.Join().Annotation(title=_("Gather the answers")).Next(this.settle_review)
    settle_review = (
        flow.Function(this.conclude_review)
        .Annotation(title=_("Conclude the review"))
        .Next(this.any_disputes)
    )
    any_disputes = (
        flow.If(_status_is(ScoringStatus.DISPUTES))
        .Annotation(title=_("Did a unit dispute?"))
        .Then(this.decide_disputes)
        .Else(this.freeze)
    )
    decide_disputes = (
        RoleTask(f"{VIEWS}.DecideDisputesView")
        .Role(
            Role.HEAD,
            unit=_leader,
            due_days=lambda process: HEAD_DAYS,
            reminders=_reminders,
            reason=_("the bloc's leader decides the units' disputes"),
        )
        .Annotation(title=_("Decide the disputes"))
        .Permission("scoring.manage_scoringprocess")
        .Next(this.needs_agreement)
    )
    # The bloc's leader and deputy decide disputes together (TT 01/2024/TT-TANDTC, DOMAIN.md
    # §1.3 K-06): the deputy unit's head agrees, or sends the decisions back with a reason.
    needs_agreement = (
        flow.If(_status_is(ScoringStatus.AGREEING))
        .Annotation(title=_("Does the deputy unit agree?"))
        .Then(this.agree_disputes)
        .Else(this.freeze)
    )
    agree_disputes = (
        RoleTask(f"{VIEWS}.AgreeDisputesView")
        .Role(
            Role.HEAD,
            unit=_deputy,
            due_days=lambda process: HEAD_DAYS,
            reminders=_reminders,
            reason=_("the bloc's deputy decides the disputes with its leader"),
        )
        .Annotation(title=_("Agree with the dispute decisions"))
        .Permission("scoring.manage_scoringprocess")
        .Next(this.after_agreement)
    )
    after_agreement = (
        flow.If(_status_is(ScoringStatus.FINAL))
        .Annotation(title=_("Did the deputy agree?"))
        .Then(this.freeze)
        .Else(this.decide_disputes)
    )
    freeze = (
        RoleTask(f"{VIEWS}.FreezeView")
        .Role(
            Role.EMULATION_OFFICER,
            unit=_leader,
            due_days=lambda process: HEAD_DAYS,
            reminders=_reminders,
            reason=_("the leader unit freezes the scores and ranks the units"),
        )
        .Annotation(title=_("Freeze and rank"))
        .Permission("scoring.manage_scoringprocess")
        .Next(this.sign_result)
    )
    sign_result = (
        RoleTask(f"{VIEWS}.SignResultView")
        .Role(
            Role.HEAD,
            unit=_leader,
            action=DelegationScope.SIGN,
            due_days=lambda process: HEAD_DAYS,
            reminders=_reminders,
            reason=_("the head of the leader unit signs the bloc's result"),
        )
        .Annotation(title=_("Sign the result"))
        .Permission("scoring.manage_scoringprocess")
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("Scoring closed"))

    def start_process(self, activation, scoring):
        activation.process.scoring = scoring
        return activation.process

    def _locked(self, activation) -> Scoring:
        return Scoring.objects.select_for_update().get(pk=activation.process.scoring_id)

    def start_cross_scoring(self, activation):
        """Every sheet is signed: the province's lists are applied and cross-scoring opens."""
        scoring = self._locked(activation)
        imports.apply_province_lists(scoring, by=None)
        scoring.open_cross_scoring()
        scoring.cross_score_due = _days_from_today(scoring, "scoring.cross_score_days")
        scoring.save()
        events.scoring_event("scoring.cross_scoring_opened", scoring)
        activation.process.scoring = scoring

    def start_review(self, activation):
        """Every unit may now see its cross-scored sheet and dispute within the window."""
        scoring = self._locked(activation)
        scoring.open_review()
        scoring.dispute_due = _days_from_today(scoring, "scoring.dispute_window_days")
        scoring.save()
        events.scoring_event(
            "scoring.review_opened", scoring, dispute_due=scoring.dispute_due.isoformat()
        )
        activation.process.scoring = scoring

    def conclude_review(self, activation):
        """Every unit answered: disputes to decide, or the scores are final."""
        scoring = self._locked(activation)
        if scoring.sheets.filter(status=SheetStatus.DISPUTED).exists():
            scoring.open_disputes()
        else:
            scoring.finalise()
        scoring.save()
        events.scoring_event("scoring.review_concluded", scoring)
        activation.process.scoring = scoring
