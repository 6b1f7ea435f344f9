"""The LCSPR's pages: lcspr/urls.py adds them to the product's routes."""

from django.urls import path

from reviews.views import clock, overview

LCSPR = "cases/<str:reference>/lcspr/"

urlpatterns = [
    path(LCSPR, overview.lcspr_overview, name="lcspr_overview"),
    # issue 13: clock (§3.1.2-§3.1.3)
    path(LCSPR + "clock/", clock.lcspr_clock, name="lcspr_clock"),
    path(LCSPR + "clock/delays/new/", clock.lcspr_delay_add, name="lcspr_delay_add"),
    path(LCSPR + "clock/delays/<int:pk>/", clock.lcspr_delay_edit, name="lcspr_delay_edit"),
    path(
        LCSPR + "clock/delays/<int:pk>/crg/",
        clock.lcspr_delay_meeting,
        name="lcspr_delay_meeting",
    ),
    path(
        LCSPR + "clock/delays/<int:pk>/consideration/",
        clock.lcspr_delay_consideration,
        name="lcspr_delay_consideration",
    ),
    path(
        LCSPR + "clock/delays/<int:pk>/end/",
        clock.lcspr_delay_resolve,
        name="lcspr_delay_resolve",
    ),
    path(
        LCSPR + "clock/delays/<int:pk>/notice.pdf",
        clock.lcspr_delay_notice_pdf,
        name="lcspr_delay_notice_pdf",
    ),
    path(
        LCSPR + "clock/delays/<int:pk>/notice/send/",
        clock.lcspr_delay_notice_send,
        name="lcspr_delay_notice_send",
    ),
    path(LCSPR + "clock/notices/<int:pk>.pdf", clock.lcspr_notice_pdf, name="lcspr_notice_pdf"),
]
