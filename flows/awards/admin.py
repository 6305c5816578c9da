"""The award history in the admin: creation through the services (validated, audited); changes
and deletions audited by ``AuditedAdmin``."""

from django.contrib import admin

from flows.awards import services
from flows.awards.models import AnnualRating, AwardRecord, AwardType, Finding, IndicatorScore
from workflows.admin import AuditedAdmin

RECORDED = ["source", "recorded_by", "recorded_at"]


@admin.register(AwardType)
class AwardTypeAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "for_collectives", "for_individuals", "is_title"]
    list_filter = ["level", "is_title"]
    search_fields = ["code", "name"]


class RecordedAdmin(AuditedAdmin):
    """Where a row comes from, and who recorded it, are set by the services."""

    readonly_fields = RECORDED

    @staticmethod
    def fields_of(obj, *names) -> dict:
        return {name: getattr(obj, name) for name in names}


@admin.register(AwardRecord)
class AwardRecordAdmin(RecordedAdmin):
    list_display = ["year", "award_type", "subject_name", "kind", "decision_number"]
    list_filter = ["year", "kind", "award_type", "source"]
    search_fields = ["person_name", "unit__name", "person_unit__name", "decision_number"]
    autocomplete_fields = ["unit", "person", "person_unit"]
    list_select_related = ["award_type", "unit"]
    audit_prefix = "award"

    def create(self, request, obj, form):
        return services.record_award(
            by=request.user,
            **self.fields_of(
                obj,
                "unit",
                "person_name",
                "person",
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
            ),
        )


@admin.register(AnnualRating)
class AnnualRatingAdmin(RecordedAdmin):
    list_display = ["unit", "year", "rating", "source"]
    list_filter = ["year", "rating", "source"]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    audit_prefix = "annual_rating"

    def create(self, request, obj, form):
        return services.record_rating(
            by=request.user, **self.fields_of(obj, "unit", "year", "rating")
        )


@admin.register(Finding)
class FindingAdmin(RecordedAdmin):
    list_display = ["unit", "person_name", "kind", "year", "period_from", "period_to"]
    list_filter = ["kind", "year", "source"]
    search_fields = ["unit__name", "person_name", "agency"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]

    def create(self, request, obj, form):
        return services.record_finding(
            by=request.user,
            **self.fields_of(
                obj,
                "unit",
                "person_name",
                "kind",
                "agency",
                "year",
                "period_from",
                "period_to",
                "description",
            ),
        )


@admin.register(IndicatorScore)
class IndicatorScoreAdmin(RecordedAdmin):
    list_display = ["unit", "year", "indicator_name", "score", "rank"]
    list_filter = ["year", "indicator", "source"]
    search_fields = ["unit__name", "indicator", "indicator_name"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    audit_prefix = "indicator_score"

    def create(self, request, obj, form):
        return services.record_indicator(
            by=request.user,
            **self.fields_of(obj, "unit", "year", "indicator", "indicator_name", "score", "rank"),
        )
