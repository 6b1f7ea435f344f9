"""Django admin for configuration only: partnerships, agencies, users, memberships, tokens.

Case data is never edited here; it changes through the product's services.
Every admin is scoped to the staff user's partnerships (cases/admin_scoping.py).
"""

import axes.admin  # noqa: F401 - registers the lockout admins, re-registered below
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from cases import services
from cases.admin_scoping import (
    PartnershipScopedAdmin,
    PartnershipScopedInline,
    agencies_serving_any_of,
    agencies_serving_only,
    memberships_within,
    partnership_ids_administered,
    register_superuser_only,
    users_within,
)
from cases.models import Agency, ApiToken, ClosureDay, Membership, Partnership, User


class MembershipInline(PartnershipScopedInline, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["partnership", "agency", "represents"]


@admin.register(User)
class UserAdmin(PartnershipScopedAdmin, DjangoUserAdmin, SimpleHistoryAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]

    def scope_queryset(self, request, queryset, partnership_ids):
        return queryset.filter(
            pk__in=users_within(partnership_ids, admin_user=request.user).values("pk")
        )

    actions = ["reset_two_factor"]

    @admin.action(description="Reset two-factor authentication (new app at next sign-in)")
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            services.two_factor_reset(user=user, actor=request.user)
        self.message_user(
            request,
            f"Two-factor authentication reset for {queryset.count()}. "
            "Their API tokens and calendar feeds no longer work.",
        )

    def user_change_password(self, request, id, form_url=""):
        """Django's page for setting someone's password; a new password also revokes the
        tokens and calendar feeds made with the account."""
        user = self.get_object(request, unquote(id))
        before = user.password if user is not None else None
        response = super().user_change_password(request, id, form_url)
        if user is not None:
            user.refresh_from_db(fields=["password"])
        if user is not None and user.password != before:
            services.user_credentials_revoke(
                user=user, actor=request.user, reason="Password reset in admin"
            )
        return response

    def save_model(self, request, obj, form, change):
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True  # the service below makes the change, with its effects
        super().save_model(request, obj, form, change)
        if deactivating:
            services.user_deactivate(user=obj, actor=request.user, reason="Deactivated in admin")


class ClosureDayInline(PartnershipScopedInline, admin.TabularInline):
    model = ClosureDay
    extra = 1

    def scope_queryset(self, request, queryset, partnership_ids):
        return queryset.filter(partnership_id__in=partnership_ids)


@admin.register(Partnership)
class PartnershipAdmin(PartnershipScopedAdmin, SimpleHistoryAdmin):
    inlines = [ClosureDayInline]
    # A new or deleted partnership is beyond any one partnership's admin.
    partnership_admin_may = frozenset({"view", "change"})
    list_display = [
        "name",
        "reference_prefix",
        "information_request_working_days",
        "uses_chronology_template",
        "school_request_route",
        "holds_request_parameters_meeting",
        "retention_years",  # issue 18: retention, a local decision
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["usual_agencies"]

    def scope_queryset(self, request, queryset, partnership_ids):
        return queryset.filter(pk__in=partnership_ids)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(f.has_changed() for f in formsets if f.model is ClosureDay):
            moved = services.deadlines_recompute(
                partnership=form.instance, actor=request.user, reason="Closure days changed"
            )
            self.message_user(request, f"{moved} open deadline(s) moved by the closure days.")


@admin.register(Agency)
class AgencyAdmin(PartnershipScopedAdmin, SimpleHistoryAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind", "partnerships"]
    search_fields = ["name"]
    filter_horizontal = ["partnerships"]

    def scope_queryset(self, request, queryset, partnership_ids):
        return queryset.filter(pk__in=agencies_serving_any_of(partnership_ids).values("pk"))

    def scope_change_queryset(self, request, queryset, partnership_ids):
        # An agency that also serves another partnership is read-only (see README).
        return queryset.filter(pk__in=agencies_serving_only(partnership_ids).values("pk"))


@admin.register(Membership)
class MembershipAdmin(PartnershipScopedAdmin, SimpleHistoryAdmin):
    list_display = ["user", "role", "partnership", "agency", "represents", "is_active"]
    list_filter = ["role", "partnership", "is_active"]
    search_fields = ["user__username", "user__last_name", "agency__name"]
    autocomplete_fields = ["user", "partnership", "agency", "represents"]

    def scope_queryset(self, request, queryset, partnership_ids):
        return queryset.filter(pk__in=memberships_within(partnership_ids).values("pk"))

    def field_choices(self, request, db_field):
        if db_field.name == "agency":
            # A shared agency's portal shows every partnership's requests to it.
            return agencies_serving_only(partnership_ids_administered(request))
        return super().field_choices(request, db_field)


@admin.register(ApiToken)
class ApiTokenAdmin(PartnershipScopedAdmin, SimpleHistoryAdmin):
    list_display = ["key_prefix", "user", "membership", "created_at", "revoked_at"]
    # Revoking goes through the action above, which records who and why.
    readonly_fields = ["key_prefix", "user", "membership", "created_at", "revoked_at"]

    actions = ["revoke"]

    def scope_queryset(self, request, queryset, partnership_ids):
        return queryset.filter(membership__in=memberships_within(partnership_ids))

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token=token, actor=request.user, reason="Revoked in admin")
        self.message_user(request, f"{queryset.count()} token(s) revoked.")

    def has_add_permission(self, request):
        # Tokens are made with `manage.py create_api_token`, which shows the key once.
        return False


# The keys and recovery codes of people's second factor are never shown: an admin
# resets them with the action on Users instead.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)

# Lockouts and groups belong to no partnership: only superusers manage them.
for model in [Group, AccessAttempt, AccessLog, AccessFailureLog]:
    register_superuser_only(admin.site, model)
