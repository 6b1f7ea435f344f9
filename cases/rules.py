"""Rules of `cases` that both selectors and services use: pure, no queries."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from cases.models import InformationRequest, RequestStatus, Stage

# Until the CRG has decided, an agency may still be asked more about the child; once its
# reply is accepted and the decision is signed off, it no longer needs to find them.
STAGES_BEFORE_DECISION = frozenset(
    {Stage.INTAKE, Stage.RAPID_REVIEW, Stage.REFERRAL_DECISION, Stage.CRG_CONSIDERATION}
)


def identities_open_to_agency(request: InformationRequest) -> bool:
    """Whether the agency a request is addressed to still sees who the child and family
    are, so that it can find its records (issue 12): until the CRG's decision is signed
    off, and after it only while its request is still open on a case that goes on. A
    closed case shows them to no agency, answered or not."""
    stage = request.case.stage
    if stage == Stage.CLOSED:
        return False
    return stage in STAGES_BEFORE_DECISION or request.status != RequestStatus.ACCEPTED


# The timescale of §4.3.3: information requests sent within N working days of the
# notification, where the partnership has such a limit.
REQUESTS_SENT = "information_request_sent"


def sent_late(request: InformationRequest, due: date | None) -> bool:
    """§4.3.3 ("in all cases ... within 2 working days of receiving the notification"):
    each request is judged on its own date, whichever batch it went out in. `due` is None
    where the partnership has no such limit."""
    return due is not None and timezone.localdate(request.sent_at) > due


# --- Names in free text that leaves the restricted case file ------------------------------

NAME_PART_LETTERS = 3  # a shorter part of a name ("Al", "Jo") is caught only in the whole name


def _folded(text: str) -> str:
    """Case and accents folded, so that "ZOË" finds "Zoe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", _folded(text))


def _whole(words: list[str]) -> re.Pattern:
    return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)")


@dataclass(frozen=True)
class PersonNames:
    """The names of a case's children and family members, and the children's pseudonyms.

    Free text that leaves the restricted case file (a notice to the National Panel, a
    report) may say "Child A", never a name (§3.1.3, §10): `found_in` says whether it
    holds one of the names, or any part of one of 3 or more letters, as a whole word,
    ignoring case and accents. A pseudonym is allowed, even where it shares a word with a
    name."""

    names: tuple[str, ...]
    pseudonyms: tuple[str, ...] = ()

    def found_in(self, text: str) -> bool:
        folded = _folded(text)
        for pseudonym in self.pseudonyms:
            if words := _words(pseudonym):
                folded = _whole(words).sub(" ", folded)
        return any(pattern.search(folded) for pattern in self._patterns())

    def _patterns(self) -> list[re.Pattern]:
        patterns = []
        for name in self.names:
            words = _words(name)
            if sum(map(len, words)) < 2:
                continue  # an initial alone would match every "a"
            patterns.append(_whole(words))
            patterns += [_whole([w]) for w in words if len(w) >= NAME_PART_LETTERS]
        return patterns


# --- Long documents rendered in the background (issue 18) -------------------------------

# Goes up when a long document's template or layout changes, so that files rendered with
# the old one are no longer offered.
DOCUMENT_LAYOUTS = {"combined_chronology": 1}


def content_key(kind: str, parts) -> str:
    """The digest a rendered document is cached under: its kind and layout, and the change
    stamps of every row it shows (`parts`, JSON-able). Any edit to those rows gives a new
    key, so a new rendering; the old file is not offered again."""
    import hashlib
    import json

    payload = json.dumps([kind, DOCUMENT_LAYOUTS[kind], parts], default=str, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()
