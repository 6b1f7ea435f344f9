"""The Django admin, scoped to the partnerships a staff user administers.

A partnership admin is a staff user with an active Partnership admin membership.
Their membership is their permission: they see, choose from and save only rows of
the partnerships they administer (Django's groups and per-user permissions are not
used for them). Only superusers cross partnerships.

Every ModelAdmin of the product uses `PartnershipScopedAdmin` (inlines:
`PartnershipScopedInline`) and says, in `scope_queryset`, which rows are within a
set of partnerships; admins of other apps' models are `SuperuserOnlyAdmin`.
tests/cases/test_admin_scoping.py fails for a registered admin that is neither.

The mixin enforces the scope at each place the admin reads or writes:
- lists, object lookups, actions and history read `get_queryset`, which is scoped,
  and another partnership's object answers 404, as if it did not exist;
- every foreign-key and many-to-many choice list, in forms and in autocomplete,
  offers only rows in scope, so a form naming another partnership's row is invalid;
- every add and change is checked again after it is saved (inlines and
  many-to-many included), inside the admin's transaction: a save that would leave
  the row outside the admin's partnerships is refused (403) and rolled back.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes import views as contenttype_views
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import path

from cases.models import Agency, Membership, Role, User

ALL_ADMIN_ACTIONS = frozenset({"view", "add", "change", "delete"})

# Fields that give power over every partnership: a partnership admin never sees them.
SUPERUSER_ONLY_FIELDS = frozenset({"is_superuser", "groups", "user_permissions"})


def partnership_ids_administered(request) -> frozenset[int]:
    """The partnerships whose admin the signed-in staff user is (cached per request)."""
    cached = getattr(request, "_partnership_ids_administered", None)
    if cached is None:
        user = request.user
        cached = frozenset()
        if user.is_authenticated and user.is_active and user.is_staff:
            cached = frozenset(
                Membership.objects.filter(
                    user_id=user.pk,
                    role=Role.PARTNERSHIP_ADMIN,
                    is_active=True,
                    partnership__isnull=False,
                ).values_list("partnership_id", flat=True)
            )
        request._partnership_ids_administered = cached
    return cached


def agencies_serving_any_of(partnership_ids) -> QuerySet[Agency]:
    links = Agency.partnerships.through.objects
    return Agency.objects.filter(
        pk__in=links.filter(partnership_id__in=partnership_ids).values("agency_id")
    )


def agencies_serving_only(partnership_ids) -> QuerySet[Agency]:
    """Agencies that serve some of these partnerships and no other.

    A shared agency (the Police serves both) is one partnership admin's to read but
    neither's to change: renaming it, or giving someone its portal, which shows
    both partnerships' requests, would reach the other partnership.
    """
    links = Agency.partnerships.through.objects
    return agencies_serving_any_of(partnership_ids).exclude(
        pk__in=links.exclude(partnership_id__in=partnership_ids).values("agency_id")
    )


def memberships_within(partnership_ids) -> QuerySet[Membership]:
    return Membership.objects.filter(
        Q(partnership_id__in=partnership_ids) | Q(agency__in=agencies_serving_only(partnership_ids))
    )


def users_within(partnership_ids, *, admin_user) -> QuerySet[User]:
    """Users whose every membership is within these partnerships.

    Plus users this admin made who have no membership yet (so that the admin can add
    one). Never a superuser: a partnership admin cannot edit more power than theirs.
    """
    inside = memberships_within(partnership_ids)
    outside = Membership.objects.exclude(pk__in=inside.values("pk"))
    made_by_admin = User.history.filter(history_type="+", history_user_id=admin_user.pk)
    return (
        User.objects.filter(is_superuser=False)
        .exclude(pk__in=outside.values("user_id"))
        .filter(Q(pk__in=inside.values("user_id")) | Q(pk__in=made_by_admin.values("id")))
    )


class _ScopedBase:
    """What ModelAdmins and inlines share: scoped rows, scoped choices, role permission."""

    # What a partnership admin may do here, within their partnerships.
    partnership_admin_may = ALL_ADMIN_ACTIONS

    def scope_queryset(self, request, queryset, partnership_ids):
        """The rows of `queryset` a partnership admin of `partnership_ids` may see."""
        raise NotImplementedError(
            f"{type(self).__name__} must say which rows are within a partnership."
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        partnership_ids = partnership_ids_administered(request)
        if not partnership_ids:
            return queryset.none()
        return self.scope_queryset(request, queryset, partnership_ids)

    def _partnership_admin_may(self, request, action) -> bool:
        return action in self.partnership_admin_may and bool(partnership_ids_administered(request))

    def field_choices(self, request, db_field) -> QuerySet:
        """The rows a partnership admin may pick for a relation field.

        By default what the related model's own admin shows them; a related model
        without a scoped admin offers nothing.
        """
        remote_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if isinstance(remote_admin, PartnershipScopedAdmin):
            return remote_admin.get_queryset(request)
        return db_field.remote_field.model._default_manager.none()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser and "queryset" not in kwargs:
            kwargs["queryset"] = self.field_choices(request, db_field)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser and "queryset" not in kwargs:
            kwargs["queryset"] = self.field_choices(request, db_field)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": _without_superuser_fields(options["fields"])})
            for name, options in fieldsets
        ]


def _without_superuser_fields(fields):
    kept = []
    for field in fields:
        if isinstance(field, (list, tuple)):
            field = type(field)(f for f in field if f not in SUPERUSER_ONLY_FIELDS)
            if field:
                kept.append(field)
        elif field not in SUPERUSER_ONLY_FIELDS:
            kept.append(field)
    return kept


class PartnershipScopedAdmin(_ScopedBase):
    """Mixin for every ModelAdmin: put it first, before ModelAdmin or its subclasses."""

    def scope_change_queryset(self, request, queryset, partnership_ids):
        """The rows a partnership admin may change or delete: by default all they see."""
        return self.scope_queryset(request, queryset, partnership_ids)

    def _within(self, request, obj, *, changing: bool) -> bool:
        rows = self.model._default_manager.filter(pk=obj.pk)
        scope = self.scope_change_queryset if changing else self.scope_queryset
        return scope(request, rows, partnership_ids_administered(request)).exists()

    def has_module_permission(self, request):
        if request.user.is_superuser:
            return super().has_module_permission(request)
        return bool(partnership_ids_administered(request))

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return self._partnership_admin_may(request, "view") and (
            obj is None or self._within(request, obj, changing=False)
        )

    def has_add_permission(self, request):
        if request.user.is_superuser:
            return super().has_add_permission(request)
        return self._partnership_admin_may(request, "add")

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self._partnership_admin_may(request, "change") and (
            obj is None or self._within(request, obj, changing=True)
        )

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return self._partnership_admin_may(request, "delete") and (
            obj is None or self._within(request, obj, changing=True)
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and not request.user.is_superuser:
            # Another partnership's row is answered as one that does not exist.
            raise Http404("No such record.")
        return obj

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not request.user.is_superuser and not self._within(
            request, form.instance, changing=True
        ):
            # The admin's views run in a transaction: refusing here undoes the save.
            raise PermissionDenied("This would reach outside your partnerships.")

    def response_action(self, request, queryset):
        if not request.user.is_superuser:
            chosen = queryset
            if request.POST.get("select_across", "0") == "0":
                chosen = queryset.filter(pk__in=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
            allowed = self.scope_change_queryset(
                request, queryset, partnership_ids_administered(request)
            )
            if chosen.exclude(pk__in=allowed.values("pk")).exists():
                raise PermissionDenied("This would reach outside your partnerships.")
        return super().response_action(request, queryset)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        # A related filter lists every row of its model; this one, only rows in scope.
        return [
            (name, admin.RelatedOnlyFieldListFilter)
            if isinstance(name, str) and _is_relation(self.model, name)
            else name
            for name in filters
            if name not in SUPERUSER_ONLY_FIELDS
        ]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not request.user.is_superuser and _is_autocomplete(request):
            queryset = queryset.filter(pk__in=self._autocomplete_choices(request).values("pk"))
        return queryset, may_have_duplicates

    def _autocomplete_choices(self, request) -> QuerySet:
        """The rows the field being filled in offers, as its form would."""
        source_model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        db_field = source_model._meta.get_field(request.GET["field_name"])
        source_admin = self.admin_site._registry.get(source_model)
        if isinstance(source_admin, _ScopedBase):
            return source_admin.field_choices(request, db_field)
        return self.model._default_manager.none()

    def history_view(self, request, object_id, extra_context=None):
        if not request.user.is_superuser:
            # Not a deleted row's history either: whose it was is no longer known.
            self.get_object(request, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Reverting restores every field of an old version, including ones the
        # partnership admin's form leaves out (superuser, partnership): superusers only.
        if not request.user.is_superuser:
            raise PermissionDenied("Only a superuser can revert to an earlier version.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return not request.user.is_superuser or super().revert_disabled(request, obj)


class PartnershipScopedInline(_ScopedBase):
    """Mixin for every inline: the parent admin checks the parent; this, the rows."""

    def scope_queryset(self, request, queryset, partnership_ids):
        registered = self.admin_site._registry.get(self.model)
        if isinstance(registered, PartnershipScopedAdmin):
            return registered.scope_queryset(request, queryset, partnership_ids)
        return super().scope_queryset(request, queryset, partnership_ids)

    def field_choices(self, request, db_field):
        registered = self.admin_site._registry.get(self.model)
        if isinstance(registered, PartnershipScopedAdmin):
            return registered.field_choices(request, db_field)
        return super().field_choices(request, db_field)

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return self._partnership_admin_may(request, "view")

    def has_add_permission(self, request, obj):
        if request.user.is_superuser:
            return super().has_add_permission(request, obj)
        return self._partnership_admin_may(request, "add")

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self._partnership_admin_may(request, "change")

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return self._partnership_admin_may(request, "delete")


class SuperuserOnlyAdmin:
    """Mixin for admins of models that belong to no partnership (locks, groups)."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def register_superuser_only(site, model) -> None:
    """Re-register another app's admin of `model` for superusers only, if registered."""
    current = site._registry.get(model)
    if current is None or isinstance(current, SuperuserOnlyAdmin):
        return
    admin_class = type(current)
    site.unregister(model)
    site.register(
        model,
        type(
            f"SuperuserOnly{admin_class.__name__}",
            (SuperuserOnlyAdmin, admin_class),
            {"__module__": __name__},
        ),
    )


def view_on_site(request, content_type_id, object_id):
    """Django's "View on site" redirect finds a row of any model by id, whichever
    partnership it belongs to, and names it in the address (a case's reference).
    None of the scoped admins' models has a page on the site: superusers only."""
    if not request.user.is_superuser:
        raise Http404("No such record.")
    return contenttype_views.shortcut(request, content_type_id, object_id)


def admin_urls(site):
    """`site.urls`, with its "View on site" redirect for superusers only."""
    patterns, app_name, namespace = site.urls
    guarded = path(
        "r/<int:content_type_id>/<path:object_id>/",
        site.admin_view(view_on_site),
        name="view_on_site",
    )
    return (
        [guarded if getattr(p, "name", None) == "view_on_site" else p for p in patterns],
        app_name,
        namespace,
    )


def _is_relation(model, name) -> bool:
    if "__" in name:
        return False
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.is_relation


def _is_autocomplete(request) -> bool:
    match = request.resolver_match
    return (
        match is not None
        and match.url_name == "autocomplete"
        and all(k in request.GET for k in ("app_label", "model_name", "field_name"))
    )
