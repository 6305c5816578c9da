"""Covenants in the admin: read-only, since every change goes through the flow's services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from flows.pledges.models import Covenant, CovenantVersion, ReviewOpinion, SigningDecline
from workflows.admin import ReadOnlyAdmin, ReadOnlyInline


class VersionInline(ReadOnlyInline):
    model = CovenantVersion
    fields = ["number", "title", "created_by", "created_at", "submitted_at", "document"]


@admin.register(Covenant)
class CovenantAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "number", "created_at"]
    list_filter = ["status", "term__year"]
    search_fields = ["term__bloc__name"]
    list_select_related = ["term__bloc"]
    inlines = [VersionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("versions__document__issued_number")

    @admin.display(description=_("number"))
    def number(self, covenant):
        return covenant.number_label or "—"


class OpinionInline(ReadOnlyInline):
    model = ReviewOpinion
    fields = ["organisation", "decision", "comment", "person", "on_behalf_of", "created_at"]


class DeclineInline(ReadOnlyInline):
    model = SigningDecline
    fields = ["organisation", "reason", "person", "membership_changed", "created_at"]


@admin.register(CovenantVersion)
class CovenantVersionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "covenant", "title", "created_at", "submitted_at"]
    list_select_related = ["covenant__term__bloc"]
    inlines = [OpinionInline, DeclineInline]
