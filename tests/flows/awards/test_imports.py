"""Importing sheets: all the rows or none, every fault named by its row; exports import back."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from flows.awards import services
from flows.awards.models import (
    AnnualRating,
    AwardKind,
    AwardRecord,
    Finding,
    FindingKind,
    IndicatorScore,
    Rating,
    Source,
)
from flows.awards.sheets import FORMATS
from tests.flows.awards.helpers import rows_of, xlsx
from workflows.models import AuditEvent
from workflows.sheets import SheetError

pytestmark = pytest.mark.django_db

AWARD_HEADER = (
    "Mã đơn vị",
    "Họ và tên",
    "Năm",
    "Mã khen thưởng",
    "Loại khen thưởng",
    "Số quyết định",
    "Ngày quyết định",
    "Người quyết định",
    "Thành tích từ ngày",
    "Thành tích đến ngày",
    "Ghi chú",
)
RATING_HEADER = ("Mã đơn vị", "Năm", "Xếp loại")
FINDING_HEADER = (
    "Mã đơn vị",
    "Họ và tên",
    "Loại vi phạm",
    "Cơ quan phát hiện",
    "Năm",
    "Từ ngày",
    "Đến ngày",
    "Nội dung",
)
INDICATOR_HEADER = ("Mã đơn vị", "Năm", "Mã chỉ số", "Tên chỉ số", "Điểm", "Thứ hạng")
CITY = "Chủ tịch UBND thành phố"


def faults(importer, upload, by=None) -> list[str]:
    """The faults of a refused sheet, in English (the msgids)."""
    with translation.override("en"), pytest.raises(SheetError) as raised:
        importer(upload=upload, by=by)
    return raised.value.messages


# -- awards -------------------------------------------------------------------------------------


def test_an_award_sheet_is_imported_whole(award_types, units, make_unit, make_user, grant):
    officer = grant(make_user(), "awards.add_awardrecord")
    upload = xlsx(
        AWARD_HEADER,
        (
            "vinh-bao",
            None,
            2023,
            "CO_CP",
            None,
            "101/QĐ-TTg",
            "15/04/2024",
            "Thủ tướng",
            None,
            None,
            None,
        ),
        (
            "tien-lang",
            None,
            2023,
            "BK_TINH",
            "chuyên đề",
            "912/QĐ-UBND",
            "28/03/2024",
            CITY,
            "01/03/2023",
            "30/09/2023",
            "Chuyển đổi số",
        ),
        (None,) * 11,
        (
            "an-lao",
            "Nguyễn Thị Hoa",
            2023,
            "CSTDCS",
            "Thường xuyên",
            "12/QĐ-UBND",
            datetime.datetime(2024, 1, 10),
            None,
            None,
            None,
            None,
        ),
        name="khen-thuong-2023.xlsx",
    )
    make_unit(name="UBND huyện Tiên Lãng", code="tien-lang")
    created = services.import_awards(upload=upload, by=officer)
    assert len(created) == AwardRecord.objects.count() == 3
    co_cp, thematic, person = created
    assert (co_cp.unit, co_cp.kind, co_cp.period_from, co_cp.period_to) == (
        units["vinh-bao"],
        AwardKind.REGULAR,
        datetime.date(2023, 1, 1),
        datetime.date(2023, 12, 31),
    )
    assert (thematic.kind, thematic.period_from, thematic.note) == (
        AwardKind.THEMATIC,
        datetime.date(2023, 3, 1),
        "Chuyển đổi số",
    )
    assert (person.unit, person.person_unit, person.person_name) == (
        None,
        units["an-lao"],
        "Nguyễn Thị Hoa",
    )
    assert {r.source for r in created} == {Source.IMPORTED}
    assert {r.recorded_by for r in created} == {officer}
    (event,) = AuditEvent.objects.filter(action="awardrecord.imported")
    assert event.actor == officer
    assert event.data == {
        "file": "khen-thuong-2023.xlsx",
        "rows": 3,
        "ids": [r.pk for r in created],
    }


def test_bad_cells_are_all_named_with_their_row_and_nothing_is_written(award_types, units):
    upload = xlsx(
        AWARD_HEADER,
        (
            "vinh-bao",
            None,
            "hai nghìn",
            "CO_CP",
            None,
            "1/QĐ",
            "15/04/2024",
            None,
            None,
            None,
            None,
        ),
        ("an-lao", None, 2023, "BK_TINH", "định kỳ", None, "31/02/2024", None, None, None, None),
    )
    assert faults(services.import_awards, upload) == [
        "Row 2, column “Năm”: “hai nghìn” is not a number.",
        "Row 3, column “Loại khen thưởng”: “định kỳ” is not one of thường xuyên, chuyên đề, "
        "đột xuất.",
        "Row 3, column “Số quyết định”: a value is required.",
        "Row 3, column “Ngày quyết định”: “31/02/2024” is not a date (dd/mm/yyyy).",
    ]
    assert not AwardRecord.objects.exists()


def test_bad_rows_are_all_named_with_their_row_and_nothing_is_written(award_types, units):
    services.record_award(
        unit=units["cat-hai"],
        award_type=award_types["BK_TINH"],
        year=2023,
        decision_number="912/QĐ-UBND",
        decision_date=datetime.date(2024, 3, 28),
        by=None,
    )
    upload = xlsx(
        AWARD_HEADER,
        ("vinh-bao", None, 2023, "CO_CP", None, "101/QĐ-TTg", "15/04/2024", None, None, None, None),
        ("khong-co", None, 2023, "CO_XX", None, "1/QĐ", "15/04/2024", None, None, None, None),
        ("vinh-bao", None, 2023, "CO_CP", None, "101/QĐ-TTg", "15/04/2024", None, None, None, None),
        (
            "an-lao",
            None,
            2023,
            "BK_TINH",
            None,
            "846/QĐ-UBND",
            "20/03/2024",
            None,
            "31/12/2023",
            "01/01/2023",
            None,
        ),
        (
            "an-lao",
            "Nguyễn Văn Nam",
            2023,
            "CO_TINH",
            None,
            "846/QĐ-UBND",
            "20/03/2024",
            None,
            None,
            None,
            None,
        ),
        (
            "cat-hai",
            None,
            2023,
            "BK_TINH",
            None,
            "912/QĐ-UBND",
            "28/03/2024",
            None,
            None,
            None,
            None,
        ),
    )
    found = faults(services.import_awards, upload)
    assert found[0] == "Row 3, column “Mã đơn vị”: no unit has the code “khong-co”."
    assert found[1] == "Row 3, column “Mã khen thưởng”: no award has the code “CO_XX”."
    assert found[2] == "Row 4: it repeats row 2."
    assert found[3].startswith("Row 5, column “Thành tích đến ngày”: The end date")
    assert found[4].startswith("Row 6, column “Mã khen thưởng”: ")
    assert "is not given to individuals" in found[4]
    assert found[5].startswith("Row 7: ") and found[5].endswith("is already recorded.")
    assert "UBND huyện Cát Hải" in found[5]
    assert len(found) == 6
    assert AwardRecord.objects.count() == 1


def test_importing_needs_the_permission(award_types, units, make_user):
    with pytest.raises(PermissionDenied):
        services.import_awards(upload=xlsx(AWARD_HEADER), by=make_user())


def test_a_units_awards_export_imports_back(award_types, units):
    services.record_award(
        unit=units["vinh-bao"],
        award_type=award_types["CO_CP"],
        year=2023,
        decision_number="101/QĐ-TTg",
        decision_date=datetime.date(2024, 4, 15),
        by=None,
        decided_by="Thủ tướng Chính phủ",
        note="Tặng Cán bộ và Nhân dân huyện",
    )
    services.record_award(
        person_name="Nguyễn Thị Hoa",
        person_unit=units["vinh-bao"],
        award_type=award_types["CSTDCS"],
        kind=AwardKind.EXTRAORDINARY,
        year=2023,
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2024, 1, 10),
        by=None,
    )
    before = list(
        AwardRecord.objects.order_by("pk").values(
            "unit",
            "person_name",
            "person_unit",
            "award_type",
            "kind",
            "year",
            "decision_number",
            "decision_date",
            "decided_by",
            "period_from",
            "period_to",
            "note",
        )
    )
    content = FORMATS["awards"].write(AwardRecord.objects.order_by("pk"))
    assert rows_of(content)[0] == AWARD_HEADER
    assert rows_of(content)[2][4] == "đột xuất"
    AwardRecord.objects.all().delete()
    services.import_awards(upload=xlsx(*rows_of(content)), by=None)
    after = list(AwardRecord.objects.order_by("pk").values(*before[0]))
    assert after == before


# -- ratings, findings, indicators -------------------------------------------------------------


def test_a_rating_sheet(units):
    created = services.import_ratings(
        upload=xlsx(
            RATING_HEADER,
            ("vinh-bao", 2022, "htxsnv"),
            ("vinh-bao", 2023, "HTXSNV"),
            ("an-lao", 2023, "HTTNV"),
        ),
        by=None,
    )
    assert [(r.unit.code, r.year, r.rating) for r in created] == [
        ("vinh-bao", 2022, Rating.HTXSNV),
        ("vinh-bao", 2023, Rating.HTXSNV),
        ("an-lao", 2023, Rating.HTTNV),
    ]
    assert faults(
        services.import_ratings,
        xlsx(
            RATING_HEADER,
            ("cat-hai", 2023, "HTNV"),
            ("cat-hai", 2023, "HTTNV"),
            ("an-lao", 2023, "HTNV"),
            ("an-lao", 2024, "Xuất sắc"),
        ),
    ) == [
        "Row 5, column “Xếp loại”: “Xuất sắc” is not one of HTXSNV, HTTNV, HTNV, KHTNV.",
    ]
    found = faults(
        services.import_ratings,
        xlsx(
            RATING_HEADER,
            ("cat-hai", 2023, "HTNV"),
            ("cat-hai", 2023, "HTTNV"),
            ("an-lao", 2023, "HTNV"),
        ),
    )
    assert found[0] == "Row 3: it repeats row 2."
    assert found[1].startswith("Row 4: UBND huyện An Lão, 2023")
    assert AnnualRating.objects.count() == 3


def test_a_finding_sheet(units):
    created = services.import_findings(
        upload=xlsx(
            FINDING_HEADER,
            (
                "an-lao",
                None,
                "Chậm đóng BHXH",
                "Bảo hiểm xã hội thành phố",
                2024,
                "01/07/2024",
                "30/09/2024",
                "Quý III",
            ),
            (
                "an-lao",
                "Trần Văn Bình",
                "kỷ luật",
                "Ủy ban kiểm tra",
                2024,
                "01/05/2024",
                None,
                None,
            ),
        ),
        by=None,
    )
    assert [(f.kind, f.person_name, f.period_to) for f in created] == [
        (FindingKind.LATE_SOCIAL_INSURANCE, "", datetime.date(2024, 9, 30)),
        (FindingKind.DISCIPLINE, "Trần Văn Bình", None),
    ]
    found = faults(
        services.import_findings,
        xlsx(
            FINDING_HEADER,
            ("vinh-bao", None, "điều tra", "Công an", 2024, "01/07/2024", "01/06/2024", None),
            ("an-lao", None, "Chậm đóng BHXH", "BHXH", 2024, "01/07/2024", None, None),
            ("nowhere", None, "điều tra", "Công an", 2024, "01/07/2024", None, None),
        ),
    )
    assert found[0].startswith("Row 2, column “Đến ngày”: The end date")
    assert found[1].startswith("Row 3: ") and "is already recorded" in found[1]
    assert found[2] == "Row 4, column “Mã đơn vị”: no unit has the code “nowhere”."
    assert Finding.objects.count() == 2


def test_an_indicator_sheet(units):
    created = services.import_indicators(
        upload=xlsx(
            INDICATOR_HEADER,
            ("vinh-bao", 2023, "cchc", "Chỉ số CCHC", "91,65", 6),
            ("an-lao", 2023, "cchc", "Chỉ số CCHC", 92.26, None),
        ),
        by=None,
    )
    assert [(s.unit.code, s.score, s.rank) for s in created] == [
        ("vinh-bao", Decimal("91.65"), 6),
        ("an-lao", Decimal("92.26"), None),
    ]
    found = faults(
        services.import_indicators,
        xlsx(
            INDICATOR_HEADER,
            ("cat-hai", 2023, "chỉ số cchc", "Chỉ số CCHC", 90.5, 1),
            ("cat-hai", 2023, "par", "PAR index", 90.125, 1),
            ("vinh-bao", 2023, "cchc", "Chỉ số CCHC", 91, 6),
        ),
    )
    assert found[0].startswith("Row 2, column “Mã chỉ số”: ")
    assert found[1].startswith("Row 3, column “Điểm”: ")
    assert found[2].startswith("Row 4: ") and "is already recorded" in found[2]
    assert len(found) == 3
    assert IndicatorScore.objects.count() == 2


@pytest.mark.parametrize("name", ["awards", "ratings", "findings", "indicators"])
def test_each_import_needs_its_own_permission(units, make_user, grant, name):
    sheet = FORMATS[name]
    other = next(s for s in FORMATS.values() if s is not sheet)
    official = grant(make_user(), other.permission)
    with pytest.raises(PermissionDenied):
        services.IMPORTS[name](upload=xlsx(sheet.columns[0].header), by=official)
    assert rows_of(sheet.write([])) == [tuple(column.header for column in sheet.columns)]


def test_an_empty_sheet_or_another_file_is_refused(units):
    assert faults(services.import_ratings, xlsx(RATING_HEADER)) == [
        "The sheet has no rows under its header."
    ]
    assert faults(services.import_ratings, xlsx(INDICATOR_HEADER, ("vinh-bao", 2023)))[0] == (
        "Column “Xếp loại” is missing from the header row."
    )
