"""Rule sets in the admin (through the services) and the page of the rules in force."""

import datetime

import pytest
from django.urls import reverse

from flows.rules.models import RuleSet, Scope
from workflows.models import AuditEvent


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def inline(rows):
    data = {
        "values-TOTAL_FORMS": str(len(rows)),
        "values-INITIAL_FORMS": "0",
        "values-MIN_NUM_FORMS": "0",
        "values-MAX_NUM_FORMS": "1000",
    }
    for index, (key, value, citation) in enumerate(rows):
        data |= {
            f"values-{index}-key": key,
            f"values-{index}-value": value,
            f"values-{index}-citation": citation,
        }
    return data


def province_set_form(jurisdiction, rows, **fields):
    return {
        "name": "Quy định TĐKT Hải Phòng",
        "scope": str(Scope.PROVINCE),
        "jurisdiction": str(jurisdiction.pk),
        "legal_basis": "QĐ 12/2027/QĐ-UBND",
        "valid_from": "2027-01-01",
        "valid_to": "",
        **fields,
    } | inline(rows)


def test_the_admin_creates_a_set_with_typed_values_through_the_service(admin_client, jurisdiction):
    response = admin_client.post(
        reverse("admin:rules_ruleset_add"),
        province_set_form(
            jurisdiction,
            [
                ("vote.co_tinh.threshold", "2/3", "QĐ 12/2027, Điều 9"),
                ("vote.absentee_written_opinion", "false", "QĐ 12/2027, Điều 9"),
            ],
        ),
    )
    assert response.status_code == 302, response.context["errors"]
    rule_set = RuleSet.objects.get(scope=Scope.PROVINCE)
    assert dict(rule_set.values.values_list("key", "value")) == {
        "vote.co_tinh.threshold": "2/3",
        "vote.absentee_written_opinion": False,
    }
    assert AuditEvent.objects.filter(action="rule_set.created", object_id=str(rule_set.pk))


def test_the_admin_shows_a_bad_value_and_writes_nothing(admin_client, jurisdiction):
    response = admin_client.post(
        reverse("admin:rules_ruleset_add"),
        province_set_form(jurisdiction, [("vote.co_cp.threshold", "2/3", "QĐ 12/2027, Điều 9")]),
    )
    assert response.status_code == 200
    assert "là quy định cấp quốc gia" in response.content.decode()
    assert not RuleSet.objects.filter(scope=Scope.PROVINCE).exists()


def test_a_set_in_force_shows_its_values_read_only_and_only_its_end_changes(admin_client):
    national = RuleSet.objects.get(scope=Scope.NATIONAL)
    url = reverse("admin:rules_ruleset_change", args=[national.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="values-0-value"' not in page
    assert 'name="valid_to"' in page and 'name="name"' not in page
    response = admin_client.post(url, {"valid_to": "2027-01-31"} | inline([]))
    assert response.status_code == 302
    national.refresh_from_db()
    assert national.valid_to == datetime.date(2027, 1, 31)
    assert national.values.count() > 40


def test_the_rules_page_shows_each_value_with_its_source(client, make_user, jurisdiction):
    client.force_login(make_user())
    page = client.get(
        reverse("thidua:rules:index"), {"jurisdiction": jurisdiction.pk, "on": "2026-12-07"}
    ).content.decode()
    assert "Cờ thi đua của Chính phủ: số phiếu cần đạt" in page
    assert "80 %" in page
    assert "NĐ 152/2025/NĐ-CP, Điều 33 khoản 5" in page
    assert "NĐ 98/2023/NĐ-CP, Điều 30 khoản 7" in page


def test_the_rules_page_is_a_constant_number_of_queries(
    client, make_user, jurisdiction, django_assert_max_num_queries
):
    client.force_login(make_user())
    with django_assert_max_num_queries(12):
        assert client.get(reverse("thidua:rules:index")).status_code == 200
