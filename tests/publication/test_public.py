"""The public page of each partnership, its files and its Atom feed (§10.5.2): for
anyone without signing in, exactly what was published and nothing else."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from publication.models import PublishChoice
from publication.selectors.public import DEFAULT_TITLE
from tests.publication.public_rows import CHILD_NAMES, publication, sha

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def page(slug):
    return f"/published/{slug}/"


def feed(slug):
    return f"/published/{slug}/feed.atom"


def document(slug, row, kind):
    return f"/published/{slug}/{row.public_id}/{kind}.pdf"


def text(response):
    return response.content.decode()


@pytest.fixture
def published(leicester, lr):
    """A published Leicester report with its action plan (named Reviewer), and a published
    L&R improvements-only document without one (anonymous Reviewer)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    report = publication(leicester, published_on=yesterday, title="Child Q: learning about neglect")
    improvements = publication(
        lr,
        choice=PublishChoice.IMPROVEMENTS_ONLY,
        published_on=yesterday,
        action_plan=False,
        anonymous=True,
        reviewer="Professor Hidden Name",
        title="Child R: improvements to be made",
    )
    return {"leicester": report, "leicestershire-rutland": improvements}


def test_every_published_file_is_downloadable_and_identical_to_what_was_published(
    client, published
):
    expected = {
        "leicester": {"report", "action-plan"},
        "leicestershire-rutland": {"improvements"},
    }
    for slug, (row, files) in published.items():
        assert set(files) == expected[slug]
        listing = client.get(page(slug))
        assert listing.status_code == 200
        for kind, content in files.items():
            url = document(slug, row, kind)
            assert url in text(listing)
            assert sha(content) in text(listing)  # the checksum shown beside its link
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Type"] == "application/pdf"
            assert response.content == content


def test_the_page_shows_the_date_the_reviewer_unless_anonymous_and_what_was_published(
    client, published, leicester, lr
):
    yesterday = timezone.localdate() - timedelta(days=1)
    shown = text(client.get(page("leicester")))
    assert "Child Q: learning about neglect" in shown
    assert f"{yesterday.day} {yesterday:%B %Y}" in shown
    assert "Dr Ada Lovelace" in shown
    assert "Only the information about the improvements" not in shown
    lr_page = text(client.get(page("leicestershire-rutland")))
    assert "Child R: improvements to be made" in lr_page
    assert "Professor Hidden Name" not in lr_page  # published anonymously (§10.5.2)
    assert "Only the information about the improvements to be made" in lr_page  # fn 23
    # §10.5.2: archived reports on request from the Business Office, named.
    for partnership, shown_page in ((leicester, shown), (lr, lr_page)):
        assert "available on request from" in shown_page
        assert partnership.business_office_name.replace("&", "&amp;") in shown_page
    # Each partnership's page shows only its own.
    assert "Child R" not in shown
    assert "Child Q" not in lr_page


def test_a_publication_without_a_public_title_gets_the_plain_one(client, leicester):
    publication(leicester, published_on=timezone.localdate(), title="")
    assert DEFAULT_TITLE in text(client.get(page("leicester")))


def test_nothing_unpublished_archived_or_of_another_partnership_is_reachable(
    client, published, leicester, lr
):
    today = timezone.localdate()
    planned, planned_files = publication(leicester, choice="", planned_on=today)
    decided, decided_files = publication(leicester, planned_on=today)
    noticed, noticed_files = publication(leicester, planned_on=today, notice_on=today)
    tomorrow, tomorrow_files = publication(leicester, published_on=today + timedelta(days=1))
    archived, archived_files = publication(leicester, published_on=today - timedelta(days=400))
    archived.archived_on = today
    archived.save()
    hidden = [
        (decided, decided_files),
        (noticed, noticed_files),
        (tomorrow, tomorrow_files),
        (archived, archived_files),
    ]
    listing = text(client.get(page("leicester")))
    atom = text(client.get(feed("leicester")))
    for row, files in [*hidden, (planned, {"report": b"", "action-plan": b""})]:
        assert str(row.public_id) not in listing
        assert str(row.public_id) not in atom
        for kind in ("report", "improvements", "action-plan"):
            assert client.get(document("leicester", row, kind)).status_code == 404
        for content in files.values():
            assert sha(content) not in listing
    # A published one under the other partnership's slug, or a kind it did not publish.
    report, _ = published["leicester"]
    improvements, _ = published["leicestershire-rutland"]
    assert client.get(document("leicestershire-rutland", report, "report")).status_code == 404
    assert client.get(document("leicester", improvements, "improvements")).status_code == 404
    assert client.get(document("leicester", report, "improvements")).status_code == 404
    # The L&R review's full report was not published, only its improvements (fn 23).
    assert client.get(document("leicestershire-rutland", improvements, "report")).status_code == 404
    # A guessed identifier, an unknown kind, an unknown partnership.
    guessed = f"/published/leicester/{uuid.uuid4()}/report.pdf"
    assert client.get(guessed).status_code == 404
    assert client.get(f"/published/leicester/{report.public_id}/draft.pdf").status_code == 404
    for url in (page("nowhere"), feed("nowhere"), document("nowhere", report, "report")):
        assert client.get(url).status_code == 404


def test_no_case_reference_child_name_or_internal_id_in_the_page_the_feed_or_addresses(
    client, published
):
    for slug, (row, files) in published.items():
        case = row.lcspr.case
        answers = [client.get(page(slug)), client.get(feed(slug))]
        answers += [client.get(document(slug, row, kind)) for kind in files]
        for response in answers:
            body = response.content.decode(errors="replace")
            assert case.reference not in body
            for name in CHILD_NAMES.values():
                assert name not in body
            assert response.get("Content-Disposition", "").find(case.reference) == -1
        for url in re.findall(r'href="([^"]+)"', text(answers[0])):
            assert case.reference not in url
            assert f"/{row.pk}/" not in url
            assert f"/{row.lcspr_id}/" not in url


def test_the_feed_is_atom_with_one_entry_per_published_report(client, published, leicester):
    publication(leicester, published_on=timezone.localdate(), title="Child S: a second review")
    publication(leicester, planned_on=timezone.localdate())  # not published: no entry
    response = client.get(feed("leicester"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - the product's own feed
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    assert sorted(e.find(f"{ATOM}title").text for e in entries) == [
        "Child Q: learning about neglect",
        "Child S: a second review",
    ]
    report, files = published["leicester"]
    [entry] = [e for e in entries if e.find(f"{ATOM}id").text == f"urn:uuid:{report.public_id}"]
    for required in ("id", "title", "updated"):
        assert entry.find(f"{ATOM}{required}") is not None
    enclosures = {
        link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "enclosure"
    }
    assert enclosures == {
        f"http://testserver{document('leicester', report, kind)}" for kind in files
    }
    lr_feed = client.get(feed("leicestershire-rutland")).content
    lr_entries = ET.fromstring(lr_feed)  # noqa: S314 - the product's own feed
    assert len(lr_entries.findall(f"{ATOM}entry")) == 1


def test_the_public_page_needs_no_sign_in_and_shows_no_signed_in_navigation(client, published):
    response = client.get(page("leicester"))
    assert response.status_code == 200
    body = text(response)
    assert "Sign out" not in body
    assert 'id="main-content"' in body
    assert "<h1" in body
