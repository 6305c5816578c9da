"""Criteria sets: drafted by the bloc's leader unit (from last year's, the template or an XLSX
sheet), adopted with the covenant, then never changed: a correction is a new version.

A criteria table is given as rows (``CriterionRow`` dictionaries, the shape of the XLSX sheet):
a code without a dot is a major criterion, ``I.3`` a component of ``I``. ``validate_rows``
holds every rule of a table's shape; each message names the row (or the code).
"""

from decimal import Decimal
from pathlib import Path

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flows.rules.models import CriteriaSet, Criterion, CriterionKind
from workflows import sheets
from workflows.models import Role
from workflows.resolvers import actor_for
from workflows.services import record_event

TEMPLATES = {"3x15": Path(__file__).parent.parent / "data" / "criteria-3x15.yaml"}
#: Who drafts a bloc's criteria set: these roles at the term's leader unit.
DRAFTING_ROLES = [Role.HEAD, Role.DEPUTY_HEAD, Role.EMULATION_OFFICER]

#: A row's kind as written in a sheet: Vietnamese, English (the labels an export writes) or
#: the code.
KIND_NAMES = {
    "tiêu chí": CriterionKind.SCORED,
    "điểm thưởng": CriterionKind.BONUS,
    "điểm trừ": CriterionKind.PENALTY,
    "scored criterion": CriterionKind.SCORED,
    "bonus points": CriterionKind.BONUS,
    "penalty points": CriterionKind.PENALTY,
    **{kind.value: kind for kind in CriterionKind},
}
COLUMNS = [
    sheets.Column("code", gettext_lazy("Code"), sheets.text(20), width=8),
    sheets.Column("name", gettext_lazy("Criterion"), sheets.text(500), width=60),
    sheets.Column("kind", gettext_lazy("Kind"), sheets.choice(KIND_NAMES), required=False),
    sheets.Column("max_points", gettext_lazy("Maximum points"), sheets.number_in(0.01, 1000)),
    sheets.Column(
        "evidence_required", gettext_lazy("Evidence required"), sheets.yes_no(), required=False
    ),
    sheets.Column(
        "guidance", gettext_lazy("How it is scored"), sheets.text(2000), required=False, width=50
    ),
    sheets.Column("indicator", gettext_lazy("Indicator"), sheets.text(40), required=False),
    sheets.Column("finding_kind", gettext_lazy("Violation"), sheets.text(40), required=False),
]
FIELDS = [column.key for column in COLUMNS]


# -- who may draft ---------------------------------------------------------------------------------


def may_draft(user, term) -> bool:
    today = timezone.localdate()
    if user.has_perm("rules.add_criteriaset"):
        return True
    return any(actor_for(user, role, term.leader, today) for role in DRAFTING_ROLES)


def _require_drafter(user, term) -> None:
    if user is not None and not may_draft(user, term):
        raise PermissionDenied(
            _("Only the leader unit (%(unit)s) drafts the bloc's criteria set.")
            % {"unit": term.leader}
        )


# -- the shape of a table --------------------------------------------------------------------------


def _where(row) -> str:
    if row.get("row"):
        return _("Row %(row)s (%(code)s)") % {"row": row["row"], "code": row["code"]}
    return str(row["code"])


def validate_rows(rows: list[dict]) -> list[dict]:
    """The rows with their kinds and parents settled, or ``ValidationError`` listing every
    fault: a code twice, a component whose major is missing or comes after it, a kind that
    differs from its major's, components that do not add up to their major's points."""
    errors, majors, seen = [], {}, set()
    cleaned = []
    for row in rows:
        row = {field: row.get(field) for field in FIELDS} | {"row": row.get("row")}
        code = row["code"]
        if code in seen:
            errors.append(_("%(where)s: the code is used twice.") % {"where": _where(row)})
            continue
        seen.add(code)
        parent_code = code.rpartition(".")[0]
        if not parent_code:
            row["kind"] = row["kind"] or CriterionKind.SCORED
            majors[code] = row
        elif parent_code not in majors:
            errors.append(
                _("%(where)s: its major criterion %(parent)s is not above it.")
                % {"where": _where(row), "parent": parent_code}
            )
            continue
        else:
            major_kind = majors[parent_code]["kind"]
            if row["kind"] and row["kind"] != major_kind:
                errors.append(
                    _("%(where)s: a component is of its major criterion's kind (%(kind)s).")
                    % {"where": _where(row), "kind": CriterionKind(major_kind).label}
                )
            row["kind"] = major_kind
        row["parent_code"] = parent_code
        row["max_points"] = Decimal(row["max_points"])
        cleaned.append(row)
    errors += _check_points(cleaned, majors)
    if not any(row["kind"] == CriterionKind.SCORED for row in majors.values()):
        errors.append(_("The table has no scored criterion."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_points(rows, majors) -> list[str]:
    errors = []
    for code, major in majors.items():
        components = [row for row in rows if row["parent_code"] == code]
        total = sum((row["max_points"] for row in components), Decimal(0))
        if major["kind"] == CriterionKind.SCORED:
            if not components:
                errors.append(
                    _("%(where)s: a major criterion needs at least one component.")
                    % {"where": _where(major)}
                )
            elif total != major["max_points"]:
                errors.append(
                    _(
                        "%(where)s: its components add up to %(total)s points, not the"
                        " %(points)s of the major criterion."
                    )
                    % {"where": _where(major), "total": total, "points": major["max_points"]}
                )
        errors += [
            _("%(where)s: %(points)s points is more than its group's cap of %(cap)s.")
            % {"where": _where(row), "points": row["max_points"], "cap": major["max_points"]}
            for row in components
            if major["kind"] != CriterionKind.SCORED and row["max_points"] > major["max_points"]
        ]
    return errors


# -- writing ---------------------------------------------------------------------------------------


@transaction.atomic
def create_criteria_set(*, term, rows: list[dict], by, name: str = "") -> CriteriaSet:
    """A new draft version of ``term``'s criteria set from ``rows``."""
    _require_drafter(by, term)
    cleaned = validate_rows(rows)
    latest = CriteriaSet.objects.filter(term=term).aggregate(latest=Max("version"))["latest"]
    criteria_set = CriteriaSet.objects.create(
        term=term,
        version=(latest or 0) + 1,
        name=name or _("Criteria for scoring the emulation of %(year)s") % {"year": term.year},
        created_by=by,
    )
    _write_rows(criteria_set, cleaned)
    record_event(
        "criteria_set.created",
        actor=by,
        obj=criteria_set,
        data={"term": term.pk, "version": criteria_set.version, "criteria": len(cleaned)},
    )
    return criteria_set


def _write_rows(criteria_set, rows) -> None:
    by_code = {}
    for position, row in enumerate(rows, start=1):
        criterion = Criterion.objects.create(
            criteria_set=criteria_set,
            parent=by_code.get(row["parent_code"]),
            position=position,
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            max_points=row["max_points"],
            guidance=row["guidance"] or "",
            evidence_required=bool(row["evidence_required"]),
            indicator=row["indicator"] or "",
            finding_kind=row["finding_kind"] or "",
        )
        by_code[criterion.code] = criterion


def template_rows(template: str = "3x15") -> tuple[str, list[dict]]:
    data = yaml.safe_load(TEMPLATES[template].read_text(encoding="utf-8"))
    return data["name"], data["criteria"]


def create_from_template(*, term, by, template: str = "3x15") -> CriteriaSet:
    name, rows = template_rows(template)
    return create_criteria_set(term=term, rows=rows, by=by, name=name)


def rows_of(criteria_set: CriteriaSet) -> list[dict]:
    return [
        {field: getattr(criterion, field) for field in FIELDS}
        for criterion in criteria_set.criteria.all()
    ]


def copy_last_year(*, term, by) -> CriteriaSet:
    """A new version from the bloc's latest criteria set of an earlier year."""
    source = (
        CriteriaSet.objects.filter(term__bloc=term.bloc, term__year__lt=term.year)
        .order_by("-term__year", "-version")
        .first()
    )
    if source is None:
        raise ValidationError(
            _("%(bloc)s has no criteria set of an earlier year to copy.") % {"bloc": term.bloc}
        )
    return create_criteria_set(term=term, rows=rows_of(source), by=by, name=source.name)


def import_xlsx(*, term, upload, by) -> CriteriaSet:
    """A new version from an XLSX sheet of the columns of ``COLUMNS``; a bad sheet changes
    nothing and says what is wrong, row by row."""
    _require_drafter(by, term)
    return create_criteria_set(term=term, rows=sheets.read_table(upload, COLUMNS), by=by)


def export_xlsx(criteria_set: CriteriaSet) -> bytes:
    rows = [row | {"kind": CriterionKind(row["kind"]).label} for row in rows_of(criteria_set)]
    return sheets.write_table(COLUMNS, rows, title=_("Criteria"))


@transaction.atomic
def adopt(*, criteria_set: CriteriaSet, by) -> CriteriaSet:
    """Freeze the version adopted with the covenant (its table is then never changed)."""
    locked = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
    if locked.is_adopted:
        return locked
    locked.adopted_at = timezone.now()
    locked.save(update_fields=["adopted_at"])
    record_event("criteria_set.adopted", actor=by, obj=locked, data={"version": locked.version})
    return locked


def template_sheet(template: str = "3x15") -> bytes:
    """The template's table as an XLSX sheet: the columns of an import, filled in."""
    _name, rows = template_rows(template)
    cleaned = validate_rows(rows)
    return sheets.write_table(
        COLUMNS,
        [row | {"kind": CriterionKind(row["kind"]).label} for row in cleaned],
        title=_("Criteria"),
    )
