"""The asked agency's side of the genogram (§7.2.1: "The lead agency working with the
child/family will usually be asked to prepare a full and accurate genogram ... will be
updated based on any additional information"): in the portal, a user of the agency the
review team asked, while it is asked, uploads its genogram and reads the versions of its
own genogram. Never the genogram the product draws, never another agency's.

Reached by the ask's id, or a version's: another agency's, a replaced ask's, another
partnership's or a withdrawn case's is a 404 (reviews.selectors.genogram). Every
view and download is access-logged by case reference.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from cases import selectors as case_selectors
from cases import services as case_services
from cases.errors import ApplicationError
from cases.models import AccessAction
from cases.once import Once
from cases.permissions import Action
from cases.uploads import upload_stopped_at_limit
from cases.web import form_error, log_download, scope_required
from reviews import services
from reviews.forms.genogram import PortalGenogramUploadForm
from reviews.selectors import genogram as selectors

UPLOADED = (
    "Version {number} of your agency's genogram is uploaded for case {reference}. The "
    "review team can see it now."
)


@scope_required(Action.REPLY_TO_REQUESTS)
def portal_genogram(request, pk):
    """What is asked, the versions of the agency's genogram so far, and the upload form."""
    ask = selectors.portal_genogram_ask_get(scope=request.scope, pk=pk)
    case = ask.lcspr.case
    url = reverse("portal_genogram", kwargs={"pk": ask.pk})
    once = Once(request, "portal_genogram_upload")
    posted = request.method == "POST"
    form = PortalGenogramUploadForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        stopped_at_limit=posted and upload_stopped_at_limit(request),
    )
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                version = services.genogram_upload_add(
                    lcspr=ask.lcspr,
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    agency=ask.agency,
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(url)
                messages.success(
                    request, UPLOADED.format(number=version.number, reference=case.reference)
                )
                return redirect(url)
    # The asked agency must find the family in its own records (§7.2.1): it is shown who
    # they are, and each showing is access-logged.
    identities = case_selectors.case_identities(case=case)
    shown = ["identifying details"] + ([] if posted else ["genogram request"])
    for object_type in shown:
        case_services.access_record(
            request=request,
            action=AccessAction.VIEW,
            scope=request.scope,
            object_type=object_type,
            object_reference=case.reference,
            route=request.resolver_match.url_name or "",
            status_code=200,
        )
    request.access_logged = not posted
    return render(
        request,
        "portal/genogram.html",
        {
            "ask": ask,
            "case": case,
            "identities": identities,
            "versions": selectors.portal_genogram_versions(scope=request.scope, ask=ask),
            "form": form,
            "once": once,
        },
    )


@require_GET
@scope_required(Action.REPLY_TO_REQUESTS)
def portal_genogram_version(request, pk):
    """One version of the agency's own genogram, named by reference and version."""
    upload = selectors.portal_genogram_version_get(scope=request.scope, pk=pk)
    reference = upload.lcspr.case.reference
    log_download(request, reference=reference, what="uploaded genogram")
    extension = Path(upload.original_name).suffix.lower()
    return FileResponse(
        upload.file.open("rb"),
        as_attachment=True,
        filename=f"{reference}-genogram-version-{upload.number}{extension}",
        content_type=upload.content_type,
    )
