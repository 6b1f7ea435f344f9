"""One date format everywhere, as GOV.UK writes dates and times (issue 12, "Dates")."""

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.html import escape

from cases.dates import format_date, format_datetime, format_time
from cases.models import ClosureDay
from cases.selectors import working_calendar
from cases.timescales import TIMESCALES_BY_KIND, work_out

ROOT = Path(settings.BASE_DIR)
APPS = ("cases", "rapidreview", "reviews", "publication", "lcspr")

# `|date:"c"` is ISO 8601 for a <time datetime> attribute, read by machines only.
ALLOWED_TEMPLATE_DATE_FORMATS = {"c"}
# Python may spell the GOV.UK formats directly; everything else goes through cases.dates.
ALLOWED_PYTHON_DATE_FORMATS = {"%-d %B %Y", "%A %-d %B %Y", "%A"}


def test_dates_and_times_read_as_govuk_writes_them():
    assert format_date(date(2026, 12, 4)) == "4 December 2026"
    assert format_date(date(2026, 12, 4), weekday=True) == "Friday 4 December 2026"
    assert format_time(time(16, 30)) == "4:30pm"
    assert format_time(time(10, 0)) == "10am"
    assert format_time(time(9, 5)) == "9:05am"
    assert format_time(time(12, 0)) == "midday"
    assert format_time(time(0, 0)) == "midnight"
    # 23:30 UTC on 30 June is 00:30 on 1 July in London.
    assert format_datetime(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026 at 12:30am"


def test_the_template_filters_and_djangos_own_formats_agree():
    rendered = Template(
        '{{ d|govuk_date }}|{{ d|govuk_date:"weekday" }}|{{ t|govuk_time }}|{{ m|govuk_datetime }}'
    ).render(
        Context(
            {
                "d": date(2026, 12, 4),
                "t": time(16, 30),
                "m": datetime(2026, 12, 4, 16, 30, tzinfo=UTC),
            }
        )
    )
    assert rendered == "4 December 2026|Friday 4 December 2026|4:30pm|4 December 2026 at 4:30pm"
    assert formats.date_format(date(2026, 12, 4)) == "4 December 2026"
    assert formats.date_format(date(2026, 12, 4), "SHORT_DATE_FORMAT") == "4 December 2026"


def test_templates_format_dates_only_through_the_govuk_filters():
    found = []
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix not in (".html", ".txt"):
            continue
        source = path.read_text()
        for fmt in re.findall(r"""\|date:\s*["']([^"']*)["']""", source):
            if fmt not in ALLOWED_TEMPLATE_DATE_FORMATS:
                found.append(f"{path.relative_to(ROOT)}: |date:{fmt!r}")
        found += [f"{path.relative_to(ROOT)}: |time:" for _ in re.findall(r"\|time\b", source)]
    assert found == [], "use |govuk_date, |govuk_time or |govuk_datetime instead"


def test_python_formats_dates_only_as_govuk_writes_them():
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "dates.py":
                continue
            source = path.read_text()
            specs = re.findall(r"\{[^{}\"']+?:(%[^{}]*)\}", source)
            specs += re.findall(r"strftime\(\s*[\"']([^\"']*)[\"']", source)
            found += [
                f"{path.relative_to(ROOT)}: {spec!r}"
                for spec in specs
                if spec not in ALLOWED_PYTHON_DATE_FORMATS
            ]
    assert found == [], "use cases.dates.format_date / format_time / format_datetime"


# Notification received Friday 18 December 2026; the Rapid Review is due 15 working days on.
# Leicester closes on Christmas Eve; Leicestershire & Rutland between Christmas and New Year.
CHRISTMAS_CLOSURES = {
    "leicester": {date(2026, 12, 24): "Christmas Eve closure"},
    "leicestershire-rutland": {
        date(2026, 12, 29): "Office closed",
        date(2026, 12, 30): "Office closed",
        date(2026, 12, 31): "Office closed",
    },
}


@pytest.mark.parametrize(
    ("slug", "due", "lines"),
    [
        (
            "leicester",
            # Mon 21-Wed 23 (3), Tue 29-Thu 31 (6), Mon 4-Fri 8 (11), Mon 11-Thu 14 (15).
            date(2027, 1, 14),
            [
                "Christmas Eve closure, Thursday 24 December 2026",
                "Christmas Day, Friday 25 December 2026",
                "Boxing Day (observed), Monday 28 December 2026",
                "New Year's Day, Friday 1 January 2027",
                # 19-20, 26 (Boxing Day, a Saturday)-27 December, 2-3 and 9-10 January.
                "8 weekend days",
            ],
        ),
        (
            "leicestershire-rutland",
            # Mon 21-Thu 24 (4), Mon 4-Fri 8 (9), Mon 11-Fri 15 (14), Mon 18 (15).
            date(2027, 1, 18),
            [
                "Christmas Day, Friday 25 December 2026",
                "Boxing Day (observed), Monday 28 December 2026",
                "Office closed, Tuesday 29 December 2026",
                "Office closed, Wednesday 30 December 2026",
                "Office closed, Thursday 31 December 2026",
                "New Year's Day, Friday 1 January 2027",
                "10 weekend days",
            ],
        ),
    ],
)
def test_how_a_date_was_worked_out_names_holidays_and_closures_and_counts_weekends(
    partnerships, slug, due, lines
):
    partnership = partnerships[slug]
    for day, reason in CHRISTMAS_CLOSURES[slug].items():
        ClosureDay.objects.create(partnership=partnership, day=day, reason=reason)
    working = work_out(
        TIMESCALES_BY_KIND["rapid_review_complete"],
        partnership,
        date(2026, 12, 18),
        working_calendar(partnership=partnership),
    )
    assert working.due == due
    assert working.skipped_lines == lines

    shown = " ".join(render_to_string("includes/working_out.html", {"working": working}).split())
    assert "15 working days after Friday 18 December 2026 (no later than, §3.1.2, §4.2.2)." in shown
    assert "Not counted:" in shown
    for line in lines:
        assert f"<li>{escape(line)}</li>" in shown
    assert "Saturday 19 December" not in shown  # weekends are only counted
