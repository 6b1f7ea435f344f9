"""The one choke point for tenant scoping.

Every model that holds case data uses `TenantQuerySet` as its `objects` manager
and declares where its partnership (and, for portal users, its agency) lives.
Such a queryset refuses to run until it has been scoped, so a forgotten filter
raises `UnscopedQueryError` instead of returning every partnership's rows:

    Case.objects.visible_to(scope)        # a user's request (UI, API)
    Case.objects.for_partnership(p)       # system work for one partnership (tasks, commands)

A Reviewer or Case Review Panel member sees, of their partnership, only the cases of the
reviews they hold a current appointment to (§2.1.6, §6): `visible_to` follows each
model's way to its case (`tenant_case_path`) to the review's appointments.

Django's own machinery (admin, related managers, validation) uses the model's
plain `unscoped` manager, which is named so that every bypass is visible in review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from cases.models import Agency, Membership, Partnership, User


class UnscopedQueryError(RuntimeError):
    """A tenant model was queried without choosing whose data to read."""


@dataclass(frozen=True)
class Scope:
    """Who is asking: a user acting through one membership.

    A partnership membership sees that partnership's data; an agency membership
    sees what is addressed to its agency, in any partnership the agency serves.
    """

    user: User
    membership: Membership

    @property
    def partnership(self) -> Partnership | None:
        return self.membership.partnership

    @property
    def agency(self) -> Agency | None:
        return self.membership.agency

    @property
    def role(self) -> str:
        return self.membership.role

    def can(self, action: str) -> bool:
        from cases.permissions import role_can

        return role_can(self.role, action)

    @property
    def aggregates_only(self) -> bool:
        """Whether this role reads figures only, never a case's rows (issue 17: reporting)."""
        from cases.models import Role

        return self.role == Role.JOINT_REPORTING

    @property
    def appointed_only(self) -> bool:
        """Whether this role sees only the reviews its user is appointed to (§2.1.6)."""
        from cases.models import Role

        return self.role in {Role.REVIEWER, Role.PANEL_MEMBER}


def tenant_case_path(model) -> str | None:
    """The lookup from a model's rows to their case: "" for the case itself, None for rows
    that belong to no one case (a CRG meeting, the access log). Declared on the model as
    `tenant_case_path`, or read from a partnership path that runs through the case."""
    declared = getattr(model, "tenant_case_path", None)
    if declared is not None:
        return declared
    path = model.tenant_partnership_path
    if path.endswith("case__partnership"):
        return path.removesuffix("__partnership")
    return None


class TenantQuerySet(models.QuerySet):
    _tenant_scoped = False

    def _clone(self):
        clone = super()._clone()
        clone._tenant_scoped = self._tenant_scoped
        return clone

    def _mark_scoped(self):
        clone = self._chain()
        clone._tenant_scoped = True
        return clone

    def for_partnership(self, partnership: Partnership) -> TenantQuerySet:
        """Rows of one partnership, for system work that acts on its behalf."""
        if partnership is None:
            raise UnscopedQueryError("for_partnership() needs a partnership.")
        path = self.model.tenant_partnership_path
        return self.filter(**{path: partnership})._mark_scoped()

    def for_partnerships(self, partnerships) -> TenantQuerySet:
        """Rows of several partnerships at once, for figures that compare them side by side
        (reporting/rules/access.py chooses which, from the scope)."""
        partnerships = list(partnerships)
        if not partnerships or any(p is None for p in partnerships):
            raise UnscopedQueryError("for_partnerships() needs partnerships.")
        path = self.model.tenant_partnership_path
        return self.filter(**{f"{path}__in": partnerships})._mark_scoped()

    def by_secret(self, **secret: str) -> TenantQuerySet:
        """The row a secret names, in whichever partnership it is: the SHA-256 of a personal
        link's token, unique and unguessable, is its holder's only scope (a workshop
        invitee's link, reviews/selectors/workshop.py). An empty secret names nothing."""
        if not secret or not all(secret.values()):
            raise UnscopedQueryError("by_secret() needs the secret.")
        return self.filter(**secret)._mark_scoped()

    def visible_to(self, scope: Scope | None) -> TenantQuerySet:
        """Rows the scope's user may read: nothing, if there is no scope."""
        if scope is None or scope.aggregates_only:
            return self.none()._mark_scoped()
        if scope.partnership is not None:
            rows = self.for_partnership(scope.partnership)
            return rows._of_appointed_reviews(scope) if scope.appointed_only else rows
        agency_path = getattr(self.model, "tenant_agency_path", None)
        if scope.agency is None or agency_path is None:
            return self.none()._mark_scoped()
        partnership_path = self.model.tenant_partnership_path
        return self.filter(
            **{
                agency_path: scope.agency,
                f"{partnership_path}__in": scope.agency.partnerships.all(),
            }
        )._mark_scoped()

    def _of_appointed_reviews(self, scope: Scope) -> TenantQuerySet:
        """Rows of the cases whose LCSPR the scope's user is currently appointed to run
        (reviews.Appointment, reached as `Case.lcspr.appointments`) and have declared for
        (§1.5.8); none of any other."""
        case_path = tenant_case_path(self.model)
        if case_path is None:
            return self.none()._mark_scoped()
        to_appointments = "__".join(filter(None, [case_path, "lcspr", "appointments"]))
        # One filter() call: the user and the open appointment are the same row. A person
        # holds one current appointment to a review (its unique constraint), so no row
        # is repeated.
        # §1.5.8: not before they have declared any conflict of interest and agreed to
        # confidentiality for this case. The UI sends them to their declaration instead
        # (cases/web.py scope_required); the API, like the UI, finds nothing.
        return self.filter(
            **{
                f"{to_appointments}__user": scope.user,
                f"{to_appointments}__ended_on": None,
                f"{to_appointments}__declared_at__isnull": False,
            }
        )._mark_scoped()

    def _combined_with(self, combined, others):
        """A combination (|, &, ^, union...) is scoped only if every part was."""
        combined = combined._chain()
        combined._tenant_scoped = self._tenant_scoped and all(
            getattr(other, "_tenant_scoped", False) for other in others
        )
        return combined

    def __or__(self, other):
        return self._combined_with(super().__or__(other), [other])

    def __and__(self, other):
        return self._combined_with(super().__and__(other), [other])

    def __xor__(self, other):
        return self._combined_with(super().__xor__(other), [other])

    def _combinator_query(self, combinator, *other_qs, all=False):  # noqa: A002 - Django's name
        return self._combined_with(
            super()._combinator_query(combinator, *other_qs, all=all), other_qs
        )

    def resolve_expression(self, *args, **kwargs):
        # Used as a subquery (`filter(case__in=Case.objects...)`): the inner query too.
        self._check_scoped()
        return super().resolve_expression(*args, **kwargs)

    def _check_scoped(self):
        if not self._tenant_scoped:
            raise UnscopedQueryError(
                f"{self.model.__name__} was queried without a tenant scope. Read it "
                "through a selector (visible_to(scope) / for_partnership(p))."
            )

    def _fetch_all(self):
        if self._result_cache is None:
            self._check_scoped()
        super()._fetch_all()

    def count(self):
        self._check_scoped()
        return super().count()

    def exists(self):
        self._check_scoped()
        return super().exists()

    def aggregate(self, *args, **kwargs):
        self._check_scoped()
        return super().aggregate(*args, **kwargs)

    def iterator(self, *args, **kwargs):
        self._check_scoped()
        return super().iterator(*args, **kwargs)

    def update(self, **kwargs):
        self._check_scoped()
        return super().update(**kwargs)

    def delete(self):
        self._check_scoped()
        return super().delete()

    def in_bulk(self, *args, **kwargs):
        self._check_scoped()
        return super().in_bulk(*args, **kwargs)


TenantManager = models.Manager.from_queryset(TenantQuerySet)


class AccessEventQuerySet(TenantQuerySet):
    def for_partnership(self, partnership):
        """The partnership's rows: what its people did, whatever was done to its cases,
        and the sign-in events of the people who work for it.

        Sign-in happens before a user picks an organisation, so those rows have no
        partnership of their own (and name no case).
        """
        from cases.models import Membership

        members = Membership.objects.filter(partnership=partnership).values("user")
        return self.filter(
            models.Q(partnership=partnership)
            | models.Q(case_partnership=partnership)
            | models.Q(
                partnership__isnull=True,
                agency__isnull=True,
                object_reference="",
                user__in=members,
            )
        )._mark_scoped()


AccessEventManager = models.Manager.from_queryset(AccessEventQuerySet)
