"""The publication's pages (§10): where it stands, opening the plan, its steps and
records, the decision to publish or withhold, the notice to the National Panel, Ofsted and
the DfE, the publication record, the NSPCC decision and archive requests. Addressed by
case reference only. A page that cannot proceed says what is missing and who acts."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from cases.dates import format_date
from cases.errors import ApplicationError
from cases.once import Once
from cases.permissions import Action
from cases.web import form_error, log_download, scope_required, with_current_version
from publication.forms.plan import (
    ArchiveRequestForm,
    ArrangementsForm,
    ContactsForm,
    DateForm,
    DecisionForm,
    NoticeForm,
    NspccForm,
    RecordForm,
    TaskForm,
)
from publication.models import PlanStep, SentBy
from publication.selectors import plan as selectors
from publication.services import notice as notice_services
from publication.services import plan as services
from publication.services import record as record_services
from reviews.models import HitKind
from reviews.selectors.report_approval import report_final
from reviews.web import case_and_lcspr

OPENED = "The publication plan is open. Each step's owner has been told."
SAVED = "Saved."
DECIDED = "The decision is recorded."
NOTICE_EMAILED = (
    "The pack is on its way by email to the National Panel, Ofsted and the DfE. The earliest "
    "publication date is {earliest}."
)
NOTICE_RECORDED = "The notice is recorded. The earliest publication date is {earliest} (§10.5.1)."
PUBLISHED = "The publication is recorded."
NOT_OPEN = selectors.NOT_OPEN
NO_FILE = "There is no such document yet."


def _context(case, heading, **extra):
    return {"case": case, "tab": "lcspr", "heading": heading, **extra}


def _back(case):
    return redirect("lcspr_publication", reference=case.reference)


def _url(case):
    return reverse("lcspr_publication", kwargs={"reference": case.reference})


def _blocked(request, case, heading, reason):
    return render(request, "publication/plan/blocked.html", _context(case, heading, reason=reason))


def _form_page(request, case, heading, form, **extra):
    return render(
        request, "publication/plan/form.html", _context(case, heading, form=form, **extra)
    )


def _open_or_blocked(request, reference, heading):
    """(case, lcspr, publication, None), or a page saying why nothing can be done yet."""
    case, lcspr = case_and_lcspr(request, reference)
    publication = selectors.publication_of(lcspr)
    if publication is None:
        reason = selectors.why_not_open(lcspr) or NOT_OPEN
        return case, lcspr, None, _blocked(request, case, heading, reason)
    return case, lcspr, publication, None


def _version_conflict(form, error, version, **kwargs):
    if error.field == "version":
        form = with_current_version(form, version, **kwargs)
        form.add_error(None, error.message)
        return form
    form_error(form, error)
    return form


@scope_required(Action.VIEW_CASES)
def lcspr_publication(request, reference):
    """Where the publication stands: before the plan opens, what is missing and who acts;
    then its steps, the decision, the notice, the record, the NSPCC and archive requests."""
    case, lcspr = case_and_lcspr(request, reference)
    publication = selectors.publication_of(lcspr)
    can_manage = request.scope.can(Action.MANAGE_PUBLICATION)
    context = _context(
        case, "Publication", publication=publication, can_manage=can_manage, lcspr=lcspr
    )
    if publication is None:
        context["why_not"] = selectors.why_not_open(lcspr)
        return render(request, "publication/plan/overview.html", context)
    partnership = case.partnership
    have, missing = selectors.mailboxes(partnership)
    agencies = selectors.involved_agencies(lcspr)
    contacts = selectors.contacts(publication)
    context.update(
        tasks=selectors.tasks(publication),
        agencies=[(a, contacts.get(a.pk)) for a in agencies],
        notices=selectors.notices(publication),
        earliest=selectors.earliest_allowed(publication),
        pack=selectors.pack_of(publication),
        pack_missing=selectors.pack_missing(publication),
        mailboxes_missing=missing,
        mailboxes=have,
        email_pack=partnership.email_publication_pack,
        archive_requests=selectors.archive_requests(publication),
        lcspr_complete=selectors.deadline_of(lcspr, "lcspr_complete"),
        available_until=selectors.deadline_of(lcspr, "publication_available_until"),
        sent_deadline=selectors.deadline_of(lcspr, "report_sent_to_national_panel"),
    )
    return render(request, "publication/plan/overview.html", context)


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_open(request, reference):
    """Open the plan (§10.2.1): refused, with what is missing, before the final approval."""
    case, lcspr = case_and_lcspr(request, reference)
    heading = "Open the publication plan"
    why = selectors.why_not_open(lcspr)
    if selectors.publication_of(lcspr) is not None:
        return _back(case)
    if why:
        return _blocked(request, case, heading, why)
    if request.method == "POST":
        try:
            services.publication_open(lcspr=lcspr, actor=request.user)
        except ApplicationError as error:
            return _blocked(request, case, heading, error.message)
        messages.success(request, OPENED)
        return _back(case)
    return render(request, "publication/plan/open.html", _context(case, heading))


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_task(request, reference):
    """A plan step's owner, due date and completion (`?step=` names it)."""
    heading = "A step of the publication plan"
    case, lcspr, publication, blocked = _open_or_blocked(request, reference, heading)
    if blocked:
        return blocked
    step = request.POST.get("step") if request.method == "POST" else request.GET.get("step")
    task = selectors.task_get(publication, step) if step in PlanStep.values else None
    if task is None:
        return _blocked(request, case, heading, "Choose a step from the publication page.")
    owners = selectors.owners(case.partnership)
    heading = PlanStep(task.step).label
    initial = {
        "version": task.version,
        "step": task.step,
        "owner": task.owner_id,
        "due_on": task.due_on,
        "done_on": task.done_on,
        "note": task.note,
    }
    form = TaskForm(
        request.POST if request.method == "POST" else None, owners=owners, initial=initial
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.publication_task_update(
                publication=publication,
                step=task.step,
                owner=data["owner"],
                due_on=data["due_on"],
                done_on=data["done_on"],
                note=data["note"],
                version=data["version"],
                actor=request.user,
            )
        except ApplicationError as error:
            current = selectors.task_get(publication, task.step)
            form = _version_conflict(form, error, current.version, owners=owners)
        else:
            messages.success(request, SAVED)
            return _back(case)
    return _form_page(request, case, heading, form)


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_contacts(request, reference):
    """Each involved agency's strategic lead and media lead (§10.2.1)."""
    heading = "Agencies' strategic and media leads"
    case, lcspr, publication, blocked = _open_or_blocked(request, reference, heading)
    if blocked:
        return blocked
    agencies = selectors.involved_agencies(lcspr)
    if not agencies:
        return _blocked(
            request,
            case,
            heading,
            "No agency has been asked for information on this case yet, so none is involved.",
        )
    contacts = selectors.contacts(publication)
    initial = {"version": publication.version}
    for agency in agencies:
        contact = contacts.get(agency.pk)
        for name in (
            "strategic_lead_name",
            "strategic_lead_email",
            "media_lead_name",
            "media_lead_email",
        ):
            initial[f"{name}_{agency.pk}"] = getattr(contact, name) if contact else ""
    form = ContactsForm(
        request.POST if request.method == "POST" else None, agencies=agencies, initial=initial
    )
    if form.is_bound and form.is_valid():
        try:
            services.publication_contacts_save(
                publication=publication,
                rows=form.rows(),
                version=form.cleaned_data["version"],
                actor=request.user,
            )
        except ApplicationError as error:
            current = selectors.publication_of(lcspr)
            form = _version_conflict(form, error, current.version, agencies=agencies)
        else:
            messages.success(request, SAVED)
            return _back(case)
    return render(
        request,
        "publication/plan/contacts.html",
        _context(case, heading, form=form, grouped=form.grouped()),
    )


def _publication_form(request, reference, heading, form_class, save, *, fields, intro=""):
    """A form over the publication's own fields, saved with its version."""
    case, lcspr, publication, blocked = _open_or_blocked(request, reference, heading)
    if blocked:
        return blocked
    initial = {"version": publication.version, **{f: getattr(publication, f) for f in fields}}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            save(publication, form.cleaned_data)
        except ApplicationError as error:
            current = selectors.publication_of(lcspr)
            form = _version_conflict(form, error, current.version)
        else:
            messages.success(request, SAVED)
            return _back(case)
    return _form_page(request, case, heading, form, intro=intro)


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_arrangements(request, reference):
    """The family (§10.3.2), the practitioners (§10.3.3) and the media contact (§10.4.1)."""
    fields = [f for f in ArrangementsForm.base_fields if f != "version"]

    def save(publication, data):
        services.publication_arrangements_save(
            publication=publication,
            values={f: data[f] for f in fields},
            version=data["version"],
            actor=request.user,
        )

    return _publication_form(
        request,
        reference,
        "The family, the practitioners and the media",
        ArrangementsForm,
        save,
        fields=fields,
    )


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_date(request, reference):
    """The planned date: no earlier than seven working days after the pack (§10.5.1)."""

    def save(publication, data):
        services.publication_date_set(
            publication=publication,
            planned_on=data["planned_on"],
            version=data["version"],
            actor=request.user,
        )

    return _publication_form(
        request,
        reference,
        "Planned publication date",
        DateForm,
        save,
        fields=["planned_on"],
        intro="The pack goes to the National Panel, Ofsted and the DfE no later than seven "
        "working days before this date (§10.5.1).",
    )


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_decision(request, reference):
    """Publish the report, or only the improvements to be made (§10.1.1, footnote 23)."""
    heading = "Publish or withhold"
    case, lcspr, publication, blocked = _open_or_blocked(request, reference, heading)
    if blocked:
        return blocked
    initial = {
        "version": publication.version,
        "choice": publication.choice,
        "choice_reason": publication.choice_reason,
    }
    form = DecisionForm(request.POST if request.method == "POST" else None, initial=initial)
    hits = []
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.publication_decide(
                publication=publication,
                choice=data["choice"],
                reason=data["choice_reason"],
                version=data["version"],
                actor=request.user,
            )
        except ApplicationError as error:
            current = selectors.publication_of(lcspr)
            form = _version_conflict(form, error, current.version)
        else:
            if result.publication is not None:
                messages.success(request, DECIDED)
                return _back(case)
            hits = [
                {"kind_label": HitKind(h.kind).label, "location": h.location} for h in result.hits
            ]
            form.add_error(None, services.NOT_ANONYMOUS)
    return _form_page(
        request,
        case,
        heading,
        form,
        hits=hits,
        intro="The partnership publishes the report unless it judges that inappropriate; then "
        "it publishes only the information about the improvements to be made, made here from "
        "the agreed recommendations and the action plan (§10.1.1).",
    )


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_notice(request, reference):
    """Send the pack by email, or record it sent another way (§10.5.1). A missing mailbox
    or pack is named and the send refused."""
    heading = "Send the pack to the National Panel, Ofsted and the DfE"
    case, lcspr, publication, blocked = _open_or_blocked(request, reference, heading)
    if blocked:
        return blocked
    partnership = case.partnership
    have, missing = selectors.mailboxes(partnership)
    if missing:
        return _blocked(
            request,
            case,
            heading,
            notice_services.MAILBOX_MISSING.format(missing=" and ".join(missing)),
        )
    if publication.published_on:
        return _blocked(request, case, heading, services.PUBLISHED_ALREADY)
    why = selectors.pack_missing(publication)
    if why:
        return _blocked(request, case, heading, why)
    once = Once(request, f"publication-notice-{publication.pk}")
    if request.method == "POST" and (replay := once.replay_before_validating()):
        return replay
    email = partnership.email_publication_pack
    form = NoticeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                notice = notice_services.panel_notice_send(
                    publication=publication,
                    actor=request.user,
                    sent_by=SentBy.EMAIL if email else SentBy.OTHER,
                    sent_on=form.cleaned_data["sent_on"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(_url(case))
                earliest = format_date(selectors.earliest_allowed(publication))
                message = NOTICE_EMAILED if notice.sent_by == SentBy.EMAIL else NOTICE_RECORDED
                messages.success(request, message.format(earliest=earliest))
                return _back(case)
    if email:
        form.fields.pop("sent_on")
    pack = selectors.pack_of(publication)
    return render(
        request,
        "publication/plan/notice.html",
        _context(
            case,
            heading,
            form=form,
            once=once,
            email=email,
            recipients=have,
            pack=pack,
            sent=selectors.latest_notice(publication),
        ),
    )


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_record(request, reference):
    """The publication record (§10.5.2): it completes `lcspr_complete` (§3.1.3)."""
    heading = "Record the publication"
    case, lcspr, publication, blocked = _open_or_blocked(request, reference, heading)
    if blocked:
        return blocked
    if publication.published_on:
        return _blocked(request, case, heading, services.PUBLISHED_ALREADY)
    if selectors.latest_notice(publication) is None:
        return _blocked(request, case, heading, record_services.NO_NOTICE)
    final = report_final(lcspr)
    initial = {
        "version": publication.version,
        "published_on": selectors.earliest_allowed(publication),
        "reviewer_name": final.reviewer_name if final else "",
        "anonymous_reviewer": final.anonymous_reviewer if final else False,
    }
    form = RecordForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            record_services.publication_record(
                publication=publication,
                published_on=data["published_on"],
                url=data["url"],
                reviewer_name=data["reviewer_name"],
                anonymous_reviewer=data["anonymous_reviewer"],
                version=data["version"],
                actor=request.user,
                public_title=data["public_title"],
            )
        except ApplicationError as error:
            current = selectors.publication_of(lcspr)
            form = _version_conflict(form, error, current.version)
        else:
            messages.success(request, PUBLISHED)
            return _back(case)
    return _form_page(
        request,
        case,
        heading,
        form,
        intro=f"Not before {format_date(selectors.earliest_allowed(publication))}: seven "
        "working days after the pack was sent (§10.5.1).",
    )


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_nspcc(request, reference):
    """The NSPCC National Repository, decided for this case (§10.5.3)."""

    def save(publication, data):
        record_services.nspcc_record(
            publication=publication,
            choice=data["nspcc_choice"],
            reason=data["nspcc_reason"],
            submitted_on=data["nspcc_submitted_on"],
            version=data["version"],
            actor=request.user,
        )

    return _publication_form(
        request,
        reference,
        "The NSPCC National Repository",
        NspccForm,
        save,
        fields=["nspcc_choice", "nspcc_reason", "nspcc_submitted_on"],
    )


@scope_required(Action.MANAGE_PUBLICATION)
def lcspr_publication_archive_request(request, reference):
    """Log a request for the archived report and its answer (§10.5.2)."""
    heading = "Log a request for the archived report"
    case, lcspr, publication, blocked = _open_or_blocked(request, reference, heading)
    if blocked:
        return blocked
    once = Once(request, f"publication-archive-{publication.pk}")
    form = ArchiveRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            try:
                if (replay := once.replay()) is not None:
                    return replay
                record_services.archive_request_add(
                    publication=publication, actor=request.user, **form.cleaned_data
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                once.spend(_url(case))
                messages.success(request, SAVED)
                return _back(case)
    return _form_page(request, case, heading, form, once=once)


def _file(request, reference, which):
    case, lcspr = case_and_lcspr(request, reference)
    publication = selectors.publication_of(lcspr)
    stored = getattr(publication, which) if publication else None
    if not stored:
        return _blocked(request, case, "Publication document", NO_FILE)
    name = "improvements" if which == "improvements_file" else "action-plan"
    log_download(request, reference=case.reference, what=f"publication {name}")
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=f"{case.reference}-{name}.pdf",
        content_type="application/pdf",
    )


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_publication_improvements_pdf(request, reference):
    """The improvements-only document as the guard passed it (footnote 23)."""
    return _file(request, reference, "improvements_file")


@scope_required(Action.VIEW_REVIEW_TEAM_RECORDS)
def lcspr_publication_action_plan_pdf(request, reference):
    """The action plan as frozen when the report was published (§10.1.2)."""
    return _file(request, reference, "action_plan_file")
