"""The Hải Phòng cluster's 2023 meeting as the demo runs it, after its scoring: what the cluster
proposes is seed 003's, every vote is counted over the eight member units, and the minutes are
signed by the secretary and the chair."""

import pytest
from django.core.management import call_command

from flows.nominations.models import BlocAward, Meeting, MeetingStatus
from workflows.models import BallotStatus

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
