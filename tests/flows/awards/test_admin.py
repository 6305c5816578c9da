"""The admin creates records through the services: validated, recorded by its user, audited."""

import pytest
from django.urls import reverse

from flows.awards.models import AnnualRating, AwardRecord
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_a_rating_added_in_the_admin_goes_through_the_service(admin_client, units):
    response = admin_client.post(
        reverse("admin:awards_annualrating_add"),
        {"unit": units["vinh-bao"].pk, "year": 2023, "rating": "HTXSNV"},
    )
    assert response.status_code == 302
    rating = AnnualRating.objects.get()
    assert rating.recorded_by.is_superuser
    assert AuditEvent.objects.filter(action="annual_rating.recorded").count() == 1


def test_an_award_added_in_the_admin_is_checked_and_audited(admin_client, units, award_types):
    url = reverse("admin:awards_awardrecord_add")
    fields = {
        "award_type": award_types["CSTDCS"].pk,
        "kind": "regular",
        "year": 2023,
        "decision_number": "12/QĐ-UBND",
        "decision_date": "10/01/2024",
        "period_from": "01/01/2023",
        "period_to": "31/12/2023",
    }
    refused = admin_client.post(url, {**fields, "unit": units["an-lao"].pk})
    assert refused.status_code == 200 and not AwardRecord.objects.exists()
    response = admin_client.post(
        url, {**fields, "person_name": "Nguyễn Thị Hoa", "person_unit": units["an-lao"].pk}
    )
    assert response.status_code == 302
    assert AwardRecord.objects.get().person_unit == units["an-lao"]
    assert AuditEvent.objects.filter(action="award.recorded").count() == 1
