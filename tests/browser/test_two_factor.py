"""Two-factor enrolment and sign-in in Chromium, with axe-core on every page."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from cases.models import Role
from tests.browser.conftest import assert_accessible
from tests.factories import staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_user_sets_up_the_app_then_signs_in_with_it(page, demo, settings):
    # Throttling after a wrong code has its own test (test_sign_in.py).
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    staff_user(demo["leicestershire-rutland"], role=Role.CRG_MEMBER, username="new-member")
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("new-member")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.get_by_role("img", name="QR code")).to_be_visible()
    assert_accessible(page, "two-factor-setup")
    page.get_by_role("textbox", name="Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="The code is not right")).to_be_visible()
    assert_accessible(page, "two-factor-setup-error")

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_role("textbox", name="Code").fill(f"{totp(b32decode(secret)):06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Two-factor authentication is set up")).to_be_visible()
    recovery = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(recovery).to_have_count(10)
    first_recovery_code = recovery.first.inner_text()
    assert_accessible(page, "recovery-codes")
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.get_by_label("Username").fill("new-member")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    assert_accessible(page, "two-factor-verify")
    page.get_by_role("textbox", name="Code").fill("123456")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="The code is not right")).to_be_visible()
    assert_accessible(page, "two-factor-verify-error")
    page.get_by_role("textbox", name="Code").fill(first_recovery_code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_repeated_wrong_passwords_lock_sign_in(page, demo, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto("/sign-in/")
        page.get_by_label("Username").fill("lr-chair")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign-in is locked")).to_be_visible()
    assert_accessible(page, "locked-out")
