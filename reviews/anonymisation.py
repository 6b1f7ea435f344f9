"""The anonymisation guard's rules (§9.1.3, §7.2.1): pure, no queries.

A published report must not identify the child or the family: no name, no date of birth
or death, no address, no school or setting, no Local Authority reference, no
practitioner's name, and nothing the Reviewer put on the case's "never publish" list.
`Restricted` holds what the case knows (reviews/selectors/report_guard.py reads it);
`scan` reads a draft split into located chunks (a section's paragraph, a page of the PDF)
and returns every place it holds any of it, the text as the draft has it, with the words
around it.

How text is compared: case and accents are folded ("ZOË" finds "Zoe"), curly apostrophes
are straight, and every term is a whole word or phrase ("Jay" is not found in "Jayne").
The children's pseudonyms ("Child A") are never hits, even where they share a word with a
name (as in cases.rules.PersonNames, whose folding this module reuses).

False positives are deliberate. Many names are also English words ("Will", "Hope", "May",
"Grace", "Mark", "Rose"), and the table of short forms holds some ("Will" for William,
"Bill", "Pat"). A guard that skipped them would let "Will's school" through, so every such
word is still reported as the name it may be: the CRG chair accepts a false positive with
a reason (reviews/services/report_guard.py), which costs a minute, while a missed name
cannot be unpublished. What the guard does not do is invent: a short form is looked for
only when a restricted name has it in the table, and a name part of fewer than three
letters ("Al", "Jo") only within the whole name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from cases.rules import NAME_PART_LETTERS, _folded

CONTEXT_WORDS = 8  # words either side of a hit, for the chair and the Reviewer to judge it

# HitKind values (reviews.models.report.HitKind), repeated here so the rules stay pure.
CHILD_NAME = "child_name"
FAMILY_NAME = "family_name"
DATE_OF_BIRTH = "date_of_birth"
DATE_OF_DEATH = "date_of_death"
ADDRESS = "address"
POSTCODE = "postcode"
SCHOOL = "school"
LA_REFERENCE = "la_reference"
NHS_NUMBER = "nhs_number"
PRACTITIONER = "practitioner"
NEVER_PUBLISH = "never_publish"

# Where two terms are found at the same place, the hit is named after the first of these.
KIND_ORDER = (
    CHILD_NAME,
    FAMILY_NAME,
    NEVER_PUBLISH,
    DATE_OF_BIRTH,
    DATE_OF_DEATH,
    POSTCODE,
    ADDRESS,
    SCHOOL,
    LA_REFERENCE,
    NHS_NUMBER,
    PRACTITIONER,
)

# Common English short forms of first names. Only looked for when a restricted name has
# one of these as a part (see the module's docstring on words that are also names).
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "abigail": ("abi", "abby", "abbie", "gail"),
    "alexander": ("alex", "xander", "sandy", "lex"),
    "alexandra": ("alex", "lexi", "sandra", "sandy"),
    "alfred": ("alf", "alfie", "fred"),
    "amelia": ("millie", "mia", "amy"),
    "andrew": ("andy", "drew"),
    "anthony": ("tony", "ant"),
    "archibald": ("archie",),
    "benjamin": ("ben", "benny", "benji"),
    "bradley": ("brad",),
    "callum": ("cal",),
    "catherine": ("cath", "cathy", "kate", "katie", "kat"),
    "charles": ("charlie", "chas", "chuck"),
    "charlotte": ("charlie", "lottie", "lotte"),
    "christina": ("chris", "tina", "chrissy"),
    "christine": ("chris", "chrissy", "tina"),
    "christopher": ("chris", "kit", "topher"),
    "daniel": ("dan", "danny"),
    "danielle": ("dani", "ellie"),
    "david": ("dave", "davy", "davey"),
    "deborah": ("debbie", "debs", "deb"),
    "dominic": ("dom",),
    "edward": ("ed", "eddie", "ted", "teddy", "ned"),
    "eleanor": ("ellie", "nell", "nora"),
    "elizabeth": ("liz", "lizzie", "lizzy", "beth", "betty", "eliza", "libby", "bess"),
    "emily": ("em", "emmy", "milly"),
    "florence": ("flo", "florrie"),
    "frederick": ("fred", "freddie", "freddy"),
    "gabriel": ("gabe",),
    "gabriella": ("gabby", "ella"),
    "harold": ("harry", "hal"),
    "harriet": ("hattie", "harri"),
    "henry": ("harry", "hal", "hank"),
    "isabella": ("bella", "izzy", "issy", "isla"),
    "isabelle": ("belle", "izzy", "issy"),
    "jacob": ("jake", "jack"),
    "james": ("jim", "jimmy", "jamie", "jem"),
    "jayden": ("jay",),
    "jennifer": ("jen", "jenny", "jenna"),
    "jessica": ("jess", "jessie"),
    "john": ("jack", "johnny", "jon"),
    "jonathan": ("jon", "jonny", "nathan"),
    "joseph": ("joe", "joey", "jo"),
    "josephine": ("jo", "josie", "jojo"),
    "joshua": ("josh",),
    "katherine": ("kath", "kathy", "kate", "katie", "kat"),
    "kathleen": ("kath", "kathy", "kate"),
    "kimberley": ("kim",),
    "kimberly": ("kim",),
    "lawrence": ("larry", "laurie"),
    "leonard": ("len", "lenny", "leo"),
    "louise": ("lou", "lulu"),
    "madison": ("maddie", "maddy"),
    "margaret": ("maggie", "meg", "peggy", "madge", "maisie"),
    "matilda": ("tilly", "tillie"),
    "matthew": ("matt", "matty"),
    "michael": ("mike", "mikey", "mick", "micky"),
    "michelle": ("shell", "shelley"),
    "nathan": ("nate",),
    "nathaniel": ("nat", "nate", "nathan"),
    "nicholas": ("nick", "nicky", "nico"),
    "nicola": ("nicky", "nikki"),
    "oliver": ("ollie", "olly"),
    "olivia": ("liv", "livvy", "ollie"),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "patrick": ("pat", "paddy"),
    "penelope": ("penny",),
    "peter": ("pete",),
    "philip": ("phil", "pip"),
    "phillip": ("phil", "pip"),
    "rebecca": ("becky", "becca", "bex"),
    "richard": ("rich", "richie", "rick", "ricky", "dick"),
    "robert": ("rob", "robbie", "bob", "bobby", "bert"),
    "ronald": ("ron", "ronnie"),
    "samantha": ("sam", "sammy"),
    "samuel": ("sam", "sammy"),
    "sarah": ("sally", "sadie"),
    "sebastian": ("seb", "bash"),
    "sophia": ("sophie",),
    "stephanie": ("steph",),
    "stephen": ("steve", "stevie"),
    "steven": ("steve", "stevie"),
    "susan": ("sue", "susie", "suzy"),
    "theodore": ("theo", "ted", "teddy"),
    "thomas": ("tom", "tommy"),
    "timothy": ("tim", "timmy"),
    "victoria": ("vicky", "vicki", "tori", "vic"),
    "william": ("will", "bill", "billy", "willy", "liam"),
    "zachary": ("zach", "zack", "zak"),
}

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

# Words that say what kind of place a school is, not which: "Highfield Primary School" is
# also looked for as "Highfield".
_SCHOOL_WORDS = frozenset(
    [
        "school",
        "schools",
        "primary",
        "secondary",
        "infant",
        "infants",
        "junior",
        "juniors",
        "nursery",
        "academy",
        "college",
        "high",
        "community",
        "church",
        "england",
        "c",
        "of",
        "e",
        "ce",
        "rc",
        "catholic",
        "federation",
        "pre",
        "preschool",
        "and",
        "the",
        "day",
        "centre",
        "center",
        "children",
        "s",
        "childrens",
    ]
)
_UK_POSTCODE = re.compile(r"(?<![^\W_])([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})(?![^\W_])")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# A whole word or phrase, and its possessive or plural ("Jayden's", "Jones'", "the
# Okafors") as part of the hit.
_END = r"(?:'s|s'|'|s)?(?![^\W_])"
_START = r"(?<![^\W_])"


@dataclass(frozen=True)
class Chunk:
    """A located piece of a draft: "Section 3 ‘Background’, paragraph 2", "Page 4"."""

    location: str
    text: str


@dataclass(frozen=True)
class Hit:
    kind: str
    found: str  # as the draft has it
    context: str  # the words around it, `found` included
    location: str
    start: int  # where in the chunk, so that hits read in order


@dataclass(frozen=True)
class Person:
    name: str
    kind: str  # CHILD_NAME, FAMILY_NAME or PRACTITIONER


@dataclass(frozen=True)
class Restricted:
    """What the case knows that a published report must not say (§9.1.3).

    `places`: the names of the partnership's area ("Leicester", "Rutland"): a line of an
    address that names only the area is not looked for on its own, or every report
    would be stopped by the partnership's own name."""

    people: tuple[Person, ...] = ()
    dates: tuple[tuple[date, str], ...] = ()  # (the date, DATE_OF_BIRTH or DATE_OF_DEATH)
    addresses: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()
    references: tuple[str, ...] = ()  # Local Authority references
    nhs_numbers: tuple[str, ...] = ()
    never_publish: tuple[str, ...] = ()
    pseudonyms: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    _patterns: list = field(default_factory=list, compare=False, repr=False)

    def patterns(self) -> list[tuple[str, re.Pattern]]:
        """(kind, pattern over folded text), compiled once per Restricted."""
        if not self._patterns:
            self._patterns.extend(_compile(self))
        return self._patterns


# --- Folding, with the way back to the text as written ----------------------------------


def fold(text: str) -> tuple[str, list[int]]:
    """The text folded as cases.rules._folded folds it, apostrophes straightened, and for
    each folded character the index of the character it came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text.translate(_APOSTROPHES)):
        folded = _folded(char)
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


def _tokens(text: str) -> list[str]:
    """Words and numbers, folded: "14 Acacia Avenue" -> ["14", "acacia", "avenue"]."""
    return re.findall(r"[^\W_]+", _folded(text.translate(_APOSTROPHES)))


def _letters(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", _folded(text))


def _phrase(tokens: list[str]) -> str:
    return r"[\W_]+".join(map(re.escape, tokens))


# --- What each kind of restricted data looks like in a draft -----------------------------


def name_forms(name: str) -> list[list[str]]:
    """The forms a name is looked for in: the whole name, each part of 3 or more
    letters, and the short forms (SHORT_FORMS) of each part."""
    words = _letters(name)
    if sum(map(len, words)) < 2:
        return []  # an initial alone would be found in every "a"
    forms = [words]
    for word in words:
        if len(word) >= NAME_PART_LETTERS:
            forms.append([word])
        forms += [[short] for short in SHORT_FORMS.get(word, ()) if len(short) >= 3]
    unique: list[list[str]] = []
    for form in forms:
        if form not in unique:
            unique.append(form)
    return unique


def date_pattern(day: date) -> str:
    """The usual written forms of a date: 2 March 2019, 2nd March 2019, 2 Mar 2019,
    March 2, 2019, 02/03/2019, 2/3/2019, 2.3.19, 2019-03-02."""
    month = _MONTHS[day.month - 1]
    months = {month, month[:3]} | ({"sept"} if day.month == 9 else set())
    m_words = "(?:" + "|".join(sorted(months, key=len, reverse=True)) + r")\.?"
    d = rf"0?{day.day}(?:st|nd|rd|th)?"
    y = str(day.year)
    yy = f"{day.year % 100:02d}"
    sep = r"[\s,]+"
    forms = [
        rf"{d}(?:\s+of)?\s+{m_words}{sep}{y}",
        rf"{m_words}\s+{d}{sep}{y}",
        rf"0?{day.day}\s*([/.-])\s*0?{day.month}\s*\1\s*(?:{y}|{yy})",
        rf"{y}\s*([/.-])\s*0?{day.month}\s*\2\s*0?{day.day}",
    ]
    return r"(?<![\w/.-])(?:" + "|".join(forms) + r")(?![\w/]|[.-]\d)"


def address_lines(address: str, places: Iterable[str] = ()) -> list[str]:
    """Each line of an address of 4 or more characters (split at new lines and commas),
    without its postcode, and a street also without its house number ("14 Acacia
    Avenue" and "Acacia Avenue"). A line naming only the partnership's area is left out."""
    place_words = {w for place in places for w in _tokens(place)}
    lines = []
    for raw in re.split(r"[\n,;]+", address):
        line = _UK_POSTCODE.sub(" ", _folded(raw)).strip(" .")
        tokens = _tokens(line)
        if not tokens or len(" ".join(tokens)) < 4 or set(tokens) <= place_words:
            continue
        lines.append(" ".join(tokens))
        rest = tokens[1:] if re.fullmatch(r"\d+[a-z]?", tokens[0]) else []
        if rest[:1] == ["flat"] or tokens[0] in {"flat", "apartment", "unit"}:
            rest = []
        if rest and len(" ".join(rest)) >= 4 and not set(rest) <= place_words:
            lines.append(" ".join(rest))
    return lines


def postcodes(address: str) -> list[str]:
    """The UK postcodes in an address, folded and without their space ("le16aa")."""
    return [a + b for a, b in _UK_POSTCODE.findall(_folded(address))]


def school_forms(name: str, places: Iterable[str] = ()) -> list[list[str]]:
    """A school or setting's whole name, and its distinctive part ("Highfield" of
    "Highfield Primary School") where that is 4 letters or more and not only the area's
    name"). A bracketed part ("Riverside Academy (Oadby)") is also dropped, so that the
    name as people write it is found too."""
    forms: list[list[str]] = []
    place_words = {w for place in places for w in _tokens(place)}
    bare = re.sub(r"\([^)]*\)", " ", name)
    for written in (name, bare) if bare.strip() != name.strip() else (name,):
        tokens = _tokens(written)
        if not tokens:
            continue
        stem = [t for t in tokens if t not in _SCHOOL_WORDS]
        candidates = [tokens]
        if (
            stem
            and stem != tokens
            and len("".join(stem)) >= 4
            and not set(stem) <= place_words
            and stem == tokens[tokens.index(stem[0]) : tokens.index(stem[0]) + len(stem)]
        ):
            candidates.append(stem)
        forms += [form for form in candidates if form not in forms]
    return forms


def _compile(restricted: Restricted) -> list[tuple[str, re.Pattern]]:
    patterns: list[tuple[str, str]] = []
    for person in restricted.people:
        for form in name_forms(person.name):
            patterns.append((person.kind, _START + _phrase(form) + _END))
    for day, kind in restricted.dates:
        patterns.append((kind, date_pattern(day)))
    for address in restricted.addresses:
        for line in address_lines(address, restricted.places):
            patterns.append((ADDRESS, _START + _phrase(line.split()) + _END))
        for code in postcodes(address):
            outward, inward = code[:-3], code[-3:]
            patterns.append((POSTCODE, rf"{_START}{outward}\s*{inward}(?![^\W_])"))
    for school in restricted.schools:
        for form in school_forms(school, restricted.places):
            patterns.append((SCHOOL, _START + _phrase(form) + _END))
    for reference in restricted.references:
        tokens = _tokens(reference)
        if len("".join(tokens)) >= 4:
            patterns.append((LA_REFERENCE, _START + _phrase(tokens) + r"(?![^\W_])"))
    for number in restricted.nhs_numbers:
        digits = re.sub(r"\D", "", number)
        if len(digits) >= 6:
            patterns.append((NHS_NUMBER, r"(?<!\d)" + r"[\s-]?".join(digits) + r"(?!\d)"))
    for term in restricted.never_publish:
        tokens = _tokens(term)
        if tokens:
            patterns.append((NEVER_PUBLISH, _START + _phrase(tokens) + _END))
        elif term.strip():
            patterns.append((NEVER_PUBLISH, re.escape(_folded(term.strip()))))
    return [(kind, re.compile(pattern)) for kind, pattern in patterns]


# --- Reading a draft ---------------------------------------------------------------------


def _blank_pseudonyms(folded: str, pseudonyms: Iterable[str]) -> str:
    """The pseudonyms overwritten with spaces of the same length, so that offsets keep."""
    for pseudonym in pseudonyms:
        if tokens := _tokens(pseudonym):
            pattern = re.compile(_START + _phrase(tokens) + r"(?![^\W_])")
            folded = pattern.sub(lambda m: " " * len(m.group(0)), folded)
    return folded


def context_of(text: str, start: int, end: int, words: int = CONTEXT_WORDS) -> str:
    """The hit with up to `words` words either side, on one line."""
    before = text[:start].split()
    after = text[end:].split()
    # A hit inside a word's run ("(Jayden") keeps what is glued to it.
    head = text[:start]
    glued_before = "" if not head or head[-1].isspace() else before.pop()
    tail = text[end:]
    glued_after = "" if not tail or tail[0].isspace() else after.pop(0)
    left = " ".join(before[-words:])
    right = " ".join(after[:words])
    middle = glued_before + text[start:end] + glued_after
    return " ".join(part for part in (left, " ".join(middle.split()), right) if part)


def scan_chunk(restricted: Restricted, chunk: Chunk) -> list[Hit]:
    folded, origin = fold(chunk.text)
    folded = _blank_pseudonyms(folded, restricted.pseudonyms)
    candidates = []
    for kind, pattern in restricted.patterns():
        for match in pattern.finditer(folded):
            if match.end() > match.start():
                candidates.append((match.start(), match.end(), kind))
    # The longest at each place wins ("Jayden Smith", not "Jayden" and "Smith"); of two
    # equally long, the kind that comes first in KIND_ORDER.
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0]), KIND_ORDER.index(c[2])))
    hits = []
    reached = 0
    for start, end, kind in candidates:
        if start < reached:
            continue
        reached = end
        first, last = origin[start], origin[end - 1] + 1
        hits.append(
            Hit(
                kind=kind,
                found=chunk.text[first:last],
                context=context_of(chunk.text, first, last),
                location=chunk.location,
                start=first,
            )
        )
    return hits


def scan(restricted: Restricted, chunks: Iterable[Chunk]) -> list[Hit]:
    """Every place the chunks hold restricted data, in reading order."""
    return [hit for chunk in chunks for hit in scan_chunk(restricted, chunk)]


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs: its non-empty lines."""
    return [line for line in text.splitlines() if line.strip()]
