"""Pure rules of the learning search (issue 17): what counts as a recurrent theme (§1.4.1),
the period recurrence is looked for in, the kinds of result, and how a snippet is cut from
a text and marked where it matches.

The reads are in reporting/selectors/search.py; nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models

from reporting.rules.period import Period
from reviews import anonymisation

# §1.4.1: whether the case "highlights or may highlight recurrent themes". A theme recurs
# when the same theme code is coded in this many reviews (cases) or more; a recommendation
# recurs when this many reviews have recommendations answering findings of the same theme.
RECURRENCE_THRESHOLD = 2
# By default recurrence is looked for in the reviews of the last three years.
RECURRENCE_YEARS = 3

RESULTS_PER_PAGE = 20
QUERY_MAX_LENGTH = 200
# Without full-text search (SQLite, the `make run` demo), each word must appear somewhere
# in the record; past this many words the rest are ignored.
MOST_WORDS = 8
# A snippet cut without full-text search: about this many characters around the match.
EXCERPT_CHARACTERS = 240
WITHHELD = "[name withheld]"

# The marks PostgreSQL's ts_headline puts around a match, or the excerpt puts: characters
# that no review's text holds, taken off before anything is shown.
START_MARK = "\u27e6"
STOP_MARK = "\u27e7"


class Kind(models.TextChoices):
    """What a result is: a review's restricted record, or published material."""

    THEME = "theme", "Key theme"
    FINDING = "finding", "Finding"
    RECOMMENDATION = "recommendation", "Recommendation"
    ACTION = "action", "Action"
    PUBLISHED = "published", "Published report"


# The kinds that have an owner agency, which the agency filter chooses by.
KINDS_WITH_OWNER = frozenset({Kind.RECOMMENDATION, Kind.ACTION})


def recurrence_period(today: date, *, start: date | None = None, end: date | None = None) -> Period:
    """The period recurrence is looked for in: the dates chosen, or the last
    RECURRENCE_YEARS years up to `end` (today by default), both ends included."""
    end = end or today
    if start is None:
        try:
            start = end.replace(year=end.year - RECURRENCE_YEARS)
        except ValueError:  # 29 February
            start = end.replace(year=end.year - RECURRENCE_YEARS, day=28)
        start += timedelta(days=1)
    return Period(start, end)


def recurs(reviews: int) -> bool:
    return reviews >= RECURRENCE_THRESHOLD


def words_of(query: str) -> list[str]:
    """The words of a query, for matching without full-text search: quotes and the
    punctuation around words dropped, each word once, at most MOST_WORDS."""
    words: list[str] = []
    for raw in query.split():
        word = raw.strip("\"'“”‘’.,;:!?()[]{}").strip()
        if word and word.casefold() not in {w.casefold() for w in words}:
            words.append(word)
    return words[:MOST_WORDS]


@dataclass(frozen=True)
class Segment:
    text: str
    match: bool = False


def excerpt(text: str, words: list[str], width: int = EXCERPT_CHARACTERS) -> str:
    """About `width` characters of `text` around its first match of any of `words`, cut at
    word boundaries, each match between START_MARK and STOP_MARK, with "…" where cut."""
    text = " ".join(text.split())
    if not text:
        return ""
    pattern = _pattern(words)
    first = pattern.search(text) if pattern else None
    at = first.start() if first else 0
    begin = max(0, at - width // 3)
    end = min(len(text), begin + width)
    if begin > 0:
        space = text.find(" ", begin)
        begin = space + 1 if 0 <= space < at else begin
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > (first.end() if first else begin) else end
    piece = text[begin:end]
    if pattern:
        piece = pattern.sub(lambda m: START_MARK + m.group(0) + STOP_MARK, piece)
    return ("… " if begin > 0 else "") + piece + (" …" if end < len(text) else "")


def _pattern(words: list[str]) -> re.Pattern | None:
    if not words:
        return None
    alternatives = sorted((re.escape(w) for w in words), key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def segments(marked: str) -> list[Segment]:
    """A marked snippet as its plain and matching pieces, in order, for the template to
    show the matches (escaped like any text) without marking any text safe."""
    pieces: list[Segment] = []
    for part in re.split(f"({re.escape(START_MARK)}.*?{re.escape(STOP_MARK)})", marked):
        if not part:
            continue
        if part.startswith(START_MARK) and part.endswith(STOP_MARK):
            pieces.append(Segment(part[1:-1], match=True))
        else:
            pieces.append(Segment(part.replace(START_MARK, "").replace(STOP_MARK, "")))
    return pieces


def names_withheld(pieces: list[Segment], names: list[str]) -> list[Segment]:
    """The snippet with every form of the given names (a child's, a family member's: the
    restricted fields, which reviews' texts should never hold) replaced by WITHHELD, as the
    anonymisation guard finds them (reviews/anonymisation.py, §9.1.3)."""
    people = tuple(anonymisation.Person(name, anonymisation.CHILD_NAME) for name in names if name)
    if not people:
        return pieces
    restricted = anonymisation.Restricted(people=people)
    withheld = []
    for piece in pieces:
        text = piece.text
        hits = anonymisation.scan_chunk(restricted, anonymisation.Chunk("", text))
        for hit in sorted(hits, key=lambda h: h.start, reverse=True):
            text = text[: hit.start] + WITHHELD + text[hit.start + len(hit.found) :]
        withheld.append(Segment(text, piece.match and text == piece.text))
    return withheld
