"""The Hải Phòng cluster's 2023 meeting as the demo runs it, after its scoring: what the cluster
proposes is seed 003's, every vote is counted over the eight member units, the minutes are
signed by the secretary and the chair; the department returns the dossier once, then receives
and appraises it."""

import pytest
from django.core.management import call_command

from flows.awards.models import AwardRecord
from flows.blocs.models import BlocTerm
from flows.nominations import documents
from flows.nominations.models import (
    AWARD_TYPES,
    AppraisalConclusion,
    AwardDecision,
    BlocAward,
    CouncilSession,
    DecisionStatus,
    DossierStatus,
    Handover,
    HandoverStatus,
    Meeting,
    MeetingStatus,
    ReportStatus,
    SessionStatus,
    SubmissionOutcome,
)
from signatures import pipeline
from tests.signatures.helpers import (
    libreoffice_converts,
    same_text,
    words_of_docx,
    words_of_pdf,
)
from workflows.models import BallotStatus, Organisation

pytestmark = pytest.mark.django_db(transaction=True)

SEED_003 = {
    ("vinh-bao", BlocAward.CO_CP),
    ("thuy-nguyen", BlocAward.CO_TINH),
    ("an-lao", BlocAward.BK_TOAN_DIEN),
    ("kien-thuy", BlocAward.BK_TOAN_DIEN),
    ("tien-lang", BlocAward.BK_CHUYEN_DE),
    ("an-duong", BlocAward.BK_CHUYEN_DE),
    ("cat-hai", BlocAward.BK_CHUYEN_DE),
    ("bach-long-vi", BlocAward.BK_CHUYEN_DE),
}


def test_the_hai_phong_cluster_proposes_the_awards_of_seed_003(demo_pki):
    call_command("run_scoring_demo", bloc="cum-khoi-huyen-hp", year=2023, verbosity=0)
    call_command("run_nominations_demo", bloc="cum-khoi-huyen-hp", year=2023, verbosity=0)

    meeting = Meeting.objects.get(term__bloc__code="cum-khoi-huyen-hp", term__year=2023)
    assert meeting.status == MeetingStatus.MINUTES_SIGNED
    assert (meeting.held_on.isoformat(), meeting.place) == ("2024-02-28", "UBND huyện Vĩnh Bảo")
    nominated = {
        (c.unit.code, c.award)
        for c in meeting.candidacies.filter(nominated=True).select_related("unit")
    }
    assert nominated == SEED_003
    result = meeting.ballot.result
    assert meeting.ballot.status == BallotStatus.FROZEN and result["electorate"] == 8
    assert [question["rounds"][0]["candidates"][0]["for"] for question in result["questions"]] == [
        8
    ] * 8
    assert meeting.minutes.fields.filter(signed_by__isnull=False).count() == 2

    # The dossier: eight reports signed by their heads, the proposal signed, numbered, sealed;
    # submitted after the 10/12 deadline of the rule set, so marked late.
    dossier = meeting.dossier
    assert dossier.late
    assert dossier.due.isoformat() == "2023-12-10"
    assert [r.status for r in dossier.reports.all()] == [ReportStatus.SIGNED] * 8
    number = dossier.proposal.issued_number
    assert number.label.endswith("/TTr-UBND") and number.organisation.code == "vinh-bao"
    assert dossier.recipient.code == "hp-sonv"

    # The department returned the first version for An Lão's report (its notice signed by the
    # director), the cluster completed and sent it again, and every nominee was appraised.
    first, second = dossier.submissions.order_by("version")
    assert (first.outcome, second.outcome) == (
        SubmissionOutcome.RETURNED,
        SubmissionOutcome.RECEIVED,
    )
    assert [item["unit"] for item in first.checklist if not item["accepted"]] == [
        Organisation.objects.get(code="an-lao").pk
    ]
    assert first.notice.fields.get().signed_by.username == "hp.homeaffairs.director"
    assert second.proposal == dossier.proposal != first.proposal
    assert dossier.status == DossierStatus.APPRAISED
    appraisals = dossier.appraisals.select_related("candidacy__unit")
    assert {a.candidacy.unit.code for a in appraisals} == {code for code, _award in SEED_003}
    assert all(a.meets_rules and a.conclusion == AppraisalConclusion.AGREED for a in appraisals)
    assert dossier.appraisal.fields.get().signed_by.username == "hp.homeaffairs.director"

    # Hải Phòng's council: 14 of its 15 members present, the absent one voting in writing;
    # both flags pass with 15 of 15 (80 % of the total membership needed), minutes signed.
    call_command("run_council_demo", jurisdiction="hp", verbosity=0)
    session = CouncilSession.objects.get(council__code="hp-hdtdkt", year=2023)
    assert session.status == SessionStatus.MINUTES_SIGNED
    assert session.present.count() == 14 and session.ballot.electors.count() == 15
    assert session.ballot.result["rounds"][0]["written"] == 1
    assert {
        (i.appraisal.candidacy.unit.code, i.votes_for, i.passed) for i in session.agenda.all()
    } == {
        ("vinh-bao", 15, True),
        ("thuy-nguyen", 15, True),
    }
    assert session.minutes.fields.filter(signed_by__isnull=False).count() == 2

    # The city's decision: Thủy Nguyên's flag and the six certificates (Vĩnh Bảo's Government
    # flag is the Prime Minister's), signed, numbered, sealed; the award history written.
    call_command("run_decision_demo", jurisdiction="hp", year=2023, verbosity=0)
    decision = AwardDecision.objects.get(issuer__code="hp-ubnd", year=2023)
    assert decision.status == DecisionStatus.ISSUED
    number = decision.document.issued_number.label
    awarded = {
        (r.unit.code, r.award_type.code, r.kind)
        for r in AwardRecord.objects.filter(decision_number=number).select_related("unit")
    }
    assert awarded == {
        (code, "CO_TINH" if award == BlocAward.CO_TINH else "BK_TINH", AWARD_TYPES[award][1])
        for code, award in SEED_003
        if award != BlocAward.CO_CP
    }

    # "Đơn vị Vĩnh Bảo bàn giao nhiệm vụ Trưởng Cụm … cho huyện Cát Hải": both heads signed,
    # and Cát Hải's 2024 term starts on the hand-over day, Vĩnh Bảo's ends the day before.
    handover = Handover.objects.get(term=meeting.term)
    assert handover.status == HandoverStatus.HANDED_OVER
    assert handover.minutes.fields.filter(signed_by__isnull=False).count() == 2
    next_term = BlocTerm.objects.get(bloc=meeting.term.bloc, year=2024)
    assert next_term.leader.code == "cat-hai"
    assert next_term.valid_from.isoformat() == "2024-02-28"
    meeting.term.refresh_from_db()
    assert meeting.term.valid_to.isoformat() == "2024-02-27"


def test_the_proposal_and_the_minutes_in_word_say_what_their_pdfs_say(demo_pki, tmp_path):
    call_command("run_scoring_demo", bloc="cum-khoi-huyen-hp", year=2023, verbosity=0)
    call_command("run_nominations_demo", bloc="cum-khoi-huyen-hp", year=2023, verbosity=0)
    meeting = Meeting.objects.get(term__bloc__code="cum-khoi-huyen-hp", term__year=2023)

    dossier = meeting.dossier
    drafts = (
        documents.proposal_draft(dossier),
        documents.appraisal_draft(dossier),
        documents.return_notice_draft(dossier.submissions.get(version=1)),
        documents.minutes_draft(meeting),
    )
    for draft in drafts:
        word = pipeline.word_copy(draft)
        assert same_text(words_of_docx(word), words_of_pdf(pipeline.render(draft).content))
    # LibreOffice opens the minutes' Word copy and prints the same words.
    assert same_text(words_of_docx(word), words_of_pdf(libreoffice_converts(word, tmp_path)))

    proposal = pipeline.word_copy(
        documents.proposal_draft(meeting.dossier), document=meeting.dossier.proposal
    )
    words = words_of_docx(proposal)
    assert words[meeting.dossier.proposal.issued_number.label] == 1
    assert words["TỜ"] == 1 and words["DANH"] == 1
