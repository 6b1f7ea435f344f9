"""The personal calendar feed: a page to make or stop it, and the iCalendar file itself."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from icalendar import Calendar, Event

from cases import selectors, services
from cases.models import AccessAction, CalendarFeed
from cases.web import scope_required

NEW_FEED_SESSION_KEY = "new_calendar_feed_url"


@scope_required()
def calendar_feed_page(request):
    return render(
        request,
        "cases/calendar_feed.html",
        {
            "has_feed": CalendarFeed.objects.filter(
                user=request.user, revoked_at__isnull=True
            ).exists(),
            "new_feed_url": request.session.pop(NEW_FEED_SESSION_KEY, None),
        },
    )


@require_POST
@scope_required()
def calendar_feed_create(request):
    token = services.calendar_feed_create(user=request.user)
    request.session[NEW_FEED_SESSION_KEY] = request.build_absolute_uri(
        reverse("calendar_feed", kwargs={"token": token})
    )
    return redirect("calendar_feed_page")


@require_POST
@scope_required()
def calendar_feed_revoke(request):
    services.calendar_feeds_revoke(user=request.user, reason="Stopped by its owner")
    messages.success(request, "Your calendar feed has stopped. Its address no longer works.")
    return redirect("calendar_feed_page")


@require_GET
@never_cache
def calendar_feed(request, token):
    """The deadlines the feed's owner answers for, as all-day events; references only."""
    user = services.calendar_feed_owner(token=token)
    if user is None:
        raise Http404("No such calendar.")
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.PRODUCT_NAME}//deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{settings.PRODUCT_NAME}: my deadlines")
    now = timezone.now()
    for deadline in selectors.deadlines_responsible_for(user=user):
        event = Event()
        event.add("uid", f"deadline-{deadline.pk}@lcspr")
        event.add("dtstamp", now)
        event.add("dtstart", deadline.due_date)
        event.add("dtend", deadline.due_date + timedelta(days=1))
        event.add("summary", f"{deadline.case.reference}: {deadline.title}")
        event.add("description", f"{deadline.direction} ({deadline.seed})")
        calendar.add_component(event)
    services.access_record(
        request=request,
        action=AccessAction.API_READ,
        user=user,
        object_type="calendar feed",
        route="calendar_feed",
        status_code=200,
    )
    return HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
