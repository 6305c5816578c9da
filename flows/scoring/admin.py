"""Scorings in the admin: read-only, since every change goes through the flow's services."""

from django.contrib import admin

from flows.scoring.models import (
    ComponentScore,
    Dispute,
    RankedUnit,
    ScoreSheet,
    Scoring,
    ScoringAssignment,
    ScoringResult,
)
from workflows.admin import ReadOnlyAdmin, ReadOnlyInline


class SheetInline(ReadOnlyInline):
    model = ScoreSheet
    fields = ["unit", "status", "submitted_at", "document"]


class AssignmentInline(ReadOnlyInline):
    model = ScoringAssignment
    fields = ["scorer", "scored"]


class ResultInline(ReadOnlyInline):
    model = ScoringResult
    fields = ["version", "frozen_at", "frozen_by", "correction_reason", "document"]


@admin.register(Scoring)
class ScoringAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "self_score_due", "dispute_due", "opened_at"]
    list_filter = ["status", "term__year"]
    search_fields = ["term__bloc__name"]
    list_select_related = ["term__bloc"]
    inlines = [SheetInline, AssignmentInline, ResultInline]


class ScoreInline(ReadOnlyInline):
    model = ComponentScore
    fields = [
        "criterion",
        "self_points",
        "cross_points",
        "cross_reason",
        "final_points",
        "updated_by",
        "updated_at",
    ]


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "scoring", "status", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["unit__name"]
    list_select_related = ["unit", "scoring__term__bloc"]
    inlines = [ScoreInline]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "raised_by", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["score__criterion", "raised_by", "decided_by"]


class RankedInline(ReadOnlyInline):
    model = RankedUnit
    fields = ["rank", "unit", "scored", "bonus", "penalty", "total", "tie_note"]


@admin.register(ScoringResult)
class ScoringResultAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "frozen_at", "frozen_by"]
    list_select_related = ["scoring__term__bloc", "frozen_by"]
    inlines = [RankedInline]
