"""The load test's users (`make loadtest`; bench/loadtest.py starts the server, signs the
users in and runs this headless).

bench/loadtest.py writes a plan (LOADTEST_PLAN, JSON): for each account, the session cookie
it made for it and the pages it opens, as [name, path], where "{case}" stands for one of
the account's cases and "{request}" for one of its agency's requests, drawn at random each
time. One simulated user always opens the admin changelist, the yardstick; each other takes
the next account and opens its pages in turn, from one drawn at random, so that each page is
asked for about as often as the others. The users arrive one a second (bench/loadtest.py).
A page that answers anything but 200 (a redirect to the sign-in page included) counts as a
failure.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, task

with open(os.environ["LOADTEST_PLAN"]) as plan_file:
    PLAN = json.load(plan_file)
YARDSTICK = [a for a in PLAN["accounts"] if a["kind"] == "admin"]
ACCOUNTS = itertools.cycle([a for a in PLAN["accounts"] if a["kind"] != "admin"])


class Person(HttpUser):
    """One of the demo's people: the next account of the plan."""

    wait_time = between(1, 2)  # a person reading, not a flood: the server's time counts

    def next_account(self):
        return next(ACCOUNTS)

    def on_start(self):
        self.account = self.next_account()
        self.client.headers["Cookie"] = f"{PLAN['cookie_name']}={self.account['cookie']}"
        # Each at a page of their own to start with: were they all to open their dashboard
        # first, the run's first seconds would queue six dashboards behind three workers,
        # and those waits would be those pages' slowest answers (issue 18).
        pages = self.account["pages"]
        start = random.randrange(len(pages))  # noqa: S311 - not secret
        self.pages = itertools.cycle(pages[start:] + pages[:start])

    @task
    def open_next_page(self):
        name, path = next(self.pages)
        path = path.format(
            case=random.choice(self.account["cases"] or [""]),  # noqa: S311 - not secret
            request=random.choice(self.account["requests"] or [""]),  # noqa: S311
        )
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {name}")


class Yardstick(Person):
    """The superuser on the admin changelist: always one, whatever the number of users."""

    fixed_count = 1

    def next_account(self):
        return YARDSTICK[0]
