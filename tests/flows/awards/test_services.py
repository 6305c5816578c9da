"""Writing one record: the permission, the rules, the audit log."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from flows.awards import services
from flows.awards.models import AwardKind, FindingKind, Rating, Source
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("position"))


def record_bk(award_types, units, by, **extra):
    return services.record_award(
        unit=units["an-lao"],
        award_type=award_types["BK_TINH"],
        year=2023,
        decision_number="846/QĐ-UBND",
        decision_date=datetime.date(2024, 3, 20),
        by=by,
        **extra,
    )


def test_recording_an_award_needs_the_permission_and_is_audited(
    award_types, units, make_user, grant
):
    clerk = make_user()
    with pytest.raises(PermissionDenied):
        record_bk(award_types, units, clerk)
    officer = grant(make_user(), "awards.add_awardrecord")
    record = record_bk(award_types, units, officer, decided_by="Chủ tịch UBND thành phố")
    assert (record.recorded_by, record.source, record.kind) == (
        officer,
        Source.ENTERED,
        AwardKind.REGULAR,
    )
    # Without a stated period, the award rewards its year.
    assert (record.period_from, record.period_to) == (
        datetime.date(2023, 1, 1),
        datetime.date(2023, 12, 31),
    )
    (event,) = events("award.recorded")
    assert event.actor == officer
    assert event.object_id == str(record.pk)
    assert event.data["award"] == "BK_TINH" and event.data["unit"] == "an-lao"


def test_a_persons_award_names_the_person_and_his_unit(award_types, units):
    record = services.record_award(
        person_name="Nguyễn Thị Hoa",
        person_unit=units["cat-hai"],
        award_type=award_types["CSTDCS"],
        year=2023,
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2024, 1, 10),
        by=None,
    )
    assert record.unit is None and record.person_unit == units["cat-hai"]
    assert events("award.recorded")[0].data["person"] == "Nguyễn Thị Hoa"


def test_a_refused_award_writes_nothing(award_types, units):
    with pytest.raises(ValidationError) as raised:
        record_bk(
            award_types,
            units,
            None,
            period_from=datetime.date(2023, 12, 31),
            period_to=datetime.date(2023, 1, 1),
        )
    assert "period_to" in raised.value.message_dict
    record_bk(award_types, units, None)
    with pytest.raises(ValidationError):  # the same award by the same decision
        record_bk(award_types, units, None)
    assert len(events("award.recorded")) == 1


@pytest.mark.parametrize(
    ("permission", "write"),
    [
        (
            "awards.add_annualrating",
            lambda units, by: services.record_rating(
                unit=units["vinh-bao"], year=2023, rating=Rating.HTXSNV, by=by
            ),
        ),
        (
            "awards.add_finding",
            lambda units, by: services.record_finding(
                unit=units["vinh-bao"],
                kind=FindingKind.LATE_SOCIAL_INSURANCE,
                agency="Bảo hiểm xã hội thành phố",
                year=2024,
                period_from=datetime.date(2024, 7, 1),
                by=by,
            ),
        ),
        (
            "awards.add_indicatorscore",
            lambda units, by: services.record_indicator(
                unit=units["vinh-bao"],
                year=2023,
                indicator="cchc",
                indicator_name="Chỉ số CCHC",
                score=Decimal("91.65"),
                rank=6,
                by=by,
            ),
        ),
    ],
    ids=["rating", "finding", "indicator"],
)
def test_each_record_needs_its_permission_and_is_audited(
    units, make_user, grant, permission, write
):
    with pytest.raises(PermissionDenied):
        write(units, make_user())
    officer = grant(make_user(), permission)
    record = write(units, officer)
    assert record.recorded_by == officer
    (event,) = AuditEvent.objects.filter(object_id=str(record.pk), actor=officer)
    assert event.action.endswith(".recorded") and event.data["unit"] == "vinh-bao"
