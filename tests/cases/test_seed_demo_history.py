"""Issue 17, Demo: the history behind the reports. In each partnership, the two financial
years before the current one hold enough cases, with dates met and missed as the deadline
engine decided, for every reporting chart to have shape; a theme recurs across reviews;
and a second seed adds nothing."""

from datetime import date
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from cases.management.demo_history import financial_year_start, history_cases
from cases.models import (
    CareStatus,
    Deadline,
    DeadlineStatus,
    Escalation,
    IncidentKind,
    InformationRequest,
    Notification,
    Referral,
    RequestStatus,
    Stage,
)


def _two_years_before(today):
    """The two financial years before the current one: [start, end)."""
    this_year = financial_year_start(today)
    return date(this_year.year - 2, 4, 1), this_year


def _due_in(partnership, kind, start, end):
    return Deadline.objects.for_partnership(partnership).filter(
        kind=kind, due_date__gte=start, due_date__lt=end
    )


def _statuses(deadlines):
    return dict(deadlines.values_list("status").annotate(n=Count("id")))


def test_the_history_fills_two_financial_years_in_both_partnerships(demo):
    start, end = _two_years_before(timezone.localdate())
    for slug, partnership in demo.items():
        history = history_cases(partnership)
        notifications = Notification.objects.for_partnership(partnership).filter(
            received_on__gte=start, received_on__lt=end
        )
        assert notifications.count() >= 20, slug
        # Deaths, among them a looked-after child's and a care leaver's (§1.3.5).
        deaths = notifications.filter(incident_kind=IncidentKind.DEATH)
        assert deaths.filter(care_status=CareStatus.NEITHER).exists()
        assert deaths.filter(care_status=CareStatus.LOOKED_AFTER).exists()
        assert deaths.filter(care_status=CareStatus.CARE_LEAVER).exists()
        referrals = Referral.objects.for_partnership(partnership).filter(
            received_on__gte=start, received_on__lt=end
        )
        assert referrals.filter(converted_on__isnull=False).exists()  # §4.1.6
        assert referrals.filter(converted_on__isnull=True).count() >= 2

        # Each timescale the reports chart, met mostly and missed sometimes, as the
        # deadline engine decided from the days the services were told.
        for kind, at_least_missed in (
            ("rapid_review_complete", 2),  # §3.1.2
            ("rapid_review_meeting_latest", 1),  # §4.4.2
            ("decision_notified", 1),  # §1.6.3
            ("referral_decision", 1),  # §4.9
            ("lcspr_complete", 1),  # §3.1.2
        ):
            counts = _statuses(_due_in(partnership, kind, start, end))
            met, missed = counts.get(DeadlineStatus.MET, 0), counts.get(DeadlineStatus.MISSED, 0)
            assert missed >= at_least_missed, (slug, kind, counts)
            if kind in ("referral_decision", "lcspr_complete"):  # a few: some of each
                assert met, (slug, kind, counts)
            else:
                assert met > missed, (slug, kind, counts)
            assert not counts.get(DeadlineStatus.OPEN), (slug, kind, counts)
        if partnership.information_request_working_days:  # §4.3.3, L&R's variant
            counts = _statuses(_due_in(partnership, "information_request_sent", start, end))
            assert counts[DeadlineStatus.MET] > counts[DeadlineStatus.MISSED] > 0

        # Requests replied to on time, late, or never, and escalated (§2.1.7).
        requests = InformationRequest.objects.for_partnership(partnership).filter(
            case__in=history, reply_due_on__gte=start, reply_due_on__lt=end
        )
        replied = [
            timezone.localdate(r.submitted_at) <= r.reply_due_on
            for r in requests.filter(status=RequestStatus.SUBMITTED)
        ]
        assert replied.count(True) > replied.count(False) > 0
        awaited = requests.filter(status=RequestStatus.NOT_STARTED)
        assert awaited.exists()
        assert Escalation.objects.for_partnership(partnership).filter(request__in=awaited).exists()

        # Decisions both ways, and every history case's story finished.
        from rapidreview.models import Decision, RapidReview

        decided = RapidReview.objects.for_partnership(partnership).filter(
            case__in=history, signed_off_at__isnull=False
        )
        assert decided.filter(decision=Decision.PROCEED).count() >= 2
        assert decided.filter(decision=Decision.NOT_PROCEED).count() >= 10
        assert set(history.values_list("stage", flat=True)) <= {
            Stage.CLOSED,
            Stage.LOCAL_LEARNING,
        }


def test_a_theme_recurs_in_at_least_three_reviews_in_each_partnership(demo):
    from reviews.models import KeyTheme

    for slug, partnership in demo.items():
        reviews_by_theme = (
            KeyTheme.objects.for_partnership(partnership)
            .values("code__code")
            .annotate(reviews=Count("lcspr", distinct=True))
        )
        assert max(row["reviews"] for row in reviews_by_theme) >= 3, slug
        history = KeyTheme.objects.for_partnership(partnership).filter(
            lcspr__case__in=history_cases(partnership)
        )
        assert history.filter(code__code="neglect").values("lcspr").distinct().count() >= 3


def test_a_second_seed_changes_no_row_count(demo):
    models = apps.get_models(include_auto_created=True)
    counts = {model._meta.db_table: model._base_manager.count() for model in models}
    call_command("seed_demo", stdout=StringIO())
    assert {model._meta.db_table: model._base_manager.count() for model in models} == counts


def test_the_history_shows_in_its_pages_without_the_childrens_names(demo, client):
    """The office's pages of the oldest and newest history cases of each kind, and the
    Police portal with its history of replies, by reference only."""
    from cases.management.demo_history import HISTORY_NAME_PARTS
    from cases.models import User
    from tests.factories import sign_in

    for slug, partnership in demo.items():
        office = User.objects.get(
            username="leicester-office" if slug == "leicester" else "lr-office"
        )
        sign_in(client, office)
        history = history_cases(partnership).order_by("opened_on")
        shown = {history.first(), history.last()}
        shown |= {history.filter(stage=Stage.LOCAL_LEARNING).first()}
        shown |= {history.filter(lcspr__isnull=False).first()}
        for case in shown:
            base = case.get_absolute_url()
            for page in ("", "deadlines/", "timeline/", "requests/", "rapid-review/after/"):
                if page.startswith("rapid-review") and not hasattr(case, "rapid_review"):
                    continue
                response = client.get(f"{base}{page}")
                assert response.status_code == 200, f"{base}{page}"
                assert not [p for p in HISTORY_NAME_PARTS if p in response.content.decode()]
            for request in InformationRequest.objects.for_partnership(partnership).filter(
                case=case
            ):
                assert client.get(f"{base}requests/{request.pk}/").status_code == 200
        client.logout()
    sign_in(client, User.objects.get(username="police-portal"))
    portal = client.get("/portal/").content.decode()
    assert history.first().reference in portal or history.last().reference in portal
    assert not [p for p in HISTORY_NAME_PARTS if p in portal]
