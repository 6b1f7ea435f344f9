from django.conf import settings

from cases.permissions import Action


def scope(request):
    """The active partnership or agency for the header and the organisation switcher."""
    current = getattr(request, "scope", None)
    return {
        "product_name": settings.PRODUCT_NAME,
        "active_membership": current.membership if current else None,
        "has_other_memberships": len(getattr(request, "memberships", [])) > 1,
        "can_view_cases": bool(current and current.can(Action.VIEW_CASES)),
        "can_view_reports": bool(current and current.can(Action.VIEW_REPORTS)),  # issue 17
        "can_search_learning": bool(current and current.can(Action.SEARCH_LEARNING)),  # issue 17
        "can_view_access_log": bool(current and current.can(Action.VIEW_ACCESS_LOG)),
        "can_view_restricted_file": bool(current and current.can(Action.VIEW_RESTRICTED_FILE)),
        "can_open_case": bool(current and current.can(Action.OPEN_CASE)),
        "can_manage_requests": bool(current and current.can(Action.MANAGE_REQUESTS)),
        "is_portal_user": bool(current and current.can(Action.REPLY_TO_REQUESTS)),
        "can_use_calculator": bool(current and current.can(Action.USE_TIMESCALE_CALCULATOR)),
        # issue 14: chron (the partnership's theme list, §8.8)
        "can_keep_theme_list": bool(current and current.can(Action.KEEP_THEME_LIST)),
        # issue 18: retention
        "can_decide_retention": bool(current and current.can(Action.DECIDE_RETENTION)),
    }
