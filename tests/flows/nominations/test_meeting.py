"""The year-end meeting through its services: convening on the ranking, the checks that keep a
unit off the ballot, the member heads' vote with an absentee's written vote, a second round,
the leader and deputy settling a flag, and the minutes signed by the secretary and the chair."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from flows.awards import services as awards
from flows.awards.models import AwardKind, AwardType, FindingKind
from flows.nominations import services
from flows.nominations.flows import MeetingFlow
from flows.nominations.models import BlocAward, Candidacy, DossierStatus, MeetingStatus
from tests.fixtures.meetings import meeting_task, meeting_tasks, sign_minutes
from tests.signatures.helpers import run_pending_tasks
from workflows import ballots
from workflows.models import AuditEvent, BallotPaper, BallotStatus, Participation

pytestmark = pytest.mark.django_db(transaction=True)


def convene(bloc, **options):
    return services.convene(
        term=bloc.term,
        by=bloc.officers[0],
        held_on=timezone.localdate(),
        place="Hội trường UBND",
        **options,
    )


def prepare(meeting):
    return meeting_task(meeting, MeetingFlow.prepare)


def candidates(meeting):
    return {
        (c.award, c.unit.name, c.eligible)
        for c in Candidacy.objects.filter(meeting=meeting).select_related("unit")
    }


def paper(meeting, *names):
    """The candidates of the current round named (by unit), across its questions."""
    round_ = ballots.current_round(meeting.ballot)
    return [c for c in round_.candidates.all() if c.label in names]


def vote_all(meeting, bloc, choices):
    """Every head present votes; ``choices`` maps a unit's index to the units it marks."""
    meeting.refresh_from_db()
    for index, names in choices.items():
        unit, head = bloc.units[index], bloc.heads[index]
        task = meeting_task(meeting, MeetingFlow.vote, unit)
        services.vote(task=task, by=head, marks=paper(meeting, *names))


class TestConvening:
    def test_the_flags_are_proposed_for_the_leading_units_each_checked(self, ranked_bloc):
        bloc = ranked_bloc(4)

        meeting = convene(bloc)

        first, second = bloc.units[0].name, bloc.units[1].name
        assert candidates(meeting) == {
            (BlocAward.CO_CP, first, True),
            (BlocAward.CO_TINH, second, True),
        }
        assert meeting.presiding == bloc.heads[0]
        assert meeting.secretary == bloc.officers[0]
        assert prepare(meeting).owner == bloc.officers[0]
        assert meeting.rulings["bloc.vote.threshold"]["value"] == "1/2"

    def test_only_the_leader_unit_convenes_and_only_once(self, ranked_bloc):
        bloc = ranked_bloc(3)
        with pytest.raises(PermissionDenied):
            services.convene(
                term=bloc.term, by=bloc.heads[1], held_on=timezone.localdate(), place="X"
            )
        convene(bloc)
        with pytest.raises(ValidationError, match="đã triệu tập"):
            convene(bloc)

    def test_a_blocked_leading_unit_is_listed_with_the_reason_and_kept_off(self, ranked_bloc):
        bloc = ranked_bloc(3)
        awards.record_finding(
            unit=bloc.units[0],
            kind=FindingKind.INVESTIGATION,
            agency="Công an thành phố",
            year=timezone.localdate().year,
            period_from=timezone.localdate() - datetime.timedelta(days=30),
            period_to=None,
            by=None,
        )

        meeting = convene(bloc)

        flag = meeting.candidacies.get(award=BlocAward.CO_CP)
        assert flag.eligible is False
        [failed] = [check for check in flag.checks if check["passed"] is False]
        assert failed["rule"] == "R-05" and "Điều 4 khoản 4" in failed["source"]


class TestProposing:
    def test_an_ineligible_unit_is_refused_citing_the_rule_and_nothing_is_kept(self, ranked_bloc):
        bloc = ranked_bloc(4)
        meeting = convene(bloc)
        before = candidates(meeting)

        with pytest.raises(ValidationError, match="K-03") as refused:
            services.propose(
                task=prepare(meeting),
                by=bloc.officers[0],
                unit=bloc.units[3],
                award=BlocAward.CO_TINH,
                priority=False,
            )
        assert "Điều 26" in str(refused.value)
        assert candidates(meeting) == before

    def test_one_award_per_unit_at_a_meeting(self, ranked_bloc):
        bloc = ranked_bloc(3)
        meeting = convene(bloc)
        with pytest.raises(ValidationError, match="R-01"):
            services.propose(
                task=prepare(meeting),
                by=bloc.officers[0],
                unit=bloc.units[0],
                award=BlocAward.BK_TOAN_DIEN,
            )

    def test_the_same_award_twice_for_one_year_is_refused(self, ranked_bloc):
        bloc = ranked_bloc(3)
        year = bloc.term.year
        awards.record_award(
            unit=bloc.units[2],
            award_type=AwardType.objects.get(code="BK_TINH"),
            kind=AwardKind.REGULAR,
            year=year,
            decision_number="12/QĐ-UBND",
            decision_date=datetime.date(year, 3, 1),
            period_from=datetime.date(year, 1, 1),
            period_to=datetime.date(year, 12, 31),
            by=None,
        )
        meeting = convene(bloc)
        with pytest.raises(ValidationError, match="12/QĐ-UBND"):
            services.propose(
                task=prepare(meeting),
                by=bloc.officers[0],
                unit=bloc.units[2],
                award=BlocAward.BK_TOAN_DIEN,
            )


class TestTheVote:
    def test_from_the_vote_to_the_signed_minutes(self, ranked_bloc):
        bloc = ranked_bloc(4)
        meeting = convene(bloc, theme="Chuyển đổi số")
        officer = bloc.officers[0]
        services.propose(
            task=prepare(meeting),
            by=officer,
            unit=bloc.units[2],
            award=BlocAward.BK_TOAN_DIEN,
        )
        services.propose(
            task=prepare(meeting), by=officer, unit=bloc.units[3], award=BlocAward.BK_CHUYEN_DE
        )
        # The fourth unit is absent: it votes in writing, through the secretary.
        services.set_attendance(task=prepare(meeting), by=officer, present=bloc.units[:3])
        meeting = services.open_voting(task=prepare(meeting), by=officer)

        assert meeting.status == MeetingStatus.VOTING
        assert len(meeting_tasks(meeting, MeetingFlow.vote)) == 3
        assert meeting.ballot.electors.count() == 4
        names = [unit.name for unit in bloc.units]
        vote_all(meeting, bloc, {0: names[1:], 1: names, 2: names[:2]})
        services.record_written_vote(
            meeting=meeting, by=officer, unit=bloc.units[3], marks=paper(meeting, *names[:3])
        )
        count = meeting_task(meeting, MeetingFlow.count)
        assert count.owner == bloc.heads[0]
        meeting = services.count(task=count, by=bloc.heads[0])
        # 2 of 4 is not more than half: the thematic certificate goes to a second round alone.
        assert meeting.status == MeetingStatus.VOTING
        second = ballots.current_round(meeting.ballot)
        assert [c.label for c in second.candidates.all()] == [names[3]]
        vote_all(meeting, bloc, {0: [names[3]], 1: [], 2: []})
        services.record_written_vote(
            meeting=meeting, by=officer, unit=bloc.units[3], marks=paper(meeting, names[3])
        )
        meeting = services.count(task=meeting_task(meeting, MeetingFlow.count), by=bloc.heads[0])
        run_pending_tasks()

        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.NOMINATED
        assert meeting.ballot.status == BallotStatus.FROZEN
        # Over the 4 member units, more than half: 3 of 4 pass, 2 of 4 do not.
        nominated = {
            (c.award, c.unit.name): c.nominated for c in meeting.candidacies.select_related("unit")
        }
        assert nominated == {
            (BlocAward.CO_CP, names[0]): True,  # 3 of 4
            (BlocAward.CO_TINH, names[1]): True,  # 4 of 4
            (BlocAward.BK_TOAN_DIEN, names[2]): True,  # 3 of 4
            (BlocAward.BK_CHUYEN_DE, names[3]): False,  # 2 of 4
        }
        assert meeting.minutes is not None
        secretary_task = meeting_task(meeting, MeetingFlow.sign_as_secretary)
        assert secretary_task.owner == officer
        sign_minutes(services.sign_minutes, secretary_task, officer, bloc.credential(officer))
        chair_task = meeting_task(meeting, MeetingFlow.sign_as_chair)
        sign_minutes(
            services.sign_minutes, chair_task, bloc.heads[0], bloc.credential(bloc.heads[0])
        )
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.MINUTES_SIGNED
        assert AuditEvent.objects.filter(action="ballot.frozen").count() == 1
        # The papers of a secret ballot name nobody.
        assert not BallotPaper.objects.filter(elector__isnull=False).exists()

        # The dossier: the three nominees' reports, each by its officer, signed by its head.
        dossier = meeting.dossier
        assert dossier.status == DossierStatus.REPORTS
        assert len(meeting_tasks(meeting, MeetingFlow.write_report)) == 3
        for unit, writer, head in zip(bloc.units[:3], bloc.officers, bloc.heads, strict=False):
            task = meeting_task(meeting, MeetingFlow.write_report, unit)
            assert task.owner == writer
            with pytest.raises(ValidationError, match="Hãy viết"):
                services.submit_report(task=task, by=writer, situation="", achievements="")
            draft = services.draft_achievements(services.report_for(task))
            assert "xếp thứ" in draft
            services.submit_report(
                task=task, by=writer, situation="Đơn vị cấp huyện.", achievements=draft
            )
            run_pending_tasks()
            sign_task = meeting_task(meeting, MeetingFlow.sign_report, unit)
            if unit == bloc.units[0]:  # only the nominee's own head signs its report
                with pytest.raises(PermissionDenied):
                    services.sign_report(
                        task=sign_task, by=bloc.heads[1], credential=bloc.credential(bloc.heads[1])
                    )
            sign_minutes(services.sign_report, sign_task, head, bloc.credential(head))
        dossier.refresh_from_db()
        assert dossier.status == DossierStatus.COMPILING
        services.send_proposal(task=meeting_task(meeting, MeetingFlow.compile_proposal), by=officer)
        run_pending_tasks()
        sign_minutes(
            services.sign_proposal,
            meeting_task(meeting, MeetingFlow.sign_proposal),
            bloc.heads[0],
            bloc.credential(bloc.heads[0]),
        )
        clerk = bloc.scoring_bloc.bloc.clerk
        sign_minutes(
            services.register_proposal,
            meeting_task(meeting, MeetingFlow.register_proposal),
            clerk,
            bloc.credential(clerk),
        )
        dossier.refresh_from_db()
        assert dossier.status == DossierStatus.SUBMITTED and dossier.submitted_at is not None
        assert dossier.proposal.issued_number.label.startswith("01/TTr-")
        # On to the home-affairs department, which receives it (tests/.../test_reception.py).
        assert meeting_task(meeting, MeetingFlow.receive).owner == bloc.department_officer

    def test_a_flag_still_short_after_two_rounds_is_settled_by_the_leader_and_deputy(
        self, ranked_bloc
    ):
        bloc = ranked_bloc(4)
        meeting = convene(bloc)
        officer = bloc.officers[0]
        meeting = services.open_voting(task=prepare(meeting), by=officer)
        first, second = bloc.units[0].name, bloc.units[1].name
        # The provincial flag's candidate has 2 of 4 twice: not more than half.
        vote_all(meeting, bloc, {0: [first, second], 1: [first, second], 2: [first], 3: []})
        meeting = services.count(task=meeting_task(meeting, MeetingFlow.count), by=bloc.heads[0])
        assert meeting.status == MeetingStatus.VOTING
        vote_all(meeting, bloc, {0: [second], 1: [second], 2: [], 3: []})
        meeting = services.count(task=meeting_task(meeting, MeetingFlow.count), by=bloc.heads[0])

        assert meeting.status == MeetingStatus.DECIDING
        decide = meeting_task(meeting, MeetingFlow.decide)
        assert decide.owner == bloc.heads[0]
        [pending] = [
            item for item in ballots.outcome_of(meeting.ballot).questions if item.awaiting_decision
        ]
        chosen = {pending.question.pk: [c.pk for c in pending.awaiting_decision]}
        with pytest.raises(ValidationError):
            services.decide(task=decide, by=bloc.heads[0], chosen=chosen, reason=" ")
        services.decide(task=decide, by=bloc.heads[0], chosen=chosen, reason="Nổi trội hơn")
        agree = meeting_task(meeting, MeetingFlow.agree)
        assert agree.owner == bloc.heads[1]
        services.answer_decision(task=agree, by=bloc.heads[1], agree=False, reason="Chưa thỏa đáng")
        decide = meeting_task(meeting, MeetingFlow.decide)
        services.decide(task=decide, by=bloc.heads[0], chosen=chosen, reason="Nổi trội hơn")
        services.answer_decision(
            task=meeting_task(meeting, MeetingFlow.agree), by=bloc.heads[1], agree=True
        )

        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.NOMINATED
        flag = meeting.candidacies.get(award=BlocAward.CO_TINH)
        assert (flag.nominated, flag.nominated_how) == (True, "decision")
        assert meeting.candidacies.get(award=BlocAward.CO_CP).nominated_how == "round 1"
        decided = AuditEvent.objects.get(action="ballot.decided")
        assert "Phó Trưởng khối" in decided.data["deciders"]

    def test_only_the_heads_vote_and_each_once(self, ranked_bloc):
        bloc = ranked_bloc(3)
        meeting = convene(bloc)
        meeting = services.open_voting(task=prepare(meeting), by=bloc.officers[0])
        task = meeting_task(meeting, MeetingFlow.vote, bloc.units[1])

        with pytest.raises(PermissionDenied):
            services.vote(task=task, by=bloc.officers[1], marks=[])
        services.vote(task=task, by=bloc.heads[1], marks=[])
        with pytest.raises(ValidationError):
            services.vote(task=task, by=bloc.heads[1], marks=[])
        assert Participation.objects.count() == 1


def test_the_chair_ends_the_voting_when_a_unit_present_does_not_vote(ranked_bloc, client):
    bloc = ranked_bloc(3)
    meeting = convene(bloc)
    meeting = services.open_voting(task=prepare(meeting), by=bloc.officers[0])
    vote_all(meeting, bloc, {0: [bloc.units[0].name], 1: [bloc.units[0].name]})
    assert not meeting_tasks(meeting, MeetingFlow.count)  # the third head has not voted
    with pytest.raises(PermissionDenied):
        services.close_voting(meeting=meeting, by=bloc.heads[1])

    assert services.close_voting(meeting=meeting, by=bloc.heads[0]) == [bloc.units[2].pk]

    assert Participation.objects.count() == 2
    meeting = services.count(task=meeting_task(meeting, MeetingFlow.count), by=bloc.heads[0])
    # 2 of 3 member units is more than half: the Government flag passes (the provincial
    # flag, 0 of 3, goes to a second round).
    elected = {
        item.question.label: [c.label for c, _how in item.elected]
        for item in ballots.outcome_of(meeting.ballot).questions
    }
    assert elected[BlocAward.CO_CP.label] == [bloc.units[0].name]
    assert meeting.status == MeetingStatus.VOTING
    event = AuditEvent.objects.get(action="meeting.voting_closed")
    assert event.data["not_voted"] == [bloc.units[2].pk]
