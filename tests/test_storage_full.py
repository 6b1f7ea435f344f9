"""Issue 18: the disk under the upload folder is full (or the storage otherwise fails).
Every upload page shows its form again saying that nothing was saved, keeps what was
typed, and leaves no row and no file behind; operators get an ERROR naming the case
by reference only. The storage here fills up part-way through a write, as a real disk
does, leaving the part it wrote."""

from __future__ import annotations

import errno
import logging
import os
import re
from html import unescape
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse
from django.utils.html import escape

from cases.file_store import STORAGE_FAILED, STORAGE_FULL
from cases.models import AgencyKind, Attachment, Role
from cases.services import information_request as request_services
from cases.tenancy import Scope
from reviews.models import GenogramUpload, ReportDraft
from reviews.services import genogram_ask_record
from tests.cases.test_portal import PDF_BYTES, field_errors, portal_url, request_to
from tests.factories import AgencyFactory, agency_user, appoint, open_case, sign_in, staff_user
from tests.reviews.test_genogram import PNG_BYTES, family_review
from tests.reviews.test_report_api import _client, drafts_url, word
from tests.reviews.test_report_drafts import word_bytes, word_file
from tests.reviews.test_submissions import review_of

pytestmark = pytest.mark.django_db

SECRET_NAME = "Jayden Whitlock visit notes"  # a file name that names the child


class FullDisk(FileSystemStorage):
    """Writes the first bytes of a file, then the disk is full."""

    failure = (errno.ENOSPC, "No space left on device")

    def _save(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as partial:
            partial.write(next(iter(content.chunks()))[:10])
        raise OSError(*self.failure, path)


class FailingDisk(FullDisk):
    failure = (errno.EIO, "Input/output error")


def use_storage(settings, location, backend):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"{backend.__module__}.{backend.__qualname__}",
            "OPTIONS": {"location": str(location)},
        },
    }


@pytest.fixture
def media(settings, tmp_path):
    location = tmp_path / "media"
    use_storage(settings, location, FullDisk)
    return location


@pytest.fixture
def police(leicester):
    return AgencyFactory(name="Leicestershire Police", kind=AgencyKind.POLICE)


@pytest.fixture
def portal_user(police):
    return agency_user(police)


@pytest.fixture
def item(leicester, police):
    """A Leicester request to the police, open for its reply."""
    return request_to(leicester, police)


@pytest.fixture
def reviewer(leicester):
    case = open_case(leicester)
    user = staff_user(leicester, role=Role.REVIEWER)
    appoint(case, user, Role.REVIEWER)
    case.refresh_from_db()
    return case, user


def files_under(location: Path) -> list[Path]:
    return [path for path in location.rglob("*") if path.is_file()]


def once_token(response) -> str:
    return re.search(r'name="once_token" value="([^"]+)"', response.text)[1]


def summary(response) -> list[str]:
    """The GOV.UK error summary's messages."""
    body = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    assert body, "no error summary on the page"
    return [unescape(m) for m in re.findall(r"<a [^>]*>(.*?)</a>", body[1], re.S)]


def logged_errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_portal_document_on_a_full_disk_is_refused_saying_so_and_nothing_is_kept(
    client, item, portal_user, media, settings, caplog
):
    sign_in(client, portal_user)
    url = portal_url(item, "documents/")
    token = once_token(client.get(url))
    upload = SimpleUploadedFile(f"{SECRET_NAME}.pdf", PDF_BYTES)
    response = client.post(url, {"once_token": token, "file": upload})
    assert response.status_code == 200
    assert field_errors(response, "file") == [STORAGE_FULL]
    assert summary(response) == [STORAGE_FULL]
    assert not Attachment.unscoped.filter(request=item).exists()
    assert files_under(media) == []  # the part written is gone
    # Operators are told, by the case's reference, never the file's name.
    (logged,) = logged_errors(caplog)
    assert item.case.reference in logged
    assert "storage is full" in logged
    assert "Jayden" not in logged
    # The form's token was not spent: once there is room, sending it again works.
    assert once_token(response) == token
    use_storage(settings, media, FileSystemStorage)
    upload.seek(0)
    again = client.post(url, {"once_token": token, "file": upload})
    assert again.status_code == 302
    assert Attachment.unscoped.filter(request=item).count() == 1
    assert len(files_under(media)) == 1


def test_a_row_that_fails_to_save_takes_its_file_with_it(
    item, portal_user, settings, tmp_path, monkeypatch
):
    location = tmp_path / "media"
    use_storage(settings, location, FileSystemStorage)

    def broken_save(row, *args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(request_services, "_save", broken_save)
    scope = Scope(user=portal_user, membership=portal_user.memberships.get())
    with pytest.raises(DatabaseError):
        request_services.attachment_add(
            scope=scope, request=item, upload=SimpleUploadedFile("notes.pdf", PDF_BYTES)
        )
    assert files_under(location) == []


def test_a_word_draft_on_a_full_disk_keeps_the_note_and_makes_no_draft(
    client, reviewer, media, caplog
):
    case, user = reviewer
    sign_in(client, user)
    url = reverse("lcspr_report_upload", kwargs={"reference": case.reference})
    token = once_token(client.get(url))
    response = client.post(
        url,
        {
            "once_token": token,
            "note": "Second pass after the Panel",
            "file": word_file(word_bytes(), f"{SECRET_NAME}.docx"),
        },
    )
    assert response.status_code == 200
    assert field_errors(response, "file") == [STORAGE_FULL]
    assert summary(response) == [STORAGE_FULL]
    assert 'value="Second pass after the Panel"' in response.text
    assert not ReportDraft.objects.for_partnership(case.partnership).exists()
    assert files_under(media) == []
    (logged,) = logged_errors(caplog)
    assert case.reference in logged
    assert "Jayden" not in logged


def test_the_portal_genogram_on_a_full_disk_keeps_the_note_and_makes_no_version(
    client, leicester, media
):
    family = family_review(leicester)
    agency = family["agency"]
    ask = genogram_ask_record(
        lcspr=family["lcspr"],
        agency=agency,
        due_on=None,
        note="",
        version=0,
        actor=staff_user(family["partnership"]),
    )
    sign_in(client, agency_user(agency))
    response = client.post(
        reverse("portal_genogram", kwargs={"pk": ask.pk}),
        {"note": "Drawn from our records", "file": SimpleUploadedFile("g.png", PNG_BYTES)},
    )
    assert response.status_code == 200
    assert escape(STORAGE_FULL) in response.text
    assert "govuk-error-summary" in response.text
    assert 'value="Drawn from our records"' in response.text
    assert not GenogramUpload.unscoped.exists()
    assert files_under(media) == []


def test_the_api_answers_a_full_disk_with_503_and_makes_no_draft(leicester, media):
    review = review_of(leicester)
    response = _client(review["reviewer"]).post(
        drafts_url(review["case"]), {"file": word("Overview text.")}, format="multipart"
    )
    assert response.status_code == 503, response.content
    assert response.json() == {"file": [STORAGE_FULL]}
    assert not ReportDraft.objects.for_partnership(review["case"].partnership).exists()
    assert files_under(media) == []


class S3Refusing(FileSystemStorage):
    """An object store answering the upload with an error, as botocore raises it."""

    code = "InternalError"

    def _save(self, name, content):
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": self.code, "Message": "refused"}}, "PutObject")


class S3Full(S3Refusing):
    code = "XMinioStorageFull"  # MinIO's "Storage backend has reached its minimum free drive"


@pytest.mark.parametrize(
    ("backend", "message"),
    [(FailingDisk, STORAGE_FAILED), (S3Refusing, STORAGE_FAILED), (S3Full, STORAGE_FULL)],
)
def test_another_storage_failure_or_an_object_store_error_says_so_too(
    client, item, portal_user, settings, tmp_path, backend, message
):
    use_storage(settings, tmp_path / "media", backend)
    sign_in(client, portal_user)
    response = client.post(
        portal_url(item, "documents/"), {"file": SimpleUploadedFile("notes.pdf", PDF_BYTES)}
    )
    assert response.status_code == 200
    assert field_errors(response, "file") == [message]
    assert not Attachment.unscoped.filter(request=item).exists()
    assert files_under(tmp_path / "media") == []
