"""Rule sets: the shipped national rules, precedence, validation, history never rewritten."""

import datetime
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from flows.blocs import services as bloc_services
from flows.blocs.models import BlocKind
from flows.rules import checks, selectors
from flows.rules.models import RuleSet, Scope
from flows.rules.parameters import CATALOGUE
from flows.rules.services import rule_sets
from workflows.models import AuditEvent

TODAY = datetime.date(2026, 12, 7)
NEXT_YEAR = datetime.date(2027, 1, 1)


@pytest.fixture
def bloc(jurisdiction):
    return bloc_services.create_bloc(
        code="cum-khoi-huyen",
        name="Cụm thi đua Khối huyện",
        kind=BlocKind.CUM,
        jurisdiction=jurisdiction,
        by=None,
    )


@pytest.fixture
def province_set(jurisdiction):
    return rule_sets.create_rule_set(
        name="Quy định TĐKT thành phố Hải Phòng",
        scope=Scope.PROVINCE,
        jurisdiction=jurisdiction,
        legal_basis="Quyết định 12/2026/QĐ-UBND",
        valid_from=datetime.date(2026, 1, 1),
        values={"vote.co_tinh.threshold": ("2/3", "QĐ 12/2026/QĐ-UBND, Điều 9 khoản 2")},
        by=None,
    )


def test_the_national_set_answers_every_parameter_with_its_article(db):
    found = selectors.resolve_many([p.key for p in CATALOGUE], on=TODAY)
    assert set(found) == {p.key for p in CATALOGUE}
    co_cp = found["vote.co_cp.threshold"]
    assert co_cp.value == Fraction(4, 5)
    assert co_cp.display == "80 %"
    assert co_cp.rule_set.name == "Nghị định 152/2025/NĐ-CP"
    assert co_cp.citation.source.startswith("NĐ 152/2025/NĐ-CP, Điều 33 khoản 5")
    assert found["council.quorum"].display == "2/3"
    assert found["money.base_salary_vnd"].display == "2.340.000 đ"


def test_provincial_thresholds_come_from_the_nd98_fallback_until_the_province_sets_them(
    db, jurisdiction
):
    ruling = selectors.resolve("vote.co_tinh.threshold", on=TODAY, jurisdiction=jurisdiction)
    assert ruling.value == Fraction(4, 5)
    assert ruling.rule_set.scope == Scope.FALLBACK
    assert "NĐ 98/2023/NĐ-CP, Điều 30 khoản 7" in ruling.source


def test_a_province_overrides_only_what_it_names(province_set, jurisdiction, bloc):
    for subject in ({"jurisdiction": jurisdiction}, {"bloc": bloc}):
        found = selectors.resolve_many(
            ["vote.co_tinh.threshold", "vote.cstd_tinh.threshold"], on=TODAY, **subject
        )
        assert found["vote.co_tinh.threshold"].value == Fraction(2, 3)
        assert found["vote.co_tinh.threshold"].source == "QĐ 12/2026/QĐ-UBND, Điều 9 khoản 2"
        assert found["vote.cstd_tinh.threshold"].rule_set.scope == Scope.FALLBACK
    # Before the province's set, and for another province, the fallback still applies.
    before = selectors.resolve(
        "vote.co_tinh.threshold", on=datetime.date(2025, 12, 31), jurisdiction=jurisdiction
    )
    assert before.value == Fraction(4, 5)
    assert selectors.resolve("vote.co_tinh.threshold", on=TODAY).value == Fraction(4, 5)


def test_a_bloc_set_beats_the_province_and_the_nation_for_the_bloc_only(bloc):
    rule_sets.create_rule_set(
        name="Quy chế Cụm thi đua Khối huyện",
        scope=Scope.BLOC,
        bloc=bloc,
        legal_basis="Quy chế ngày 28/02/2026",
        valid_from=datetime.date(2026, 2, 28),
        values={"bloc.vote.threshold": ("2/3", "Quy chế, Điều 7")},
        by=None,
    )
    assert selectors.resolve("bloc.vote.threshold", on=TODAY, bloc=bloc).value == Fraction(2, 3)
    other = selectors.resolve("bloc.vote.threshold", on=TODAY, jurisdiction=bloc.jurisdiction)
    assert other.value == Fraction(1, 2)


def test_resolving_many_parameters_is_one_query(province_set, bloc, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = selectors.resolve_many([p.key for p in CATALOGUE], on=TODAY, bloc=bloc)
    assert len(found) == len(CATALOGUE)


def test_no_set_in_force_says_which_parameter_and_day(db):
    with pytest.raises(selectors.MissingRule) as raised:
        selectors.resolve("vote.co_cp.threshold", on=datetime.date(2027, 3, 1))
    assert str(raised.value) == (
        "Không có bộ quy định nào có hiệu lực ngày 01/03/2027 quy định"
        " Cờ thi đua của Chính phủ: số phiếu cần đạt (vote.co_cp.threshold)."
    )


@pytest.mark.parametrize(
    ("scope", "values", "message"),
    [
        (
            Scope.PROVINCE,
            {"vote.co_cp.threshold": ("2/3", "QĐ 1")},
            "là quy định cấp quốc gia: bộ quy định cấp tỉnh không thể thay đổi",
        ),
        (Scope.PROVINCE, {"council.quorum": ("3/2", "QĐ 1")}, "vượt mức tối đa cho phép là 1"),
        (Scope.PROVINCE, {"council.quorum": ("một nửa", "QĐ 1")}, "không phải"),
        (
            Scope.PROVINCE,
            {"council.meeting_period_months": (0, "QĐ 1")},
            "thấp hơn mức tối thiểu cho phép là 1",
        ),
        (
            Scope.PROVINCE,
            {"council.quorum": ("2/3", " ")},
            "cho biết giá trị lấy từ điều khoản nào",
        ),
        (Scope.PROVINCE, {"vote.ballot": (True, "QĐ 1")}, "không phải là tham số quy định"),
        (Scope.BLOC, {"council.quorum": ("2/3", "QĐ 1")}, "bộ quy định cấp khối thi đua không thể"),
        (Scope.BLOC, {"rotation.policy": ("lottery", "QC 1")}, "không thuộc các giá trị"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(jurisdiction, bloc, scope, values, message):
    subject = {"jurisdiction": jurisdiction} if scope == Scope.PROVINCE else {"bloc": bloc}
    with pytest.raises(ValidationError) as raised:
        rule_sets.create_rule_set(
            name="Bộ quy định thử",
            scope=scope,
            legal_basis="QĐ 1",
            valid_from=NEXT_YEAR,
            values=values,
            by=None,
            **subject,
        )
    assert message in " ".join(raised.value.messages)
    assert not RuleSet.objects.filter(name="Bộ quy định thử").exists()


def test_two_sets_of_one_province_may_not_overlap(province_set, jurisdiction):
    with pytest.raises(ValidationError) as raised:
        rule_sets.create_rule_set(
            name="Quy định mới",
            scope=Scope.PROVINCE,
            jurisdiction=jurisdiction,
            legal_basis="QĐ 2",
            valid_from=NEXT_YEAR,
            values={},
            by=None,
        )
    assert "trùng thời gian với" in " ".join(raised.value.messages)


def test_a_set_in_force_is_never_rewritten_a_change_is_a_new_dated_set(
    province_set, jurisdiction, settings
):
    with pytest.raises(ValidationError, match="không bao giờ bị sửa"):
        rule_sets.replace_values(
            rule_set=province_set,
            values={"vote.co_tinh.threshold": ("3/4", "QĐ 12/2026, Điều 9")},
            by=None,
        )
    with pytest.raises(ValidationError, match="không bao giờ bị sửa"):
        rule_sets.change_rule_set(rule_set=province_set, name="Tên khác", by=None)
    with pytest.raises(ValidationError, match="không thể kết thúc trước hôm nay"):
        rule_sets.change_rule_set(
            rule_set=province_set, valid_to=datetime.date(2026, 6, 30), by=None
        )
    rule_sets.change_rule_set(rule_set=province_set, valid_to=datetime.date(2026, 12, 31), by=None)
    successor = rule_sets.create_rule_set(
        name="Quy định TĐKT thành phố Hải Phòng (sửa đổi)",
        scope=Scope.PROVINCE,
        jurisdiction=jurisdiction,
        legal_basis="QĐ 30/2026/QĐ-UBND",
        valid_from=NEXT_YEAR,
        values={"council.quorum": ("3/4", "QĐ 30/2026/QĐ-UBND, Điều 2")},
        copy_from=province_set,
        by=None,
    )
    found = selectors.resolve_many(
        ["vote.co_tinh.threshold", "council.quorum"], on=NEXT_YEAR, jurisdiction=jurisdiction
    )
    assert found["vote.co_tinh.threshold"].value == Fraction(2, 3)  # copied
    assert found["council.quorum"].rule_set == successor
    old = selectors.resolve("council.quorum", on=TODAY, jurisdiction=jurisdiction)
    assert old.value == Fraction(2, 3) and old.rule_set.scope == Scope.NATIONAL
    # A future set may still be corrected, and the change is audited.
    rule_sets.replace_values(
        rule_set=successor,
        values={"council.quorum": ("4/5", "QĐ 30/2026/QĐ-UBND, Điều 2")},
        by=None,
    )
    event = AuditEvent.objects.filter(action="rule_set.values_changed").get()
    assert event.data["changed"]["council.quorum"] == {"old": "3/4", "new": "4/5"}
    assert event.data["changed"]["vote.co_tinh.threshold"] == {"old": "2/3", "new": None}


def test_only_officials_with_the_permission_write_rule_sets(jurisdiction, make_user, grant):
    user = make_user()
    arguments = {
        "name": "Quy định",
        "scope": Scope.PROVINCE,
        "jurisdiction": jurisdiction,
        "legal_basis": "QĐ",
        "valid_from": NEXT_YEAR,
        "values": {},
    }
    with pytest.raises(PermissionDenied):
        rule_sets.create_rule_set(**arguments, by=user)
    user = grant(user, "rules.add_ruleset")
    rule_set = rule_sets.create_rule_set(**arguments, by=user)
    with pytest.raises(PermissionDenied):
        rule_sets.change_rule_set(rule_set=rule_set, name="Khác", by=user)
    assert AuditEvent.objects.filter(action="rule_set.created", actor=user).exists()


def test_the_system_check_warns_when_no_national_set_covers_today(db):
    assert checks.check_national_rules(databases=["default"]) == []
    RuleSet.objects.filter(scope=Scope.NATIONAL).update(valid_to=datetime.date(2026, 1, 31))
    with translation.override("en"):
        (warning,) = checks.check_national_rules(databases=["default"])
    assert warning.id == "rules.W001"
    assert "No national rule set is in force today" in warning.msg
    call_command("check", "--database", "default")  # a warning, not an error


def test_shipped_sets_cover_the_whole_catalogue_and_parse(db):
    national = RuleSet.objects.get(scope=Scope.NATIONAL)
    assert (national.valid_from, national.valid_to) == (
        datetime.date(2025, 7, 1),
        datetime.date(2027, 2, 28),
    )
    keys = set(national.values.values_list("key", flat=True))
    keys |= set(RuleSet.objects.get(scope=Scope.FALLBACK).values.values_list("key", flat=True))
    assert keys == {p.key for p in CATALOGUE}


def test_the_documentation_lists_every_parameter():
    from pathlib import Path

    documented = (Path(__file__).parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert [p.key for p in CATALOGUE if f"| `{p.key}` |" not in documented] == []


def test_parameters_added_since_reach_the_installed_sets_without_changing_a_value(db):
    national = RuleSet.objects.get(scope=Scope.NATIONAL)
    national.values.filter(key="sla.snv_reception_wd").delete()
    national.values.filter(key="sla.snv_appraisal_wd").update(value=15)

    assert rule_sets.add_new_parameters() == 1
    values = dict(national.values.values_list("key", "value"))
    assert values["sla.snv_reception_wd"] == 10
    assert values["sla.snv_appraisal_wd"] == 15  # set by the site: kept
    assert rule_sets.add_new_parameters() == 0
