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
