"""The practitioners and line managers an agency names with its LCSPR submission, to be
invited to the learning workshop (§8.10.1-8.10.2): kept by the agency in the portal while
its submission is open, or by the Business Office entering it on the agency's behalf."""

from __future__ import annotations

from django.db import transaction

from cases.errors import ApplicationError
from cases.models import InformationRequest, RequestPurpose
from cases.services.common import validated_save as _save
from cases.services.information_request import reply_part_change
from cases.tenancy import Scope
from reviews.models import NamedPractitioner

NOT_AN_LCSPR_SUBMISSION = (
    "Practitioners are named with an LCSPR submission (§8.10.1), not with this request."
)
ALREADY_NAMED = "{email} is already named with this submission."
NAME_REQUIRED = "Enter the practitioner's name."
JOB_TITLE_REQUIRED = "Enter the practitioner's job title."
EMAIL_REQUIRED = "Enter the practitioner's work email address, for the workshop's invitation."
INVOLVEMENT_REQUIRED = "Say what their direct involvement with the child and family was (§8.10.2)."


@transaction.atomic
def practitioner_add(
    *,
    scope: Scope,
    request: InformationRequest,
    name: str,
    job_title: str,
    email: str,
    is_line_manager: bool = False,
    direct_involvement: bool = True,
    involvement: str = "",
    has_left_agency: bool = False,
) -> NamedPractitioner:
    """Name one practitioner or line manager with the agency's submission (§8.10.1).
    Only those with direct operational involvement may attend the workshop (§8.10.2):
    someone named without it is kept, marked so, for the workshop to refuse."""
    if request.purpose != RequestPurpose.LCSPR:
        raise ApplicationError(NOT_AN_LCSPR_SUBMISSION)
    current = reply_part_change(scope=scope, request=request)
    for value, field, message in (
        (name, "name", NAME_REQUIRED),
        (job_title, "job_title", JOB_TITLE_REQUIRED),
        (email, "email", EMAIL_REQUIRED),
    ):
        if not value.strip():
            raise ApplicationError(message, field=field)
    if direct_involvement and not involvement.strip():
        raise ApplicationError(INVOLVEMENT_REQUIRED, field="involvement")
    email = email.strip()
    partnership = current.case.partnership
    if (
        NamedPractitioner.objects.for_partnership(partnership)
        .filter(request=current, email__iexact=email)
        .exists()
    ):
        raise ApplicationError(ALREADY_NAMED.format(email=email), field="email")
    practitioner = NamedPractitioner(
        request=current,
        name=name.strip(),
        job_title=job_title.strip(),
        email=email,
        is_line_manager=is_line_manager,
        direct_involvement=direct_involvement,
        involvement=involvement.strip(),
        has_left_agency=has_left_agency,
        created_by=scope.user,
    )
    reason = "Practitioner named for the workshop (§8.10.1)"
    if current.is_entered_on_behalf and scope.agency is None:
        reason += ", entered by the Business Office on the agency's behalf"
    _save(practitioner, scope.user, reason)
    return practitioner


@transaction.atomic
def practitioner_remove(*, scope: Scope, practitioner: NamedPractitioner) -> None:
    """Take a name off the submission while it is open; the history keeps it."""
    reply_part_change(scope=scope, request=practitioner.request)
    practitioner._history_user = scope.user
    practitioner._change_reason = "Practitioner no longer named"
    practitioner.delete()
