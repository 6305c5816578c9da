"""The meeting's documents (DOMAIN.md §7 T8–T11), ND 30/2020 layout, through the one pipeline
(and, from the same templates, their Word copies):

* the **minutes** of the bình xét – suy tôn meeting (biên bản họp bình xét, suy tôn) with the
  vote count (kết quả kiểm phiếu: electorate, papers, for and against each candidate, the ratio
  against the threshold and its source), signed by the secretary and the chair of the meeting;
* each nominee's **achievement report** (báo cáo thành tích): its situation and achievements as
  its officer wrote them, its points and rank in the bloc, the awards and ratings on record;
  signed by its own head;
* the bloc's **proposal** (tờ trình đề nghị khen thưởng, Mẫu số 01 of NĐ 152/2025) with the
  list of the units proposed (danh sách), signed by the head of the leader unit, then numbered
  and sealed by its records clerk.
"""

from fractions import Fraction

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.awards.selectors import awards_of, indicators_of, ratings_of
from flows.nominations.models import (
    AchievementReport,
    AwardDecision,
    BlocAward,
    CouncilSession,
    Dossier,
    Handover,
    Meeting,
    Submission,
)
from flows.nominations.selectors import (
    absent_members,
    agenda_of,
    candidacies_by_award,
    lines_of,
    members_of,
)
from flows.rules.parameters import PARAMETERS
from signatures import pipeline
from signatures.models import FieldKind
from workflows.models import BallotMode, Role
from workflows.resolvers import holders

MINUTES_TYPE = "meeting_minutes"
MINUTES_TEMPLATE = "nominations/documents/minutes.html"
SECRETARY_FIELD = "secretary"
CHAIR_FIELD = "chair"
REPORT_TYPE = "achievement_report"
REPORT_TEMPLATE = "nominations/documents/report.html"
PROPOSAL_TYPE = "nomination_proposal"
PROPOSAL_TEMPLATE = "nominations/documents/proposal.html"
HANDOVER_TYPE = "leader_handover"
HANDOVER_TEMPLATE = "nominations/documents/handover.html"
OUTGOING_FIELD = "outgoing"
INCOMING_FIELD = "incoming"
RETURN_NOTICE_TYPE = "dossier_return_notice"
RETURN_NOTICE_TEMPLATE = "nominations/documents/return_notice.html"
COUNCIL_MINUTES_TYPE = "council_minutes"
COUNCIL_MINUTES_TEMPLATE = "nominations/documents/council_minutes.html"
DECISION_TYPE = "award_decision"
DECISION_TEMPLATE = "nominations/documents/decision.html"
APPRAISAL_TYPE = "dossier_appraisal"
APPRAISAL_TEMPLATE = "nominations/documents/appraisal.html"
HEAD_FIELD = "head"
SEAL_FIELD = "seal"
#: The awards in the order of the catalogue (the flags first), for lists.
AWARD_ORDER = {award.value: position for position, award in enumerate(BlocAward)}
#: The years of record an achievement report lists.
HISTORY_YEARS = 5


def percent(ratio: str) -> str:
    """ "5/8" as "62,50 %", as the minutes print a ratio."""
    value = Fraction(ratio) * 100
    return f"{float(value):.2f}".replace(".", ",") + "\u00a0%"  # kept on one line


def _rounds(result: dict) -> list[dict]:
    """Each question's rounds, with ratios as percentages, for the vote-count tables."""
    return [
        {
            **question,
            "award": _award_of(question),
            "threshold_percent": percent(question["threshold"]),
            "rounds": [
                {
                    **item,
                    "candidates": [
                        {**row, "percent": percent(row["ratio"])} for row in item["candidates"]
                    ],
                }
                for item in question["rounds"]
            ],
        }
        for question in result["questions"]
    ]


def _award_of(question: dict) -> str:
    """The award a question is about: a per-unit question's label ends with the unit's name."""
    labels = {row["label"] for item in question["rounds"] for row in item["candidates"]}
    if len(labels) == 1:
        return question["label"].removesuffix(f": {labels.pop()}")
    return question["label"]


def _thresholds(result: dict) -> list[dict]:
    """The distinct thresholds of the questions (a bloc's are usually one), for the text."""
    seen = {}
    for question in result["questions"]:
        key = (question["threshold_strict"], question["threshold"], question["threshold_source"])
        seen.setdefault(key, {"strict": key[0], "percent": percent(key[1]), "source": key[2]})
    return list(seen.values())


def minutes_draft(meeting: Meeting) -> pipeline.Draft:
    term, leader = meeting.term, meeting.term.leader
    jurisdiction = term.bloc.jurisdiction
    result = meeting.ballot.result
    title = _("Minutes of the year-end meeting %(year)s of %(bloc)s") % {
        "year": term.year,
        "bloc": term.bloc.name,
    }
    return pipeline.Draft(
        document_type=MINUTES_TYPE,
        title=title,
        template=MINUTES_TEMPLATE,
        context={
            "parent_body": term.bloc.name,
            "issuing_body": leader.name,
            "symbol": f"BB-{(leader.abbreviation or leader.code).upper()}",
            "place": jurisdiction.place_name or jurisdiction.name,
            "date": meeting.held_on,
            "document_type": "BIÊN BẢN",
            "summary": f"Họp bình xét, suy tôn thi đua năm {term.year} của {term.bloc.name}",
            "meeting": meeting,
            "attendees": list(meeting.attendees.order_by("name")),
            "members": list(term.members.order_by("name")),
            "groups": candidacies_by_award(meeting),
            "result": result,
            "questions": _rounds(result),
            "thresholds": _thresholds(result),
            "secret": meeting.ballot.mode == BallotMode.SECRET,
            "result_hash": meeting.ballot.result_hash,
            "recipients": [f"Sở Nội vụ {jurisdiction.name}", "Các đơn vị thành viên", "Lưu: VT"],
        },
        signers=[
            pipeline.Signer(field=SECRETARY_FIELD, signer=meeting.secretary, title="Thư ký"),
            pipeline.Signer(field=CHAIR_FIELD, signer=meeting.presiding, title="Chủ trì"),
        ],
    )


def _holder(role, unit, day):
    appointments = holders(role, unit, day)
    if not appointments:
        raise ValidationError(
            _("%(unit)s has no %(role)s on %(day)s to sign: appoint one first.")
            % {"unit": unit, "role": Role(role).label.lower(), "day": day.strftime("%d/%m/%Y")}
        )
    return appointments[0]


def _head_signer(unit, day, *, seal=None) -> pipeline.Signer:
    head = _holder(Role.HEAD, unit, day)
    return pipeline.Signer(
        field=HEAD_FIELD,
        signer=head.user,
        title=head.title or Role.HEAD.label,
        organisation=unit,
        seal=seal,
    )


def report_draft(report: AchievementReport) -> pipeline.Draft:
    candidacy = report.candidacy
    meeting, unit = candidacy.meeting, candidacy.unit
    term = meeting.term
    jurisdiction = term.bloc.jurisdiction
    row = meeting.result.rows.filter(unit=unit).first()
    since = term.year - HISTORY_YEARS + 1
    title = _("Achievement report of %(unit)s, %(year)s") % {"unit": unit.name, "year": term.year}
    return pipeline.Draft(
        document_type=REPORT_TYPE,
        title=title,
        template=REPORT_TEMPLATE,
        context={
            "parent_body": unit.parent.name if unit.parent_id else "",
            "issuing_body": unit.name,
            "symbol": f"BC-{(unit.abbreviation or unit.code).upper()}",
            "place": jurisdiction.place_name or jurisdiction.name,
            "date": timezone.localdate(),
            "document_type": "BÁO CÁO THÀNH TÍCH",
            "summary": f"Đề nghị tặng {candidacy.get_award_display()} năm {term.year}",
            "report": report,
            "candidacy": candidacy,
            "term": term,
            "row": row,
            "units_ranked": meeting.result.rows.count(),
            "indicators": indicators_of([unit], term.year),
            "ratings": [r for r in ratings_of([unit]) if since <= r.year <= term.year],
            # What was on record at the meeting: a decision taken since is not a ground.
            "awards": [
                a
                for a in awards_of([unit])
                if a.unit_id == unit.pk
                and since <= a.year <= term.year
                and a.decision_date <= meeting.held_on
            ],
            "recipients": [term.bloc.name, "Lưu: VT"],
        },
        signers=[_head_signer(unit, timezone.localdate())],
    )


def proposal_symbol(term) -> str:
    leader = term.leader
    return f"TTr-{(leader.abbreviation or leader.code).upper()}"


def proposal_draft(dossier: Dossier) -> pipeline.Draft:
    meeting = dossier.meeting
    term, leader = meeting.term, meeting.term.leader
    jurisdiction = term.bloc.jurisdiction
    today = timezone.localdate()
    clerk = _holder(Role.RECORDS_CLERK, leader, today)
    nominated = sorted(
        meeting.candidacies.filter(nominated=True).select_related("unit"),
        key=lambda candidacy: (AWARD_ORDER[candidacy.award], candidacy.rank),
    )
    groups = [(award.label, [c for c in nominated if c.award == award]) for award in BlocAward]
    title = _("Proposal of awards %(year)s of %(bloc)s") % {
        "year": term.year,
        "bloc": term.bloc.name,
    }
    return pipeline.Draft(
        document_type=PROPOSAL_TYPE,
        title=title,
        template=PROPOSAL_TEMPLATE,
        context={
            "parent_body": term.bloc.name,
            "issuing_body": leader.name,
            "symbol": proposal_symbol(term),
            "place": jurisdiction.place_name or jurisdiction.name,
            "year": today.year,
            "document_type": "TỜ TRÌNH",
            "summary": f"Về việc đề nghị khen thưởng thi đua năm {term.year} của {term.bloc.name}",
            "meeting": meeting,
            "dossier": dossier,
            "recipient": dossier.recipient.name
            if dossier.recipient_id
            else f"Sở Nội vụ {jurisdiction.name}",
            "jurisdiction": jurisdiction,
            "rule_sets": sorted({ruling["rule_set"] for ruling in meeting.rulings.values()}),
            "groups": [(label, rows) for label, rows in groups if rows],
            "nominated": nominated,
            "electorate": meeting.ballot.result["electorate"],
            "recipients": ["Như trên", "Lưu: VT"],
        },
        signers=[
            _head_signer(leader, today, seal=SEAL_FIELD),
            pipeline.Signer(
                field=SEAL_FIELD,
                signer=clerk.user,
                title=clerk.title or Role.RECORDS_CLERK.label,
                organisation=leader,
                kind=FieldKind.ORGANISATION,
            ),
        ],
        numbered=True,
    )


def _department(dossier: Dossier):
    """The home-affairs department the dossier was sent to, and its jurisdiction."""
    jurisdiction = dossier.meeting.term.bloc.jurisdiction
    return dossier.recipient, jurisdiction


def _department_context(dossier: Dossier, **context) -> dict:
    department, jurisdiction = _department(dossier)
    return {
        "parent_body": jurisdiction.name,
        "issuing_body": department.name,
        "place": jurisdiction.place_name or jurisdiction.name,
        "date": timezone.localdate(),
        "year": timezone.localdate().year,
        "dossier": dossier,
        "term": dossier.meeting.term,
        **context,
    }


def return_notice_draft(submission: Submission) -> pipeline.Draft:
    """The department's notice returning the dossier (T16), with the reason and its legal
    basis and what is to be completed, signed by the department's head."""
    dossier = submission.dossier
    term = dossier.meeting.term
    department, _jurisdiction = _department(dossier)
    title = _("Return of the nomination dossier %(year)s of %(bloc)s, version %(version)s") % {
        "year": term.year,
        "bloc": term.bloc.name,
        "version": submission.version,
    }
    return pipeline.Draft(
        document_type=RETURN_NOTICE_TYPE,
        title=title,
        template=RETURN_NOTICE_TEMPLATE,
        context=_department_context(
            dossier,
            symbol=f"TB-{(department.abbreviation or department.code).upper()}",
            document_type="THÔNG BÁO",
            summary=f"Về việc trả hồ sơ đề nghị khen thưởng năm {term.year} của {term.bloc.name}",
            submission=submission,
            missing=[item for item in submission.checklist if not item.get("accepted", True)],
            recipients=[term.leader.name, "Lưu: VT, TĐKT"],
        ),
        signers=[_head_signer(department, timezone.localdate())],
    )


def appraisal_draft(dossier: Dossier) -> pipeline.Draft:
    """The department's appraisal of the dossier (T16): each nominee's checks with their
    citations, the officer's opinion and conclusion, signed by the department's head."""
    term = dossier.meeting.term
    department, _jurisdiction = _department(dossier)
    appraisals = sorted(
        dossier.appraisals.select_related("candidacy__unit"),
        key=lambda appraisal: (AWARD_ORDER[appraisal.candidacy.award], appraisal.candidacy.rank),
    )
    title = _("Appraisal of the nomination dossier %(year)s of %(bloc)s") % {
        "year": term.year,
        "bloc": term.bloc.name,
    }
    return pipeline.Draft(
        document_type=APPRAISAL_TYPE,
        title=title,
        template=APPRAISAL_TEMPLATE,
        context=_department_context(
            dossier,
            symbol=f"BC-{(department.abbreviation or department.code).upper()}",
            document_type="BÁO CÁO THẨM ĐỊNH",
            summary=f"Hồ sơ đề nghị khen thưởng năm {term.year} của {term.bloc.name}",
            submission=dossier.submissions.order_by("-version").first(),
            appraisals=appraisals,
            recipients=["Hội đồng Thi đua – Khen thưởng", "Lưu: VT, TĐKT"],
        ),
        signers=[_head_signer(department, timezone.localdate())],
    )


def council_minutes_draft(session: CouncilSession) -> pipeline.Draft:
    """The minutes of the council's session with the results of its vote (T14): who sat, the
    nominees and their appraisals, for each the votes for over the total membership against
    its threshold and source (NĐ 152/2025 Điều 33 khoản 5 asks for the ratio in the minutes);
    signed by the secretary and the chairman."""
    council, result = session.council, session.ballot.result
    jurisdiction = council.parent
    members = members_of(council, session.held_on)
    present = set(session.present.values_list("pk", flat=True))
    rows = {
        row["reference"]: {**row, "percent": percent(row["ratio"])}
        for question in result["questions"]
        for row in question["rounds"][-1]["candidates"]
    }
    items = [
        {"item": item, "row": rows.get(item.reference), "threshold": percent(item.threshold)}
        for item in agenda_of(session)
    ]
    title = _("Minutes of the council session of %(day)s") % {
        "day": session.held_on.strftime("%d/%m/%Y")
    }
    return pipeline.Draft(
        document_type=COUNCIL_MINUTES_TYPE,
        title=title,
        template=COUNCIL_MINUTES_TEMPLATE,
        context={
            "parent_body": f"UBND {jurisdiction.name}",
            "issuing_body": council.name,
            "symbol": f"BB-{(council.abbreviation or council.code).upper()}",
            "place": jurisdiction.place_name or jurisdiction.name,
            "date": session.held_on,
            "document_type": "BIÊN BẢN",
            "summary": f"Họp Hội đồng Thi đua – Khen thưởng xét khen thưởng năm {session.year}",
            "session": session,
            "members": members,
            "present": [m for m in members if m.pk in present],
            "absent": absent_members(session),
            "items": items,
            "presence_rule": session.rulings["council.award_session_min_presence"],
            "threshold_sources": sorted({line["item"].threshold_source for line in items}),
            "result": result,
            "secret": session.ballot.mode == BallotMode.SECRET,
            "result_hash": session.ballot.result_hash,
            "recipients": [f"UBND {jurisdiction.name}", "Sở Nội vụ", "Lưu: VT"],
        },
        signers=[
            pipeline.Signer(field=SECRETARY_FIELD, signer=session.secretary, title="Thư ký"),
            pipeline.Signer(field=CHAIR_FIELD, signer=session.chair, title="Chủ tịch Hội đồng"),
        ],
    )


def money_text(amount: int) -> str:
    """2.340.000: Vietnamese groups thousands with dots."""
    return f"{amount:,}".replace(",", ".")


def decision_draft(decision: AwardDecision) -> pipeline.Draft:
    """The chairman's award decision (T17, ND 30 Mẫu 1.2 layout) with its list on a page of its
    own: the legal bases, the awards and their amounts, who carries it out; signed "TM. ỦY BAN
    NHÂN DÂN / CHỦ TỊCH", numbered (QĐ-UBND) and sealed by the committee's records clerk."""
    issuer, jurisdiction = decision.issuer, decision.issuer.parent
    today = timezone.localdate()
    lines = sorted(
        lines_of(decision),
        key=lambda line: (AWARD_ORDER[line.appraisal.candidacy.award], line.appraisal.pk),
    )
    groups = [
        (award.label, [line for line in lines if line.appraisal.candidacy.award == award])
        for award in BlocAward
    ]
    clerk = _holder(Role.RECORDS_CLERK, issuer, today)
    chairman = _holder(Role.HEAD, issuer, today)
    rules = decision.rulings
    title = _("Award decision %(year)s of %(issuer)s") % {"year": decision.year, "issuer": issuer}
    return pipeline.Draft(
        document_type=DECISION_TYPE,
        title=title,
        template=DECISION_TEMPLATE,
        context={
            "parent_body": "",
            "issuing_body": issuer.name,
            "symbol": "QĐ-UBND",
            "place": jurisdiction.place_name or jurisdiction.name,
            "year": today.year,
            "document_type": "QUYẾT ĐỊNH",
            "summary": f"Về việc khen thưởng thành tích năm {decision.year}",
            "decision": decision,
            "jurisdiction": jurisdiction,
            "groups": [(label, rows) for label, rows in groups if rows],
            "rows": [
                {
                    "line": line,
                    "coefficient": f"{float(Fraction(line.coefficient)):g}".replace(".", ","),
                    "amount": money_text(line.amount),
                }
                for line in lines
            ],
            "total": money_text(sum(line.amount for line in lines)),
            "base_salary": money_text(rules["money.base_salary_vnd"]["value"]),
            "base_salary_source": rules["money.base_salary_vnd"]["source"],
            "rounding": money_text(rules["money.rounding_vnd"]["value"]),
            "rounding_source": rules["money.rounding_vnd"]["source"],
            "coefficients_source": rules["money.coefficients"]["source"],
            "recipients": ["Như Điều 3", "Sở Nội vụ", "Lưu: VT"],
        },
        signers=[
            pipeline.Signer(
                field=HEAD_FIELD,
                signer=chairman.user,
                title="CHỦ TỊCH",
                unit="TM. ỦY BAN NHÂN DÂN",
                organisation=issuer,
                seal=SEAL_FIELD,
            ),
            pipeline.Signer(
                field=SEAL_FIELD,
                signer=clerk.user,
                title=clerk.title or Role.RECORDS_CLERK.label,
                organisation=issuer,
                kind=FieldKind.ORGANISATION,
            ),
        ],
        numbered=True,
    )


def handover_draft(handover: Handover) -> pipeline.Draft:
    """The hand-over minutes (T19): signed by the outgoing head, then the incoming one."""
    outgoing, incoming = handover.term, handover.next_term
    jurisdiction = outgoing.bloc.jurisdiction
    today = timezone.localdate()
    title = _("Hand-over of the lead of %(bloc)s to %(unit)s") % {
        "bloc": outgoing.bloc.name,
        "unit": incoming.leader.name,
    }
    leaving = _holder(Role.HEAD, outgoing.leader, today)
    arriving = _holder(Role.HEAD, incoming.leader, today)
    return pipeline.Draft(
        document_type=HANDOVER_TYPE,
        title=title,
        template=HANDOVER_TEMPLATE,
        context={
            "parent_body": jurisdiction.name,
            "issuing_body": outgoing.bloc.name,
            "symbol": f"BB-{(outgoing.leader.abbreviation or outgoing.leader.code).upper()}",
            "place": jurisdiction.place_name or jurisdiction.name,
            "date": handover.handover_on,
            "document_type": "BIÊN BẢN",
            "summary": f"Bàn giao nhiệm vụ Trưởng khối {outgoing.bloc.name}",
            "handover": handover,
            "policy": PARAMETERS["rotation.policy"].display(handover.policy),
            "outgoing": outgoing,
            "incoming": incoming,
            "members": list(incoming.members.order_by("name")),
            "recipients": [f"Sở Nội vụ {jurisdiction.name}", "Các đơn vị thành viên", "Lưu: VT"],
        },
        signers=[
            pipeline.Signer(
                field=OUTGOING_FIELD,
                signer=leaving.user,
                title=leaving.title or Role.HEAD.label,
                unit=f"Đơn vị bàn giao – {outgoing.leader.name}",
            ),
            pipeline.Signer(
                field=INCOMING_FIELD,
                signer=arriving.user,
                title=arriving.title or Role.HEAD.label,
                unit=f"Đơn vị nhận bàn giao – {incoming.leader.name}",
            ),
        ],
    )
