"""Annulling an award (P14): proposed with its reason, decided by the authority (recorded with
its decision), recovery due in 15 working days; the record is never deleted, the history shows
it, and an annulled award no longer counts (R-01, the merit chains)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from flows.awards import selectors, services
from flows.awards.models import AnnulmentStatus, AwardRecord
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

D = datetime.date


def award(award_types, units, by):
    return services.record_award(
        unit=units["an-lao"],
        award_type=award_types["BK_TINH"],
        year=2023,
        decision_number="846/QĐ-UBND",
        decision_date=D(2024, 3, 20),
        by=by,
    )


def test_an_annulled_award_stays_in_the_history_and_no_longer_counts(
    award_types, units, make_user, grant
):
    officer = grant(
        make_user(), "awards.add_awardrecord", "awards.add_annulment", "awards.change_annulment"
    )
    record = award(award_types, units, officer)
    period = (D(2023, 1, 1), D(2023, 12, 31))
    assert selectors.already_awarded(units["an-lao"], award_types["BK_TINH"], period).value

    with pytest.raises(PermissionDenied):
        services.propose_annulment(record=record, by=make_user(), reason="Gian lận")
    with pytest.raises(ValidationError):
        services.propose_annulment(record=record, by=officer, reason=" ")
    annulment = services.propose_annulment(
        record=record, by=officer, reason="Báo cáo thành tích không trung thực."
    )
    assert annulment.legal_basis == services.R19_ANNULMENT
    with pytest.raises(ValidationError):
        services.propose_annulment(record=record, by=officer, reason="Lần nữa")
    # Proposed only: the award still counts.
    assert selectors.already_awarded(units["an-lao"], award_types["BK_TINH"], period).value

    with pytest.raises(ValidationError):  # the decision's number, date and author are needed
        services.decide_annulment(annulment=annulment, by=officer, annul=True)
    annulment = services.decide_annulment(
        annulment=annulment,
        by=officer,
        annul=True,
        decision_number="1200/QĐ-UBND",
        decided_on=D(2025, 1, 22),
        decided_by="Chủ tịch UBND thành phố",
    )
    assert annulment.status == AnnulmentStatus.ANNULLED
    # 15 working days from Wednesday 22/1/2025, Tết 27/1–1/2 skipped.
    assert annulment.recovery_due == D(2025, 2, 19)
    assert not selectors.already_awarded(units["an-lao"], award_types["BK_TINH"], period).value
    assert selectors.merit_chain(units["an-lao"], 2023).value.counted == []
    record = AwardRecord.objects.get(pk=record.pk)  # never deleted
    assert not record.in_force

    annulment = services.record_recovery(annulment=annulment, by=officer, on=D(2025, 2, 24))
    assert annulment.status == AnnulmentStatus.RECOVERED
    events = AuditEvent.objects.filter(action__startswith="annulment.").order_by("position")
    assert [event.action for event in events] == [
        "annulment.proposed",
        "annulment.annulled",
        "annulment.recovered",
    ]
    assert events.last().data["late"] is True


def test_a_rejected_annulment_keeps_the_award(award_types, units, make_user, grant):
    officer = grant(
        make_user(), "awards.add_awardrecord", "awards.add_annulment", "awards.change_annulment"
    )
    record = award(award_types, units, officer)
    annulment = services.propose_annulment(record=record, by=officer, reason="Nghi vấn")
    with pytest.raises(ValidationError):
        services.decide_annulment(annulment=annulment, by=officer, annul=False)
    services.decide_annulment(
        annulment=annulment, by=officer, annul=False, reason="Xác minh không có vi phạm."
    )
    assert AwardRecord.objects.get(pk=record.pk).in_force
    with pytest.raises(ValidationError):
        services.record_recovery(annulment=annulment, by=officer, on=D(2025, 3, 1))


def test_annulling_through_the_pages(client, award_types, units, make_user, grant):
    officer = grant(
        make_user(), "awards.add_awardrecord", "awards.add_annulment", "awards.change_annulment"
    )
    record = award(award_types, units, officer)
    reader = make_user()
    client.force_login(reader)
    assert client.get(reverse("thidua:awards:annul", args=[record.pk])).status_code == 403
    client.force_login(officer)
    page = client.get(reverse("thidua:awards:unit", args=[units["an-lao"].pk])).content.decode()
    assert reverse("thidua:awards:annul", args=[record.pk]) in page
    response = client.post(
        reverse("thidua:awards:annul", args=[record.pk]),
        {"reason": "Báo cáo không trung thực.", "legal_basis": services.R19_ANNULMENT},
    )
    assert response.status_code == 302
    url = response["Location"]
    response = client.post(
        url,
        {
            "annul": "",
            "decision_number": "1200/QĐ-UBND",
            "decided_on": "2025-01-22",
            "decided_by": "Chủ tịch UBND thành phố",
        },
    )
    assert response.status_code == 302
    client.force_login(reader)
    page = client.get(url).content.decode()
    assert "1200/QĐ-UBND" in page and 'data-testid="recovery-due"' in page
    page = client.get(reverse("thidua:awards:unit", args=[units["an-lao"].pk])).content.decode()
    assert 'data-testid="annulment"' in page and "846/QĐ-UBND" in page
