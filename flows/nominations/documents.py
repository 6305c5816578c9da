"""The meeting's document (DOMAIN.md §7 T8, T9), ND 30/2020 layout, through the one pipeline:
the **minutes** of the bình xét – suy tôn meeting (biên bản họp bình xét, suy tôn) with the
vote count (kết quả kiểm phiếu: electorate, papers, for and against each candidate, the ratio
against the threshold and its source), signed by the secretary and the chair of the meeting.
"""

from fractions import Fraction

from django.utils.translation import gettext as _

from flows.nominations.models import Meeting
from flows.nominations.selectors import candidacies_by_award
from signatures import pipeline
from workflows.models import BallotMode

MINUTES_TYPE = "meeting_minutes"
MINUTES_TEMPLATE = "nominations/documents/minutes.html"
SECRETARY_FIELD = "secretary"
CHAIR_FIELD = "chair"


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
