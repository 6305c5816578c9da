"""The XLSX sheets of the award history: one format per kind of record, read and written with
``workflows.sheets``, so that an exported sheet imports back unchanged.

Headers and the words in choice columns are Vietnamese whatever the reader's language: a sheet
is a document the province exchanges with its units. Units are named by their code.

A sheet is checked in two rounds, each listing every fault at once: first its cells
(``workflows.sheets.read_table``: missing values, numbers, dates, words of the choice columns),
then its rows (unknown unit and award codes, each record's own rules, a row repeating another
or a record already stored). Only a sheet without a fault gives records.
"""

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flows.awards.models import (
    AnnualRating,
    AwardKind,
    AwardRecord,
    AwardType,
    Finding,
    FindingKind,
    IndicatorScore,
    Rating,
    Source,
)
from flows.blocs.models import default_period
from workflows.models import Organisation
from workflows.sheets import (
    Column,
    SheetError,
    choice,
    date,
    integer,
    number_in,
    read_table,
    text,
    write_table,
)

KIND_WORDS = {
    "thường xuyên": AwardKind.REGULAR,
    "chuyên đề": AwardKind.THEMATIC,
    "đột xuất": AwardKind.EXTRAORDINARY,
}
RATING_WORDS = {rating.value: rating for rating in Rating}
FINDING_WORDS = {
    "kỷ luật": FindingKind.DISCIPLINE,
    "điều tra": FindingKind.INVESTIGATION,
    "thanh tra, kiểm tra": FindingKind.INSPECTION,
    "khiếu nại, tố cáo": FindingKind.COMPLAINT,
    "báo chí phản ánh tham nhũng": FindingKind.PRESS_CORRUPTION,
    "chậm đóng BHXH": FindingKind.LATE_SOCIAL_INSURANCE,
    "vi phạm khác": FindingKind.OTHER,
}


def _word_of(words: dict) -> dict:
    return {value: word for word, value in words.items()}


UNIT = Column("unit", "Mã đơn vị", text(60), width=16)
YEAR = Column("year", "Năm", integer(1945, 2100), width=8)
PERSON = Column("person_name", "Họ và tên", text(255), required=False, width=28)


def _cell_fault(row: int, column: Column, message: str) -> tuple[int, str]:
    # The wording of workflows.sheets' cell faults, so both rounds read alike.
    return row, _("Row %(row)s, column “%(column)s”: %(message)s.") % {
        "row": row,
        "column": column.header,
        "message": str(message).rstrip("."),
    }


def _row_fault(row: int, message: str) -> tuple[int, str]:
    return row, _("Row %(row)s: %(message)s.") % {"row": row, "message": str(message).rstrip(".")}


class SheetFormat:
    """One kind of record as a sheet. Subclasses name the columns and map rows to records."""

    name: str  # in URLs and forms: "awards", "ratings", "findings", "indicators"
    label: str  # on the pages, in the reader's language
    model: type[models.Model]
    title: str  # the sheet's tab
    file_stem: str
    columns: list[Column]
    #: Columns holding the codes of other records: column key → (their model, the fault of a
    #: code none of them has).
    references: dict[str, tuple[type[models.Model], str]] = {}
    #: A model field whose faults belong under another column than its own name.
    field_columns: dict[str, str] = {}
    #: Attributes that identify a record: two rows with the same are one record twice.
    key_fields: tuple[str, ...]
    #: Key fields never empty, by which the stored records to compare are fetched.
    narrowing: tuple[str, ...]

    @property
    def permission(self) -> str:
        return f"{self.model._meta.app_label}.add_{self.model._meta.model_name}"

    def build(self, row: dict) -> models.Model:
        raise NotImplementedError

    def as_row(self, record) -> dict:
        raise NotImplementedError

    def read(self, upload) -> list[models.Model]:
        """The sheet's records, unsaved, marked imported; ``SheetError`` with every fault."""
        rows = read_table(upload, self.columns)
        faults = self._resolve_references(rows)
        unresolved = {number for number, _message in faults}
        numbered = []
        for row in rows:
            if row["row"] not in unresolved:
                record = self.build(row)
                record.source = Source.IMPORTED
                faults += self._validate(row["row"], record)
                numbered.append((row["row"], record))
        faults += self._duplicates(numbered)
        if faults:
            raise SheetError([message for _row, message in sorted(faults, key=lambda f: f[0])])
        return [record for _row, record in numbered]

    def write(self, records: Iterable) -> bytes:
        return write_table(self.columns, (self.as_row(r) for r in records), title=self.title)

    def _column(self, key: str) -> Column | None:
        return next((column for column in self.columns if column.key == key), None)

    def _resolve_references(self, rows: list[dict]) -> list[tuple[int, str]]:
        """Replace codes by their records (one query per column); fault the unknown ones,
        whose rows are then left out of the next checks."""
        faults = []
        for key, (model, message) in self.references.items():
            codes = {row[key] for row in rows if row[key] is not None}
            known = {record.code: record for record in model.objects.filter(code__in=codes)}
            for row in rows:
                if row[key] is not None and row[key] not in known:
                    faults.append(_cell_fault(row["row"], self._column(key), message % row))
                row[key] = known.get(row[key])
        return faults

    def _validate(self, number: int, record) -> list[tuple[int, str]]:
        """The record's own rules (``clean_fields`` and ``clean``), by column. Related records
        come from the lookups, so they are not fetched again row by row."""
        errors: dict = {}
        relations = [field.name for field in record._meta.fields if field.is_relation]
        for check in (lambda: record.clean_fields(exclude=relations), record.clean):
            try:
                check()
            except ValidationError as error:
                error.update_error_dict(errors)
        if not errors:
            return []
        faults = []
        for field, messages in ValidationError(errors).message_dict.items():
            column = self._column(self.field_columns.get(field, field))
            for message in messages:
                if column is None or field == NON_FIELD_ERRORS:
                    faults.append(_row_fault(number, message))
                else:
                    faults.append(_cell_fault(number, column, message))
        return faults

    def _key(self, record) -> tuple:
        return tuple(getattr(record, field) for field in self.key_fields)

    def _duplicates(self, numbered: list[tuple[int, models.Model]]) -> list[tuple[int, str]]:
        faults, first_row = [], {}
        for number, record in numbered:
            key = self._key(record)
            if key in first_row:
                message = _("it repeats row %(first)s") % {"first": first_row[key]}
                faults.append(_row_fault(number, message))
            else:
                first_row[key] = number
        stored = self._stored_keys([record for _number, record in numbered])
        for number, record in numbered:
            if self._key(record) in stored:
                message = _("%(record)s is already recorded") % {"record": record}
                faults.append(_row_fault(number, message))
        return faults

    def _stored_keys(self, records: list) -> set[tuple]:
        if not records:
            return set()
        narrow = {f"{field}__in": {getattr(r, field) for r in records} for field in self.narrowing}
        return set(self.model.objects.filter(**narrow).values_list(*self.key_fields))


_UNITS = (Organisation, gettext_lazy("no unit has the code “%(unit)s”"))


class AwardSheet(SheetFormat):
    name = "awards"
    label = gettext_lazy("Awards")
    model = AwardRecord
    title = "Khen thưởng"
    file_stem = "khen-thuong"
    columns = [
        UNIT,
        PERSON,
        YEAR,
        Column("award_type", "Mã khen thưởng", text(20), width=16),
        Column("kind", "Loại khen thưởng", choice(KIND_WORDS), required=False, width=16),
        Column("decision_number", "Số quyết định", text(60)),
        Column("decision_date", "Ngày quyết định", date(), width=14),
        Column("decided_by", "Người quyết định", text(255), required=False, width=30),
        Column("period_from", "Thành tích từ ngày", date(), required=False, width=14),
        Column("period_to", "Thành tích đến ngày", date(), required=False, width=14),
        Column("note", "Ghi chú", text(2000), required=False, width=40),
    ]
    references = {
        "unit": _UNITS,
        "award_type": (AwardType, gettext_lazy("no award has the code “%(award_type)s”")),
    }
    field_columns = {"person_unit": "unit", "person": "person_name"}
    key_fields = ("unit_id", "person_unit_id", "person_name", "award_type_id", "decision_number")
    narrowing = ("decision_number",)

    def build(self, row: dict) -> AwardRecord:
        unit, person = row["unit"], row["person_name"] or ""
        # An award without a stated achievement period rewards its year (R-08 counts from it).
        start, end = default_period(row["year"])
        return AwardRecord(
            unit=None if person else unit,
            person_name=person,
            person_unit=unit if person else None,
            award_type=row["award_type"],
            kind=row["kind"] or AwardKind.REGULAR,
            year=row["year"],
            decision_number=row["decision_number"],
            decision_date=row["decision_date"],
            decided_by=row["decided_by"] or "",
            period_from=row["period_from"] or start,
            period_to=row["period_to"] or end,
            note=row["note"] or "",
        )

    def as_row(self, record: AwardRecord) -> dict:
        return {
            "unit": (record.unit or record.person_unit).code,
            "person_name": record.person_name,
            "year": record.year,
            "award_type": record.award_type.code,
            "kind": _word_of(KIND_WORDS)[record.kind],
            "decision_number": record.decision_number,
            "decision_date": record.decision_date,
            "decided_by": record.decided_by,
            "period_from": record.period_from,
            "period_to": record.period_to,
            "note": record.note,
        }


class RatingSheet(SheetFormat):
    name = "ratings"
    label = gettext_lazy("Annual ratings")
    model = AnnualRating
    title = "Xếp loại"
    file_stem = "xep-loai"
    columns = [UNIT, YEAR, Column("rating", "Xếp loại", choice(RATING_WORDS), width=12)]
    references = {"unit": _UNITS}
    key_fields = ("unit_id", "year")
    narrowing = ("unit_id", "year")

    def build(self, row: dict) -> AnnualRating:
        return AnnualRating(unit=row["unit"], year=row["year"], rating=row["rating"])

    def as_row(self, record: AnnualRating) -> dict:
        return {"unit": record.unit.code, "year": record.year, "rating": record.rating}


class FindingSheet(SheetFormat):
    name = "findings"
    label = gettext_lazy("Findings")
    model = Finding
    title = "Vi phạm"
    file_stem = "vi-pham"
    columns = [
        UNIT,
        PERSON,
        Column("kind", "Loại vi phạm", choice(FINDING_WORDS), width=24),
        Column("agency", "Cơ quan phát hiện", text(255), width=30),
        YEAR,
        Column("period_from", "Từ ngày", date(), width=14),
        Column("period_to", "Đến ngày", date(), required=False, width=14),
        Column("description", "Nội dung", text(4000), required=False, width=50),
    ]
    references = {"unit": _UNITS}
    key_fields = ("unit_id", "person_name", "kind", "period_from")
    narrowing = ("unit_id", "period_from")

    def build(self, row: dict) -> Finding:
        return Finding(
            unit=row["unit"],
            person_name=row["person_name"] or "",
            kind=row["kind"],
            agency=row["agency"],
            year=row["year"],
            period_from=row["period_from"],
            period_to=row["period_to"],
            description=row["description"] or "",
        )

    def as_row(self, record: Finding) -> dict:
        return {
            "unit": record.unit.code,
            "person_name": record.person_name,
            "kind": _word_of(FINDING_WORDS)[record.kind],
            "agency": record.agency,
            "year": record.year,
            "period_from": record.period_from,
            "period_to": record.period_to,
            "description": record.description,
        }


class IndicatorSheet(SheetFormat):
    name = "indicators"
    label = gettext_lazy("Indicator scores")
    model = IndicatorScore
    title = "Chỉ số"
    file_stem = "chi-so"
    columns = [
        UNIT,
        YEAR,
        Column("indicator", "Mã chỉ số", text(40), width=12),
        Column("indicator_name", "Tên chỉ số", text(255), width=30),
        Column("score", "Điểm", number_in(0, 99999), width=10),
        Column("rank", "Thứ hạng", integer(1), required=False, width=10),
    ]
    references = {"unit": _UNITS}
    key_fields = ("unit_id", "year", "indicator")
    narrowing = ("unit_id", "year")

    def build(self, row: dict) -> IndicatorScore:
        return IndicatorScore(
            unit=row["unit"],
            year=row["year"],
            indicator=row["indicator"],
            indicator_name=row["indicator_name"],
            score=row["score"],
            rank=row["rank"],
        )

    def as_row(self, record: IndicatorScore) -> dict:
        return {
            "unit": record.unit.code,
            "year": record.year,
            "indicator": record.indicator,
            "indicator_name": record.indicator_name,
            "score": record.score,
            "rank": record.rank,
        }


FORMATS: dict[str, SheetFormat] = {
    sheet.name: sheet for sheet in (AwardSheet(), RatingSheet(), FindingSheet(), IndicatorSheet())
}
