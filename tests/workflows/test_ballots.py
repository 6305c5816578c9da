"""The generic ballot: rounds, thresholds over the right base, ties, delegation, written votes,
receipts, the frozen result, and that a secret paper cannot be joined to its voter."""

import datetime
import hashlib
import threading
import time
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models

from workflows import ballots
from workflows.ballots import CandidateSpec, QuestionSpec
from workflows.citations import Citation
from workflows.models import (
    AuditEvent,
    BallotMode,
    BallotPaper,
    BallotStatus,
    DelegationScope,
    Participation,
    ParticipationKind,
    Role,
    ThresholdBase,
    TieRule,
    canonical_json,
)
from workflows.services import delegate

HALF = Fraction(1, 2)
FOUR_FIFTHS = Fraction(4, 5)
SOURCE = Citation("Quy chế thử nghiệm, Điều 1")


@pytest.fixture
def heads(make_unit, make_user, appoint):
    """Eight units and their heads' appointments."""

    def make(count=8):
        appointments = []
        for number in range(1, count + 1):
            unit = make_unit(name=f"Huyện {number}")
            head = make_user(username=f"head{number}", last_name=f"Trưởng {number}")
            appointments.append(appoint(head, unit, Role.HEAD))
        return appointments

    return make


@pytest.fixture
def chair(make_user):
    return make_user(username="chair", last_name="Chủ trì")


@pytest.fixture
def secretary(make_user):
    return make_user(username="secretary", last_name="Thư ký")


def yes_no(label, candidate, threshold=HALF, strict=True, **options):
    return QuestionSpec(
        label=label,
        candidates=[CandidateSpec(candidate)],
        threshold=threshold,
        threshold_citation=SOURCE,
        threshold_strict=strict,
        **options,
    )


def choice(label, names, seats=1, threshold=HALF, strict=True, **options):
    return QuestionSpec(
        label=label,
        candidates=[
            name if isinstance(name, CandidateSpec) else CandidateSpec(name) for name in names
        ],
        threshold=threshold,
        threshold_citation=SOURCE,
        threshold_strict=strict,
        seats=seats,
        **options,
    )


@pytest.fixture
def prepare(jurisdiction, chair, secretary):
    def make(questions, electorate, **options):
        return ballots.prepare_ballot(
            subject=jurisdiction,
            title="Bình xét năm 2023",
            questions=questions,
            electorate=electorate,
            chair=chair,
            secretary=secretary,
            **options,
        )

    return make


def candidate(ballot, label):
    return next(
        item
        for question in ballot.questions.all()
        for item in question.candidates.all()
        if item.label == label
    )


def vote(ballot, appointments, *labels):
    """Each appointment's holder votes for the candidates labelled."""
    marks = [candidate(ballot, label) for label in labels]
    return [ballots.cast_vote(ballot=ballot, by=item.user, marks=marks) for item in appointments]


def elected(ballot):
    return {
        item.question.label: [(found.label, how) for found, how in item.elected]
        for item in ballots.outcome_of(ballot).questions
    }


class TestCounting:
    def test_a_threshold_is_counted_over_the_whole_electorate_not_those_present(
        self, heads, prepare, chair
    ):
        electorate = heads(8)
        ballot = prepare([yes_no("Cờ thi đua", "Vĩnh Bảo", FOUR_FIFTHS, strict=False)], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:6], "Vĩnh Bảo")  # all six present are for: 6/8 = 75 %
        ballots.close_round(ballot=ballot, by=chair)

        outcome = ballots.outcome_of(ballot).questions[0]
        count = outcome.rounds[0].counts[0]
        assert (count.votes_for, count.votes_against, count.base) == (6, 0, 8)
        assert count.ratio == Fraction(3, 4) and not count.passed
        assert outcome.elected == []

    @pytest.mark.parametrize(("yes", "passes"), [(12, True), (11, False)])
    def test_a_council_of_fifteen_needs_twelve_yes_whoever_is_present(
        self, heads, prepare, chair, yes, passes
    ):
        electorate = heads(15)
        ballot = prepare([yes_no("Cờ thi đua", "A", FOUR_FIFTHS, strict=False)], electorate)
        electors = {item.appointment_id: item for item in ballot.electors.all()}
        present = [electors[item.pk] for item in electorate[:yes]]
        ballots.open_round(ballot=ballot, by=chair, present=present)
        vote(ballot, electorate[:yes], "A")  # everyone present votes yes
        ballots.close_round(ballot=ballot, by=chair)

        count = ballots.outcome_of(ballot).questions[0].rounds[0].counts[0]
        assert (count.votes_for, count.base, count.passed) == (yes, 15, passes)

    def test_over_those_present_the_same_papers_pass(self, heads, prepare, chair):
        electorate = heads(8)
        ballot = prepare(
            [yes_no("Cờ thi đua", "Vĩnh Bảo", FOUR_FIFTHS, strict=False)],
            electorate,
            base=ThresholdBase.PRESENT,
        )
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:6], "Vĩnh Bảo")
        ballots.close_round(ballot=ballot, by=chair)

        assert elected(ballot) == {"Cờ thi đua": [("Vĩnh Bảo", "round 1")]}

    @pytest.mark.parametrize(("strict", "passes"), [(True, False), (False, True)])
    def test_more_than_half_and_at_least_half_differ_at_exactly_half(
        self, heads, prepare, chair, strict, passes
    ):
        electorate = heads(8)
        ballot = prepare([yes_no("Bằng khen", "Kiến Thụy", HALF, strict=strict)], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:4], "Kiến Thụy")
        vote(ballot, electorate[4:])  # blank papers: against
        ballots.close_round(ballot=ballot, by=chair)

        count = ballots.outcome_of(ballot).questions[0].rounds[0].counts[0]
        assert (count.votes_for, count.votes_against) == (4, 4)
        assert count.passed is passes

    def test_a_tie_for_the_last_place_goes_to_a_second_round_among_the_tied(
        self, heads, prepare, chair
    ):
        electorate = heads(8)
        ballot = prepare(
            [choice("Cờ thi đua", ["Vĩnh Bảo", "Thủy Nguyên", "Kiến Thụy"], strict=False)],
            electorate,
            max_rounds=2,
        )
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:4], "Vĩnh Bảo")
        vote(ballot, electorate[4:], "Thủy Nguyên")
        ballots.close_round(ballot=ballot, by=chair)

        outcome = ballots.outcome_of(ballot).questions[0]
        assert [found.label for found in outcome.next_round] == ["Vĩnh Bảo", "Thủy Nguyên"]
        with pytest.raises(ValidationError, match="Cờ thi đua"):
            ballots.freeze_result(ballot=ballot, by=chair)

        second = ballots.open_round(ballot=ballot, by=chair)
        assert sorted(second.candidates.values_list("label", flat=True)) == [
            "Thủy Nguyên",
            "Vĩnh Bảo",
        ]
        vote(ballot, electorate[:5], "Vĩnh Bảo")
        vote(ballot, electorate[5:], "Thủy Nguyên")
        ballots.close_round(ballot=ballot, by=chair)

        assert elected(ballot) == {"Cờ thi đua": [("Vĩnh Bảo", "round 2")]}

    def test_candidates_short_of_the_threshold_go_to_the_second_round_for_open_places(
        self, heads, prepare, chair
    ):
        electorate = heads(8)
        ballot = prepare(
            [choice("Bằng khen", ["A", "B", "C"], seats=2, max_choices=2)],
            electorate,
            max_rounds=2,
        )
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:5], "A", "B")  # A and B 5/8
        vote(ballot, electorate[5:], "C")
        ballots.close_round(ballot=ballot, by=chair)
        assert elected(ballot) == {"Bằng khen": [("A", "round 1"), ("B", "round 1")]}
        assert ballots.outcome_of(ballot).questions[0].next_round == []

    def test_the_last_round_still_tied_awaits_the_deciders_and_their_choice_elects(
        self, heads, prepare, chair
    ):
        electorate = heads(8)
        ballot = prepare(
            [
                choice(
                    "Cờ thi đua",
                    ["Vĩnh Bảo", "Thủy Nguyên"],
                    strict=False,
                    tie_rules=(TieRule.DECISION,),
                )
            ],
            electorate,
            max_rounds=2,
        )
        for _round in range(2):
            ballots.open_round(ballot=ballot, by=chair)
            vote(ballot, electorate[:4], "Vĩnh Bảo")
            vote(ballot, electorate[4:], "Thủy Nguyên")
            ballots.close_round(ballot=ballot, by=chair)
        outcome = ballots.outcome_of(ballot).questions[0]
        assert [found.label for found in outcome.awaiting_decision] == ["Vĩnh Bảo", "Thủy Nguyên"]
        with pytest.raises(ValidationError, match="2"):
            ballots.open_round(ballot=ballot, by=chair)
        question = outcome.question
        with pytest.raises(ValidationError):
            ballots.decide(
                question=question,
                chosen=[candidate(ballot, "Vĩnh Bảo"), candidate(ballot, "Thủy Nguyên")],
                deciders="Trưởng cụm và Phó Trưởng cụm",
                reason="Thành tích nổi trội hơn",
                by=chair,
            )

        ballots.decide(
            question=question,
            chosen=[candidate(ballot, "Vĩnh Bảo")],
            deciders="Trưởng cụm và Phó Trưởng cụm",
            reason="Thành tích nổi trội hơn",
            by=chair,
        )

        assert elected(ballot) == {"Cờ thi đua": [("Vĩnh Bảo", "decision")]}
        ballots.freeze_result(ballot=ballot, by=chair)

    def test_without_a_decision_rule_a_tie_after_the_last_round_leaves_the_place_open(
        self, heads, prepare, chair
    ):
        electorate = heads(4)
        ballot = prepare([choice("Cờ thi đua", ["A", "B"], strict=False)], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:2], "A")
        vote(ballot, electorate[2:], "B")
        ballots.close_round(ballot=ballot, by=chair)

        ballot = ballots.freeze_result(ballot=ballot, by=chair)

        assert ballot.result["questions"][0]["elected"] == []
        assert ballot.result["questions"][0]["open_places"] == 1

    def test_priority_settles_a_tie_when_the_rules_say_so(self, heads, prepare, chair):
        electorate = heads(4)
        woman = CandidateSpec("B", priority=True, priority_reason="Tập thể có 75 % nữ")
        ballot = prepare(
            [choice("Cờ thi đua", ["A", woman], strict=False, tie_rules=(TieRule.PRIORITY,))],
            electorate,
            max_rounds=2,
        )
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:2], "A")
        vote(ballot, electorate[2:], "B")
        ballots.close_round(ballot=ballot, by=chair)

        assert elected(ballot) == {"Cờ thi đua": [("B", "priority")]}


class TestVoting:
    def test_each_voter_gets_a_receipt_that_finds_his_paper_once_counted(
        self, heads, prepare, chair
    ):
        electorate = heads(3)
        ballot = prepare([yes_no("Bằng khen", "Cát Hải")], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        receipt, blank, _third = vote(ballot, electorate[:1], "Cát Hải") + vote(
            ballot, electorate[1:]
        )

        assert ballots.check_receipt(ballot=ballot, code=receipt.code).counted is False
        ballots.close_round(ballot=ballot, by=chair)

        mine = ballots.check_receipt(ballot=ballot, code=receipt.code.lower().replace("-", " "))
        assert (mine.round_number, mine.marks, mine.counted) == (1, ["Cát Hải"], True)
        assert ballots.check_receipt(ballot=ballot, code=blank.code).marks == []
        assert ballots.check_receipt(ballot=ballot, code="AAAA-BBBB-CCCC") is None

    def test_a_second_paper_from_the_same_elector_is_refused(self, heads, prepare, chair):
        electorate = heads(3)
        ballot = prepare([yes_no("Bằng khen", "Cát Hải")], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:1], "Cát Hải")

        with pytest.raises(ValidationError, match="Huyện 1"):
            vote(ballot, electorate[:1])
        assert BallotPaper.objects.count() == Participation.objects.count() == 1

    def test_only_the_electorate_votes_and_only_while_a_round_is_open(
        self, heads, prepare, chair, make_user
    ):
        electorate = heads(2)
        ballot = prepare([yes_no("Bằng khen", "Cát Hải")], electorate)
        with pytest.raises(ValidationError):
            vote(ballot, electorate[:1], "Cát Hải")  # not opened yet
        ballots.open_round(ballot=ballot, by=chair)
        with pytest.raises(PermissionDenied, match="Người Ngoài"):
            ballots.cast_vote(ballot=ballot, by=make_user(last_name="Người Ngoài"), marks=[])
        ballots.close_round(ballot=ballot, by=chair)
        with pytest.raises(ValidationError):
            vote(ballot, electorate[1:], "Cát Hải")
        assert BallotPaper.objects.count() == 0

    def test_a_paper_may_mark_no_more_than_the_question_allows_and_only_its_candidates(
        self, heads, prepare, chair, jurisdiction
    ):
        electorate = heads(2)
        ballot = prepare([choice("Bằng khen", ["A", "B", "C"], seats=2)], electorate)
        other = prepare([yes_no("Khác", "D")], electorate)
        ballots.open_round(ballot=ballot, by=chair)

        with pytest.raises(ValidationError, match="2"):
            vote(ballot, electorate[:1], "A", "B", "C")
        with pytest.raises(ValidationError):
            ballots.cast_vote(ballot=ballot, by=electorate[0].user, marks=[candidate(other, "D")])
        assert Participation.objects.count() == 0

    def test_only_the_chair_opens_and_closes(self, heads, prepare, secretary):
        electorate = heads(2)
        ballot = prepare([yes_no("Bằng khen", "A")], electorate)
        with pytest.raises(PermissionDenied, match="Chủ trì"):
            ballots.open_round(ballot=ballot, by=secretary)

    def test_a_substitute_votes_for_the_absent_head_under_a_voting_delegation(
        self, heads, prepare, chair, make_user
    ):
        electorate = heads(2)
        deputy = make_user(username="deputy", last_name="Phó")
        delegate(
            appointment=electorate[0],
            substitute=deputy,
            valid_from=datetime.date.today(),
            valid_to=datetime.date.today(),
            scope=DelegationScope.VOTE,
            by=None,
        )
        ballot = prepare([yes_no("Bằng khen", "A")], electorate)
        ballots.open_round(ballot=ballot, by=chair)

        ballots.cast_vote(ballot=ballot, by=deputy, marks=[])

        participation = Participation.objects.get()
        assert participation.elector.appointment == electorate[0]
        assert participation.cast_by == deputy and participation.delegation is not None
        event = AuditEvent.objects.filter(action="ballot.voted").get()
        assert (event.actor, event.on_behalf_of) == (deputy, electorate[0].user)
        with pytest.raises(ValidationError):  # the head cannot vote a second time himself
            vote(ballot, electorate[:1])

    def test_a_signing_delegation_does_not_carry_the_vote(self, heads, prepare, chair, make_user):
        electorate = heads(2)
        deputy = make_user(username="deputy", last_name="Phó")
        delegate(
            appointment=electorate[0],
            substitute=deputy,
            valid_from=datetime.date.today(),
            valid_to=datetime.date.today(),
            scope=DelegationScope.SIGN,
            by=None,
        )
        ballot = prepare([yes_no("Bằng khen", "A")], electorate)
        ballots.open_round(ballot=ballot, by=chair)

        with pytest.raises(PermissionDenied):
            ballots.cast_vote(ballot=ballot, by=deputy, marks=[])

    def test_the_secretary_records_the_written_votes_of_those_absent_from_the_roll_call(
        self, heads, prepare, chair, secretary
    ):
        electorate = heads(4)
        ballot = prepare([yes_no("Cờ thi đua", "A", strict=False)], electorate, written_votes=True)
        electors = {item.appointment_id: item for item in ballot.electors.all()}
        present = [electors[item.pk] for item in electorate[:3]]
        absent = electors[electorate[3].pk]
        ballots.open_round(ballot=ballot, by=chair, present=present)

        with pytest.raises(ValidationError, match="Huyện 4"):
            vote(ballot, electorate[3:], "A")  # absent: in writing only
        with pytest.raises(ValidationError, match="Huyện 1"):
            ballots.record_written_vote(ballot=ballot, elector=present[0], marks=[], by=secretary)
        with pytest.raises(PermissionDenied):
            ballots.record_written_vote(ballot=ballot, elector=absent, marks=[], by=chair)
        vote(ballot, electorate[:3], "A")
        ballots.record_written_vote(
            ballot=ballot, elector=absent, marks=[candidate(ballot, "A")], by=secretary
        )
        ballots.close_round(ballot=ballot, by=chair)

        tally = ballot.rounds.get().tally
        assert (tally["papers"], tally["in_person"], tally["written"], tally["present"]) == (
            4,
            3,
            1,
            3,
        )
        assert elected(ballot) == {"Cờ thi đua": [("A", "round 1")]}

    def test_written_votes_are_refused_where_the_rules_do_not_allow_them(
        self, heads, prepare, chair, secretary
    ):
        electorate = heads(2)
        ballot = prepare([yes_no("Cờ thi đua", "A")], electorate)
        absent = ballot.electors.get(appointment=electorate[1])
        ballots.open_round(
            ballot=ballot, by=chair, present=[ballot.electors.get(appointment=electorate[0])]
        )

        with pytest.raises(ValidationError):
            ballots.record_written_vote(ballot=ballot, elector=absent, marks=[], by=secretary)


class TestFrozenResult:
    def test_freezing_stores_the_result_and_its_hash_in_the_audit_log(self, heads, prepare, chair):
        electorate = heads(4)
        ballot = prepare([yes_no("Cờ thi đua", "A")], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:3], "A")
        ballots.close_round(ballot=ballot, by=chair)

        ballot = ballots.freeze_result(ballot=ballot, by=chair)

        digest = hashlib.sha256(canonical_json(ballot.result).encode()).hexdigest()
        assert ballot.status == BallotStatus.FROZEN and ballot.result_hash == digest
        event = AuditEvent.objects.get(action="ballot.frozen")
        assert event.data["result_hash"] == digest and event.actor == chair
        question = ballot.result["questions"][0]
        assert question["rounds"][0]["candidates"][0] == {
            "label": "A",
            "reference": "",
            "for": 3,
            "against": 0,
            "ratio": "3/4",
            "passed": True,
        }
        assert question["threshold_source"] == str(SOURCE)
        with pytest.raises(ValidationError):
            ballots.open_round(ballot=ballot, by=chair)


class TestSecrecy:
    """What the stored rows of a secret ballot allow: counting, and nothing that joins a paper
    to its voter."""

    def test_a_paper_has_no_column_that_could_name_its_voter_or_its_time(self):
        columns = {item.name: item for item in BallotPaper._meta.concrete_fields}

        assert set(columns) == {"id", "round", "marks", "receipt_hash", "elector"}
        assert isinstance(columns["id"], models.UUIDField)
        assert not any(isinstance(item, models.DateField) for item in columns.values())

    def test_stored_papers_and_audit_entries_do_not_relate_voters_to_choices(
        self, heads, prepare, chair
    ):
        electorate = heads(12)
        ballot = prepare([choice("Cờ thi đua", ["A", "B"])], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        voting_order = []
        for number, appointment in enumerate(electorate):
            label = "A" if number % 3 else "B"
            receipt = ballots.cast_vote(
                ballot=ballot, by=appointment.user, marks=[candidate(ballot, label)]
            )
            voting_order.append(receipt.code.replace("-", ""))
        ballots.close_round(ballot=ballot, by=chair)

        papers = list(BallotPaper.objects.all())
        assert all(paper.elector_id is None for paper in papers)
        assert all(paper.id.version == 4 for paper in papers)
        stored_order = [paper.receipt_hash for paper in _in_storage_order()]
        voted_hashes = [ballots._receipt_hash(ballot.pk, code) for code in voting_order]
        assert sorted(stored_order) == sorted(voted_hashes)
        assert stored_order != voted_hashes  # rewritten in a random order (1 in 12! the same)
        candidate_ids = {str(item.pk) for item in ballot.questions.get().candidates.all()}
        for event in AuditEvent.objects.filter(action="ballot.voted"):
            assert set(event.data) == {"elector", "how"}
            assert not candidate_ids & set(map(str, event.data.values()))

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's xmin")
    def test_papers_carry_the_closing_transaction_not_the_voters(self, heads, prepare, chair):
        electorate = heads(4)
        ballot = prepare([yes_no("Cờ thi đua", "A")], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:2], "A")
        vote(ballot, electorate[2:])
        ballots.close_round(ballot=ballot, by=chair)

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT xmin::text FROM {BallotPaper._meta.db_table}")
            paper_transactions = {row[0] for row in cursor.fetchall()}
            cursor.execute(f"SELECT DISTINCT xmin::text FROM {Participation._meta.db_table}")
            voter_transactions = {row[0] for row in cursor.fetchall()}
        assert len(paper_transactions) == 1
        assert not paper_transactions & voter_transactions

    def test_an_open_vote_keeps_the_voter_on_his_paper(self, heads, prepare, chair):
        electorate = heads(2)
        ballot = prepare([yes_no("Cờ thi đua", "A")], electorate, mode=BallotMode.OPEN)
        ballots.open_round(ballot=ballot, by=chair)
        vote(ballot, electorate[:1], "A")

        paper = BallotPaper.objects.get()
        assert paper.elector.appointment == electorate[0]


def _in_storage_order():
    """Papers in the order the database keeps them (rowid on SQLite, heap order on PostgreSQL)."""
    table = BallotPaper._meta.db_table
    order = "rowid" if connection.vendor == "sqlite" else "ctid"
    return BallotPaper.objects.raw(f"SELECT * FROM {table} ORDER BY {order}")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
class TestConcurrentVotes:
    def run(self, jobs):
        start = threading.Barrier(len(jobs))
        outcomes = []

        def run_one(job):
            try:
                start.wait(timeout=10)
                job()
                outcomes.append("ok")
            except (ValidationError, PermissionDenied) as error:
                outcomes.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=run_one, args=(job,), daemon=True) for job in jobs]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        for thread in threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not [thread for thread in threads if thread.is_alive()], "voters did not finish"
        return outcomes

    def test_the_same_elector_submitting_at_once_from_four_windows_votes_once(
        self, heads, prepare, chair
    ):
        electorate = heads(2)
        ballot = prepare([yes_no("Cờ thi đua", "A")], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        head = electorate[0].user

        outcomes = self.run([lambda: ballots.cast_vote(ballot=ballot, by=head, marks=[])] * 4)

        assert outcomes.count("ok") == 1
        assert all(isinstance(item, ValidationError) for item in outcomes if item != "ok")
        assert Participation.objects.count() == BallotPaper.objects.count() == 1

    def test_every_elector_voting_at_the_same_moment_is_counted(self, heads, prepare, chair):
        electorate = heads(8)
        ballot = prepare([yes_no("Cờ thi đua", "A")], electorate)
        ballots.open_round(ballot=ballot, by=chair)
        option = ballot.questions.get().candidates.get()

        outcomes = self.run(
            [
                lambda user=item.user: ballots.cast_vote(ballot=ballot, by=user, marks=[option])
                for item in electorate
            ]
        )
        ballots.close_round(ballot=ballot, by=chair)

        assert outcomes == ["ok"] * 8
        assert ballot.rounds.get().tally["votes"] == {str(option.pk): 8}
        assert Participation.objects.filter(kind=ParticipationKind.IN_PERSON).count() == 8
