"""The bloc's year-end meeting (DOMAIN.md §5 P6) as a viewflow flow.

    convene → the leader unit's officer prepares the candidates and the roll call
            → every member head present votes ("Bỏ phiếu bình xét") → the chair counts
            → another round among the undecided, or the leader and deputy decide a flag's tie,
              or the result is frozen → the minutes are signed by the secretary, then the chair
            → every nominee's officer writes its achievement report, its head signs it
            → the leader unit's officer compiles the proposal, its head signs it, its records
              clerk numbers and seals it: the dossier is submitted

viewflow decides who acts next; every gateway reads the meeting's FSM status, which only the
services change.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from flows.blocs.access import may_see_term
from flows.nominations import events
from flows.nominations.models import (
    AchievementReport,
    CouncilProcess,
    DecisionProcess,
    Dossier,
    DossierStatus,
    HandoverProcess,
    HandoverStatus,
    Meeting,
    MeetingProcess,
    MeetingStatus,
)
from flows.nominations.selectors import (
    elector_items,
    home_affairs_of,
    may_see_decision,
    may_see_meeting,
    may_see_session,
    nominee_items,
    session_electors,
    voter_items,
)
from flows.rules import selectors as rules
from workflows.access import ProcessVisibility
from workflows.locks import process_row_lock
from workflows.models import DelegationScope, Role
from workflows.nodes import FanOut, RoleTask

#: The steps' views, named by path: they call the services, which start this flow.
VIEWS = "flows.nominations.views"
#: Days for the steps of the meeting itself (held on one day; the minutes follow).
MEETING_DAYS = 1
SIGNING_DAYS = 3
#: Days a nominee's officer has for its achievement report.
REPORT_DAYS = 5


def _leader(process):
    return process.meeting.term.leader


def _deputy(process):
    return process.meeting.term.deputy


def _reminders(process):
    bloc = process.meeting.term.bloc
    return bloc.reminder_days, bloc.escalate_overdue


def _days(count):
    return lambda process: count


def _status_is(*statuses):
    return lambda activation: activation.process.meeting.status in statuses


def _department(process):
    """The home-affairs department the dossier was sent to."""
    return Dossier.objects.select_related("recipient").get(meeting=process.meeting).recipient


def _rule_days(key):
    def days(process):
        bloc = process.meeting.term.bloc
        return rules.resolve(key, on=timezone.localdate(), bloc=bloc).value

    return days


def _dossier_is(*statuses):
    def test(activation):
        return Dossier.objects.filter(
            meeting=activation.process.meeting, status__in=statuses
        ).exists()

    return test


class MeetingFlow(ProcessVisibility, flow.Flow):
    process_class = MeetingProcess
    lock_impl = staticmethod(process_row_lock)
    process_title = _("Year-end meeting")
    process_summary_template = (
        "{{ process.meeting }}: {{ process.meeting.get_status_display|lower }}"
    )
    summary_related = ["meeting__term__bloc"]
    process_description = _(
        "The bloc's vote on the units it proposes for awards, the signed minutes, the dossier"
        " and its reception and appraisal by the home-affairs department."
    )

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Convene the meeting"))
        .Next(this.prepare)
    )

    def may_see_process(self, user, process) -> bool:
        return may_see_meeting(user, process.meeting_id)

    prepare = (
        RoleTask(f"{VIEWS}.PrepareView")
        .Role(
            Role.EMULATION_OFFICER,
            unit=_leader,
            due_days=_days(MEETING_DAYS),
            reminders=_reminders,
            reason=_("the leader unit prepares the candidates and the roll call"),
        )
        .Annotation(title=_("Prepare the vote"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.vote_split)
    )
    vote_split = (
        FanOut()
        .Annotation(title=_("Ask every member head present to vote"))
        .Next(this.vote, data_source=voter_items)
    )
    vote = (
        RoleTask(f"{VIEWS}.VoteView")
        .Role(
            Role.HEAD,
            action=DelegationScope.VOTE,
            due_days=_days(MEETING_DAYS),
            reminders=_reminders,
            reason=_("every member unit present votes, by its head"),
        )
        .Annotation(title=_("Vote on the nominations"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.vote_join)
    )
    vote_join = flow.Join().Annotation(title=_("Gather the votes")).Next(this.count)
    count = (
        RoleTask(f"{VIEWS}.CountView")
        .Role(
            Role.HEAD,
            unit=_leader,
            due_days=_days(MEETING_DAYS),
            reminders=_reminders,
            reason=_("the chair of the meeting closes the round and counts the votes"),
        )
        .Annotation(title=_("Count the votes"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.after_count)
    )
    after_count = (
        flow.Switch()
        .Annotation(title=_("Settled?"))
        .Case(this.vote_split, _status_is(MeetingStatus.VOTING))
        .Case(this.decide, _status_is(MeetingStatus.DECIDING))
        .Default(this.sign_as_secretary)
    )
    # What two rounds leave undecided for a flag, the bloc's leader and deputy decide
    # (TT 01/2024/TT-TANDTC, DOMAIN.md §1.3 K-06): the leader's head proposes, the deputy's
    # head agrees or sends it back.
    decide = (
        RoleTask(f"{VIEWS}.DecideView")
        .Role(
            Role.HEAD,
            unit=_leader,
            due_days=_days(MEETING_DAYS),
            reminders=_reminders,
            reason=_("the bloc's leader decides what the rounds left undecided"),
        )
        .Annotation(title=_("Decide the tie"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.needs_agreement)
    )
    needs_agreement = (
        flow.If(_status_is(MeetingStatus.AGREEING))
        .Annotation(title=_("Does the deputy unit agree?"))
        .Then(this.agree)
        .Else(this.sign_as_secretary)
    )
    agree = (
        RoleTask(f"{VIEWS}.AgreeView")
        .Role(
            Role.HEAD,
            unit=_deputy,
            due_days=_days(MEETING_DAYS),
            reminders=_reminders,
            reason=_("the bloc's deputy decides the tie with its leader"),
        )
        .Annotation(title=_("Agree with the decision"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.after_agreement)
    )
    after_agreement = (
        flow.If(_status_is(MeetingStatus.NOMINATED))
        .Annotation(title=_("Did the deputy agree?"))
        .Then(this.sign_as_secretary)
        .Else(this.decide)
    )
    sign_as_secretary = (
        RoleTask(f"{VIEWS}.SignMinutesView")
        .Role(
            Role.EMULATION_OFFICER,
            unit=_leader,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reminders=_reminders,
            reason=_("the secretary of the meeting signs its minutes"),
        )
        .Annotation(title=_("Sign the minutes as secretary"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.sign_as_chair)
    )
    sign_as_chair = (
        RoleTask(f"{VIEWS}.SignMinutesView")
        .Role(
            Role.HEAD,
            unit=_leader,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reminders=_reminders,
            reason=_("the chair of the meeting signs its minutes"),
        )
        .Annotation(title=_("Sign the minutes as chair"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.open_dossier)
    )
    # The dossier (DOMAIN.md §5 P7): every nominee's report, written by its officer and signed
    # by its head; then the proposal, signed by the leader unit's head, numbered and sealed by
    # its records clerk, and so submitted.
    open_dossier = (
        flow.Function(this.start_dossier)
        .Annotation(title=_("Open the nomination dossier"))
        .Next(this.reports_split)
    )
    reports_split = (
        FanOut()
        .Annotation(title=_("Ask every nominee for its achievement report"))
        .Next(this.write_report, data_source=nominee_items)
    )
    write_report = (
        RoleTask(f"{VIEWS}.WriteReportView")
        .Role(
            Role.EMULATION_OFFICER,
            due_days=_days(REPORT_DAYS),
            reminders=_reminders,
            reason=_("every nominee writes the report of its achievements"),
        )
        .Annotation(title=_("Write the achievement report"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.sign_report)
    )
    sign_report = (
        RoleTask(f"{VIEWS}.SignReportView")
        .Role(
            Role.HEAD,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reminders=_reminders,
            reason=_("the head of the nominee signs its achievement report"),
        )
        .Annotation(title=_("Sign the achievement report"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.reports_join)
    )
    reports_join = flow.Join().Annotation(title=_("Gather the reports")).Next(this.compile_proposal)
    compile_proposal = (
        RoleTask(f"{VIEWS}.CompileView")
        .Role(
            Role.EMULATION_OFFICER,
            unit=_leader,
            due_days=_days(SIGNING_DAYS),
            reminders=_reminders,
            reason=_("the leader unit compiles the bloc's proposal"),
        )
        .Annotation(title=_("Compile the proposal"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.sign_proposal)
    )
    sign_proposal = (
        RoleTask(f"{VIEWS}.SignProposalView")
        .Role(
            Role.HEAD,
            unit=_leader,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reminders=_reminders,
            reason=_("the head of the leader unit signs the bloc's proposal"),
        )
        .Annotation(title=_("Sign the proposal"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.register_proposal)
    )
    register_proposal = (
        RoleTask(f"{VIEWS}.RegisterProposalView")
        .Role(
            Role.RECORDS_CLERK,
            unit=_leader,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reminders=_reminders,
            reason=_("the records clerk of the leader unit numbers and seals the proposal"),
        )
        .Annotation(title=_("Number and seal the proposal"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.receive)
    )
    # The home-affairs department (P8): receive or return, then appraise.
    receive = (
        RoleTask(f"{VIEWS}.ReceiveView")
        .Role(
            Role.HOME_AFFAIRS_OFFICER,
            unit=_department,
            due_days=_rule_days("sla.snv_reception_wd"),
            working_days=True,
            reason=_("the home-affairs department receives the blocs' dossiers"),
        )
        .Annotation(title=_("Receive the dossier"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.after_reception)
    )
    after_reception = (
        flow.If(_dossier_is(DossierStatus.RECEIVED))
        .Annotation(title=_("Received or returned?"))
        .Then(this.appraise)
        .Else(this.sign_return_notice)
    )
    sign_return_notice = (
        RoleTask(f"{VIEWS}.SignReturnNoticeView")
        .Role(
            Role.HEAD,
            unit=_department,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reason=_("the head of the home-affairs department signs its notices"),
        )
        .Annotation(title=_("Sign the return notice"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.after_return)
    )
    after_return = (
        flow.If(_dossier_is(DossierStatus.REPORTS))
        .Annotation(title=_("Reports to write again?"))
        .Then(this.reports_split)
        .Else(this.compile_proposal)
    )
    appraise = (
        RoleTask(f"{VIEWS}.AppraiseView")
        .Role(
            Role.HOME_AFFAIRS_OFFICER,
            unit=_department,
            due_days=_rule_days("sla.snv_appraisal_wd"),
            working_days=True,
            reason=_("the home-affairs department appraises the dossiers it received"),
        )
        .Annotation(title=_("Appraise the dossier"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.sign_appraisal)
    )
    sign_appraisal = (
        RoleTask(f"{VIEWS}.SignAppraisalView")
        .Role(
            Role.HEAD,
            unit=_department,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reason=_("the head of the home-affairs department signs the appraisal"),
        )
        .Annotation(title=_("Sign the appraisal"))
        .Permission("nominations.manage_meetingprocess")
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("Dossier appraised"))

    def start_process(self, activation, meeting):
        activation.process.meeting = meeting
        return activation.process

    def start_dossier(self, activation):
        """The minutes are signed: the dossier opens, due by the rule set's deadline, with one
        report per nominee."""
        meeting = Meeting.objects.select_for_update().get(pk=activation.process.meeting_id)
        term = meeting.term
        deadline = rules.resolve(
            "deadline.bloc_dossier_to_snv", on=timezone.localdate(), bloc=term.bloc
        )
        dossier = Dossier.objects.create(
            meeting=meeting,
            recipient=home_affairs_of(term.bloc.jurisdiction),
            due=datetime.date(term.year, deadline.value["month"], deadline.value["day"]),
            due_source=deadline.source,
        )
        AchievementReport.objects.bulk_create(
            AchievementReport(dossier=dossier, candidacy=candidacy)
            for candidacy in meeting.candidacies.filter(nominated=True)
        )
        events.meeting_event("meeting.dossier_opened", meeting, due=dossier.due.isoformat())


def _outgoing(process):
    return process.handover.term.leader


def _handover_is(*statuses):
    return lambda activation: activation.process.handover.status in statuses


def _incoming(process):
    return process.handover.next_term.leader


class HandoverFlow(ProcessVisibility, flow.Flow):
    """The leader's hand-over (DOMAIN.md §5 P13): the outgoing head signs the minutes, then the
    incoming head; the next term's leader takes over on the hand-over day."""

    process_class = HandoverProcess
    lock_impl = staticmethod(process_row_lock)
    process_title = _("Leader hand-over")
    process_summary_template = (
        "{{ process.handover }}: {{ process.handover.get_status_display|lower }}"
    )
    summary_related = ["handover__term__bloc"]
    process_description = _("The bloc's lead handed to next year's leader unit, minutes signed.")

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Designate the next leader"))
        .Next(this.by_election)
    )

    def may_see_process(self, user, process) -> bool:
        return may_see_term(user, process.handover.term_id)

    by_election = (
        flow.If(_handover_is(HandoverStatus.ELECTING))
        .Annotation(title=_("Do the members elect the next leader?"))
        .Then(this.elect_split)
        .Else(this.sign_outgoing)
    )
    # Under the rotation policy "vote", the members elect next year's leader unit on the
    # engine's ballot, as they vote on nominations.
    elect_split = (
        FanOut()
        .Annotation(title=_("Ask every member head to elect the next leader"))
        .Next(this.elect, data_source=elector_items)
    )
    elect = (
        RoleTask(f"{VIEWS}.ElectView")
        .Role(
            Role.HEAD,
            action=DelegationScope.VOTE,
            due_days=_days(MEETING_DAYS),
            reason=_("every member unit elects next year's leader unit, by its head"),
        )
        .Annotation(title=_("Elect the next leader unit"))
        .Permission("nominations.manage_handoverprocess")
        .Next(this.elect_join)
    )
    elect_join = flow.Join().Annotation(title=_("Gather the votes")).Next(this.elect_count)
    elect_count = (
        RoleTask(f"{VIEWS}.ElectCountView")
        .Role(
            Role.HEAD,
            unit=_outgoing,
            due_days=_days(MEETING_DAYS),
            reason=_("the head of the outgoing leader unit counts the election"),
        )
        .Annotation(title=_("Count the election"))
        .Permission("nominations.manage_handoverprocess")
        .Next(this.after_election)
    )
    after_election = (
        flow.Switch()
        .Annotation(title=_("Elected?"))
        .Case(this.elect_split, _handover_is(HandoverStatus.ELECTING))
        .Case(this.sign_outgoing, _handover_is(HandoverStatus.SIGNING))
        .Default(this.end)
    )

    sign_outgoing = (
        RoleTask(f"{VIEWS}.SignHandoverView")
        .Role(
            Role.HEAD,
            unit=_outgoing,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reason=_("the head of the outgoing leader unit signs the hand-over minutes"),
        )
        .Annotation(title=_("Sign the hand-over as outgoing leader"))
        .Permission("nominations.manage_handoverprocess")
        .Next(this.sign_incoming)
    )
    sign_incoming = (
        RoleTask(f"{VIEWS}.SignHandoverView")
        .Role(
            Role.HEAD,
            unit=_incoming,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reason=_("the head of the incoming leader unit signs the hand-over minutes"),
        )
        .Annotation(title=_("Sign the hand-over as incoming leader"))
        .Permission("nominations.manage_handoverprocess")
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("Hand-over ended"))

    def start_process(self, activation, handover):
        activation.process.handover = handover
        return activation.process


def _council(process):
    return process.session.council


def _session_is(*statuses):
    return lambda activation: activation.process.session.status in statuses


class CouncilFlow(ProcessVisibility, flow.Flow):
    """A sitting of the jurisdiction's council (DOMAIN.md §5 P9): the secretary takes the roll
    call, the members present vote ("Bỏ phiếu Hội đồng"), the chairman counts, the minutes
    are signed by the secretary and the chairman."""

    process_class = CouncilProcess
    lock_impl = staticmethod(process_row_lock)
    process_title = _("Council session")
    process_summary_template = (
        "{{ process.session }}: {{ process.session.get_status_display|lower }}"
    )
    summary_related = ["session__council"]
    process_description = _(
        "The council's vote on the appraised nominees over its total membership, and the"
        " signed minutes."
    )

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Convene the session"))
        .Next(this.open_session)
    )

    def may_see_process(self, user, process) -> bool:
        return may_see_session(user, process.session_id)

    open_session = (
        RoleTask(f"{VIEWS}.OpenSessionView")
        .Role(
            Role.COUNCIL_SECRETARY,
            unit=_council,
            due_days=_days(MEETING_DAYS),
            reason=_("the council's secretary takes the roll call"),
        )
        .Annotation(title=_("Take the roll call"))
        .Permission("nominations.manage_councilprocess")
        .Next(this.vote_split)
    )
    vote_split = (
        FanOut()
        .Annotation(title=_("Ballot papers to the members present"))
        .Next(this.vote, data_source=session_electors)
    )
    vote = (
        RoleTask(f"{VIEWS}.CouncilVoteView")
        .Role(
            Role.COUNCIL_MEMBER,
            unit=_council,
            action=DelegationScope.VOTE,
            due_days=_days(MEETING_DAYS),
            reason=_("every member present votes on the nominees"),
        )
        .Annotation(title=_("Council vote"))
        .Permission("nominations.manage_councilprocess")
        .Next(this.vote_join)
    )
    vote_join = flow.Join().Annotation(title=_("Gather the votes")).Next(this.count)
    count = (
        RoleTask(f"{VIEWS}.CouncilCountView")
        .Role(
            Role.COUNCIL_CHAIR,
            unit=_council,
            due_days=_days(MEETING_DAYS),
            reason=_("the chairman counts the council's vote"),
        )
        .Annotation(title=_("Count the council's vote"))
        .Permission("nominations.manage_councilprocess")
        .Next(this.sign_as_secretary)
    )
    sign_as_secretary = (
        RoleTask(f"{VIEWS}.SignCouncilMinutesView")
        .Role(
            Role.COUNCIL_SECRETARY,
            unit=_council,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reason=_("the council's secretary signs the minutes first"),
        )
        .Annotation(title=_("Sign the council's minutes as secretary"))
        .Permission("nominations.manage_councilprocess")
        .Next(this.sign_as_chair)
    )
    sign_as_chair = (
        RoleTask(f"{VIEWS}.SignCouncilMinutesView")
        .Role(
            Role.COUNCIL_CHAIR,
            unit=_council,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reason=_("the chairman signs the council's minutes"),
        )
        .Annotation(title=_("Sign the council's minutes as chairman"))
        .Permission("nominations.manage_councilprocess")
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("Minutes signed"))

    def start_process(self, activation, session):
        activation.process.session = session
        return activation.process


def _issuer(process):
    return process.decision.issuer


class DecisionFlow(ProcessVisibility, flow.Flow):
    """The province's award decision (DOMAIN.md §5 P10): the chairman signs, the records clerk
    numbers and seals it; the award history is written from it."""

    process_class = DecisionProcess
    lock_impl = staticmethod(process_row_lock)
    process_title = _("Award decision")
    process_summary_template = (
        "{{ process.decision }}: {{ process.decision.get_status_display|lower }}"
    )
    summary_related = ["decision__issuer"]
    process_description = _("The chairman's award decision, signed, numbered and sealed.")

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Draft the decision"))
        .Next(this.sign)
    )

    def may_see_process(self, user, process) -> bool:
        return may_see_decision(user, process.decision)

    sign = (
        RoleTask(f"{VIEWS}.SignDecisionView")
        .Role(
            Role.HEAD,
            unit=_issuer,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reason=_("the chairman of the People's Committee signs its award decisions"),
        )
        .Annotation(title=_("Sign the award decision"))
        .Permission("nominations.manage_decisionprocess")
        .Next(this.register)
    )
    register = (
        RoleTask(f"{VIEWS}.RegisterDecisionView")
        .Role(
            Role.RECORDS_CLERK,
            unit=_issuer,
            action=DelegationScope.SIGN,
            due_days=_days(SIGNING_DAYS),
            reason=_("the committee's records clerk numbers and seals its decisions"),
        )
        .Annotation(title=_("Number and seal the decision"))
        .Permission("nominations.manage_decisionprocess")
        .Next(this.end)
    )
    end = flow.End().Annotation(title=_("Decision issued"))

    def start_process(self, activation, decision):
        activation.process.decision = decision
        return activation.process
