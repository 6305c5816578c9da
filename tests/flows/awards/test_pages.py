"""The award history over HTTP: who sees a unit's findings, who may import, what the sheets
hold, and pages that cost the same whatever the number of rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flows.awards import services
from flows.awards.models import AnnualRating, AwardKind, FindingKind, Rating
from flows.blocs.access import SEE_ALL_TERMS
from tests.flows.awards.helpers import rows_of, xlsx
from workflows.models import Role
from workflows.services import create_organisation

pytestmark = pytest.mark.django_db

FINDING_TEXT = "Chậm đóng bảo hiểm xã hội quý III"
IMPORT_PERMISSIONS = [
    "awards.add_awardrecord",
    "awards.add_annualrating",
    "awards.add_finding",
    "awards.add_indicatorscore",
]


@pytest.fixture
def history(award_types, units):
    """Vĩnh Bảo's: a regular and a thematic award, three excellent years, CCHC, a finding."""
    unit = units["vinh-bao"]
    for number, kind in (("101/QĐ-TTg", AwardKind.REGULAR), ("912/QĐ-UBND", AwardKind.THEMATIC)):
        services.record_award(
            unit=unit,
            award_type=award_types["BK_TINH"],
            kind=kind,
            year=2023,
            decision_number=number,
            decision_date=datetime.date(2024, 3, 20),
            by=None,
        )
    for year in (2021, 2022, 2023):
        services.record_rating(unit=unit, year=year, rating=Rating.HTXSNV, by=None)
    services.record_indicator(
        unit=unit,
        year=2023,
        indicator="cchc",
        indicator_name="Chỉ số CCHC",
        score=Decimal("91.65"),
        rank=6,
        by=None,
    )
    services.record_finding(
        unit=unit,
        kind=FindingKind.LATE_SOCIAL_INSURANCE,
        agency="Bảo hiểm xã hội thành phố",
        year=2024,
        period_from=datetime.date(2024, 7, 1),
        description=FINDING_TEXT,
        by=None,
    )
    return unit


@pytest.fixture
def people(units, jurisdiction, kinds, make_unit, make_user, appoint, grant):
    """An official of each position relative to Vĩnh Bảo."""
    office = make_unit(name="Sở Nội vụ", code="so-noi-vu", kind="so-nganh")
    elsewhere = create_organisation(code="kh", name="Tỉnh Khánh Hòa", kind=kinds["tinh"], by=None)
    foreign_council = make_unit(name="Hội đồng TĐKT tỉnh Khánh Hòa", parent=elsewhere)
    found = {
        "own head": (units["vinh-bao"], Role.HEAD),
        "other head": (units["an-lao"], Role.HEAD),
        "home affairs": (office, Role.HOME_AFFAIRS_OFFICER),
        "foreign council": (foreign_council, Role.COUNCIL_MEMBER),
    }
    people = {}
    for name, (organisation, role) in found.items():
        people[name] = make_user()
        appoint(people[name], organisation, role)
    people["home affairs"] = grant(people["home affairs"], *IMPORT_PERMISSIONS)
    people["auditor"] = grant(make_user(), SEE_ALL_TERMS)
    return people


def page(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(f"thidua:awards:{name}", args=args))


def test_a_visitor_is_sent_to_sign_in(client, history, jurisdiction):
    for name, args in [
        ("index", ()),
        ("unit", (history.pk,)),
        ("unit_awards", (history.pk,)),
        ("year_ratings", (jurisdiction.pk, 2023)),
        ("import", ()),
        ("template_awards", ()),
    ]:
        response = client.get(reverse(f"thidua:awards:{name}", args=args))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("reader", "sees_findings"),
    [
        ("own head", True),
        ("home affairs", True),
        ("auditor", True),
        ("other head", False),
        ("foreign council", False),
    ],
)
def test_every_official_sees_the_awards_findings_only_some(
    client, history, people, reader, sees_findings
):
    response = page(client, people[reader], "unit", history.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert "101/QĐ-TTg" in html and "Chỉ số CCHC" in html
    assert 'data-testid="ratings"' in html
    assert ('data-testid="findings"' in html) is sees_findings
    assert (FINDING_TEXT in html) is sees_findings
    findings_sheet = reverse("thidua:awards:unit_findings", args=[history.pk])
    assert (findings_sheet in html) is sees_findings
    assert page(client, people[reader], "unit_findings", history.pk).status_code == (
        200 if sees_findings else 403
    )


def test_the_unit_page_shows_its_rulings_with_their_sources(client, history, people):
    html = page(client, people["other head"], "unit", history.pk).content.decode()
    assert html.count('data-testid="outside-chain"') == 1  # the thematic award
    assert "NĐ 152/2025/NĐ-CP, Điều 4 khoản 3" in html
    assert 'data-testid="excellent-years"' in html
    assert "NĐ 152/2025/NĐ-CP, Điều 33 khoản 7" in html


def test_a_units_sheets(client, history, people):
    response = page(client, people["other head"], "unit_awards", history.pk)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="khen-thuong-vinh-bao.xlsx"'
    rows = rows_of(b"".join(response.streaming_content))
    assert [row[5] for row in rows[1:]] == ["101/QĐ-TTg", "912/QĐ-UBND"]
    findings = page(client, people["own head"], "unit_findings", history.pk)
    assert rows_of(b"".join(findings.streaming_content))[1][-1] == FINDING_TEXT


def test_a_jurisdictions_year_lists(client, history, people, jurisdiction, units):
    services.record_rating(unit=units["an-lao"], year=2023, rating=Rating.HTTNV, by=None)
    services.record_rating(unit=units["an-lao"], year=2022, rating=Rating.HTTNV, by=None)
    response = page(client, people["other head"], "year_ratings", jurisdiction.pk, 2023)
    rows = rows_of(b"".join(response.streaming_content))
    assert sorted(rows[1:]) == [("an-lao", 2023, "HTTNV"), ("vinh-bao", 2023, "HTXSNV")]
    assert (
        page(client, people["home affairs"], "year_findings", jurisdiction.pk, 2024).status_code
        == 200
    )
    assert (
        page(client, people["own head"], "year_findings", jurisdiction.pk, 2024).status_code == 403
    )
    assert page(client, people["other head"], "year_ratings", history.pk, 2023).status_code == 404


def test_an_unknown_unit_is_not_found(client, people):
    assert page(client, people["own head"], "unit", 999_999).status_code == 404


def test_the_index_lists_units_years_and_offers_what_each_may_do(
    client, history, people, jurisdiction
):
    html = page(client, people["other head"], "index").content.decode()
    assert reverse("thidua:awards:unit", args=[history.pk]) in html
    assert reverse("thidua:awards:year_awards", args=[jurisdiction.pk, 2023]) in html
    assert reverse("thidua:awards:year_findings", args=[jurisdiction.pk, 2023]) not in html
    assert 'data-testid="import-link"' not in html
    html = page(client, people["home affairs"], "index").content.decode()
    assert reverse("thidua:awards:year_findings", args=[jurisdiction.pk, 2023]) in html
    assert 'data-testid="import-link"' in html


def test_importing_is_for_the_holders_of_the_permissions(client, people, make_user, grant):
    assert page(client, people["own head"], "import").status_code == 403
    assert page(client, people["own head"], "template_ratings").status_code == 403
    html = page(client, people["home affairs"], "import").content.decode()
    for name in ("awards", "ratings", "findings", "indicators"):
        assert f'data-testid="import-{name}"' in html
    template = page(client, people["home affairs"], "template_ratings")
    assert rows_of(b"".join(template.streaming_content)) == [("Mã đơn vị", "Năm", "Xếp loại")]
    raters = grant(make_user(), "awards.add_annualrating")
    html = page(client, raters, "import").content.decode()
    assert 'data-testid="import-ratings"' in html and 'data-testid="import-awards"' not in html
    client.force_login(raters)
    response = client.post(
        reverse("thidua:awards:import"),
        {"sheet": "awards", "awards-file": xlsx(("Mã đơn vị",), ("vinh-bao",))},
    )
    assert response.status_code == 403


def test_an_imported_sheet_and_a_refused_one(client, people, units):
    client.force_login(people["home affairs"])
    url = reverse("thidua:awards:import")
    good = xlsx(("Mã đơn vị", "Năm", "Xếp loại"), ("an-lao", 2023, "HTXSNV"))
    response = client.post(url, {"sheet": "ratings", "ratings-file": good})
    assert response.status_code == 302 and response["Location"] == url
    assert AnnualRating.objects.get().recorded_by == people["home affairs"]
    bad = xlsx(
        ("Mã đơn vị", "Năm", "Xếp loại"),
        ("an-lao", 2023, "HTXSNV"),
        ("khong-co", 2023, "HTXSNV"),
        ("cat-hai", 2023, "HTNV"),
    )
    response = client.post(url, {"sheet": "ratings", "ratings-file": bad})
    assert response.status_code == 200
    faults = response.content.decode().split('data-testid="faults"')[1].split("</ul>")[0]
    assert faults.count("<li>") == 2
    assert "2" in faults and "khong-co" in faults
    assert AnnualRating.objects.count() == 1
    response = client.post(url, {"sheet": "ratings"})  # no file
    assert response.status_code == 200 and 'data-testid="faults"' in response.content.decode()


def queries(callable_) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


def test_the_unit_page_costs_the_same_for_a_long_history(client, history, people, award_types):
    client.force_login(people["home affairs"])
    url = reverse("thidua:awards:unit", args=[history.pk])
    few = queries(lambda: client.get(url))
    for year in range(2000, 2020):
        services.record_award(
            unit=history,
            award_type=award_types["TTLDXS"],
            kind=AwardKind.EXTRAORDINARY if year % 2 else AwardKind.REGULAR,
            year=year,
            decision_number=f"{year}/QĐ",
            decision_date=datetime.date(year + 1, 2, 1),
            by=None,
        )
        services.record_rating(unit=history, year=year, rating=Rating.HTTNV, by=None)
        services.record_finding(
            unit=history,
            kind=FindingKind.OTHER,
            agency="Thanh tra",
            year=year,
            period_from=datetime.date(year, 1, 1),
            by=None,
        )
    assert queries(lambda: client.get(url)) == few


def test_a_sheet_too_large_is_refused_before_it_is_read(client, people, units, monkeypatch):
    monkeypatch.setattr("flows.awards.forms.SHEET_MAX_BYTES", 100)
    client.force_login(people["home affairs"])
    upload = xlsx(("Mã đơn vị", "Năm", "Xếp loại"), ("an-lao", 2023, "HTXSNV"))
    response = client.post(
        reverse("thidua:awards:import"), {"sheet": "ratings", "ratings-file": upload}
    )
    assert response.status_code == 200 and 'data-testid="faults"' in response.content.decode()
    assert not AnnualRating.objects.exists()
