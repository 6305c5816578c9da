"""Every write of the scoring: atomic, permission-checked, audited; frozen scores never change.

A step runs inside ``workflows.acting.acting_on`` (the flow's lock, the open task, the person
acting in its role at its unit today); the sheet page's writes check the same roles themselves.
Every change of points is audited with who, when, the old and new value and the reason.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from flows.awards.selectors import findings_of
from flows.blocs.models import BlocTerm
from flows.rules import selectors as rules
from flows.rules.models import CriterionKind
from flows.rules.services import criteria as criteria_services
from flows.scoring import documents, events, imports, notices, selectors
from flows.scoring.flows import ScoringFlow
from flows.scoring.models import (
    LIVE_STATUSES,
    ComponentScore,
    Dispute,
    DisputeStatus,
    RankedUnit,
    ScoreSheet,
    Scoring,
    ScoringResult,
    ScoringStatus,
    SheetStatus,
)
from signatures import pipeline
from signatures.models import SignatureField
from workflows.acting import OPEN_STATUSES, acting_on, announce_tasks, finish, open_tasks, refuse
from workflows.background import enqueue_on_commit
from workflows.models import Appointment, Role
from workflows.resolvers import actor_for
from workflows.services import attach

#: The rules a scoring applies, resolved when it opens and kept with it.
RULES = [
    "scoring.self_score_days",
    "scoring.cross_score_days",
    "scoring.dispute_window_days",
    "scoring.ranking_tie_rule",
    "eligibility.blockers",
]
#: Who opens the scoring and drafts for the leader unit.
OPENING_ROLES = [Role.EMULATION_OFFICER, Role.HEAD]
#: Who fills a unit's sheet (the officer) or corrects it before sending (the head).
FILLING_ROLES = [Role.EMULATION_OFFICER, Role.HEAD]


def _audit(action, actor, scoring, **data):
    events.scoring_event(
        action,
        scoring,
        actor=actor.person if actor else None,
        on_behalf_of=actor.on_behalf_of if actor else None,
        **data,
    )


def _number(points: Decimal) -> str:
    """Points as an official writes them: 10, 7.5 (not 10.00, 1E+1)."""
    return f"{points.normalize():f}"


def _text(points) -> str | None:
    return None if points is None else str(points)


def _acting_in(user, unit, roles, today=None):
    today = today or timezone.localdate()
    return next((actor for role in roles if (actor := actor_for(user, role, unit, today))), None)


# -- opening ---------------------------------------------------------------------------------------


def _criteria_for(term, by):
    """The criteria set adopted with the covenant, else the term's latest (adopted now)."""
    criteria_set = rules.latest_criteria_set(term, adopted_only=True) or rules.latest_criteria_set(
        term
    )
    if criteria_set is None:
        refuse(
            _("%(bloc)s has no criteria set for %(year)s: draft one first.")
            % {"bloc": term.bloc, "year": term.year}
        )
    return criteria_services.adopt(criteria_set=criteria_set, by=by)


@transaction.atomic
def open_scoring(*, term, by) -> Scoring:
    """The leader unit opens the year-end scoring: one sheet per member unit, due by the rule
    set's days; the province's lists already in are applied to the units' own points."""
    today = timezone.localdate()
    actor = _acting_in(by, term.leader, OPENING_ROLES, today)
    if actor is None:
        raise PermissionDenied(
            _(
                "Only the emulation officer or the head of the leader unit (%(unit)s) opens the"
                " scoring."
            )
            % {"unit": term.leader}
        )
    if Scoring.objects.select_for_update().filter(term=term, status__in=LIVE_STATUSES).exists():
        refuse(_("%(bloc)s is already scoring %(year)s.") % {"bloc": term.bloc, "year": term.year})
    rulings = rules.rulings(RULES, on=today, bloc=term.bloc)
    scoring = Scoring.objects.create(
        term=term,
        criteria_set=_criteria_for(term, by),
        opened_by=by,
        rulings=rulings,
        self_score_due=today + datetime.timedelta(days=rulings["scoring.self_score_days"]["value"]),
    )
    _create_sheets(scoring)
    imports.apply_province_lists(scoring, by=by)
    _audit("scoring.opened", actor, scoring, bloc=term.bloc.code, year=term.year)
    process = ScoringFlow.start.run(scoring=scoring)
    announce_tasks(process.pk, before={})
    return scoring


def _create_sheets(scoring) -> None:
    memberships = scoring.term.memberships.order_by("position", "pk")
    sheets = ScoreSheet.objects.bulk_create(
        ScoreSheet(scoring=scoring, unit_id=membership.organisation_id, position=index)
        for index, membership in enumerate(memberships)
    )
    components = list(scoring.criteria_set.criteria.filter(parent__isnull=False))
    ComponentScore.objects.bulk_create(
        ComponentScore(sheet=sheet, criterion=criterion)
        for sheet in sheets
        for criterion in components
    )


def startable_terms(user, today: datetime.date):
    """Terms led by a unit ``user`` acts for, with a criteria set and no scoring yet."""
    units = Appointment.objects.current(today).filter(user=user, role__in=OPENING_ROLES)
    return (
        BlocTerm.objects.filter(
            leader__in=units.values("organisation"), criteria_sets__isnull=False
        )
        .exclude(scorings__status__in=LIVE_STATUSES)
        .select_related("bloc")
        .distinct()
        .order_by("-year", "bloc__name")
    )


# -- the unit's own points -------------------------------------------------------------------------


def _parse_points(value, criterion) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        points = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        refuse(
            _("%(code)s: “%(value)s” is not a number.") % {"code": criterion.code, "value": value}
        )
    if not points.is_finite() or points < 0:
        refuse(
            _("%(code)s: the points cannot be negative (%(value)s).")
            % {"code": criterion.code, "value": value}
        )
    if points > criterion.max_points:
        refuse(
            _("%(code)s: %(points)s points is more than the criterion's maximum, %(max)s.")
            % {
                "code": criterion.code,
                "points": _number(points),
                "max": _number(criterion.max_points),
            }
        )
    return points.quantize(Decimal("0.01"))


class Conflict:
    """A component someone else changed since the page was read: not overwritten."""

    def __init__(self, score):
        self.score = score

    def __str__(self):
        return _(
            "%(code)s was changed meanwhile by %(person)s (now %(points)s): your value was not"
            " saved; check it and save again."
        ) % {
            "code": self.score.criterion.code,
            "person": self.score.updated_by.get_full_name() if self.score.updated_by else "—",
            "points": _text(self.score.self_points) or "—",
        }


def may_fill(user, sheet) -> bool:
    """Whether ``user`` may fill ``sheet`` now (its unit's officer or head, while a draft)."""
    return (
        sheet.status == SheetStatus.DRAFT
        and sheet.scoring.status == ScoringStatus.SELF_SCORING
        and _acting_in(user, sheet.unit, FILLING_ROLES) is not None
    )


def _require_filler(sheet, by):
    actor = _acting_in(by, sheet.unit, FILLING_ROLES)
    if actor is None:
        raise PermissionDenied(
            _("Only the emulation officer or the head of %(unit)s fills its score sheet.")
            % {"unit": sheet.unit}
        )
    if sheet.scoring.status != ScoringStatus.SELF_SCORING or sheet.status != SheetStatus.DRAFT:
        refuse(
            _("The score sheet of %(unit)s can no longer be changed (%(status)s).")
            % {"unit": sheet.unit, "status": sheet.get_status_display().lower()}
        )
    return actor


@transaction.atomic
def save_self_scores(*, sheet: ScoreSheet, by, entries: dict) -> list[Conflict]:
    """Save the unit's points and notes: ``entries`` by criterion id, each ``points``, ``note``
    and the ``revision`` the page read. A component changed by someone else since then is
    returned as a conflict, not overwritten; the others are saved."""
    sheet = (
        ScoreSheet.objects.select_for_update(of=("self",))
        .select_related("scoring__term__bloc", "unit")
        .get(pk=sheet.pk)
    )
    actor = _require_filler(sheet, by)
    scores = {
        score.criterion_id: score
        for score in sheet.scores.select_for_update(of=("self",)).select_related(
            "criterion", "updated_by"
        )
    }
    changes, conflicts, changed = [], [], []
    for criterion_id, entry in entries.items():
        score = scores[int(criterion_id)]
        if score.criterion.indicator:
            continue  # from the province's figures, not typed
        points = _parse_points(entry.get("points"), score.criterion)
        note = (entry.get("note") or "").strip()
        if points == score.self_points and note == score.self_note:
            continue
        if int(entry.get("revision", score.revision)) != score.revision:
            conflicts.append(Conflict(score))
            continue
        changes.append(
            {
                "criterion": score.criterion.code,
                "old": _text(score.self_points),
                "new": _text(points),
            }
        )
        _change(score, by, self_points=points, self_note=note)
        changed.append(score)
    ComponentScore.objects.bulk_update(changed, ["self_points", "self_note", *TRACKED])
    if changes:
        _audit(
            "scoring.self_scores_saved", actor, sheet.scoring, unit=sheet.unit_id, changes=changes
        )
    return conflicts


TRACKED = ["revision", "updated_by", "updated_at"]


def _change(score, by, **fields) -> None:
    """Set ``fields`` on a score whose row the caller locked, counting the revision."""
    for name, value in fields.items():
        setattr(score, name, value)
    score.revision += 1
    score.updated_by = by
    score.updated_at = timezone.now()


def _update(score, by, **fields) -> None:
    _change(score, by, **fields)
    score.save(update_fields=[*fields, *TRACKED])


@transaction.atomic
def attach_evidence(*, sheet: ScoreSheet, criterion_id: int, by, name: str, file):
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
    actor = _require_filler(sheet, by)
    score = sheet.scores.select_related("criterion").get(criterion_id=criterion_id)
    attachment = attach(owner=score, name=name, upload=file, by=by, on_behalf_of=actor.on_behalf_of)
    _audit(
        "scoring.evidence_attached",
        actor,
        sheet.scoring,
        unit=sheet.unit_id,
        criterion=score.criterion.code,
        name=attachment.name,
    )
    return attachment


def _check_complete(sheet) -> None:
    """Every scored component has points (those of the province's figures aside: they come
    with the figures); every one that needs evidence has a file."""
    missing, unproven = [], []
    scores = sheet.scores.select_related("criterion").annotate(evidence_count=Count("evidence"))
    for score in scores:
        criterion = score.criterion
        typed = criterion.kind == CriterionKind.SCORED and not criterion.indicator
        if typed and score.self_points is None:
            missing.append(criterion.code)
        if criterion.evidence_required and score.self_points and not score.evidence_count:
            unproven.append(criterion.code)
    messages = []
    if missing:
        messages.append(_("Give the points of %(codes)s.") % {"codes": ", ".join(missing)})
    if unproven:
        messages.append(
            _("Attach the evidence required for %(codes)s.") % {"codes": ", ".join(unproven)}
        )
    if messages:
        refuse(" ".join(messages))


def _send_for_signature(sheet, actor, by) -> None:
    _check_complete(sheet)
    sheet.submit()
    sheet.submitted_at = timezone.now()
    sheet.save()
    totals = selectors.sheet_view(sheet).totals("self_points")
    _audit(
        "scoring.sheet_submitted",
        actor,
        sheet.scoring,
        unit=sheet.unit_id,
        total=str(totals.total),
    )
    enqueue_on_commit("scoring.prepare_sheet", sheet.pk)


@transaction.atomic
def submit_sheet(*, task, by) -> ScoreSheet:
    """The officer sends the filled sheet to the head, who signs it (its PDF is prepared in
    the background)."""
    with acting_on(task, by, "self_score") as (activation, actor):
        sheet = _task_sheet(activation)
        _require_filler(sheet, by)
        _send_for_signature(sheet, actor, by)
        finish(activation, by)
    return sheet


@transaction.atomic
def resend_sheet(*, sheet: ScoreSheet, by) -> ScoreSheet:
    """A sheet the head returned goes back to him (its signing task is still open)."""
    sheet = (
        ScoreSheet.objects.select_for_update(of=("self",))
        .select_related("scoring__term__bloc", "unit")
        .get(pk=sheet.pk)
    )
    actor = _require_filler(sheet, by)
    _send_for_signature(sheet, actor, by)
    return sheet


def _task_sheet(activation) -> ScoreSheet:
    return (
        ScoreSheet.objects.select_for_update(of=("self",))
        .select_related("scoring__term__bloc", "unit")
        .get(scoring_id=activation.process.scoring_id, unit_id=activation.task.data["unit"])
    )


def prepare_sheet(sheet_id: int) -> None:
    """Render a sent sheet as its PDF with the head's signature field (background work)."""
    sheet = ScoreSheet.objects.select_related("scoring__term__bloc__jurisdiction", "unit").get(
        pk=sheet_id
    )
    with translation.override(settings.LANGUAGE_CODE):
        draft = documents.sheet_draft(sheet)
    rendered = pipeline.render(draft)
    with transaction.atomic():
        sheet = ScoreSheet.objects.select_for_update().get(pk=sheet_id)
        if sheet.status != SheetStatus.SUBMITTED:
            return  # returned meanwhile: the next sending renders it again
        sheet.document = pipeline.store(draft, rendered, owner=sheet)
        sheet.save(update_fields=["document"])
        events.scoring_event(
            "scoring.sheet_ready", sheet.scoring, unit=sheet.unit_id, document=sheet.document_id
        )


# -- the head signs, or returns the sheet ----------------------------------------------------------


def head_field(document) -> SignatureField:
    return document.fields.get(name=documents.HEAD_FIELD)


@transaction.atomic
def sign_sheet(*, task, by, credential, secret: str | None = None):
    """Queue the head's signature of his unit's sheet; the task completes when it lands."""
    with acting_on(task, by, "sign_sheet") as (activation, actor):
        sheet = _task_sheet(activation)
        if sheet.status != SheetStatus.SUBMITTED or sheet.document is None:
            refuse(_("The score sheet is not ready for signing yet."))
        request = pipeline.sign(
            field=head_field(sheet.document),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        _audit("scoring.sheet_signature_requested", actor, sheet.scoring, unit=sheet.unit_id)
    return request


@transaction.atomic
def return_sheet(*, task, by, reason: str) -> ScoreSheet:
    """The head sends the sheet back to his officer with what to change; his task stays."""
    if not reason.strip():
        refuse(_("Say what should be changed."))
    with acting_on(task, by, "sign_sheet") as (activation, actor):
        sheet = _task_sheet(activation)
        if sheet.status != SheetStatus.SUBMITTED:
            refuse(_("The score sheet is not waiting for your signature."))
        if sheet.document and pipeline.signature_under_way(head_field(sheet.document)):
            refuse(_("Your signature is under way: the sheet can no longer be returned."))
        sheet.return_for_changes()
        sheet.document = None
        sheet.save()
        _audit(
            "scoring.sheet_returned",
            actor,
            sheet.scoring,
            unit=sheet.unit_id,
            reason=reason.strip(),
        )
        notices.sheet_returned(sheet, reason=reason.strip(), by=by)
    return sheet


def on_document_signed(owner, field, request) -> None:
    """A signature landed on a sheet or on the result: complete the task waiting for it."""
    if isinstance(owner, ScoreSheet):
        _sheet_signed(owner, request)
    else:
        _result_signed(owner, request)


def _sheet_signed(sheet, request) -> None:
    waiting = open_tasks(
        ScoringFlow.sign_sheet,
        process__scoringprocess__scoring_id=sheet.scoring_id,
        data__unit=sheet.unit_id,
    ).first()
    if waiting is None:
        return
    with waiting.activation() as activation:
        sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
        sheet.sign()
        sheet.save()
        events.scoring_event(
            "scoring.sheet_signed", sheet.scoring, actor=request.person, unit=sheet.unit_id
        )
        finish(activation, request.person)


def _result_signed(result, request) -> None:
    waiting = open_tasks(
        ScoringFlow.sign_result, process__scoringprocess__scoring_id=result.scoring_id
    ).first()
    if waiting is None:
        return
    with waiting.activation() as activation:
        scoring = Scoring.objects.select_for_update().get(pk=result.scoring_id)
        scoring.complete()
        scoring.save()
        events.scoring_event("scoring.ranked", scoring, actor=request.person, result=result.version)
        activation.process.scoring = scoring
        finish(activation, request.person)


# -- cross-scoring ---------------------------------------------------------------------------------


@transaction.atomic
def cross_score(*, task, by, sheet: ScoreSheet, entries: dict) -> list[Conflict]:
    """The scoring unit's points for one sheet: ``entries`` by criterion id, each ``points``,
    ``reason`` and ``revision``. Points that differ from the unit's own need a reason."""
    with acting_on(task, by, "cross_score") as (activation, actor):
        scoring = Scoring.objects.select_for_update().get(pk=activation.process.scoring_id)
        if sheet.scoring_id != scoring.pk or sheet.unit_id not in selectors.units_scored_by(
            scoring, activation.task.data["unit"]
        ):
            raise PermissionDenied(
                _("%(unit)s is not among the units your unit cross-scores.") % {"unit": sheet.unit}
            )
        if scoring.status != ScoringStatus.CROSS_SCORING:
            refuse(_("Cross-scoring is closed."))
        sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
        changes, conflicts = _cross_changes(sheet, by, entries)
        sheet.cross_score()
        sheet.save()
        _audit("scoring.cross_scored", actor, scoring, unit=sheet.unit_id, changes=changes)
    return conflicts


def _cross_changes(sheet, by, entries):
    scores = {
        score.criterion_id: score
        for score in sheet.scores.select_for_update(of=("self",)).select_related(
            "criterion", "updated_by"
        )
    }
    changes, conflicts, errors, changed = [], [], [], []
    for criterion_id, entry in entries.items():
        score = scores[int(criterion_id)]
        points = _parse_points(entry.get("points"), score.criterion)
        reason = (entry.get("reason") or "").strip()
        if points == (score.cross_points if score.cross_points is not None else score.self_points):
            continue
        if points != score.self_points and not reason:
            errors.append(score.criterion.code)
            continue
        if int(entry.get("revision", score.revision)) != score.revision:
            conflicts.append(Conflict(score))
            continue
        changes.append(
            {
                "criterion": score.criterion.code,
                "old": _text(score.cross_points),
                "new": _text(points),
                "reason": reason,
            }
        )
        _change(score, by, cross_points=points, cross_reason=reason)
        changed.append(score)
    if errors:
        refuse(
            _("Say why the points of %(codes)s differ from the unit's own.")
            % {"codes": ", ".join(errors)}
        )
    ComponentScore.objects.bulk_update(changed, ["cross_points", "cross_reason", *TRACKED])
    return changes, conflicts


@transaction.atomic
def apply_lists_again(*, task, by) -> int:
    """The scoring unit applies the province's lists again (a list came in late)."""
    with acting_on(task, by, "cross_score") as (activation, _actor):
        scoring = Scoring.objects.select_for_update().get(pk=activation.process.scoring_id)
        if scoring.status != ScoringStatus.CROSS_SCORING:
            refuse(_("Cross-scoring is closed."))
        return imports.apply_province_lists(scoring, by=by)


@transaction.atomic
def finish_cross_scoring(*, task, by) -> None:
    with acting_on(task, by, "cross_score") as (activation, actor):
        scoring = Scoring.objects.get(pk=activation.process.scoring_id)
        units = selectors.units_scored_by(scoring, activation.task.data["unit"])
        pending = scoring.sheets.filter(unit_id__in=units).exclude(status=SheetStatus.CROSS_SCORED)
        if pending.exists():
            refuse(
                _("Cross-score every sheet first: %(units)s.")
                % {"units": ", ".join(sheet.unit.name for sheet in pending.select_related("unit"))}
            )
        _audit(
            "scoring.cross_scoring_finished", actor, scoring, scorer=activation.task.data["unit"]
        )
        finish(activation, by)


# -- the units' review and the disputes ------------------------------------------------------------


@transaction.atomic
def accept(*, task, by) -> ScoreSheet:
    with acting_on(task, by, "review") as (activation, actor):
        sheet = _task_sheet(activation)
        sheet.accept()
        sheet.save()
        _audit("scoring.accepted", actor, sheet.scoring, unit=sheet.unit_id)
        finish(activation, by)
    return sheet


def may_close_review(user, scoring) -> bool:
    """Whether ``user`` may close the review now: the leader unit, once the window is past."""
    return (
        scoring.status == ScoringStatus.REVIEW
        and scoring.dispute_due is not None
        and timezone.localdate() > scoring.dispute_due
        and _acting_in(user, scoring.term.leader, OPENING_ROLES) is not None
    )


@transaction.atomic
def close_review(*, scoring: Scoring, by) -> list[int]:
    """Once the window is past, the leader unit closes the review: the units that did not
    answer accept their cross-scored points (the disputes raised in time stand). Returns the
    units deemed to accept."""
    scoring = Scoring.objects.select_for_update().select_related("term__leader").get(pk=scoring.pk)
    actor = _acting_in(by, scoring.term.leader, OPENING_ROLES)
    if actor is None:
        raise PermissionDenied(
            _("Only the leader unit (%(unit)s) closes the review.") % {"unit": scoring.term.leader}
        )
    if scoring.status != ScoringStatus.REVIEW:
        refuse(_("The units are not reviewing their points."))
    if timezone.localdate() <= scoring.dispute_due:
        refuse(
            _("Disputes are accepted until %(day)s: the review closes after that day.")
            % {"day": scoring.dispute_due.strftime("%d/%m/%Y")}
        )
    silent = []
    for task in ScoringFlow.task_class.objects.filter(
        process__scoringprocess__scoring=scoring,
        flow_task=ScoringFlow.review,
        status__in=OPEN_STATUSES,
    ).order_by("pk"):
        with task.activation() as activation:
            sheet = _task_sheet(activation)
            sheet.accept()
            sheet.save()
            silent.append(sheet.unit_id)
            finish(activation, by)
    _audit("scoring.review_closed", actor, scoring, accepted_without_answer=silent)
    return silent


@transaction.atomic
def dispute(*, task, by, reasons: dict) -> ScoreSheet:
    """Dispute the cross-scored points of some components (``reasons`` by criterion id),
    within the rule set's window."""
    with acting_on(task, by, "review") as (activation, actor):
        sheet = _task_sheet(activation)
        scoring = sheet.scoring
        if timezone.localdate() > scoring.dispute_due:
            refuse(
                _("Disputes were accepted until %(day)s (%(rule)s): you may only accept now.")
                % {
                    "day": scoring.dispute_due.strftime("%d/%m/%Y"),
                    "rule": scoring.rulings["scoring.dispute_window_days"]["source"],
                }
            )
        reasons = {int(key): text.strip() for key, text in reasons.items() if text.strip()}
        if not reasons:
            refuse(_("Say which points you dispute, and why."))
        scores = sheet.scores.select_related("criterion").filter(criterion_id__in=reasons)
        for score in scores:
            if score.cross_points is None or score.cross_points == score.self_points:
                refuse(
                    _("%(code)s was not changed by the cross-scoring: there is nothing to dispute.")
                    % {"code": score.criterion.code}
                )
            Dispute.objects.create(
                score=score,
                reason=reasons[score.criterion_id],
                raised_by=actor.person,
                raised_on_behalf_of=actor.on_behalf_of,
            )
        sheet.dispute()
        sheet.save()
        _audit(
            "scoring.disputed",
            actor,
            scoring,
            unit=sheet.unit_id,
            disputes={s.criterion.code: reasons[s.criterion_id] for s in scores},
        )
        finish(activation, by)
    return sheet


@transaction.atomic
def decide_dispute(*, task, by, dispute: Dispute, decision: str, reason: str, points=None):
    """The bloc's leader decides one dispute: upheld (the unit's points), rejected (the
    cross-scored points) or amended (other points), always with a reason."""
    if not reason.strip():
        refuse(_("Say why you decide so."))
    with acting_on(task, by, "decide_disputes") as (activation, actor):
        dispute = (
            Dispute.objects.select_for_update(of=("self",))
            .select_related("score__criterion", "score__sheet")
            .get(pk=dispute.pk, score__sheet__scoring_id=activation.process.scoring_id)
        )
        score = (
            ComponentScore.objects.select_for_update(of=("self",))
            .select_related("criterion", "sheet")
            .get(pk=dispute.score_id)
        )
        if decision == DisputeStatus.UPHELD:
            final = score.self_points
        elif decision == DisputeStatus.REJECTED:
            final = score.cross_points
        elif decision == DisputeStatus.AMENDED:
            final = _parse_points(points, score.criterion)
            if final is None:
                refuse(_("Give the points decided."))
        else:
            refuse(_("Choose a decision."))
        old = score.points
        dispute.status, dispute.decided_points = decision, final
        dispute.decision_reason, dispute.decided_by = reason.strip(), by
        dispute.decided_at = timezone.now()
        dispute.save()
        _update(score, by, final_points=final)
        _audit(
            "scoring.dispute_decided",
            actor,
            score.sheet.scoring,
            unit=score.sheet.unit_id,
            criterion=score.criterion.code,
            decision=decision,
            old=_text(old),
            new=_text(final),
            reason=dispute.decision_reason,
        )
    return dispute


@transaction.atomic
def close_disputes(*, task, by) -> Scoring:
    with acting_on(task, by, "decide_disputes") as (activation, actor):
        scoring = Scoring.objects.select_for_update().get(pk=activation.process.scoring_id)
        open_disputes = Dispute.objects.filter(
            score__sheet__scoring=scoring, status=DisputeStatus.OPEN
        ).select_related("score__sheet__unit", "score__criterion")
        if open_disputes.exists():
            refuse(
                _("Decide every dispute first: %(disputes)s.")
                % {
                    "disputes": ", ".join(
                        f"{d.score.sheet.unit.name} {d.score.criterion.code}" for d in open_disputes
                    )
                }
            )
        if scoring.term.deputy_id is None:
            _settle(scoring)
        else:
            scoring.ask_agreement()
            scoring.save()
        _audit("scoring.disputes_decided", actor, scoring)
        activation.process.scoring = scoring
        finish(activation, by)
    return scoring


def _settle(scoring) -> None:
    for sheet in scoring.sheets.filter(status=SheetStatus.DISPUTED):
        sheet.settle()
        sheet.save()
    scoring.finalise()
    scoring.save()


@transaction.atomic
def answer_decisions(*, task, by, agree: bool, reason: str = "") -> Scoring:
    """The deputy unit's head agrees with the leader's decisions (the scores are final), or
    sends them back with what he disagrees with."""
    if not agree and not reason.strip():
        refuse(_("Say which decisions you disagree with, and why."))
    with acting_on(task, by, "agree_disputes") as (activation, actor):
        scoring = Scoring.objects.select_for_update().get(pk=activation.process.scoring_id)
        if agree:
            _settle(scoring)
        else:
            scoring.reopen_disputes()
            scoring.save()
        _audit(
            "scoring.disputes_agreed" if agree else "scoring.disputes_sent_back",
            actor,
            scoring,
            reason=reason.strip(),
        )
        activation.process.scoring = scoring
        finish(activation, by)
    return scoring


# -- freezing, ranking and the result --------------------------------------------------------------


def _blockers(scoring, units, on) -> dict[int, list[str]]:
    """The findings that block an award (the rule set's kinds) still running on ``on``."""
    kinds = set(scoring.rulings["eligibility.blockers"]["value"])
    blocked: dict[int, list[str]] = {}
    for finding in findings_of(units, None):
        running = finding.period_from <= on and (
            finding.period_to is None or finding.period_to >= on
        )
        if finding.kind in kinds and running:
            blocked.setdefault(finding.unit_id, []).append(str(finding))
    return blocked


def _store_result(scoring, by, *, reason: str = "") -> ScoringResult:
    tie_rules = scoring.rulings["scoring.ranking_tie_rule"]["value"]
    with translation.override(settings.LANGUAGE_CODE):  # the notes go into the document
        placed = selectors.ranking_preview(scoring, tie_rules)
    latest = selectors.latest_result(scoring)
    result = ScoringResult.objects.create(
        scoring=scoring,
        version=(latest.version + 1) if latest else 1,
        frozen_by=by,
        correction_reason=reason,
    )
    blocked = _blockers(scoring, [p.unit.pk for p in placed], timezone.localdate())
    RankedUnit.objects.bulk_create(
        RankedUnit(
            result=result,
            unit=entry.unit,
            rank=entry.rank,
            scored=entry.totals.scored,
            bonus=entry.totals.bonus,
            penalty=entry.totals.penalty,
            total=entry.totals.total,
            majors={code: str(points) for code, points in entry.totals.majors.items()},
            tie_note=entry.tie_note,
            blockers=blocked.get(entry.unit.pk, []),
        )
        for entry in placed
    )
    enqueue_on_commit("scoring.prepare_result", result.pk)
    return result


@transaction.atomic
def freeze(*, task, by) -> ScoringResult:
    """Freeze the final scores and rank the units by the bloc's tie rules (result version 1)."""
    with acting_on(task, by, "freeze") as (activation, actor):
        scoring = Scoring.objects.select_for_update().get(pk=activation.process.scoring_id)
        if scoring.status != ScoringStatus.FINAL:
            refuse(
                _("The scores are not final yet (%(status)s).")
                % {"status": scoring.get_status_display().lower()}
            )
        scoring.freeze()
        scoring.save()
        result = _store_result(scoring, by)
        _audit(
            "scoring.frozen",
            actor,
            scoring,
            result=result.version,
            ranking=[(row.unit_id, row.rank, str(row.total)) for row in result.rows.all()],
        )
        activation.process.scoring = scoring
        finish(activation, by)
    return result


def prepare_result(result_id: int) -> None:
    """Render a result as its PDF with the leader unit head's signature field."""
    result = ScoringResult.objects.select_related(
        "scoring__term__bloc__jurisdiction", "scoring__term__leader", "scoring__criteria_set"
    ).get(pk=result_id)
    with translation.override(settings.LANGUAGE_CODE):
        draft = documents.result_draft(result)
    rendered = pipeline.render(draft)
    with transaction.atomic():
        result = ScoringResult.objects.select_for_update().get(pk=result_id)
        result.document = pipeline.store(draft, rendered, owner=result)
        result.save(update_fields=["document"])
        events.scoring_event("scoring.result_ready", result.scoring, result=result.version)


@transaction.atomic
def sign_result(*, task, by, credential, secret: str | None = None):
    with acting_on(task, by, "sign_result") as (activation, actor):
        scoring = Scoring.objects.get(pk=activation.process.scoring_id)
        result = selectors.latest_result(scoring)
        if result is None or result.document is None:
            refuse(_("The result is not ready for signing yet."))
        request = pipeline.sign(
            field=head_field(result.document),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        _audit("scoring.result_signature_requested", actor, scoring, result=result.version)
    return request


@transaction.atomic
def correct_result(*, scoring: Scoring, by, unit, criterion, points, reason: str) -> ScoringResult:
    """After freezing, a correction is a new result version: the component's final points,
    the ranking again, the reason; the earlier version stays as it was."""
    scoring = (
        Scoring.objects.select_for_update(of=("self",))
        .select_related("term__leader")
        .get(pk=scoring.pk)
    )
    actor = _acting_in(by, scoring.term.leader, [Role.HEAD])
    if actor is None:
        raise PermissionDenied(
            _("Only the head of the leader unit (%(unit)s) corrects a frozen result.")
            % {"unit": scoring.term.leader}
        )
    if scoring.status not in (ScoringStatus.FROZEN, ScoringStatus.RANKED):
        refuse(_("Only a frozen result is corrected; before that, change the scores."))
    if not reason.strip():
        refuse(_("Say why the result is corrected."))
    score = (
        ComponentScore.objects.select_for_update(of=("self",))
        .select_related("criterion")
        .get(sheet__scoring=scoring, sheet__unit=unit, criterion=criterion)
    )
    new = _parse_points(points, score.criterion)
    old = score.points
    _update(score, by, final_points=new)
    result = _store_result(scoring, by, reason=reason.strip())
    _audit(
        "scoring.result_corrected",
        actor,
        scoring,
        unit=unit.pk,
        criterion=criterion.code,
        old=_text(old),
        new=_text(new),
        reason=reason.strip(),
        result=result.version,
    )
    return result


def open_task_of(scoring: Scoring, node, unit_id=None):
    """The open task of ``node`` (for ``unit_id``), for pages that link to it."""
    tasks = ScoringFlow.task_class.objects.filter(
        process__scoringprocess__scoring=scoring,
        flow_task=node,
        status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
    )
    if unit_id is not None:
        tasks = tasks.filter(data__unit=unit_id)
    return tasks.first()
