"""The report's minimum content (§9.1.2): the points every draft is checked against, in the
framework's order, with the Key Lines of Enquiry listed one by one from the terms of
reference in force and any requirement the terms of reference add. Pure rules, read by
selectors and services alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    key: str
    title: str
    guidance: str = ""


# §9.1.2's eighteen bullets. "kloes" is expanded into one point per line of enquiry.
MINIMUM_CONTENT = (
    Point(
        "overview",
        "An overview of what happened, the key circumstances, background and context",
        "Concise, but enough to understand the context for the learning.",
    ),
    Point("methods", "The methods used in completing the review"),
    Point("kloes", "Analysis against the key lines of enquiry"),
    Point("daily_life", "A clear picture of the child's daily life"),
    Point(
        "protected_characteristics",
        "How sensitive practice was to race, ethnicity, religion, culture, gender, disability, "
        "sexual orientation and other protected characteristics",
    ),
    Point(
        "direct_work",
        "Direct work with the child and family",
        "How often workers met them, for how long, what they observed and talked about.",
    ),
    Point(
        "context_systems",
        "How direct practice was shaped by context and systems",
        "Workloads, other services, training, supervision and team culture.",
    ),
    Point("decisions", "Why relevant decisions by practitioners were taken"),
    Point("agencies_together", "How agencies worked together, and any shortcomings in this"),
    Point("practice_in_general", "Whether the shortcomings are features of practice in general"),
    Point(
        "prevent_harm",
        "What would need to be done differently to prevent harm to a child in similar "
        "circumstances",
    ),
    Point("good_practice", "Examples of good practice"),
    Point(
        "views",
        "The views of the child(ren) and family",
        "Or the recorded reasons for their non-involvement (§7.4.2).",
    ),
    Point("practitioners_events", "Findings from practitioners' events"),
    Point(
        "research",
        "Published research on the themes, and other recent cases locally and nationally",
    ),
    Point(
        "other_reports",
        "Findings in the context of other reports, inspections and audits",
    ),
    Point(
        "agencies_learn",
        "What needs to happen for agencies and the partnership to learn from this case",
    ),
    Point(
        "recommendations",
        "A limited number of focused, realistic recommendations that can become SMART action plans",
    ),
)
MINIMUM_CONTENT_COUNT = 18  # §9.1.2 has eighteen bullets
KLOE_PREFIX = "kloe:"
REQUIREMENT_PREFIX = "requirement:"


@dataclass(frozen=True)
class ChecklistPoint:
    key: str
    title: str
    guidance: str = ""
    source: str = "§9.1.2"


def checklist_points(
    kloes: Iterable[str], requirements: Iterable[tuple[int, str]]
) -> list[ChecklistPoint]:
    """Every point a draft must address: §9.1.2's, with one point per line of enquiry in
    the place of "analysis against the key lines of enquiry", then the terms of reference's
    own requirements (`(pk, text)` of each ReportRequirement)."""
    points: list[ChecklistPoint] = []
    for point in MINIMUM_CONTENT:
        if point.key != "kloes":
            points.append(ChecklistPoint(point.key, point.title, point.guidance))
            continue
        lines = [line for line in kloes if line.strip()]
        if not lines:
            points.append(ChecklistPoint(point.key, point.title, point.guidance))
        for number, line in enumerate(lines, start=1):
            points.append(
                ChecklistPoint(
                    f"{KLOE_PREFIX}{number}",
                    f"Analysis against key line of enquiry {number}: {line}",
                    source="§9.1.2, terms of reference §5.3",
                )
            )
    for pk, text in requirements:
        points.append(
            ChecklistPoint(f"{REQUIREMENT_PREFIX}{pk}", text, source="Terms of reference (§9.1.2)")
        )
    return points


def missing_points(
    points: Iterable[ChecklistPoint], locations: Mapping[str, str]
) -> list[ChecklistPoint]:
    """The points a draft does not say where it addresses."""
    return [point for point in points if not (locations.get(point.key) or "").strip()]
