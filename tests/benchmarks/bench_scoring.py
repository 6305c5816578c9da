"""Year-end scoring benchmark: 200 member units × the 3 × 15 criteria table, the province's
lists imported and applied, the ranking and the frozen result; writes
docs/benchmarks-scoring.md.

Run with ``make bench`` (or ``.venv/bin/python tests/benchmarks/bench_scoring.py --output
docs/benchmarks-scoring.md``). The database is fresh: SQLite in a temporary directory by
default; with ``DATABASE_URL`` set (PostgreSQL), a database of its own created on that server
and dropped at the end (never the one the URL names, nor pytest's ``test_…`` one). No network.

Everything is written through the services, as the site writes it: the units, their officers'
appointments, the bloc term, the 3 × 15 criteria set from its template, the scoring
(``services.open_scoring``), every unit's own points (``services.save_self_scores``), the
province's indicator and violation sheets as XLSX (``flows.awards.services.import_*``). Each
step is measured at 200 units and again at 20 (a second bloc in the same database), so that a
query count that grows with the units shows. Every loop is bounded in count and in time.

Not a test module: pytest collects ``test_*.py`` only.
"""

import argparse
import datetime
import gc
import importlib.metadata
import io
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNITS, SMALL = 200, 20  # the bloc, and the smaller one the query counts compare with
SEED = 2026
LOADED_PER_CORE = 0.75  # "loaded": 1-minute load average above 1.5 on 2 cores
#: Units with a violation on the province's list: every 10th has an official disciplined,
#: every 25th paid its social insurance late (about 14 % of the units).
DISCIPLINE_EVERY, LATE_INSURANCE_EVERY = 10, 25
INDICATOR, INDICATOR_NAME = "cchc", "Chỉ số cải cách hành chính"


# -- measuring ----------------------------------------------------------------------------------


@dataclass
class Measure:
    """One step at one size: wall-clock seconds of the timed runs, and the queries of one
    more run, counted apart so that the counting does not slow the timed ones."""

    seconds: list[float] = field(default_factory=list)
    #: The process's CPU time of the same runs: what other processes on the machine change
    #: least (Python and SQLite both run in this process; PostgreSQL's work is not in it).
    cpu: list[float] = field(default_factory=list)
    queries: int = 0
    statements: Counter = field(default_factory=Counter)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)

    @property
    def repeated(self) -> tuple[str, int]:
        """The statement run most often, as (shape, times)."""
        return self.statements.most_common(1)[0] if self.statements else ("", 0)


@dataclass
class Step:
    key: str
    title: str
    by_size: dict[int, Measure] = field(default_factory=dict)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    facts: dict = field(default_factory=dict)


class Budget:
    """The time the repeated runs may take: a loop stops early (after ``minimum`` runs) once
    it is spent, so that a slow machine still finishes."""

    def __init__(self, seconds: float, minimum: int = 3):
        self.deadline = time.perf_counter() + seconds
        self.minimum = minimum

    def allows(self, run: int) -> bool:
        return run < self.minimum or time.perf_counter() < self.deadline


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


_NUMBERS = re.compile(r"\b\d+(\.\d+)?\b")
_LISTS = re.compile(r"\((?:\s*(?:N|%s|'[^']*'|NULL)\s*,)+\s*(?:N|%s|'[^']*'|NULL)\s*\)")
_STRINGS = re.compile(r"'(?:[^']|'')*'")


def _shape(sql: str) -> str:
    """A statement with its values blanked, so that the same statement run for every unit
    counts as one shape."""
    sql = _STRINGS.sub("'…'", _NUMBERS.sub("N", sql))
    return _LISTS.sub("(…)", sql)


def _captured(function: Callable) -> tuple[int, Counter, object]:
    """Run ``function`` counting its queries by shape (a wrapper around every execution:
    Django's own query log keeps only the last 9000)."""
    from django.db import connection

    shapes: Counter = Counter()

    def count(execute, sql, params, many, context):
        shapes[_shape(sql)] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        result = function()
    return sum(shapes.values()), shapes, result


def _timed(function: Callable) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def measure_interleaved(
    steps: dict[str, tuple[Callable, Callable | None]], runs: int, budget: Budget
) -> dict[str, Measure]:
    """Each of ``steps`` (name → (the step, what to undo before it, untimed)) once with its
    queries captured, then ``runs`` timed rounds, the steps interleaved within each round so
    that a change of load hits them all alike."""
    measures = {name: Measure() for name in steps}
    for name, (step, reset) in steps.items():  # the captured run is also the warm-up
        if reset:
            reset()
        measures[name].queries, measures[name].statements, _result = _captured(step)
    for run in range(runs):
        if not budget.allows(run):
            _progress(f"  time budget spent: {run} runs instead of {runs}")
            break
        for name, (step, reset) in steps.items():
            if reset:
                reset()
            gc.collect()  # untimed: each run starts without the garbage of the one before
            cpu = time.process_time()
            measures[name].seconds.append(_timed(step)[0])
            measures[name].cpu.append(time.process_time() - cpu)
    return measures


# -- set-up -------------------------------------------------------------------------------------


def _set_up_django(directory: Path) -> dict:
    """Django on a fresh database; returns what the page says about it and how to drop it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["VAR_DIR"] = str(directory / "var")
    os.environ["EMAIL_BACKEND"] = "locmem"  # the announcements of 200 tasks go nowhere
    os.environ["TASKS_IN_PROCESS_WORKER"] = "0"
    url = os.environ.get("DATABASE_URL", "")
    on_server = bool(url) and not url.startswith("sqlite")
    if not on_server:
        os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if on_server:
        # A database of its own, named so that it meets neither the URL's nor pytest's.
        connection.settings_dict["TEST"]["NAME"] = f"bench_scoring_{os.getpid()}"
        original = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    else:
        original = None
        call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            name = f"SQLite {cursor.fetchone()[0]} (a file in a temporary directory, WAL)"
        else:
            cursor.execute("show server_version")
            name = f"PostgreSQL {cursor.fetchone()[0]} (a database of its own, dropped after)"
    return {"vendor": connection.vendor, "name": name, "original": original}


def _tear_down_django(database: dict) -> None:
    if database["original"] is not None:
        from django.db import connection

        connection.creation.destroy_test_db(database["original"], verbosity=0)


@dataclass
class BenchBloc:
    size: int
    term: object
    units: list
    officers: list  # the emulation officer of each unit, in the units' order
    scoring: object = None

    @property
    def leader_officer(self):
        return self.officers[0]


def build_bloc(size: int, jurisdiction, kind, label: str) -> BenchBloc:
    """``size`` member units, each with its emulation officer, in a bloc term of this year
    with the 3 × 15 criteria set (``tests/fixtures/scoring.py`` without the PKI: nobody
    signs here)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from flows.blocs import services as bloc_services
    from flows.blocs.models import BlocKind
    from flows.rules.services import criteria
    from workflows import services
    from workflows.models import Role

    since = datetime.date(2024, 1, 1)
    units, officers = [], []
    for number in range(1, size + 1):  # bounded by size
        unit = services.create_organisation(
            code=f"{label}-{number:03d}",
            name=f"Đơn vị thành viên số {number:03d} ({label})",
            kind=kind,
            parent=jurisdiction,
            by=None,
        )
        # No password: nothing logs in, and no hasher runs 200 times.
        officer = get_user_model().objects.create_user(
            username=f"officer-{label}-{number:03d}",
            password=None,
            first_name="Cán bộ",
            last_name=f"Thi đua {number:03d}",
        )
        services.appoint(
            user=officer,
            organisation=unit,
            role=Role.EMULATION_OFFICER,
            valid_from=since,
            by=None,
        )
        units.append(unit)
        officers.append(officer)
    bloc = bloc_services.create_bloc(
        code=f"khoi-{label}",
        name=f"Khối thi đua {size} đơn vị",
        kind=BlocKind.KHOI,
        jurisdiction=jurisdiction,
        by=None,
    )
    term = bloc_services.open_term(
        bloc=bloc,
        year=timezone.localdate().year,
        leader=units[0],
        deputy=units[1],
        members=units,
        by=None,
    )
    criteria.create_from_template(term=term, by=officers[0])
    return BenchBloc(size=size, term=term, units=units, officers=officers)


def _points(rng: random.Random, criterion) -> str:
    """A unit's own points for a typed component: most near the maximum, some half points,
    so that some totals tie and the tie rules have work."""
    from flows.rules.models import CriterionKind

    top = criterion.max_points
    if criterion.kind == CriterionKind.SCORED:
        points = top - Decimal(rng.choice(["0", "0", "0", "0.5", "1", "1", "2"]))
    elif criterion.kind == CriterionKind.BONUS:
        points = Decimal(rng.choice(["0", "0", "0", "1", "2"]))
    else:
        points = Decimal(rng.choice(["0"] * 8 + ["1", "2"]))
    return f"{min(max(points, Decimal(0)), top):f}"


def fill_sheets(bloc: BenchBloc, rng: random.Random) -> int:
    """Every unit's officer saves its own points (``services.save_self_scores``), the
    components of the province's lists aside; returns the components saved."""
    from flows.scoring import services
    from flows.scoring.models import ComponentScore

    scores: dict[int, list] = {}
    rows = ComponentScore.objects.filter(sheet__scoring=bloc.scoring).select_related(
        "criterion", "sheet"
    )
    for score in rows:
        scores.setdefault(score.sheet.unit_id, []).append(score)
    saved = 0
    for unit, officer in zip(bloc.units, bloc.officers, strict=True):
        unit_scores = scores[unit.pk]
        entries = {
            score.criterion_id: {
                "points": _points(rng, score.criterion),
                "note": "Theo báo cáo tổng kết năm",
                "revision": score.revision,
            }
            for score in unit_scores
            if not score.criterion.indicator and not score.criterion.finding_kind
        }
        conflicts = services.save_self_scores(
            sheet=unit_scores[0].sheet, by=officer, entries=entries
        )
        assert not conflicts, conflicts
        saved += len(entries)
    return saved


def province_workbooks(units: list, year: int) -> tuple[bytes, bytes, int]:
    """The province's two lists as the site exports them (``flows.awards.sheets.FORMATS``):
    a CCHC score for every unit, and the violations of some; returns them and how many units
    have a violation."""
    from flows.awards.models import Finding, FindingKind, IndicatorScore
    from flows.awards.sheets import FORMATS

    rng = random.Random(SEED + len(units))
    indicators = [
        IndicatorScore(
            unit=unit,
            year=year,
            indicator=INDICATOR,
            indicator_name=INDICATOR_NAME,
            score=Decimal(rng.randrange(700, 980)) / 10,  # one decimal, as often published
            rank=position,
        )
        for position, unit in enumerate(units, start=1)
    ]
    findings, violators = [], set()
    for number, unit in enumerate(units, start=1):
        if number % DISCIPLINE_EVERY == 0:
            findings.append(
                Finding(
                    unit=unit,
                    person_name=f"Nguyễn Văn {number:03d}",
                    kind=FindingKind.DISCIPLINE,
                    agency="Ủy ban Kiểm tra Thành ủy",
                    year=year,
                    period_from=datetime.date(year, 3, 1),
                    description="Khiển trách",
                )
            )
            violators.add(unit.pk)
        if number % LATE_INSURANCE_EVERY == 0:
            findings.append(
                Finding(
                    unit=unit,
                    kind=FindingKind.LATE_SOCIAL_INSURANCE,
                    agency="Bảo hiểm xã hội thành phố",
                    year=year,
                    period_from=datetime.date(year, 6, 1),
                    description="Chậm đóng 3 tháng",
                )
            )
            violators.add(unit.pk)
    return (
        FORMATS["indicators"].write(indicators),
        FORMATS["findings"].write(findings),
        len(violators),
    )


def _upload(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def province_clerk():
    """The province's clerk who imports the lists: the two permissions, nothing more."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    clerk = get_user_model().objects.create_user(
        username="province-clerk", password=None, first_name="Văn thư", last_name="Sở Nội vụ"
    )
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="awards",
            codename__in=["add_indicatorscore", "add_finding"],
        )
    )
    return clerk


# -- the steps ----------------------------------------------------------------------------------


def _load() -> tuple[float, float, float]:
    return os.getloadavg()


def step_open_and_fill(blocs: dict[int, BenchBloc], rng: random.Random) -> Step:
    """Opening the scoring (sheets, components, one task per unit) and every unit saving its
    points: measured once per size (they create what the other steps read)."""
    from flows.scoring import services

    step = Step("setup", "Opening the scoring and filling the sheets (once)")
    step.load_before = _load()
    for size, bloc in blocs.items():
        opening = Measure()
        seconds, (queries, shapes, scoring) = _timed(
            lambda bloc=bloc: _captured(
                lambda: services.open_scoring(term=bloc.term, by=bloc.leader_officer)
            )
        )
        bloc.scoring = scoring
        opening.seconds, opening.queries, opening.statements = [seconds], queries, shapes
        filling = Measure()
        seconds, (queries, shapes, saved) = _timed(
            lambda bloc=bloc: _captured(lambda: fill_sheets(bloc, rng))
        )
        filling.seconds, filling.queries, filling.statements = [seconds], queries, shapes
        step.by_size[size] = opening
        step.facts[size] = {"filling": filling, "components_saved": saved}
        _progress(
            f"  {size} units: opened in {opening.median:.1f} s ({opening.queries} queries), "
            f"{saved} components saved in {filling.median:.1f} s ({filling.queries} queries)"
        )
    step.load_after = _load()
    return step


def step_import(blocs, clerk_id: int, runs: int, budget: Budget) -> tuple[Step, Step]:
    """The province's indicator and violation sheets through the award services; before each
    run the records of the previous one are deleted (untimed), so every run imports the same
    rows into the same state. The last run's records stay, for the next steps."""
    from django.contrib.auth import get_user_model

    from flows.awards import services as awards
    from flows.awards.models import Finding, IndicatorScore

    indicators = Step("indicators", "Importing the indicator sheet (XLSX)")
    findings = Step("findings", "Importing the violation sheet (XLSX)")
    indicators.load_before = findings.load_before = _load()
    steps = {}
    for size, bloc in blocs.items():
        year = bloc.term.year
        indicator_sheet, finding_sheet, violators = province_workbooks(bloc.units, year)
        unit_ids = [unit.pk for unit in bloc.units]

        def clerk():
            # Fresh from the database, as a request has him: his permissions read again.
            return get_user_model().objects.get(pk=clerk_id)

        def import_indicators(content=indicator_sheet, by=clerk):
            return awards.import_indicators(upload=_upload(content, "chi-so.xlsx"), by=by())

        def import_findings(content=finding_sheet, by=clerk):
            return awards.import_findings(upload=_upload(content, "vi-pham.xlsx"), by=by())

        def forget_indicators(unit_ids=unit_ids, year=year):
            IndicatorScore.objects.filter(unit_id__in=unit_ids, year=year).delete()

        def forget_findings(unit_ids=unit_ids, year=year):
            Finding.objects.filter(unit_id__in=unit_ids, year=year).delete()

        steps[f"indicators {size}"] = (import_indicators, forget_indicators)
        steps[f"findings {size}"] = (import_findings, forget_findings)
        indicators.facts[size] = {"rows": size, "bytes": len(indicator_sheet)}
        findings.facts[size] = {
            "rows": _rows_of(finding_sheet),
            "units": violators,
            "bytes": len(finding_sheet),
        }
    measures = measure_interleaved(steps, runs, budget)
    for size in blocs:
        indicators.by_size[size] = measures[f"indicators {size}"]
        findings.by_size[size] = measures[f"findings {size}"]
        bloc = blocs[size]
        stored = IndicatorScore.objects.filter(unit__in=bloc.units).count()
        assert stored == size, (stored, size)
    indicators.load_after = findings.load_after = _load()
    return indicators, findings


def _rows_of(content: bytes) -> int:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return sum(1 for _row in sheet.iter_rows(min_row=2, values_only=True))


def step_apply(blocs, runs: int, budget: Budget) -> Step:
    """``imports.apply_province_lists`` in a transaction, as ``open_scoring`` and
    ``apply_lists_again`` call it. Before each run the components the lists give are emptied
    (untimed), so that every run writes all of them."""
    from django.db import transaction

    from flows.scoring import imports
    from flows.scoring.models import ComponentScore

    step = Step("apply", "Applying the lists to the sheets (apply_province_lists)")
    step.load_before = _load()
    steps, changed = {}, {}

    for size, bloc in blocs.items():

        def apply(bloc=bloc, size=size):
            with transaction.atomic():
                changed[size] = imports.apply_province_lists(bloc.scoring, by=bloc.leader_officer)

        def empty(bloc=bloc):
            ComponentScore.objects.filter(sheet__scoring=bloc.scoring).exclude(
                criterion__indicator="", criterion__finding_kind=""
            ).update(self_points=None, self_note="")

        steps[str(size)] = (apply, empty)
    measures = measure_interleaved(steps, runs, budget)
    for size in blocs:
        step.by_size[size] = measures[str(size)]
        step.facts[size] = {"changes": changed[size]}
    step.load_after = _load()
    return step


def _plain_sums(scoring) -> list:
    """The baseline: one SQL aggregate, the cheapest way the database could sum the sheets."""
    from django.db.models import Sum

    from flows.scoring.models import ComponentScore

    return list(
        ComponentScore.objects.filter(sheet__scoring=scoring)
        .values("sheet")
        .annotate(total=Sum("self_points"))
        .order_by()
    )


def step_rank(blocs, runs: int, budget: Budget) -> Step:
    """``selectors.ranking_preview`` over every sheet and component, against the plain
    aggregate, and its database part (``selectors.sheet_totals``), interleaved."""
    from django.conf import settings
    from django.utils import translation

    from flows.scoring import selectors

    step = Step("rank", "Ranking (ranking_preview)")
    step.load_before = _load()
    steps = {}
    for size, bloc in blocs.items():
        scoring, tie_rules = bloc.scoring, bloc.scoring.rulings["scoring.ranking_tie_rule"]["value"]
        steps[f"preview {size}"] = (
            lambda s=scoring, t=tie_rules: selectors.ranking_preview(s, t),
            None,
        )
        steps[f"baseline {size}"] = (lambda s=scoring: _plain_sums(s), None)
        if size == max(blocs):
            steps[f"sums {size}"] = (lambda s=scoring: selectors.sheet_totals(s), None)
        step.facts[size] = {"tie_rules": tie_rules}
    with translation.override(settings.LANGUAGE_CODE):
        measures = measure_interleaved(steps, runs, budget)
        for size, bloc in blocs.items():
            tie_rules = step.facts[size]["tie_rules"]
            placed = selectors.ranking_preview(bloc.scoring, tie_rules)
            assert len(placed) == size, (len(placed), size)
            ranks = Counter(entry.rank for entry in placed)
            step.facts[size] |= {
                "components": sum(len(major.component_list) for major in _table(bloc)),
                "shared_ranks": sum(count for count in ranks.values() if count > 1),
                "tie_notes": sum(1 for entry in placed if entry.tie_note),
                "top": placed[0].totals.total,
                "bottom": placed[-1].totals.total,
            }
    step.facts["measures"] = {
        (kind, int(size)): measure
        for (kind, size), measure in ((name.split(), m) for name, m in measures.items())
    }
    for size in blocs:
        step.by_size[size] = step.facts["measures"][("preview", size)]
    step.load_after = _load()
    return step


def _table(bloc):
    from flows.rules.selectors import criteria_table

    return criteria_table(bloc.scoring.criteria_set)


def step_store(blocs, runs: int, budget: Budget) -> Step:
    """``services._store_result`` in a transaction, as ``services.freeze`` calls it: the
    ranking again, a new result version with a row per unit and its blocking findings, the
    document's rendering queued. Each run adds a version (the scoring's status is not
    changed: ``_store_result`` does not read it)."""
    from django.db import transaction

    from flows.scoring import services
    from flows.scoring.models import RankedUnit, ScoringResult

    step = Step("store", "Freezing: the result stored (_store_result)")
    step.load_before = _load()
    steps = {}
    for size, bloc in blocs.items():

        def store(bloc=bloc):
            with transaction.atomic():
                return services._store_result(bloc.scoring, bloc.leader_officer)

        steps[str(size)] = (store, None)
    measures = measure_interleaved(steps, runs, budget)
    for size, bloc in blocs.items():
        step.by_size[size] = measures[str(size)]
        result = ScoringResult.objects.filter(scoring=bloc.scoring).order_by("-version").first()
        rows = RankedUnit.objects.filter(result=result)
        step.facts[size] = {
            "versions": result.version,
            "rows": rows.count(),
            "blocked": rows.exclude(blockers=[]).count(),
        }
        assert step.facts[size]["rows"] == size
    step.load_after = _load()
    return step


# -- the page -----------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def _span(measure: Measure) -> str:
    if len(measure.seconds) == 1:
        return f"{_ms(measure.median)} (once)"
    return f"{_ms(measure.median)} ({_ms(measure.low)}–{_ms(measure.high)})"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"about {seconds / 60:.0f} min"


def _load_text(values) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


def _short(shape: str, width: int = 110) -> str:
    shape = " ".join(shape.split()).replace("|", "\\|")
    return shape if len(shape) <= width else shape[: width - 1] + "…"


def _machine(database: dict) -> dict:
    from tests.benchmarks.machine import machine

    return {
        **machine(),
        "django": importlib.metadata.version("django"),
        "database": database["name"],
    }


def render_page(results: dict) -> str:
    machine, steps = results["machine"], results["steps"]
    big, small, runs = results["units"], results["small"], results["runs"]
    setup, indicators, findings = steps["setup"], steps["indicators"], steps["findings"]
    apply, rank, store = steps["apply"], steps["rank"], steps["store"]
    measures = rank.facts["measures"]
    preview, baseline = measures[("preview", big)], measures[("baseline", big)]
    sums = measures[("sums", big)]
    ratio = preview.median / baseline.median
    threshold = LOADED_PER_CORE * machine["usable"]
    every = list(steps.values())
    peak = max(max(s.load_before[0], s.load_after[0]) for s in every)
    components = rank.facts[big]["components"]

    def row(label, step_or_measure_by_size, note=""):
        by_size = step_or_measure_by_size
        m_small, m_big = by_size[small], by_size[big]
        grows = "**grows**" if m_big.queries > m_small.queries else "same"
        return (
            f"| {label} | {_span(m_small)} | {m_small.queries} | {_span(m_big)} "
            f"| {m_big.queries} | {grows} | {len(m_big.seconds)} |{note}"
        )

    lines = [
        "# Scoring benchmark",
        "",
        f"Last run: {results['finished']} ({results['duration']:.0f} s). This page is written "
        "by `tests/benchmarks/bench_scoring.py` at every run: the figures below are those of "
        "the last run, on the machine described here.",
        "",
        "## How to run",
        "",
        "```",
        "make bench",
        "```",
        "",
        "runs, among the other benchmarks, `.venv/bin/python tests/benchmarks/bench_scoring.py "
        f"--output docs/benchmarks-scoring.md` ({_duration(results['duration'])} here; "
        "`--runs N` changes the repetitions, at least 5; `--budget S` bounds the repeated runs "
        "in seconds). The database is fresh: SQLite in a temporary directory, or with "
        "`DATABASE_URL` set (PostgreSQL) a database of its own on that server, dropped at the "
        "end. Nothing else is contacted.",
        "",
        "## Machine",
        "",
        f"- {machine['cpus']} CPUs ({machine['usable']} usable by the process), "
        f"{machine['model']}; {machine['system']}; Python {machine['python']}; "
        f"Django {machine['django']}",
        f"- database: {machine['database']}",
        f"- load average (1/5/15 min) at the start: {_load_text(results['load_start'])}, at the "
        f"end: {_load_text(results['load_end'])}; per step below",
        "",
    ]
    if peak > threshold:
        lines += [
            f"> **The machine was loaded during this run**: a 1-minute load average of "
            f"{peak:.2f} on {machine['usable']} usable CPUs (above {threshold:.2f}), "
            f"{_load_text(results['load_start'])} before the benchmark started. The benchmark "
            "itself keeps one CPU busy and so adds about 1. Times are pessimistic; compare the "
            "steps and the baseline within the run (they are interleaved), not with runs on "
            "other machines. Query counts do not depend on the load.",
            "",
        ]
    else:
        lines += [
            f"The machine was quiet: the 1-minute load average stayed at or below {peak:.2f} "
            f"on {machine['usable']} CPUs.",
            "",
        ]
    lines += [
        "## What is measured",
        "",
        f"Two bloc terms in one database, {big} and {small} member units, each unit with its "
        f"emulation officer, and the 3 × 15 criteria set from its template ({components} "
        "components and items on every sheet: 15 components, 2 bonus and 3 penalty items "
        "under 5 headings). All written through the services: "
        "`services.open_scoring` creates the sheets, components and one task per unit; "
        "every unit's officer saves its own points with `services.save_self_scores` (seeded "
        "random points near the maxima, the same in every run). The "
        f"province's lists are real XLSX workbooks written by `flows.awards.sheets.FORMATS`: "
        f"a CCHC index for every unit ({big} rows; component II.2 = 8 × index / 100) and "
        f"{findings.facts[big]['rows']} violations of {findings.facts[big]['units']} units "
        f"(one official disciplined every {DISCIPLINE_EVERY}th unit, late social insurance "
        f"every {LATE_INSURANCE_EVERY}th: penalty items TR.1 and TR.3).",
        "",
        "The flow is not driven to `services.freeze`: that needs every unit's head to sign "
        f"its sheet (a PDF rendered and a PAdES signature per unit, {big} certificates), "
        "cross-scoring and the review. The sheets are filled through "
        "`services.save_self_scores` instead, and freezing is measured as "
        "`services._store_result` (what `freeze` does besides a status change, an audit "
        "entry and finishing its task), inside a transaction as `freeze` runs it.",
        "",
        f"Every step is run once with its queries captured (also the warm-up), then {runs} "
        "times timed without counting (the counting would slow them), the steps of a "
        "table interleaved. Times are wall-clock (`time.perf_counter`), medians with min–max. "
        "Before each run, untimed: what the step wrote in the run before is undone where it "
        "writes (the imported records deleted, the components of the lists emptied), and "
        "Python's cycle collector is run, so that no run pays for the garbage of another.",
        "",
        "## Results",
        "",
        f"| step | {small} units: median (min–max) | queries | {big} units: median (min–max) "
        f"| queries | queries with units | n |",
        "|---|---:|---:|---:|---:|---|---:|",
        row(
            f"1a. import the indicator sheet ({small} / {big} rows), "
            "`awards.services.import_indicators`",
            indicators.by_size,
        ),
        row(
            f"1b. import the violation sheet ({findings.facts[small]['rows']} / "
            f"{findings.facts[big]['rows']} rows), `awards.services.import_findings`",
            findings.by_size,
        ),
        row(
            f"2. apply the lists to the sheets ({apply.facts[small]['changes']} / "
            f"{apply.facts[big]['changes']} components written), "
            "`imports.apply_province_lists`",
            apply.by_size,
        ),
        row(
            f"3. rank every sheet × {components} components, `selectors.ranking_preview`",
            rank.by_size,
        ),
        row(
            "4. freeze: `services._store_result` (the ranking again, a result version, a "
            "row per unit with its blockers)",
            store.by_size,
        ),
        row(
            '5. baseline: one SQL aggregate, `ComponentScore…values("sheet")'
            '.annotate(Sum("self_points"))`',
            {size: measures[("baseline", size)] for size in (small, big)},
        ),
        "",
        f"**Ratio: `ranking_preview` over {big} sheets takes {ratio:.1f}× the plain aggregate** "
        f"({_ms(preview.median)} against {_ms(baseline.median)}, medians of the same "
        f"interleaved runs; {preview.low / baseline.low:.1f}× of the fastest runs, "
        f"{preview.cpu_median / baseline.cpu_median:.1f}× in CPU time). The "
        "aggregate is a floor, not the same result: it sums one stage "
        "of points, without the bonus and penalty caps, the penalty's sign, the per-major "
        "points the tie rule compares, or the order.",
        "",
        f"Load average (1/5/15 min) before and after: import {_load_text(indicators.load_before)}"
        f" → {_load_text(indicators.load_after)}; apply {_load_text(apply.load_before)} → "
        f"{_load_text(apply.load_after)}; ranking {_load_text(rank.load_before)} → "
        f"{_load_text(rank.load_after)}; freezing {_load_text(store.load_before)} → "
        f"{_load_text(store.load_after)}.",
        "",
        "### Where the ranking's time goes",
        "",
        f"The same {big} sheets, interleaved with the rows above. The CPU time is this "
        "process's (Python, and SQLite when it is the database; a PostgreSQL server's work "
        "is not in it): what the other processes of a loaded machine change least.",
        "",
        "| part | wall-clock: median (min–max) | CPU time: median | queries |",
        "|---|---:|---:|---:|",
        *[
            f"| {label} | {_span(measure)} | {_ms(measure.cpu_median)} | {measure.queries} |"
            for label, measure in (
                ("`ranking_preview`", preview),
                (
                    "… of which the sums: `selectors.sheet_totals` (the database sums every "
                    "sheet's points by major criterion; the sheets and the criteria table)",
                    sums,
                ),
                ("the plain aggregate (baseline)", baseline),
            )
        ],
        "",
        f"The ranking of {big} units: totals from {rank.facts[big]['top']} down to "
        f"{rank.facts[big]['bottom']}, {rank.facts[big]['shared_ranks']} units sharing a "
        f"rank, {rank.facts[big]['tie_notes']} tie notes (tie rules "
        f"{', '.join(rank.facts[big]['tie_rules'])}). The frozen result: "
        f"{store.facts[big]['rows']} rows, {store.facts[big]['blocked']} with blocking "
        f"findings.",
        "",
        "### Setting up (once, not repeated)",
        "",
        "| | units | time | queries |",
        "|---|---:|---:|---:|",
        *[
            f"| `services.open_scoring` (sheets, {rank.facts[size]['components']} components "
            f"each, one task per unit) | {size} | {_ms(setup.by_size[size].median)} "
            f"| {setup.by_size[size].queries} |"
            for size in (small, big)
        ],
        *[
            f"| every unit's officer: `services.save_self_scores` "
            f"({setup.facts[size]['components_saved']} components in all) | {size} "
            f"| {_ms(setup.facts[size]['filling'].median)} "
            f"| {setup.facts[size]['filling'].queries} |"
            for size in (small, big)
        ],
        "",
    ]
    grown = [
        (label, by_size)
        for label, by_size in (
            ("1a. indicator import", indicators.by_size),
            ("1b. violation import", findings.by_size),
            ("2. apply_province_lists", apply.by_size),
            ("3. ranking_preview", rank.by_size),
            ("4. _store_result", store.by_size),
            ("open_scoring", setup.by_size),
            ("save_self_scores, all units", {s: setup.facts[s]["filling"] for s in (small, big)}),
        )
        if by_size[big].queries > by_size[small].queries
    ]
    if grown:
        lines += [
            "### Queries that grow with the units",
            "",
            f"For each step whose count differs between {small} and {big} units, the "
            "statement run most often (values blanked) and how many times.",
            "",
            f"| step | statement | times at {small} | times at {big} |",
            "|---|---|---:|---:|",
        ]
        for label, by_size in grown:
            shape, times = by_size[big].repeated
            lines.append(
                f"| {label} | `{_short(shape)}` | {by_size[small].statements.get(shape, 0)} "
                f"| {times} |"
            )
        lines.append("")
    lines += ["## What the numbers mean", "", *_meaning(results), ""]
    return "\n".join(lines)


def _meaning(results: dict) -> list[str]:
    """One paragraph, from the figures of this run."""
    steps, big, small = results["steps"], results["units"], results["small"]
    rank, store, apply = steps["rank"], steps["store"], steps["apply"]
    imports = (steps["indicators"], steps["findings"])
    measures = rank.facts["measures"]
    preview, baseline = measures[("preview", big)], measures[("baseline", big)]
    sums = measures[("sums", big)]
    scores = big * rank.facts[big]["components"]
    parts = [
        f"Ranking {big} units over their {scores} component scores takes "
        f"{_ms(preview.median)} in {preview.queries} queries"
        + (
            f", the same count as at {small} units: the ranking's queries do not grow with "
            "the units. "
            if rank.by_size[big].queries == rank.by_size[small].queries
            else f", against {rank.by_size[small].queries} at {small} units: they grow. "
        ),
        f"That is {preview.median / baseline.median:.0f}× the plain SQL sum of the sheets: "
        "the database sums every sheet's points major criterion by major criterion "
        f"(`selectors.sheet_totals`, {_ms(sums.median)}), and Python applies the groups' "
        "caps, the bloc's tie rules and the tie notes. ",
    ]
    store_big = store.by_size[big]
    parts.append(
        f"Freezing (`_store_result`) reads the ranking again and takes {_ms(store_big.median)} "
        f"wall-clock in {store_big.queries} queries"
        + (
            f" ({store.by_size[small].queries} at {small} units), "
            if store_big.queries != store.by_size[small].queries
            else ", the same count at both sizes, "
        )
        + f"and {_ms(store_big.cpu_median)} of CPU time against {_ms(preview.cpu_median)} for "
        "the ranking alone: the result version, its rows, the blockers' query and the commit "
        + (
            "add little to the ranking. "
            if store_big.cpu_median - preview.cpu_median < 0.25 * preview.cpu_median
            else f"add {_ms(store_big.cpu_median - preview.cpu_median)}. "
        )
    )
    apply_big, apply_small = apply.by_size[big], apply.by_size[small]
    changes = apply.facts[big]["changes"] - apply.facts[small]["changes"]
    if apply_big.queries > apply_small.queries:
        parts.append(
            f"Applying the province's lists is the step whose queries grow with the units: "
            f"{apply_big.queries} at {big} units against {apply_small.queries} at {small}, "
            f"{(apply_big.queries - apply_small.queries) / max(changes, 1):.1f} more per "
            "component written, because `imports._write` saves each changed component on "
            f"its own; {_ms(apply_big.median)} at {big} units. "
        )
    same = all(step.by_size[big].queries == step.by_size[small].queries for step in imports)
    parts.append(
        "The imports read and write in bulk"
        + (" (the same queries at both sizes); " if same else "; ")
        + f"importing {big} indicator rows takes {_ms(imports[0].by_size[big].median)}."
    )
    return ["".join(parts)]


# -- main ---------------------------------------------------------------------------------------


def run(args) -> dict:
    started = time.perf_counter()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-scoring-") as temporary:
        directory = Path(temporary)
        _progress(f"Setting up Django and a fresh database in {directory} …")
        database = _set_up_django(directory)
        try:
            steps = _run_steps(args)
        finally:
            _tear_down_django(database)
    return {
        "machine": _machine(database),
        "steps": steps,
        "units": args.units,
        "small": SMALL,
        "runs": args.runs,
        "load_start": load_start,
        "load_end": os.getloadavg(),
        "duration": time.perf_counter() - started,
        "finished": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _run_steps(args) -> dict:
    from django.conf import settings
    from django.utils import translation

    from flows.rules.services.rule_sets import install_shipped_sets
    from workflows import services

    with translation.override(settings.LANGUAGE_CODE):
        install_shipped_sets()
        kinds = {kind.code: kind for kind in services.ensure_standard_kinds()}
        jurisdiction = services.create_organisation(
            code="hp",
            name="Thành phố Hải Phòng",
            kind=kinds["tinh"],
            place_name="Hải Phòng",
            by=None,
        )
        blocs = {}
        for size, label in ((SMALL, "nho"), (args.units, "lon")):
            _progress(f"Building a bloc of {size} units …")
            blocs[size] = build_bloc(size, jurisdiction, kinds["huyen"], label)
        clerk = province_clerk()
        rng = random.Random(SEED)
        budget = Budget(args.budget)
        _progress("Opening the scorings and filling the sheets …")
        steps = {"setup": step_open_and_fill(blocs, rng)}
        _progress("1. Importing the province's lists …")
        steps["indicators"], steps["findings"] = step_import(blocs, clerk.pk, args.runs, budget)
        _progress("2. Applying them to the sheets …")
        steps["apply"] = step_apply(blocs, args.runs, budget)
        _progress("3. Ranking …")
        steps["rank"] = step_rank(blocs, args.runs, budget)
        _progress("4. Freezing …")
        steps["store"] = step_store(blocs, args.runs, budget)
    return steps


def _at_least_five(text: str) -> int:
    value = int(text)
    if value < 5:
        raise argparse.ArgumentTypeError("at least 5 runs")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="write the Markdown page here")
    parser.add_argument("--runs", type=_at_least_five, default=15, help="timed runs per step")
    parser.add_argument(
        "--budget", type=float, default=300, help="seconds the repeated runs may take in all"
    )
    parser.add_argument("--units", type=int, default=UNITS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    page = render_page(run(args))
    if args.output:
        args.output.write_text(page + "\n", encoding="utf-8")
        _progress(f"Wrote {args.output}")
    else:
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
