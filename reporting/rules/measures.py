"""Every measure the partnership reports, defined once: what it counts, which framework
paragraph asks for it, its headline figures, the columns of its breakdown (which the
chart draws and the data table lists), and the columns of the cases behind it.

How each is computed is in `reporting/selectors/<part>.py`, registered against the slug
here (`reporting/selectors/registry.py`); a measure defined here without a computation
fails the tests (tests/reporting/test_measures.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Part(StrEnum):
    VOLUMES = "volumes"
    TIMELINESS = "timeliness"
    AGENCIES = "agencies"
    LEARNING = "learning"

    @property
    def label(self) -> str:
        return PART_LABELS[self]


PART_LABELS = {
    Part.VOLUMES: "Volumes",
    Part.TIMELINESS: "Timeliness",
    Part.AGENCIES: "Agencies",
    Part.LEARNING: "Learning",
}


class Kind(StrEnum):
    COUNT = "count"  # a whole number
    RATE = "rate"  # a share from 0 to 1, shown as a percentage; None when nothing to share
    DATE = "date"
    TEXT = "text"
    FLAG = "flag"  # True, False or None (met, missed, open)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = Kind.COUNT


@dataclass(frozen=True)
class Measure:
    slug: str
    title: str
    part: Part
    seed: str  # the framework paragraph that asks for it
    summary: str  # what it counts, in one sentence, for the page and the API's docs
    figures: tuple[Column, ...]  # the headline figures
    columns: tuple[Column, ...]  # the breakdown's columns after its label
    row_label: str  # what each breakdown row is ("Month", "Agency", "Theme"…)
    chart: tuple[str, ...]  # the breakdown columns the chart draws
    case_columns: tuple[Column, ...] = ()  # the drill-down's columns after the reference
    headline: str = ""  # the figure the dashboard shows first; the first figure by default

    @property
    def headline_column(self) -> Column:
        return next((c for c in self.figures if c.key == self.headline), self.figures[0])


# The figures every timeliness measure gives: against a statutory date whose due date
# fell in the period, how many were met, missed, still open or waived, and the rate met
# of those decided (met / (met + missed)).
TIMELINESS_FIGURES = (
    Column("total", "Due in the period"),
    Column("met", "Met"),
    Column("missed", "Missed"),
    Column("open", "Still open"),
    Column("waived", "Waived"),
    Column("rate", "Met on time", Kind.RATE),
)
TIMELINESS_COLUMNS = (
    Column("met", "Met"),
    Column("missed", "Missed"),
    Column("open", "Still open"),
    Column("rate", "Met on time", Kind.RATE),
)
TIMELINESS_CASE_COLUMNS = (
    Column("kind", "Duty", Kind.TEXT),
    Column("due_date", "Due", Kind.DATE),
    Column("completed_on", "Done", Kind.DATE),
    Column("met", "Met", Kind.FLAG),
)


def _timeliness(slug: str, title: str, seed: str, summary: str) -> Measure:
    return Measure(
        slug=slug,
        title=title,
        part=Part.TIMELINESS,
        seed=seed,
        summary=summary,
        figures=TIMELINESS_FIGURES,
        columns=TIMELINESS_COLUMNS,
        row_label="Month due",
        chart=("met", "missed"),
        case_columns=TIMELINESS_CASE_COLUMNS,
        headline="rate",
    )


MONTHLY_COUNT = (Column("count", "Number"),)


# The figures of an agency's replies due in the period (§4.3.4, §8.2): received on or
# before the date in the letter, after it, not received with the date passed, or not yet
# due; the rate is on time over those due by now.
def _reply_figures(total: str) -> tuple[Column, ...]:
    return (
        Column("total", total),
        Column("on_time", "On time"),
        Column("late", "Late"),
        Column("overdue", "Overdue"),
        Column("awaited", "Not yet due"),
        Column("rate", "On time", Kind.RATE),
    )


REPLY_COLUMNS = (
    Column("on_time", "On time"),
    Column("late", "Late"),
    Column("overdue", "Overdue"),
    Column("rate", "On time", Kind.RATE),
)
ESCALATION_COLUMNS = (
    Column("count", "Escalations"),
    Column("unanswered", "No reply"),
    Column("refused", "Refused"),
)

MEASURES: tuple[Measure, ...] = (
    # --- Volumes -------------------------------------------------------------------
    Measure(
        slug="notifications",
        title="Notifications received",
        part=Part.VOLUMES,
        seed="§4.2",
        summary="Local Authority notifications received in the period, by the date received "
        "(§4.2.2): a child's death or serious harm (§4.1.2), including the deaths of "
        "looked-after children and care leavers (§1.3.5).",
        figures=(
            Column("count", "Notifications"),
            Column("deaths", "Child deaths"),
            Column("harm", "Serious harm"),
        ),
        columns=MONTHLY_COUNT,
        row_label="Month received",
        chart=("count",),
        case_columns=(Column("received_on", "Received", Kind.DATE),),
    ),
    Measure(
        slug="referrals",
        title="Referrals received",
        part=Part.VOLUMES,
        seed="§4.9",
        summary="Agency referrals for a Local Child Safeguarding Practice Review received in "
        "the period, with or without a Local Authority notification.",
        figures=(Column("count", "Referrals"), Column("converted", "Became notifications")),
        columns=MONTHLY_COUNT,
        row_label="Month received",
        chart=("count",),
        case_columns=(
            Column("received_on", "Received", Kind.DATE),
            Column("converted_on", "Notified", Kind.DATE),
        ),
    ),
    Measure(
        slug="care-deaths",
        title="Deaths of looked-after children and care leavers",
        part=Part.VOLUMES,
        seed="§1.3.5",
        summary="Notifications in the period of the death of a looked-after child or of a "
        "care leaver up to 24, which the CRG considers (§1.3.5).",
        figures=(
            Column("count", "Deaths"),
            Column("looked_after", "Looked-after children"),
            Column("care_leavers", "Care leavers"),
        ),
        columns=MONTHLY_COUNT,
        row_label="Month received",
        chart=("count",),
        case_columns=(
            Column("received_on", "Received", Kind.DATE),
            Column("care_status", "Care status", Kind.TEXT),
        ),
    ),
    Measure(
        slug="cases-by-stage",
        title="Cases by stage",
        part=Part.VOLUMES,
        seed="§4-§10",
        summary="Cases opened in the period, by the stage each has reached today.",
        figures=(Column("count", "Cases opened"), Column("open", "Still open")),
        columns=(Column("count", "Cases"),),
        row_label="Stage",
        chart=("count",),
        case_columns=(
            Column("opened_on", "Opened", Kind.DATE),
            Column("stage", "Stage", Kind.TEXT),
        ),
    ),
    Measure(
        slug="rapid-reviews-held",
        title="Rapid Reviews held",
        part=Part.VOLUMES,
        seed="§4.4-§4.6",
        summary="Rapid Reviews whose CRG meeting took place in the period (a referral's "
        "decision at a CRG meeting too, §4.9), and whether the meeting was quorate (§4.6.1).",
        figures=(Column("count", "Held"), Column("quorate", "Quorate")),
        columns=(Column("count", "Held"), Column("quorate", "Quorate")),
        row_label="Month held",
        chart=("count", "quorate"),
        case_columns=(
            Column("held_on", "Meeting", Kind.DATE),
            Column("quorate", "Quorum", Kind.TEXT),
        ),
    ),
    Measure(
        slug="rapid-review-decisions",
        title="Decisions to commission a review",
        part=Part.VOLUMES,
        seed="§4.6.2",
        summary="The CRG's decisions in the period whether to commission a Local Child "
        "Safeguarding Practice Review, and the share that proceeded (the conversion rate).",
        figures=(
            Column("count", "Decisions"),
            Column("proceed", "To commission an LCSPR"),
            Column("not_proceed", "Not to"),
            Column("rate", "Conversion rate", Kind.RATE),
        ),
        columns=(Column("count", "Decisions"),),
        row_label="Decision",
        chart=("count",),
        case_columns=(
            Column("decided_on", "Decided", Kind.DATE),
            Column("decision", "Decision", Kind.TEXT),
        ),
        headline="rate",
    ),
    Measure(
        slug="lcsprs",
        title="Local Child Safeguarding Practice Reviews",
        part=Part.VOLUMES,
        seed="§5-§10",
        summary="Reviews commissioned in the period, open at its end (decided and not yet "
        "published, §3.1.3), and whose report was marked final (§9.1.5) or published "
        "(§10.5.2) in it.",
        figures=(
            Column("open", "Open at the end"),
            Column("completed", "Reports completed"),
            Column("published", "Published"),
            Column("commissioned", "Commissioned"),
        ),
        columns=(Column("count", "Reviews"),),
        row_label="Status",
        chart=("count",),
        case_columns=(Column("status", "Status", Kind.TEXT), Column("on", "On", Kind.DATE)),
    ),
    # --- Timeliness ----------------------------------------------------------------
    _timeliness(
        "rapid-review-timeliness",
        "Rapid Reviews completed and sent within 15 working days",
        "§3.1.2",
        "Rapid Reviews whose completion date fell in the period: the review completed and "
        "its report sent to the National Panel within 15 working days of the notification.",
    ),
    _timeliness(
        "information-request-timeliness",
        "Information requests sent within 2 working days",
        "§4.3.3",
        "Where the partnership's rules set it (Leicestershire & Rutland): the information "
        "requests due to be sent in the period, sent within 2 working days of the "
        "notification.",
    ),
    _timeliness(
        "rapid-review-meeting-window",
        "Rapid Review meetings inside the 7-13 working-day window",
        "§4.4.2",
        "Rapid Review meetings whose window closed in the period, held between the 7th and "
        "13th working day after the notification.",
    ),
    _timeliness(
        "referral-decision-timeliness",
        "Referral decisions within two months",
        "§4.9",
        "Referrals whose decision fell due in the period, decided within two months of "
        "the referral.",
    ),
    _timeliness(
        "publication-timeliness",
        "LCSPRs published within six months",
        "§3.1.2",
        "Reviews whose six months from the decision ended in the period, completed and "
        "published by then (§3.1.3).",
    ),
    _timeliness(
        "panel-notice-timeliness",
        "Reports sent at least 7 working days before publication",
        "§10.5.1",
        "Reports due to the National Panel, Ofsted and the DfE in the period, sent at least "
        "seven working days before publication.",
    ),
    _timeliness(
        "decisions-notified",
        "Decisions notified to the National Panel",
        "§1.6.3",
        "Decisions whose notice to the National Panel fell due in the period (Rapid Review "
        "and referral decisions), sent on time.",
    ),
    # --- Agencies ------------------------------------------------------------------
    Measure(
        slug="agency-requests",
        title="Information requests replied to on time, by agency",
        part=Part.AGENCIES,
        seed="§4.3.4",
        summary="Rapid Review information requests whose reply was due in the period, by "
        "agency: received by the date in the letter (on time), after it (late), not received "
        "and the date passed (overdue), or not yet due.",
        figures=_reply_figures("Replies due"),
        columns=REPLY_COLUMNS,
        row_label="Agency",
        chart=("on_time", "late", "overdue"),
        case_columns=(
            Column("agency", "Agency", Kind.TEXT),
            Column("due", "Due", Kind.DATE),
            Column("replied", "Replied", Kind.DATE),
            Column("on_time", "On time", Kind.FLAG),
        ),
        headline="rate",
    ),
    Measure(
        slug="agency-submissions",
        title="Review submissions on time, by agency",
        part=Part.AGENCIES,
        seed="§8.2",
        summary="Agencies' submissions to an LCSPR (chronologies, reports, factual summaries) "
        "due in the period, by agency: on time, late, overdue or not yet due, as for "
        "information requests. One returned for more is judged by its new date.",
        figures=_reply_figures("Submissions due"),
        columns=REPLY_COLUMNS,
        row_label="Agency",
        chart=("on_time", "late", "overdue"),
        case_columns=(
            Column("agency", "Agency", Kind.TEXT),
            Column("kind", "Asked for", Kind.TEXT),
            Column("due", "Due", Kind.DATE),
            Column("replied", "Submitted", Kind.DATE),
            Column("on_time", "On time", Kind.FLAG),
        ),
        headline="rate",
    ),
    Measure(
        slug="escalations",
        title="Escalations, by step",
        part=Part.AGENCIES,
        seed="§2.1.7",
        summary="Steps taken in the period to escalate a refused or unanswered request "
        "(§2.1.7), by step and why; the cases behind them name the agency.",
        figures=ESCALATION_COLUMNS,
        columns=ESCALATION_COLUMNS,
        row_label="Step",
        chart=("unanswered", "refused"),
        case_columns=(
            Column("agency", "Agency", Kind.TEXT),
            Column("step", "Step", Kind.TEXT),
            Column("cause", "Why", Kind.TEXT),
            Column("escalated_on", "Escalated", Kind.DATE),
        ),
    ),
    # --- Learning ------------------------------------------------------------------
    # Rapid Reviews are not coded against the theme list (only an LCSPR's key themes are,
    # §8.8.1), so the themes are the LCSPRs'.
    Measure(
        slug="themes",
        title="Key themes across reviews",
        part=Part.LEARNING,
        seed="§8.8",
        summary="Key themes the LCSPRs coded in the period from the partnership's theme list "
        "(§8.8.1), by theme: how many reviews named each, and how many of their findings "
        "answer it (§9.2.1).",
        figures=(Column("count", "Themes coded"), Column("reviews", "Reviews")),
        columns=(
            Column("lcsprs", "Reviews"),
            Column("findings", "Findings answering it"),
        ),
        row_label="Theme",
        chart=("lcsprs", "findings"),
        case_columns=(
            Column("theme", "Theme", Kind.TEXT),
            Column("coded_on", "Coded", Kind.DATE),
            Column("findings", "Findings"),
        ),
    ),
    Measure(
        slug="recommendations",
        title="Recommendations by status",
        part=Part.LEARNING,
        seed="§9.2",
        summary="Recommendations of the reviews whose report was marked final in the period "
        "(§9.1.5), by where each stands: a draft, agreed (§9.2.2), or answered in the "
        "partnership's action plan, accepted or not (§10.1.2).",
        figures=(
            Column("count", "Recommendations"),
            Column("accepted", "Accepted in an action plan"),
            Column("not_accepted", "Not accepted"),
        ),
        columns=(Column("count", "Recommendations"),),
        row_label="Status",
        chart=("count",),
        case_columns=(
            Column("status", "Status", Kind.TEXT),
            Column("final_on", "Report final", Kind.DATE),
        ),
    ),
    Measure(
        slug="actions",
        title="Actions by status and RAG rating",
        part=Part.LEARNING,
        seed="§11.4",
        summary="Actions of the partnership's action plans due in the period, by how each "
        "stood at the end of the period (or today, if sooner): closed, overdue (open past "
        "its due date) or open, and the RAG rating of its latest audit by then (§11.4.1). "
        "Closed with evidence: closed with evidence still kept.",
        figures=(
            Column("count", "Actions"),
            Column("closed", "Closed"),
            Column("closed_with_evidence", "Closed with evidence"),
            Column("overdue", "Overdue"),
        ),
        columns=(
            Column("red", "Red"),
            Column("amber", "Amber"),
            Column("green", "Green"),
            Column("unrated", "Not rated"),
        ),
        row_label="Status",
        chart=("red", "amber", "green", "unrated"),
        case_columns=(
            Column("agency", "Owner", Kind.TEXT),
            Column("due", "Due", Kind.DATE),
            Column("status", "Status", Kind.TEXT),
            Column("rag", "RAG", Kind.TEXT),
        ),
    ),
    Measure(
        slug="overdue-actions",
        title="Overdue actions, by agency",
        part=Part.LEARNING,
        seed="§11.4",
        summary="Actions open and past their due date at the end of the period (or today, if "
        "sooner), whenever they fell due, by owner agency.",
        figures=(Column("count", "Overdue actions"),),
        columns=(Column("count", "Overdue"),),
        row_label="Agency",
        chart=("count",),
        case_columns=(
            Column("agency", "Owner", Kind.TEXT),
            Column("due", "Due", Kind.DATE),
        ),
    ),
)

MEASURES_BY_SLUG = {measure.slug: measure for measure in MEASURES}
