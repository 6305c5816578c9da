"""Admin pages. Creation goes through the services, so it is validated and audited alike."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflows import services
from workflows.models import (
    Appointment,
    Attachment,
    AuditChainHead,
    AuditEvent,
    Ballot,
    Delegation,
    IssuedNumber,
    Organisation,
    OrganisationKind,
)


class AuditedAdmin(admin.ModelAdmin):
    """Every creation, change and deletion made in the admin is recorded in the audit log.

    Models that have services override ``create`` and ``change`` to go through them (their
    validation, locks and audit events).
    """

    #: Prefix of the audit actions ("appointment.changed"); the model name by default.
    audit_prefix = None

    def audit_name(self, obj) -> str:
        return self.audit_prefix or obj._meta.model_name

    def create(self, request, obj, form):
        """Create ``obj`` and return the saved object."""
        super().save_model(request, obj, form, False)
        services.record_event(
            f"{self.audit_name(obj)}.created",
            actor=request.user,
            obj=obj,
            data={"fields": form.changed_data},
        )
        return obj

    def change(self, request, obj, form):
        """Save the changes of ``obj``; override to go through a service (locks, effects)."""
        super().save_model(request, obj, form, True)
        services.record_event(
            f"{self.audit_name(obj)}.changed",
            actor=request.user,
            obj=obj,
            data={"fields": form.changed_data},
        )

    def save_model(self, request, obj, form, change):
        if change:
            self.change(request, obj, form)
        else:
            obj.pk = self.create(request, obj, form).pk

    def delete_model(self, request, obj):
        services.record_event(f"{self.audit_name(obj)}.deleted", actor=request.user, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(OrganisationKind)
class OrganisationKindAdmin(AuditedAdmin):
    list_display = ["name", "code", "is_jurisdiction"]
    search_fields = ["name", "code"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "parent", "historical"]
    list_filter = ["kind", "historical"]
    search_fields = ["name", "code", "short_name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["kind", "parent"]

    def create(self, request, obj, form):
        details = {
            field: getattr(obj, field)
            for field in ("short_name", "abbreviation", "place_name", "historical")
        }
        return services.create_organisation(
            code=obj.code,
            name=obj.name,
            kind=obj.kind,
            parent=obj.parent,
            by=request.user,
            **details,
        )


@admin.register(Appointment)
class AppointmentAdmin(AuditedAdmin):
    list_display = ["user", "role", "title", "organisation", "valid_from", "valid_to"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]
    date_hierarchy = "valid_from"

    def create(self, request, obj, form):
        return services.appoint(
            user=obj.user,
            organisation=obj.organisation,
            role=obj.role,
            title=obj.title,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            by=request.user,
        )

    def change(self, request, obj, form):
        # The form validated the change; the service re-checks it under the organisation's lock.
        changes = {field: getattr(obj, field) for field in form.changed_data}
        services.change_appointment(appointment=obj, by=request.user, **changes)


@admin.register(Delegation)
class DelegationAdmin(AuditedAdmin):
    list_display = ["__str__", "scope", "prefix", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["scope", "prefix"]
    autocomplete_fields = ["appointment", "substitute"]
    list_select_related = ["appointment__user", "appointment__organisation", "substitute"]
    readonly_fields = ["revoked_at"]
    actions = ["revoke"]

    def create(self, request, obj, form):
        return services.delegate(
            appointment=obj.appointment,
            substitute=obj.substitute,
            scope=obj.scope,
            prefix=obj.prefix,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            reason=obj.reason,
            by=request.user,
        )

    @admin.action(description=_("Revoke the selected delegations"))
    def revoke(self, request, queryset):
        for delegation in queryset:
            services.revoke_delegation(delegation=delegation, by=request.user)


class ReadOnlyInline(admin.TabularInline):
    """Shows related rows that only services change; lists ``fields`` read-only."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    """Read-only: the last position and hash, what ``audit_verify`` checks the end against."""

    list_display = ["position", "hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the log is append-only."""

    list_display = ["position", "occurred_at", "action", "actor", "on_behalf_of", "object_repr"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "object_id"]
    list_select_related = ["actor", "on_behalf_of"]


@admin.register(IssuedNumber)
class IssuedNumberAdmin(ReadOnlyAdmin):
    """The register is written only when a records clerk numbers a document."""

    list_display = ["label", "issued_on", "organisation", "summary", "issued_by"]
    list_filter = ["year", "organisation"]
    search_fields = ["summary", "organisation__name"]
    list_select_related = ["organisation", "issued_by"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Attached files are added by the flows' steps and never change."""

    list_display = ["name", "file_name", "owner_type", "owner_id", "size", "uploaded_at"]
    list_filter = ["owner_type"]
    search_fields = ["name", "file_name", "sha256"]
    list_select_related = ["owner_type"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    """Ballots are written only by their services. The papers have no admin page: in a secret
    ballot only their count matters, which the frozen result shows."""

    list_display = ["title", "mode", "status", "created_at", "frozen_at", "result_hash"]
    list_filter = ["mode", "status"]
    search_fields = ["title", "result_hash"]
    exclude = ["subject_type", "subject_id"]
