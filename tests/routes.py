"""The product's routes, read from the URL configuration (admin left out)."""

import re

from django.urls import URLPattern, URLResolver, get_resolver


def routes(patterns=None, prefix=""):
    """(path pattern, URLPattern) for every route outside the Django admin."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


# Routes that take only POST. Checked in tests/test_access_matrix.py: each answers GET with
# 405 (403 first, from the API, to a role that may not use it) and shows nothing.
POST_ONLY = {
    "logout",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "api_notifications",
    "api_referrals",
    "api_lcspr_report_drafts",
    "request_accept",
    "request_return",
    "request_escalation_resolve",
    "request_escalate",
    "request_on_behalf_start",
    "on_behalf_document_remove",
    "portal_document_remove",
    "immediate_action_done",
    "meeting_cancel",
    "attendance_remove",
    "notification_dismiss",
    # issue 13: panel
    "lcspr_milestone_cancel",
    "lcspr_milestone_done",
    "lcspr_agenda_item_add",
    "lcspr_panel_action_add",
    "lcspr_swift_learning_add",
    "lcspr_panel_action_done",
    "lcspr_swift_learning_sent",
    # issue 13: clock
    "lcspr_delay_notice_send",
    # issue 14: chron
    "lcspr_chronology_settings",
    "lcspr_chronology_tag",
    # issue 14: family engagement
    "lcspr_family_member_remove",
    "lcspr_family_couple_remove",
}
# Downloads of a long document prepared in the background (issue 18): asked for before it
# is ready, each sends the person to the page that prepares it (a 302), which is then the
# answer checked.
PREPARED_FIRST = {"combined_chronology_pdf", "invitation_chronology_pdf"}
# Query strings that routes need to answer fully (a route missing here is asked bare).
EXAMPLE_QUERIES = {
    "api/v1/timescales/": "partnership=leicester&event=notification_received&date=2026-12-18",
    "timescales/": "partnership=leicester&event=notification_received&day=18&month=12&year=2026",
}


# issue 17: reporting. A measure's slug and a download's format, asked with an example.
EXAMPLE_PARAMETERS = {
    "slug": "rapid-review-timeliness",
    "measure": "rapid-review-timeliness",
    "fmt": "csv",
}


def url_for(path, reference="", pk=""):
    url = "/" + re.sub(r"<(\w+:)?reference>", reference, path)
    url = re.sub(r"<int:pk>", str(pk), url)
    url = re.sub(r"<(?:\w+:)?(slug|measure|fmt)>", lambda m: EXAMPLE_PARAMETERS[m.group(1)], url)
    query = EXAMPLE_QUERIES.get(path)
    return f"{url}?{query}" if query else url


def view_rule(entry):
    """(needs an organisation, the Action it needs) as the view itself declares them."""
    view = entry.callback
    cls = getattr(view, "cls", None)
    if cls is not None and hasattr(cls, "required_action"):
        return True, cls.required_action
    return getattr(view, "requires_scope", False), getattr(view, "required_action", None)


def declared_access(entry):
    """What the view itself declares it needs: "scope" (signed in and working for an
    organisation, with `scope_required` or an API view's `required_action`), "sign-in"
    (signed in only), or None (nothing: a public page)."""
    view = entry.callback
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    if getattr(view, "requires_scope", False) or (
        cls is not None and hasattr(cls, "required_action")
    ):
        return "scope"
    if getattr(view, "requires_sign_in", False) or getattr(cls, "requires_sign_in", False):
        return "sign-in"
    return None
