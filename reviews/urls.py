"""The LCSPR's pages: lcspr/urls.py adds them to the product's routes."""

from django.urls import path

from reviews.views import overview, panel

LCSPR = "cases/<str:reference>/lcspr/"

urlpatterns = [
    path(LCSPR, overview.lcspr_overview, name="lcspr_overview"),
    # issue 13: panel (the timetable, §5.8, and the Case Review Panel's meetings)
    path(f"{LCSPR}timetable/", panel.lcspr_timetable, name="lcspr_timetable"),
    path(f"{LCSPR}timetable/<int:pk>/", panel.lcspr_milestone, name="lcspr_milestone"),
    path(
        f"{LCSPR}timetable/<int:pk>/cancel/",
        panel.lcspr_milestone_cancel,
        name="lcspr_milestone_cancel",
    ),
    path(f"{LCSPR}panel/", panel.lcspr_panel, name="lcspr_panel"),
    path(f"{LCSPR}panel/meetings/<int:pk>/", panel.lcspr_panel_meeting, name="lcspr_panel_meeting"),
    path(
        f"{LCSPR}panel/meetings/<int:pk>/agenda/",
        panel.lcspr_agenda_item_add,
        name="lcspr_agenda_item_add",
    ),
    path(
        f"{LCSPR}panel/meetings/<int:pk>/actions/",
        panel.lcspr_panel_action_add,
        name="lcspr_panel_action_add",
    ),
    path(
        f"{LCSPR}panel/meetings/<int:pk>/swift-learning/",
        panel.lcspr_swift_learning_add,
        name="lcspr_swift_learning_add",
    ),
    path(
        f"{LCSPR}panel/actions/<int:pk>/done/",
        panel.lcspr_panel_action_done,
        name="lcspr_panel_action_done",
    ),
    path(
        f"{LCSPR}panel/swift-learning/<int:pk>/sent/",
        panel.lcspr_swift_learning_sent,
        name="lcspr_swift_learning_sent",
    ),
]
