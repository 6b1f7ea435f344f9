"""The LCSPR's pages: lcspr/urls.py adds them to the product's routes."""

from django.urls import path

from reviews.views import appointments, overview, setup

LCSPR = "cases/<str:reference>/lcspr/"

urlpatterns = [
    path(LCSPR, overview.lcspr_overview, name="lcspr_overview"),
    # Setting up the review and its people (§1.4.5, §1.5.8, §6).
    path(LCSPR + "set-up/", setup.lcspr_setup, name="lcspr_setup"),
    path(LCSPR + "declaration/", setup.lcspr_declaration, name="lcspr_declaration"),
    path(LCSPR + "police-liaison/", setup.lcspr_police_liaison, name="lcspr_police_liaison"),
    path(LCSPR + "appointments/", appointments.lcspr_appointments, name="lcspr_appointments"),
    path(
        LCSPR + "appointments/reviewer/",
        appointments.lcspr_appoint_reviewer,
        name="lcspr_appoint_reviewer",
    ),
    path(
        LCSPR + "appointments/panel-member/",
        appointments.lcspr_appoint_panel_member,
        name="lcspr_appoint_panel_member",
    ),
    path(
        LCSPR + "appointments/<int:pk>/end/",
        appointments.lcspr_appointment_end,
        name="lcspr_appointment_end",
    ),
]

# issue 13: terms of reference (§5)
from reviews.views import terms  # noqa: E402

urlpatterns += [
    path(f"{LCSPR}terms/", terms.lcspr_terms, name="lcspr_terms"),
    path(f"{LCSPR}terms/edit/", terms.lcspr_terms_edit, name="lcspr_terms_edit"),
    path(f"{LCSPR}terms/changes/", terms.lcspr_terms_changes, name="lcspr_terms_changes"),
    path(f"{LCSPR}terms/terms-of-reference.pdf", terms.lcspr_terms_pdf, name="lcspr_terms_pdf"),
    path(f"{LCSPR}terms/put-to-crg/", terms.lcspr_terms_put_to_crg, name="lcspr_terms_put_to_crg"),
    path(f"{LCSPR}terms/agreement/", terms.lcspr_terms_agreement, name="lcspr_terms_agreement"),
    path(f"{LCSPR}terms/minor/", terms.lcspr_terms_minor, name="lcspr_terms_minor"),
    path(f"{LCSPR}referred-issues/", terms.lcspr_issues, name="lcspr_issues"),
    path(
        f"{LCSPR}referred-issues/<int:pk>/",
        terms.lcspr_issue_decision,
        name="lcspr_issue_decision",
    ),
    path(
        f"{LCSPR}parallel-processes/",
        terms.lcspr_parallel_processes,
        name="lcspr_parallel_processes",
    ),
    path(
        f"{LCSPR}parallel-processes/<int:pk>/",
        terms.lcspr_parallel_process,
        name="lcspr_parallel_process",
    ),
]
