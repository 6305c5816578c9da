"""Criteria sets: the 3 × 15 template, the shape of a table, XLSX in and out, versions,
who drafts, and adoption with the covenant."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from flows.blocs import services as bloc_services
from flows.blocs.models import BlocKind
from flows.rules import selectors
from flows.rules.models import CriteriaSet, CriterionKind
from flows.rules.services import criteria
from workflows.models import AuditEvent, Role

HEADER = ["Mã", "Tiêu chí", "Loại", "Điểm tối đa", "Cần minh chứng"]


@pytest.fixture
def term(jurisdiction, make_unit):
    units = [make_unit(name=f"UBND huyện {name}") for name in ("Vĩnh Bảo", "Thủy Nguyên", "An Lão")]
    bloc = bloc_services.create_bloc(
        code="cum-khoi-huyen",
        name="Cụm thi đua Khối huyện",
        kind=BlocKind.CUM,
        jurisdiction=jurisdiction,
        by=None,
    )
    return bloc_services.open_term(bloc=bloc, year=2026, leader=units[0], members=units, by=None)


@pytest.fixture
def officer(term, make_user, appoint):
    user = make_user()
    appoint(user, term.leader, Role.EMULATION_OFFICER)
    return user


def sheet(*rows, header=HEADER) -> io.BytesIO:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_the_template_has_3_major_criteria_with_15_components_for_100_points(term, officer):
    criteria_set = criteria.create_from_template(term=term, by=officer)
    table = selectors.criteria_table(criteria_set)
    scored = [major for major in table if major.kind == CriterionKind.SCORED]
    assert [major.code for major in scored] == ["I", "II", "III"]
    assert sum(len(major.component_list) for major in scored) == 15
    assert selectors.scored_total(table) == Decimal(100)
    bonus, penalty = (major for major in table if major.kind != CriterionKind.SCORED)
    assert (bonus.code, bonus.max_points, penalty.code) == ("T", 5, "TR")
    assert [c.finding_kind for c in penalty.component_list if c.finding_kind] == [
        "discipline",
        "late_social_insurance",
    ]
    assert criteria_set.version == 1 and not criteria_set.is_adopted
    assert AuditEvent.objects.filter(action="criteria_set.created", actor=officer).exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("I", "Nhiệm vụ", "tiêu chí", 10), ("I.1", "a", None, 6), ("I.2", "b", None, 3)],
            "Dòng 2 (I): các tiêu chí thành phần cộng lại 9 điểm, không bằng 10 điểm",
        ),
        ([("I.1", "a", None, 6)], "Dòng 2 (I.1): tiêu chí lớn I không nằm phía trên"),
        (
            [("I", "x", None, 6), ("I.1", "a", None, 6), ("I.1", "b", None, 6)],
            "Dòng 4 (I.1): mã bị dùng hai lần",
        ),
        (
            [("I", "x", None, 6), ("I.1", "a", "điểm thưởng", 6)],
            "Dòng 3 (I.1): tiêu chí thành phần phải cùng loại với tiêu chí lớn",
        ),
        (
            [
                ("I", "x", None, 6),
                ("I.1", "a", None, 6),
                ("T", "thưởng", "điểm thưởng", 5),
                ("T.1", "mô hình", None, 7),
            ],
            "Dòng 5 (T.1): 7 điểm vượt mức trần 5 của nhóm",
        ),
        (
            [("T", "thưởng", "điểm thưởng", 5), ("T.1", "mô hình", None, 5)],
            "Bảng không có tiêu chí chấm điểm nào",
        ),
        ([("I", "x", "khác", -1)], "Dòng 2, cột “Loại”"),
    ],
)
def test_a_bad_sheet_names_every_fault_and_creates_nothing(term, officer, rows, message):
    with pytest.raises(ValidationError) as raised:
        criteria.import_xlsx(term=term, upload=sheet(*rows), by=officer)
    assert any(text.startswith(message) for text in raised.value.messages), raised.value.messages
    assert not CriteriaSet.objects.exists()


def test_an_exported_set_imports_back_as_the_next_version(term, officer):
    first = criteria.create_from_template(term=term, by=officer)
    exported = criteria.export_xlsx(first)
    assert load_workbook(io.BytesIO(exported)).active["A1"].value == "Mã"
    second = criteria.import_xlsx(term=term, upload=io.BytesIO(exported), by=officer)
    assert second.version == 2
    assert criteria.rows_of(second) == criteria.rows_of(first)


def test_copying_last_years_set(term, officer):
    earlier = bloc_services.open_term(
        bloc=term.bloc, year=2025, leader=term.leader, members=list(term.members.all()), by=None
    )
    with pytest.raises(ValidationError, match="không có bộ tiêu chí của năm trước"):
        criteria.copy_last_year(term=term, by=officer)
    source = criteria.import_xlsx(
        term=earlier,
        upload=sheet(
            ("I", "Nhiệm vụ chính trị", None, 60),
            ("I.1", "Kinh tế", None, 60),
            ("II", "Xây dựng Đảng", None, 40),
            ("II.1", "Tổ chức đảng", "tiêu chí", 40, "có"),
        ),
        by=officer,
    )
    copy = criteria.copy_last_year(term=term, by=officer)
    assert (copy.term, copy.version) == (term, 1)
    assert criteria.rows_of(copy) == criteria.rows_of(source)


def test_only_the_leader_unit_drafts(term, make_user, appoint):
    member_officer = make_user()
    appoint(member_officer, term.members.exclude(pk=term.leader_id).first(), Role.EMULATION_OFFICER)
    with pytest.raises(PermissionDenied, match="Chỉ đơn vị Trưởng khối"):
        criteria.create_from_template(term=term, by=member_officer)
    retired = make_user()
    appoint(retired, term.leader, Role.HEAD, valid_to=datetime.date(2025, 12, 31))
    with pytest.raises(PermissionDenied):
        criteria.create_from_template(term=term, by=retired)


def test_an_adopted_version_stays_adopted(term, officer):
    criteria_set = criteria.create_from_template(term=term, by=officer)
    adopted = criteria.adopt(criteria_set=criteria_set, by=None)
    assert adopted.is_adopted
    assert criteria.adopt(criteria_set=criteria_set, by=None).adopted_at == adopted.adopted_at
    assert selectors.latest_criteria_set(term, adopted_only=True) == adopted


def test_the_table_is_read_in_two_queries_whatever_its_size(
    term, officer, django_assert_num_queries
):
    small = criteria.import_xlsx(
        term=term, upload=sheet(("I", "a", None, 5), ("I.1", "b", None, 5)), by=officer
    )
    rows = [("I", "Lớn", None, 600)] + [
        (f"I.{n}", f"Thành phần {n}", None, 10) for n in range(1, 61)
    ]
    large = criteria.import_xlsx(term=term, upload=sheet(*rows), by=officer)
    for criteria_set in (small, large):
        with django_assert_num_queries(2):
            table = selectors.criteria_table(criteria_set)
            assert sum(len(major.component_list) for major in table) in (1, 60)


# -- pages -----------------------------------------------------------------------------------------


def test_the_page_shows_the_table_to_the_bloc_and_hides_it_from_others(
    client, term, officer, make_user, make_unit, appoint
):
    criteria.create_from_template(term=term, by=officer)
    url = reverse("thidua:criteria:detail", args=[term.pk])
    client.force_login(officer)
    page = client.get(url).content.decode()
    assert "Chỉ số cải cách hành chính (CCHC)" in page
    assert 'data-testid="criteria-total">100<' in page
    assert 'name="sheet"' in page  # the leader unit may draft
    member = make_user()
    appoint(member, term.members.exclude(pk=term.leader_id).first(), Role.HEAD)
    client.force_login(member)
    page = client.get(url).content.decode()
    assert "Chỉ số cải cách hành chính (CCHC)" in page and 'name="sheet"' not in page
    assert client.post(url, {"action": "template"}).status_code == 403
    outsider = make_user()
    appoint(outsider, make_unit(), Role.HEAD)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("thidua:criteria:sheet", args=[term.pk, 1])).status_code == 404


def test_importing_over_http_shows_each_row_error(client, term, officer):
    client.force_login(officer)
    url = reverse("thidua:criteria:detail", args=[term.pk])
    bad = sheet(("I", "Nhiệm vụ", None, 10), ("I.1", "a", None, 12))
    bad.name = "tieu-chi.xlsx"
    page = client.post(url, {"action": "import", "sheet": bad}, follow=True).content.decode()
    assert "Dòng 2 (I): các tiêu chí thành phần cộng lại 12 điểm" in page
    good = sheet(("I", "Nhiệm vụ", None, 12), ("I.1", "a", None, 12))
    good.name = "tieu-chi.xlsx"
    page = client.post(url, {"action": "import", "sheet": good}, follow=True).content.decode()
    assert "Đã tạo phiên bản 1 của bộ tiêu chí." in page
    download = client.get(reverse("thidua:criteria:sheet", args=[term.pk, 1]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    template = client.get(reverse("thidua:criteria:template"))
    assert load_workbook(io.BytesIO(template.content)).active.max_row == 26
