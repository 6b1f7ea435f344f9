"""Publication (§10): cases/<reference>/lcspr/publication/..."""

from django.urls import path

from publication.views import plan

P = "cases/<str:reference>/lcspr/publication/"

urlpatterns = [
    path(P, plan.lcspr_publication, name="lcspr_publication"),
    path(f"{P}open/", plan.lcspr_publication_open, name="lcspr_publication_open"),
    path(f"{P}step/", plan.lcspr_publication_task, name="lcspr_publication_task"),
    path(f"{P}contacts/", plan.lcspr_publication_contacts, name="lcspr_publication_contacts"),
    path(
        f"{P}arrangements/",
        plan.lcspr_publication_arrangements,
        name="lcspr_publication_arrangements",
    ),
    path(f"{P}date/", plan.lcspr_publication_date, name="lcspr_publication_date"),
    path(f"{P}decision/", plan.lcspr_publication_decision, name="lcspr_publication_decision"),
    path(f"{P}notice/", plan.lcspr_publication_notice, name="lcspr_publication_notice"),
    path(f"{P}record/", plan.lcspr_publication_record, name="lcspr_publication_record"),
    path(f"{P}nspcc/", plan.lcspr_publication_nspcc, name="lcspr_publication_nspcc"),
    path(
        f"{P}archive-requests/",
        plan.lcspr_publication_archive_request,
        name="lcspr_publication_archive_request",
    ),
    path(
        f"{P}improvements.pdf",
        plan.lcspr_publication_improvements_pdf,
        name="lcspr_publication_improvements_pdf",
    ),
    path(
        f"{P}action-plan.pdf",
        plan.lcspr_publication_action_plan_pdf,
        name="lcspr_publication_action_plan_pdf",
    ),
]
