"""Who may do what in the scoring, bad input, two officers at once, the dispute window,
freezing and corrections, and constant queries whatever the number of units and criteria."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flows.rules.services import criteria
from flows.scoring import selectors, services
from flows.scoring.flows import ScoringFlow
from flows.scoring.models import ScoringResult, ScoringStatus, SheetStatus
from tests.fixtures.scoring import fill, open_tasks, sheet_of, sign, task_of
from tests.flows.scoring.test_flow_smoke import FULL, evidence
from tests.signatures.helpers import run_pending_tasks
from workflows.models import AuditEvent, Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def opened(scoring_bloc):
    bloc = scoring_bloc(3)
    return bloc, services.open_scoring(term=bloc.term, by=bloc.officers[0])


def entry(sheet, code, points, note="", revision=None):
    score = sheet.scores.select_related("criterion").get(criterion__code=code)
    return {
        score.criterion_id: {
            "points": points,
            "note": note,
            "revision": score.revision if revision is None else revision,
        }
    }


def test_only_the_units_own_officer_or_head_fills_its_sheet(opened, make_user, appoint):
    bloc, scoring = opened
    sheet = sheet_of(scoring, bloc.units[1])
    for stranger in (bloc.officers[0], bloc.heads[2]):  # the leader's officer, another head
        with pytest.raises(PermissionDenied, match="Chỉ cán bộ thi đua hoặc người đứng đầu"):
            services.save_self_scores(sheet=sheet, by=stranger, entries=entry(sheet, "I.1", 5))
    services.save_self_scores(sheet=sheet, by=bloc.heads[1], entries=entry(sheet, "I.1", 5))
    with pytest.raises(PermissionDenied):
        services.open_scoring(term=bloc.term, by=bloc.heads[1])  # only the leader unit opens
    with pytest.raises(ValidationError, match="đang chấm điểm năm"):
        services.open_scoring(term=bloc.term, by=bloc.officers[0])


@pytest.mark.parametrize(
    ("code", "points", "message"),
    [
        ("I.1", "11", "I.1: 11 điểm vượt mức tối đa của tiêu chí là 10."),
        ("I.1", "-1", "I.1: điểm không được âm (-1)."),
        ("I.1", "mười", "I.1: “mười” không phải là số."),
        ("TR.3", "6", "TR.3: 6 điểm vượt mức tối đa của tiêu chí là 5."),  # a penalty's cap
    ],
)
def test_bad_points_are_refused_naming_the_component_and_change_nothing(
    opened, code, points, message
):
    bloc, scoring = opened
    sheet = sheet_of(scoring, bloc.units[0])
    entries = {**entry(sheet, "I.2", 7), **entry(sheet, code, points)}
    with pytest.raises(ValidationError) as raised:
        services.save_self_scores(sheet=sheet, by=bloc.officers[0], entries=entries)
    assert raised.value.messages == [message]
    assert not sheet.scores.exclude(self_points=None).exists()


def test_a_sheet_is_sent_only_complete_with_its_evidence(opened):
    bloc, scoring = opened
    unit, officer = bloc.units[0], bloc.officers[0]
    task = task_of(scoring, ScoringFlow.self_score, unit)
    sheet = sheet_of(scoring, unit)
    services.save_self_scores(sheet=sheet, by=officer, entries=entry(sheet, "I.1", 10))
    with pytest.raises(ValidationError) as raised:
        services.submit_sheet(task=task, by=officer)
    assert raised.value.messages[0].startswith("Hãy chấm điểm I.2, I.3, I.4")
    fill(scoring, unit, officer, FULL)
    with pytest.raises(
        ValidationError, match=r"Hãy đính kèm minh chứng bắt buộc cho I\.1, I\.2, I\.3"
    ):
        services.submit_sheet(task=task, by=officer)
    evidence(scoring, unit, officer)
    services.submit_sheet(task=task, by=officer)
    with pytest.raises(ValidationError, match="không thể sửa nữa"):
        fill(scoring, unit, officer, FULL)


def test_two_officers_saving_one_sheet_lose_nothing(opened, make_user, appoint):
    bloc, scoring = opened
    unit = bloc.units[0]
    second = make_user(username="second-officer", first_name="Trần", last_name="Thị Bình")
    appoint(second, unit, Role.EMULATION_OFFICER)
    sheet = sheet_of(scoring, unit)
    read = entry(sheet, "I.1", 9)  # both read revision 0 of I.1
    [revision] = [value["revision"] for value in read.values()]
    services.save_self_scores(sheet=sheet, by=second, entries=entry(sheet, "I.1", 8))
    conflicts = services.save_self_scores(
        sheet=sheet,
        by=bloc.officers[0],
        entries={**entry(sheet, "I.1", 9, revision=revision), **entry(sheet, "I.2", 7)},
    )
    assert [str(c) for c in conflicts] == [
        "I.1 vừa được Trần Thị Bình sửa (nay là 8.00): giá trị của bạn chưa được lưu; hãy kiểm"
        " tra và lưu lại."
    ]
    scores = {s.criterion.code: s.self_points for s in sheet.scores.select_related("criterion")}
    assert (scores["I.1"], scores["I.2"]) == (8, 7)  # the newer value kept, the other saved
    changes = [
        event.data["changes"]
        for event in AuditEvent.objects.filter(action="scoring.self_scores_saved").order_by("pk")
    ]
    assert changes == [
        [{"criterion": "I.1", "old": None, "new": "8.00"}],
        [{"criterion": "I.2", "old": None, "new": "7.00"}],
    ]


def to_review(bloc, scoring, *, change_last=True):
    """Every sheet filled, signed and cross-scored (the last unit's I.1 lowered)."""
    for unit, officer in zip(bloc.units, bloc.officers, strict=True):
        fill(scoring, unit, officer, FULL)
        evidence(scoring, unit, officer)
        services.submit_sheet(task=task_of(scoring, ScoringFlow.self_score, unit), by=officer)
    run_pending_tasks()
    for unit, head in zip(bloc.units, bloc.heads, strict=True):
        task = task_of(scoring, ScoringFlow.sign_sheet, unit)
        sign(services.sign_sheet, task, head, bloc.bloc.credential(head))
    [cross] = open_tasks(scoring, ScoringFlow.cross_score)
    for unit in bloc.units:
        sheet = sheet_of(scoring, unit)
        entries = {}
        if change_last and unit == bloc.units[-1]:
            score = sheet.scores.get(criterion__code="I.1")
            entries = {
                score.criterion_id: {
                    "points": 7,
                    "reason": "Thiếu số liệu",
                    "revision": score.revision,
                }
            }
        services.cross_score(task=cross, by=bloc.officers[0], sheet=sheet, entries=entries)
    services.finish_cross_scoring(task=cross, by=bloc.officers[0])


def test_the_review_window_and_what_may_be_disputed(opened):
    bloc, scoring = opened
    to_review(bloc, scoring)
    scoring.refresh_from_db()
    last, head = bloc.units[-1], bloc.heads[-1]
    i2 = sheet_of(scoring, last).scores.get(criterion__code="I.2").criterion_id
    i1 = sheet_of(scoring, last).scores.get(criterion__code="I.1").criterion_id
    review = task_of(scoring, ScoringFlow.review, last)
    with pytest.raises(ValidationError, match=r"I\.2 không bị thay đổi khi chấm chéo"):
        services.dispute(task=review, by=head, reasons={i2: "Không đồng ý"})
    with pytest.raises(PermissionDenied):
        services.dispute(task=review, by=bloc.heads[0], reasons={i1: "Không đồng ý"})
    scoring.dispute_due = datetime.date.today() - datetime.timedelta(days=1)
    scoring.save(update_fields=["dispute_due"])
    with pytest.raises(ValidationError) as raised:
        services.dispute(task=review, by=head, reasons={i1: "Không đồng ý"})
    assert raised.value.messages[0].startswith("Thời hạn kiến nghị đã hết ngày")
    assert "Mặc định của hệ thống" in raised.value.messages[0]  # the rule's source
    services.accept(task=review, by=head)
    assert sheet_of(scoring, last).status == SheetStatus.ACCEPTED


def test_frozen_scores_never_change_a_correction_is_a_new_version(opened):
    bloc, scoring = opened
    to_review(bloc, scoring)
    for unit, head in zip(bloc.units, bloc.heads, strict=True):
        services.accept(task=task_of(scoring, ScoringFlow.review, unit), by=head)
    [freeze] = open_tasks(scoring, ScoringFlow.freeze)
    first = services.freeze(task=freeze, by=bloc.officers[0])
    scoring.refresh_from_db()
    assert scoring.status == ScoringStatus.FROZEN
    last = bloc.units[-1]
    sheet = sheet_of(scoring, last)
    with pytest.raises(ValidationError, match="không thể sửa nữa"):
        services.save_self_scores(
            sheet=sheet, by=bloc.officers[-1], entries=entry(sheet, "I.1", 10)
        )
    i1 = sheet.scores.get(criterion__code="I.1").criterion
    with pytest.raises(PermissionDenied):
        services.correct_result(
            scoring=scoring, by=bloc.officers[0], unit=last, criterion=i1, points=9, reason="x"
        )
    second = services.correct_result(
        scoring=scoring,
        by=bloc.heads[0],
        unit=last,
        criterion=i1,
        points="9",
        reason="Cục Thống kê xác nhận số liệu sau khi chốt",
    )
    assert (first.version, second.version) == (1, 2)
    old = {row.unit_id: row.total for row in first.rows.all()}
    new = {row.unit_id: row.total for row in second.rows.all()}
    assert new[last.pk] - old[last.pk] == 2 and old[last.pk] == Decimal("89")
    assert ScoringResult.objects.get(pk=first.pk).rows.get(unit=last).total == Decimal("89")
    event = AuditEvent.objects.get(action="scoring.result_corrected")
    assert (event.data["old"], event.data["new"], event.data["result"]) == ("7.00", "9.00", 2)


def test_a_scoring_group_cross_scores_only_its_assigned_units(scoring_bloc):
    bloc = scoring_bloc(3)
    scoring = services.open_scoring(term=bloc.term, by=bloc.officers[0])
    scoring.assignments.create(scorer=bloc.units[1], scored=bloc.units[0])
    scoring.assignments.create(scorer=bloc.units[0], scored=bloc.units[1])
    scoring.assignments.create(scorer=bloc.units[0], scored=bloc.units[2])
    to_review_units = [(bloc.units[0], 2), (bloc.units[1], 1)]
    for unit, officer in zip(bloc.units, bloc.officers, strict=True):
        fill(scoring, unit, officer, FULL)
        evidence(scoring, unit, officer)
        services.submit_sheet(task=task_of(scoring, ScoringFlow.self_score, unit), by=officer)
    run_pending_tasks()
    for unit, head in zip(bloc.units, bloc.heads, strict=True):
        sign(
            services.sign_sheet,
            task_of(scoring, ScoringFlow.sign_sheet, unit),
            head,
            bloc.bloc.credential(head),
        )
    tasks = {t.data["unit"]: t for t in open_tasks(scoring, ScoringFlow.cross_score)}
    assert sorted(tasks) == sorted(unit.pk for unit, _count in to_review_units)
    second_units_task = tasks[bloc.units[1].pk]
    with pytest.raises(PermissionDenied, match="không thuộc các đơn vị mà đơn vị bạn chấm chéo"):
        services.cross_score(
            task=second_units_task,
            by=bloc.officers[1],
            sheet=sheet_of(scoring, bloc.units[1]),
            entries={},
        )
    services.cross_score(
        task=second_units_task,
        by=bloc.officers[1],
        sheet=sheet_of(scoring, bloc.units[0]),
        entries={},
    )
    services.finish_cross_scoring(task=second_units_task, by=bloc.officers[1])
    assert open_tasks(scoring, ScoringFlow.review) == []  # the leader unit has not finished


def test_pages_and_ranking_read_a_fixed_number_of_queries(scoring_bloc, client):
    counts = {}
    for size, extra in ((2, 0), (5, 20)):
        bloc = scoring_bloc(size)
        if extra:  # a larger table: 20 more components under a new major criterion
            name, rows = criteria.template_rows()
            rows = [*rows, {"code": "IV", "name": "Thêm", "max_points": extra}]
            rows += [
                {"code": f"IV.{n}", "name": f"Thêm {n}", "max_points": 1} for n in range(1, 21)
            ]
            criteria.create_criteria_set(term=bloc.term, rows=rows, by=bloc.officers[0], name=name)
        scoring = services.open_scoring(term=bloc.term, by=bloc.officers[0])
        for unit, officer in zip(bloc.units, bloc.officers, strict=True):
            fill(scoring, unit, officer, FULL)
        client.force_login(bloc.officers[0])
        measured = {}
        for name, url in (
            ("sheet", reverse("thidua:scorings:sheet", args=[scoring.pk, bloc.units[1].pk])),
            ("detail", reverse("thidua:scorings:detail", args=[scoring.pk])),
        ):
            client.get(url)  # warm the caches (content types) that the first request fills
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            measured[name] = len(captured)
        with CaptureQueriesContext(connection) as captured:
            placed = selectors.ranking_preview(scoring, ["fewer_penalties", "shared"])
        measured["ranking"] = len(captured)
        assert len(placed) == size
        counts[size] = measured
    assert counts[2] == counts[5]


def test_the_leader_closes_the_review_once_the_window_is_past(opened, client):
    bloc, scoring = opened
    to_review(bloc, scoring)
    services.accept(task=task_of(scoring, ScoringFlow.review, bloc.units[0]), by=bloc.heads[0])
    scoring.refresh_from_db()
    with pytest.raises(ValidationError, match="chỉ kết thúc xem xét sau ngày đó"):
        services.close_review(scoring=scoring, by=bloc.officers[0])
    scoring.dispute_due = datetime.date.today() - datetime.timedelta(days=1)
    scoring.save(update_fields=["dispute_due"])
    with pytest.raises(PermissionDenied):
        services.close_review(scoring=scoring, by=bloc.heads[1])
    client.force_login(bloc.officers[0])
    url = reverse("thidua:scorings:detail", args=[scoring.pk])
    assert 'data-testid="close-review"' in client.get(url).content.decode()
    page = client.post(url, {"close_review": "1"}, follow=True).content.decode()
    assert "Đã kết thúc xem xét: 2 đơn vị chưa trả lời được coi là đồng ý." in page
    scoring.refresh_from_db()
    assert scoring.status == ScoringStatus.FINAL
    assert {sheet.status for sheet in scoring.sheets.all()} == {SheetStatus.ACCEPTED}
    assert len(open_tasks(scoring, ScoringFlow.freeze)) == 1
    event = AuditEvent.objects.get(action="scoring.review_closed")
    assert sorted(event.data["accepted_without_answer"]) == sorted(u.pk for u in bloc.units[1:])
