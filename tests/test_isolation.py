"""Cross-tenant reads, generated from the URL configuration so every new page is covered.

Every route that takes a case `reference` must answer 404 to a user of the other
partnership (UI and API alike), and no list page may show the other's references.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Role, Stage
from cases.services import api_token_create
from reviews.docx import NOT_WORD
from tests.access_policy import APPOINTED_ONLY, ROUTES, ROW_READERS, may, route_name
from tests.factories import (
    AgencyFactory,
    agency_user,
    appoint,
    open_case,
    sign_in,
    staff_user,
    working_days_ahead,
)
from tests.reviews.test_row_isolation import LCSPR, ROW_KIND
from tests.routes import POST_ONLY, PREPARED_FIRST, routes, url_for

CASE_ROUTES = sorted(
    path for path, entry in routes() if set(entry.pattern.converters) == {"reference"}
)
# A case's own answer names its reference, but for these: a list of the case's rows (a
# new case has no deadlines yet), which do not repeat it.
LISTS_WITHOUT_REFERENCE = {"api/v1/cases/<str:reference>/deadlines/"}
# Creates from an uploaded file (issue 15: a Word draft of the report): tried with a file
# that is not Word, the own case answers 400 naming the file's problem (so the case was
# found and the upload checked), another partnership's 404 before any check.
FILE_CREATES = {"api/v1/lcsprs/<str:reference>/report/drafts/"}
# Pages without parameters that show no case data; every other one must list the
# user's own cases and none of the other partnership's.
NON_CASE_PAGES = {
    "sign-in/",
    "sign-in/two-factor/",
    "sign-in/set-up-two-factor/",
    "sign-in/recovery-codes/",
    "password-reset/",
    "password-reset/sent/",
    "password-reset/done/",
    "admin/login/",
    "sign-out/",
    "organisation/",
    "health/",
    "api/schema/",
    "api/docs/",
    "timescales/",  # the timescale calculator: rules and dates, no case data
    "calendar/",  # the page to make or stop one's calendar feed
    "calendar/new/",
    "calendar/stop/",
    "api/v1/timescales/",
    "cases/new/notification/",  # intake forms: nothing but the partnership's agencies
    "cases/new/referral/",
    "api/v1/notifications/",  # POST only: tests/cases/test_api_intake.py
    "api/v1/referrals/",
    "theme-list/",  # issue 14: chron. The partnership's theme codes, no case data
    # issue 14: the partnership's agencies and their Safeguarding Leads (§8.2.2), no case
    "safeguarding-leads/",
}
# issue 16: learning. The partnership's learning pages and the National Panel log: tried
# with rows in each partnership (a briefing, a swift learning message, a national review, a
# request, and a decision of each kind in the log) in tests/publication/: test_learning.py
# test_another_partnership_finds_no_briefing, test_national_reviews.py
# test_another_partnership_finds_neither_review_nor_request, and test_panel_log.py
# test_the_other_partnership_and_an_unappointed_reviewer_see_none_of_it.
LEARNING_LIST_ROUTES = {
    "learning/",
    "learning/briefings/new/",
    "learning/national-reviews/",
    "learning/national-reviews/new/",
    "learning/national-review-requests/",
    "learning/national-review-requests/new/",
    "national-panel-log/",
    "national-panel-log.csv",
}
# The CRG calendar: tested below with a meeting in each partnership, and by every role
# in tests/rapidreview/test_papers_isolation.py.
MEETING_ROUTES = {
    "meetings/",
    "meetings/<int:pk>/",
    "meetings/<int:pk>/cancel/",
    "meetings/attendance/<int:pk>/remove/",
}
# The Rapid Review's rows by id: its immediate actions, invitations to its papers and
# outcome notices, tried by every role with a Rapid Review in each partnership in
# tests/rapidreview/test_papers_isolation.py (and tests/rapidreview/test_decision_views.py).
RAPID_REVIEW_PK_ROUTES = {
    "cases/<str:reference>/rapid-review/actions/<int:pk>/done/",
    "papers/<int:pk>/",
    "papers/<int:pk>/combined-summary.pdf",
    "papers/<int:pk>/combined-chronology.pdf",
    "papers/<int:pk>/combined-chronology/",  # issue 18: prepared in the background
    "portal/outcomes/<int:pk>/",
    "cases/<str:reference>/rapid-review/invitations/<int:pk>/sent/",
    "cases/<str:reference>/rapid-review/outcomes/<int:pk>/sent/",
}
# issue 13: the LCSPR's rows by id (an appointment, a referred issue, a parallel process,
# a milestone, a panel meeting, a panel action, a swift learning message, a delay and its
# notice). Each route is mapped to the row it names in tests/reviews/test_row_isolation.py
# (ROW_KIND), which builds a full review in each partnership and a second one in Leicester
# and tries every route: by each role the policy lets in, with the other partnership's
# row, with another case's row under this case's reference, and by a Reviewer of another
# review or one not yet declared. A new LCSPR route by id is in no list below until it is
# mapped there, so the guard test_every_route_with_parameters_is_checked fails.
LCSPR_PK_ROUTES = {path for path, entry in routes() if route_name(path, entry) in ROW_KIND}
# issue 14: the documents of an agency's LCSPR submission in the portal, by the request's
# id: a Rapid Review request has none, so these are tried with an LCSPR submission for every
# agency and partnership in tests/reviews/test_submissions.py.
SUBMISSION_PORTAL_ROUTES = {
    "portal/submissions/<int:pk>/letter.pdf",
    "portal/submissions/<int:pk>/template.pdf",
    "portal/submissions/<int:pk>/guidance.pdf",
}
# issue 14: the asked agency's genogram in the portal, by the ask's id (a GenogramAsk, not
# a request) and a version's (a GenogramUpload): the generic request test below would try
# them with the wrong rows. Tried in
# tests/reviews/test_genogram_portal.py (test_only_the_asked_agency_reaches_its_ask_in_
# either_partnership) with an ask in each partnership and a replaced one, by the asked
# agency's user, another agency's serving both partnerships, one serving only the other,
# the formerly asked agency's, and every staff role of both partnerships.
GENOGRAM_PORTAL_ROUTES = {
    "portal/genograms/<int:pk>/",
    "portal/genogram-versions/<int:pk>/",
}
# issue 16: actions. The action plans' routes by id (a plan, a recommendation, an action,
# its evidence, a national review) and their lists: tried with a plan in each partnership
# and actions of two agencies by every staff role of both partnerships and each agency's
# user in tests/publication/test_action_portal.py
# (test_action_routes_reach_only_their_partnership_and_owner_agency, and
# test_action_lists_show_only_the_own). A new route needs a row kind there.
ACTION_PLAN_ROUTES = {
    path for path, entry in routes() if path.startswith(("action-plans/", "portal/action"))
} | {"national-reviews/<int:pk>/action-plan/", "api/v1/action-plans/"}
# Lists of information requests: tested below with requests to two agencies; lists of
# Rapid Reviews and of an agency's meeting papers: tested with a Rapid Review in each
# partnership (tests/rapidreview/test_api.py, tests/rapidreview/test_papers_isolation.py).
REQUEST_LIST_ROUTES = {"portal/", "api/v1/information-requests/"}
RAPID_REVIEW_LIST_ROUTES = {"portal/papers/", "api/v1/rapid-reviews/"}
# issue 13: API. The list of LCSPRs: tested below with a review in each partnership (a
# case without one is not listed), and by a Reviewer in tests/reviews/test_api.py.
LCSPR_LIST_ROUTES = {"api/v1/lcsprs/"}
# issue 16: public. The list of publications: tested below with a publication in each
# partnership (a case without one is not listed), and in tests/publication/test_api.py.
PUBLICATION_LIST_ROUTES = {"api/v1/publications/"}
# issue 17: reporting. Figures, the cases behind them and their downloads, by a
# measure's slug: tried for every measure and format on the demo's two partnerships in
# tests/reporting/test_isolation.py, by each partnership's office (only its own case
# references), the cross-partnership role (none at all) and a token of each.
REPORT_ROUTES = {
    path for path, entry in routes() if path.startswith(("reports/", "api/v1/reports/"))
}
# issue 17: search. The learning search has no parameters, and shows a case only where a
# record found, or a recurring theme, names it: not the generic list's "own case". Tried
# with a restricted finding, a draft and a published report in each partnership, by each
# partnership's people, an appointed and an unappointed Reviewer and the cross-partnership
# role, in tests/reporting/test_search.py (test_each_partnership_finds_its_own_records_and_
# not_the_other, test_a_restricted_finding_is_found_only_by_who_may_see_its_case,
# test_published_reports_are_found_by_the_cross_partnership_role_in_both).
SEARCH_ROUTES = {"learning/search/"}
# issue 18: retention. The list shows only closed cases flagged for a decision (a new case
# is not on it): tested below with a flagged case in each partnership and a decision on
# each; the decision page by reference is one of CASE_ROUTES.
RETENTION_LIST_ROUTES = {"retention/"}
# issue 18: the full lists behind the dashboard's bounded ones list a person's tasks, not
# every case: tests/cases/test_dashboard_lists.py shows each partnership its own and the
# other's none.
DASHBOARD_LIST_ROUTES = {"your-work/", "sign-offs/"}
LIST_ROUTES = sorted(
    path
    for path, entry in routes()
    if "<" not in path
    and path
    not in NON_CASE_PAGES
    | REQUEST_LIST_ROUTES
    | RAPID_REVIEW_LIST_ROUTES
    | MEETING_ROUTES
    | LCSPR_LIST_ROUTES
    | LEARNING_LIST_ROUTES  # issue 16: learning
    | PUBLICATION_LIST_ROUTES  # issue 16: public
    | ACTION_PLAN_ROUTES  # issue 16: actions
    | REPORT_ROUTES  # issue 17: reporting
    | SEARCH_ROUTES  # issue 17: search
    | RETENTION_LIST_ROUTES  # issue 18: retention
    | DASHBOARD_LIST_ROUTES  # issue 18: dashboard lists
)
# Routes of one request, or of one of its parts (a document, a chronology entry),
# by its id: tested below for every agency and partnership.
PK_ROUTES = sorted(
    path
    for path, entry in routes()
    if "pk" in entry.pattern.converters
    and path.startswith(("requests/", "documents/", "portal/", "cases/"))
    and path not in RAPID_REVIEW_PK_ROUTES
    and path not in SUBMISSION_PORTAL_ROUTES
    and path not in GENOGRAM_PORTAL_ROUTES
    and path not in ACTION_PLAN_ROUTES  # issue 16: actions
    and not path.startswith(LCSPR)
)


# Routes with parameters that are not a case reference. A new one must be
# added here or to the isolation tests below: no route escapes unnoticed.
OTHER_PARAMETER_ROUTES = {
    "calendar/<str:token>.ics",  # a secret per-user feed (tests/cases/test_calendar_feed.py)
    "notifications/<int:pk>/dismiss/",  # POST only, the user's own (tests/cases/test_reminders.py)
    "password-reset/<uidb64>/<token>/",  # a signed one-time link, no case data
    # issue 14: chron. A theme code of the admin's own partnership, no case data; another
    # partnership's is a 404 (tests/reviews/test_themes.py).
    "theme-list/<int:pk>/",
    # issue 14: a workshop invitee's secret link (tests/reviews/test_workshop.py)
    "workshop-invitation/<str:token>/",
    # issue 15: guard. A report draft by its number under the case's reference: another
    # partnership's case, an unappointed Reviewer and a number the review does not have
    # get 404 (tests/reviews/test_report_guard.py
    # test_another_partnership_and_an_unappointed_reviewer_find_nothing).
    "cases/<str:reference>/lcspr/report/drafts/<int:number>/anonymisation/",
    # issue 16: learning. A briefing, a national review and a National Panel request by id:
    # another partnership's is a 404 (tests/publication/test_learning.py
    # test_another_partnership_finds_no_briefing, test_national_reviews.py
    # test_another_partnership_finds_neither_review_nor_request).
    "learning/briefings/<int:pk>/",
    "learning/national-reviews/<int:pk>/",
    "learning/national-review-requests/<int:pk>/",
    # issue 16: public. The public page, its feed and files by a partnership's slug and a
    # publication's opaque id: for anyone, only what is published; another partnership's
    # slug, an unpublished or archived publication answer 404 (tests/publication/
    # test_public.py).
    "published/<slug:partnership_slug>/",
    "published/<slug:partnership_slug>/feed.atom",
    "published/<slug:partnership_slug>/<uuid:public_id>/<slug:document>.pdf",
}


def test_every_route_with_parameters_is_checked():
    unchecked = {
        path
        for path, entry in routes()
        if entry.pattern.converters
        and set(entry.pattern.converters) != {"reference"}
        and path not in OTHER_PARAMETER_ROUTES
        and path not in PK_ROUTES
        and path not in MEETING_ROUTES
        and path not in RAPID_REVIEW_PK_ROUTES
        and path not in LCSPR_PK_ROUTES
        and path not in SUBMISSION_PORTAL_ROUTES
        and path not in GENOGRAM_PORTAL_ROUTES
        and path not in ACTION_PLAN_ROUTES  # issue 16: actions
        and path not in REPORT_ROUTES  # issue 17: reporting
    }
    assert unchecked == set()


def test_the_generated_route_lists_hold_the_known_pages():
    assert {"cases/<str:reference>/", "api/v1/cases/<str:reference>/"} <= set(CASE_ROUTES)
    assert {"", "cases/", "api/v1/cases/"} <= set(LIST_ROUTES)


@pytest.fixture
def two_cases(leicester, lr):
    """A case in each partnership, each with an LCSPR so that its pages answer too."""
    from reviews.services import lcspr_open

    cases = open_case(leicester), open_case(lr)
    for case in cases:
        lcspr_open(
            case=case,
            decided_on=timezone.localdate(),
            key_lines_of_enquiry="How agencies shared information.",
            actor=None,
        )
    return cases


def _ask(client, path, reference):
    """A GET of the case's route, or its POST (with nothing filled in) if it takes only
    POST: either way the answer shows the own case and nothing of another's."""
    url = url_for(path, reference)
    if path in FILE_CREATES:
        return client.post(url, {"file": SimpleUploadedFile("draft.docx", b"not Word")})
    name = route_name(path, _entry(path))
    return client.post(url) if name in POST_ONLY else client.get(url, follow=name in PREPARED_FIRST)


def _own_answer_ok(path, response, reference) -> bool:
    if path in FILE_CREATES:
        return response.status_code == 400 and NOT_WORD in response.content.decode()
    return response.status_code == 200 and (
        path in LISTS_WITHOUT_REFERENCE or shows_case(response, reference)
    )


@pytest.mark.parametrize("path", CASE_ROUTES)
def test_a_case_of_the_other_partnership_is_not_found(path, client, two_cases, lr):
    leicester_case, lr_case = two_cases
    # The Business Office, or for a route it may not use, a role the policy lets in.
    needs = ROUTES[route_name(path, _entry(path))]
    role = next(r for r in (Role.BUSINESS_OFFICE, *Role) if may(r, needs))
    lr_user = staff_user(lr, role=role)
    sign_in(client, lr_user)
    own = _ask(client, path, lr_case.reference)
    assert _own_answer_ok(path, own, lr_case.reference), own.content
    other = _ask(client, path, leicester_case.reference)
    assert other.status_code == 404
    assert leicester_case.reference not in other.content.decode(errors="replace")


@pytest.mark.parametrize("path", [p for p in CASE_ROUTES if p.startswith("api/")])
def test_a_token_of_the_other_partnership_gets_not_found(path, two_cases, leicester):
    leicester_case, lr_case = two_cases
    key = api_token_create(membership=staff_user(leicester).memberships.get())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    own = _ask(client, path, leicester_case.reference)
    assert _own_answer_ok(path, own, leicester_case.reference), own.content
    other = _ask(client, path, lr_case.reference)
    assert other.status_code == 404
    assert lr_case.reference not in other.content.decode()


@pytest.mark.parametrize("path", CASE_ROUTES)
def test_agency_users_never_read_a_case_page(path, client, two_cases):
    sign_in(client, agency_user(AgencyFactory(name="Leicestershire Police")))
    for case in two_cases:
        assert _ask(client, path, case.reference).status_code in (403, 404)


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_list_pages_show_only_the_own_partnership(path, client, leicester, lr):
    officer = staff_user(leicester)
    other_officer = staff_user(lr)
    own = open_case(leicester, lead_officer=officer)
    other = open_case(lr, lead_officer=other_officer)
    # Both look at their own case, so that logs of reads have something to show.
    sign_in(client, other_officer).get(other.get_absolute_url())
    sign_in(client, officer).get(own.get_absolute_url())
    response = client.get(url_for(path), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert own.reference in response.text
    assert other.reference not in response.text


@pytest.mark.parametrize("path", sorted(LCSPR_LIST_ROUTES))
def test_lists_of_lcsprs_show_only_the_own_partnership(path, client, two_cases, leicester, lr):
    """issue 13: API. A review in each partnership: each token, and each signed-in
    officer, lists its own review and never the other's."""
    leicester_case, lr_case = two_cases
    for partnership, mine, theirs in (
        (leicester, leicester_case, lr_case),
        (lr, lr_case, leicester_case),
    ):
        user = staff_user(partnership)
        token = APIClient()
        token.credentials(
            HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
        )
        by_token = token.get(url_for(path))
        by_session = sign_in(client, user).get(url_for(path), HTTP_ACCEPT="application/json")
        for response in (by_token, by_session):
            assert response.status_code == 200
            listed = [row["case_reference"] for row in response.json()["results"]]
            assert listed == [mine.reference]
            assert theirs.reference not in response.text


# issue 16: public
@pytest.mark.parametrize("path", sorted(PUBLICATION_LIST_ROUTES))
def test_lists_of_publications_show_only_the_own_partnership(
    path, client, two_cases, leicester, lr
):
    """A publication in each partnership: each token, and each signed-in officer, lists
    its own and never the other's."""
    from publication.models import Publication

    leicester_case, lr_case = two_cases
    for case in two_cases:
        Publication.unscoped.create(lcspr=case.lcspr, published_on=timezone.localdate())
    for partnership, mine, theirs in (
        (leicester, leicester_case, lr_case),
        (lr, lr_case, leicester_case),
    ):
        user = staff_user(partnership)
        token = APIClient()
        token.credentials(
            HTTP_AUTHORIZATION=f"Token {api_token_create(membership=user.memberships.get())}"
        )
        by_token = token.get(url_for(path))
        by_session = sign_in(client, user).get(url_for(path), HTTP_ACCEPT="application/json")
        for response in (by_token, by_session):
            assert response.status_code == 200
            listed = [row["case_reference"] for row in response.json()["results"]]
            assert listed == [mine.reference]
            assert theirs.reference not in response.text


# issue 18: retention
@pytest.mark.parametrize("path", sorted(RETENTION_LIST_ROUTES))
def test_retention_lists_show_only_the_own_partnership(path, client, leicester, lr):
    """A closed case flagged in each partnership, one of them decided on: each office's
    list shows its own flag and decision and nothing of the other's."""
    from retention.services.decision import retention_decide
    from retention.services.review import retention_reviews_flag

    long_ago = timezone.localdate().replace(year=timezone.localdate().year - 30)
    made = {}
    for partnership in (leicester, lr):
        flagged, decided = (open_case(partnership, stage=Stage.CLOSED) for _ in range(2))
        for case in (flagged, decided):
            case.closed_on = long_ago
            case.save()
        reviews = retention_reviews_flag(partnership=partnership, today=timezone.localdate())
        user = staff_user(partnership)
        [review] = [r for r in reviews if r.case == decided]
        retention_decide(
            review=review, decision="archive", reason="", version=review.version, actor=user
        )
        made[partnership] = (user, {flagged.reference, decided.reference})
    for partnership, other in ((leicester, lr), (lr, leicester)):
        user, mine = made[partnership]
        page = sign_in(client, user).get(url_for(path)).content.decode()
        assert all(reference in page for reference in mine)
        assert not any(reference in page for reference in made[other][1])


# --- Information requests: by agency as well as by partnership ---------------------------


@pytest.fixture
def two_requests(leicester, lr):
    """A Leicester request to the police and a Leicestershire & Rutland one to a health
    trust, each with a chronology entry and a document; both agencies serve both."""

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from cases import services
    from cases.tenancy import Scope

    made = {}
    for slug, partnership, agency_name in (
        ("leicester", leicester, "Leicestershire Police"),
        ("lr", lr, "University Hospitals of Leicester NHS Trust"),
    ):
        agency = AgencyFactory(name=agency_name, partnerships=[leicester, lr])
        case = open_case(partnership, stage=Stage.RAPID_REVIEW)
        (request,) = services.information_requests_send(
            case=case,
            agencies=[agency],
            reply_due_on=working_days_ahead(7),
            actor=None,
        )
        portal_user = agency_user(agency)
        scope = Scope(user=portal_user, membership=portal_user.memberships.get())
        entry = services.chronology_entry_add(
            scope=scope,
            request=request,
            happened_on=timezone.localdate(),
            source="Case file",
            event="Home visit",
        )
        attachment = services.attachment_add(
            scope=scope,
            request=request,
            upload=SimpleUploadedFile("visit.txt", b"Visit notes", content_type="text/plain"),
        )
        # Submitted, so that the partnership may read its parts (a draft is the agency's).
        services.reply_submit(
            scope=scope,
            request=request,
            details=services.ReplyDetails(
                involvement="yes",
                involvement_summary="Two visits.",
                facts="Two visits.",
                records_secured=False,
                completed_by="Duty officer",
            ),
            version=request.version,
        )
        # issue 14: a named practitioner, whose routes take its own id (§8.10.1).
        from reviews.models import NamedPractitioner

        practitioner = NamedPractitioner.unscoped.create(
            request=request, name="Pat Doe", job_title="Sergeant", email="pat@police.example"
        )
        made[slug] = {
            "case": case,
            "request": request,
            "entry": entry,
            "attachment": attachment,
            "practitioner": practitioner,
            "portal_user": portal_user,
            "office": staff_user(partnership),
        }
    return made


def _target(path, bundle):
    """The URL of the route for one bundle's request (or its document or entry)."""
    if "documents/<int:pk>" in path:
        pk = bundle["attachment"].pk
    elif "practitioners/<int:pk>" in path:  # issue 14: an LCSPR submission's (§8.10.1)
        pk = bundle["practitioner"].pk
    elif "chronology/<int:pk>" in path:
        pk = bundle["entry"].pk
    else:
        pk = bundle["request"].pk
    return url_for(path, bundle["case"].reference, pk)


def shows_case(response, reference):
    """The final page names the case, or the file is named by its reference."""
    disposition = response.headers.get("Content-Disposition", "")
    if disposition:
        return reference in disposition
    return reference in response.content.decode()


def appointed(user, case) -> bool:
    """Whether the fixture appointed this Reviewer or Panel member to the case's review."""
    from reviews.models import Appointment

    return Appointment.unscoped.filter(user=user, lcspr__case=case, ended_on=None).exists()


def row_status(name, membership, bundle):
    """The status the policy (tests/access_policy.py) gives on one bundle's row."""
    if not may(membership.role, ROUTES[name]):
        return 403
    request = bundle["request"]
    by_partnership = membership.partnership_id == request.case.partnership_id
    if membership.role in APPOINTED_ONLY:
        by_partnership = by_partnership and appointed(membership.user, request.case)
    if membership.role == Role.JOINT_REPORTING:  # figures only: no case's row (aggregates_only)
        by_partnership = False
    by_agency = membership.agency_id is not None and membership.agency_id == request.agency_id
    rule = ROW_READERS[name]
    if rule.endswith("once entered on its behalf"):
        by_partnership = by_partnership and request.is_entered_on_behalf
    theirs = (rule.startswith("partnership") and by_partnership) or (
        rule.endswith("agency") and by_agency
    )
    return 200 if theirs else 404


@pytest.mark.parametrize("who", ["leicester", "leicestershire-rutland", "agencies"])
def test_a_request_is_reached_only_by_its_agency_and_its_partnership(
    client, two_requests, leicester, lr, who
):
    """Every role of each partnership, and each agency's user, on every route by a
    request's id (or its document's or entry's) of both partnerships and agencies. Split
    by who tries (one partnership's staff, or the agencies' users) so that the three run
    in parallel."""
    from cases.models import Attachment, ChronologyEntry

    bundles = list(two_requests.values())
    if who == "agencies":
        people = [bundle["portal_user"] for bundle in bundles]
    else:
        partnership = {"leicester": leicester, "leicestershire-rutland": lr}[who]
        people = [staff_user(partnership, role=role) for role in Role if role != Role.AGENCY_USER]
        # Reviewers and Panel members appointed to their partnership's case, and a Reviewer
        # appointed to none: its rows are 404s to that one.
        for bundle in bundles:
            if bundle["case"].partnership_id != partnership.pk:
                continue
            for person in people:
                role = person.memberships.get().role
                if role in APPOINTED_ONLY:
                    appoint(bundle["case"], person, role)
        people.append(staff_user(partnership, role=Role.REVIEWER))
    paths = {route_name(p, e): p for p, e in routes() if p in PK_ROUTES}
    wrong = []
    # Refusals and reads first, then the answers that may change a row (accepting a reply).
    for phase in ([n for n in paths if n not in POST_ONLY], [n for n in paths if n in POST_ONLY]):
        for user in people:
            sign_in(client, user)
            membership = user.memberships.get()
            for name, bundle in ((name, bundle) for name in phase for bundle in bundles):
                url = _target(paths[name], bundle)
                expected = row_status(name, membership, bundle)
                if name in POST_ONLY:
                    assert client.get(url).status_code == 405, url
                    response = client.post(url, follow=True)
                else:
                    response = client.get(url)
                reference = bundle["case"].reference
                ok = response.status_code == expected and (
                    expected != 200 or shows_case(response, reference)
                )
                if expected != 200:
                    ok = ok and reference not in response.content.decode(errors="replace")
                if not ok:
                    wrong.append((name, membership.role, url, response.status_code, expected))
    assert wrong == [], "\n".join(map(str, wrong))
    # Nothing of the other agency's was removed by the refused POSTs.
    for bundle in bundles:
        partnership = bundle["case"].partnership
        assert (
            ChronologyEntry.objects.for_partnership(partnership)
            .filter(pk=bundle["entry"].pk)
            .exists()
        )
        attachment = Attachment.objects.for_partnership(partnership).get(pk=bundle["attachment"].pk)
        assert attachment.removed_at is None


def test_an_agency_sees_nothing_of_a_partnership_it_does_not_serve(client, two_requests, leicester):
    """cases/tenancy.py: an agency user sees only rows of the partnerships its agency
    serves. The health trust stops serving Leicestershire & Rutland after its request
    there was answered; it still answers Leicester."""
    from cases import services

    lr_bundle = two_requests["lr"]
    health = lr_bundle["request"].agency
    health.partnerships.set([leicester])
    case = open_case(leicester, stage=Stage.RAPID_REVIEW)
    (own,) = services.information_requests_send(
        case=case, agencies=[health], reply_due_on=working_days_ahead(7), actor=None
    )
    user = lr_bundle["portal_user"]
    sign_in(client, user)
    hidden = lr_bundle["case"].reference
    for path in ("portal/", "portal/papers/", "api/v1/information-requests/"):
        response = client.get(url_for(path), HTTP_ACCEPT="application/json")
        assert response.status_code == 200, path
        assert hidden not in response.text, path
    assert case.reference in client.get("/portal/").text  # it answers Leicester still
    for path in PK_ROUTES:
        if path.startswith(("portal/", "requests/", "documents/")):
            url = _target(path, lr_bundle)
            name = route_name(path, _entry(path))
            response = client.post(url) if name in POST_ONLY else client.get(url)
            # The office's pages (acting on an agency's behalf) refuse the role first.
            expected = 404 if may(Role.AGENCY_USER, ROUTES[name]) else 403
            assert response.status_code == expected, url
    letter = client.get(f"/requests/{own.pk}/letter.pdf")
    assert letter.status_code == 200
    assert shows_case(letter, case.reference)
    token = api_token_create(membership=user.memberships.get())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = api.get("/api/v1/information-requests/").json()
    assert [r["case_reference"] for r in body["results"]] == [case.reference]


def _entry(path):
    return next(entry for p, entry in routes() if p == path)


# The agency dashboard lists only requests still to answer, through the same selector.
@pytest.mark.parametrize("path", sorted(REQUEST_LIST_ROUTES))
def test_request_lists_show_only_the_agencys_own(path, client, two_requests):
    own, other = two_requests["leicester"], two_requests["lr"]
    sign_in(client, own["portal_user"])
    response = client.get(url_for(path), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert own["case"].reference in response.text
    assert other["case"].reference not in response.text


def test_the_api_lists_a_partnerships_requests_to_its_staff_only(two_requests):
    own, other = two_requests["leicester"], two_requests["lr"]
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(membership=own['office'].memberships.get())}"
    )
    body = client.get("/api/v1/information-requests/").json()
    assert [r["case_reference"] for r in body["results"]] == [own["case"].reference]
    assert other["case"].reference not in str(body)


# --- The CRG calendar --------------------------------------------------------------------


def test_each_partnership_sees_and_cancels_only_its_own_meetings(client, leicester, lr):
    from datetime import timedelta

    from django.utils import timezone

    from rapidreview import services
    from rapidreview.models import CrgMeeting, MeetingKind

    meetings = {}
    for days, partnership in ((9, leicester), (16, lr)):
        office = staff_user(partnership)
        meetings[partnership.slug] = (
            office,
            services.crg_meeting_create(
                partnership=partnership,
                kind=MeetingKind.EXTRAORDINARY,
                held_on=timezone.localdate() + timedelta(days=days),
                location=f"{partnership.name} meeting room",
                actor=office,
            ),
            open_case(partnership, stage=Stage.RAPID_REVIEW),
        )
    office, own, own_case = meetings["leicester"]
    _, other, other_case = meetings["leicestershire-rutland"]
    for user, meeting, case in meetings.values():
        services.rapid_review_meeting_set(
            case=case, meeting=meeting, actor=user, version=1, reason="Test: any date"
        )
    sign_in(client, office)
    page = client.get("/meetings/").content.decode()
    assert own_case.reference in page
    assert own.location in page
    assert other_case.reference not in page
    assert other.location not in page
    assert f"{other.held_on:%-d %B %Y}" not in page
    assert client.get(f"/meetings/{own.pk}/").status_code == 200
    assert client.get(f"/meetings/{other.pk}/").status_code == 404
    assert client.post(f"/meetings/{other.pk}/", {"name": "x"}).status_code == 404
    others_attendee = services.attendance_record(
        meeting=other,
        actor=meetings["leicestershire-rutland"][0],
        name="LR attendee",
        declaration="none",
        confidentiality_agreed=True,
    )
    remove = f"/meetings/attendance/{others_attendee.pk}/remove/"
    assert client.post(remove).status_code == 404
    assert client.post(f"/meetings/{other.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert CrgMeeting.objects.for_partnership(lr).get(pk=other.pk).cancelled_at is None
    # Another partnership's meeting cannot be chosen for a case.
    response = client.post(
        f"/cases/{own_case.reference}/rapid-review/",
        {"form": "meeting", "meeting": other.pk, "version": 2, "reason": "x"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    sign_in(client, agency_user(AgencyFactory(name="Leicestershire Police")))
    assert client.get("/meetings/").status_code == 403
