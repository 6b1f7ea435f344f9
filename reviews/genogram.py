"""Drawing a genogram (§7.2.1) in the standard notation: data in, SVG text out.

Pure: no database, no request. reviews/selectors/genogram.py turns the family network
(reviews/models/family.py) into `Person` and `Couple` rows, with names for the review
team's version or anonymised labels for the version a report may hold, and calls
`genogram_svg`.

The notation: a square for a male, a circle for a female, a diamond when not known; a
double outline for the subject child; a cross through a person who has died; partners
joined by a line beneath them (solid when married or civil partners, dashed when
partners, one slash when separated, two when divorced); children hanging from their
parents' line, one generation below; a household as a dashed boundary around its
members; the age under the shape.

The layout is by generation, from the mother/father links: a child is one generation
below its parents, partners share a generation, and someone with no parents in the
network stands one generation above their children.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape, unescape

MALE, FEMALE, UNKNOWN = "male", "female", "unknown"
MARRIED, PARTNERS, SEPARATED, DIVORCED = "married", "partners", "separated", "divorced"

SHAPE = 40  # the side of a square, the diameter of a circle
COLUMN = 150  # from one person's centre to the next in a generation
ROW = 190  # from one generation's shapes to the next's
MARGIN = 40
# A wrapped label is up to LABEL_CHARACTERS wide, centred under its shape: the first
# column is set in by this much more, so that its labels are not cut at the left edge.
LABEL_ROOM = 45
COUPLE_DROP = 12  # the partners' line runs this far below their shapes
LABEL_TOP = 30  # the first line of a label, below the shape
LINE_HEIGHT = 14
LABEL_CHARACTERS = 20  # wrapped beyond this, so that neighbours' labels do not meet
INK = "#0b0c0c"
GREY = "#505a5f"
# Presentation attributes, not a <style>: the product's Content Security Policy refuses
# inline styles on its pages, and attributes read the same in a file and in the PDF.
_ATTRS = {
    "shape": f'fill="#ffffff" stroke="{INK}" stroke-width="2"',
    "line": f'stroke="{INK}" stroke-width="1.5" fill="none"',
    "line couple-partners": f'stroke="{INK}" stroke-width="1.5" fill="none" stroke-dasharray="6 4"',
    "slash": f'stroke="{INK}" stroke-width="2"',
    "cross": f'stroke="{INK}" stroke-width="2"',
    "household-line": f'fill="none" stroke="{GREY}" stroke-width="1.5" stroke-dasharray="5 4"',
    "label": f'font-family="sans-serif" font-size="13" fill="{INK}"',
    "label age": f'font-family="sans-serif" font-size="12" fill="{INK}"',
    "household-label": f'font-family="sans-serif" font-size="11" font-style="italic" fill="{GREY}"',
}


@dataclass(frozen=True)
class Person:
    key: int
    label: str
    sex: str = UNKNOWN
    age: int | None = None
    is_subject: bool = False
    is_deceased: bool = False
    mother: int | None = None
    father: int | None = None
    household: str = ""


@dataclass(frozen=True)
class Couple:
    first: int
    second: int
    kind: str = PARTNERS


@dataclass
class Layout:
    """Where each person stands: generation (0 at the top) and centre."""

    generation: dict[int, int] = field(default_factory=dict)
    x: dict[int, float] = field(default_factory=dict)
    y: dict[int, float] = field(default_factory=dict)
    width: float = 0
    height: float = 0

    @property
    def generations(self) -> int:
        return max(self.generation.values(), default=-1) + 1


def parents_of(person: Person, keys: set[int]) -> list[int]:
    """The person's parents who are in the network."""
    return [p for p in (person.mother, person.father) if p is not None and p in keys]


def generations(people: list[Person], couples: list[Couple]) -> dict[int, int]:
    """Each person's generation, 0 at the top.

    Every constraint only ever raises a generation number, so the rounds stop; a loop in
    the links (a data error: someone their own ancestor) is cut off after enough rounds
    for any honest family."""
    keys = {p.key for p in people}
    parents = {p.key: parents_of(p, keys) for p in people}
    children = defaultdict(list)
    for child, their_parents in parents.items():
        for parent in their_parents:
            children[parent].append(child)
    pairs = [(c.first, c.second) for c in couples if c.first in keys and c.second in keys]
    generation = dict.fromkeys(keys, 0)
    for _round in range(2 * len(keys) + 2):
        changed = False

        def raise_to(key, value):
            nonlocal changed
            if value > generation[key]:
                generation[key] = value
                changed = True

        for child, their_parents in parents.items():
            for parent in their_parents:
                raise_to(child, generation[parent] + 1)
        for first, second in pairs:
            level = max(generation[first], generation[second])
            raise_to(first, level)
            raise_to(second, level)
        # Someone with no parents in the network stands just above their children.
        for key in keys:
            if not parents[key] and children[key]:
                raise_to(key, min(generation[c] for c in children[key]) - 1)
        if not changed:
            break
    top = min(generation.values(), default=0)
    return {key: level - top for key, level in generation.items()}


def _units(members: list[int], pairs: list[tuple[int, int]]) -> list[list[int]]:
    """The generation's people grouped so that partners stand side by side: each group is
    a chain of couples (someone between an earlier and a later partner), in order."""
    inside = set(members)
    links = defaultdict(list)
    for first, second in pairs:
        if first in inside and second in inside:
            links[first].append(second)
            links[second].append(first)
    seen: set[int] = set()
    units = []
    for start in members:
        if start in seen:
            continue
        component, stack = [], [start]
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            component.append(key)
            stack.extend(links[key])
        # Walk the chain from one end, in the order people were given.
        order = {key: i for i, key in enumerate(members)}
        ends = [k for k in component if len(links[k]) <= 1] or component
        walk, here = [], min(ends, key=order.get)
        while here is not None and here not in walk:
            walk.append(here)
            following = [k for k in sorted(links[here], key=order.get) if k not in walk]
            here = following[0] if following else None
        walk += [k for k in sorted(component, key=order.get) if k not in walk]
        units.append(walk)
    return units


def layout(people: list[Person], couples: list[Couple]) -> Layout:
    """Generations from the links; within each, people under their parents' centre,
    partners side by side."""
    result = Layout(generation=generations(people, couples))
    keys = {p.key for p in people}
    by_key = {p.key: p for p in people}
    pairs = [(c.first, c.second) for c in couples]
    rows = defaultdict(list)
    for person in people:  # in the order given: the selector's order
        rows[result.generation[person.key]].append(person.key)
    widest = 0
    for level in range(result.generations):
        members = rows[level]

        def wanted(key):
            """The centre of the person's parents, where they are already placed."""
            placed = [result.x[p] for p in parents_of(by_key[key], keys) if p in result.x]
            return sum(placed) / len(placed) if placed else None

        units = _units(members, pairs)
        keyed = []
        for index, unit in enumerate(units):
            centres = [c for c in map(wanted, unit) if c is not None]
            keyed.append((sum(centres) / len(centres) if centres else float("inf"), index, unit))
        keyed.sort(key=lambda item: (item[0], item[1]))
        position = 0
        for _centre, _index, unit in keyed:
            for key in unit:
                result.x[key] = MARGIN + LABEL_ROOM + SHAPE / 2 + position * COLUMN
                result.y[key] = MARGIN + 16 + level * ROW + SHAPE / 2
                position += 1
        widest = max(widest, position)
    result.width = 2 * (MARGIN + LABEL_ROOM) + max(widest - 1, 0) * COLUMN + SHAPE
    result.height = 2 * MARGIN + 16 + max(result.generations - 1, 0) * ROW + SHAPE + 90
    return result


def _wrap(text: str) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > LABEL_CHARACTERS:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines[:3] or [""]


def _shape(sex: str, x: float, y: float, half: float, css: str) -> str:
    if sex == MALE:
        return (
            f'<rect class="{css}" {_ATTRS[css]} x="{x - half:g}" y="{y - half:g}" '
            f'width="{2 * half:g}" height="{2 * half:g}"/>'
        )
    if sex == FEMALE:
        return f'<circle class="{css}" {_ATTRS[css]} cx="{x:g}" cy="{y:g}" r="{half:g}"/>'
    return (
        f'<polygon class="{css}" {_ATTRS[css]} points="{x:g},{y - half:g} {x + half:g},{y:g} '
        f'{x:g},{y + half:g} {x - half:g},{y:g}"/>'
    )


def _line(x1, y1, x2, y2, css="line") -> str:
    return f'<line class="{css}" {_ATTRS[css]} x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}"/>'


def _label_lines(person: Person) -> list[str]:
    lines = _wrap(person.label)
    if person.age is not None:
        lines.append(f"Age {person.age}")
    return lines


def genogram_svg(
    people: list[Person],
    couples: list[Couple],
    *,
    title: str,
    description: str,
    id_prefix: str = "genogram",
    household_labels: dict[str, str] | None = None,
) -> str:
    """The genogram as an accessible SVG: role="img" named by its <title> and described
    by its <desc>. `household_labels` names each household's boundary (the anonymised
    version passes "Household 1", ...; by default the household's own text)."""
    where = layout(people, couples)
    keys = {p.key for p in people}
    by_key = {p.key: p for p in people}
    half = SHAPE / 2
    parts: list[str] = []

    # Households first, so that the people are drawn over their boundary.
    households = defaultdict(list)
    for person in people:
        if person.household:
            households[person.household].append(person.key)
    for name, members in households.items():
        left = min(where.x[k] for k in members) - half - 28
        right = max(where.x[k] for k in members) + half + 28
        top = min(where.y[k] for k in members) - half - 24
        bottom = max(where.y[k] for k in members) + half + LABEL_TOP + 2 * LINE_HEIGHT + 4
        label = (household_labels or {}).get(name, name)
        parts.append(
            f'<g class="household"><rect class="household-line" {_ATTRS["household-line"]} '
            f'x="{left:g}" y="{top:g}" width="{right - left:g}" height="{bottom - top:g}" rx="8"/>'
            f'<text class="household-label" {_ATTRS["household-label"]} '
            f'x="{left + 6:g}" y="{top + 12:g}">'
            f"{escape(label)}</text></g>"
        )

    # Couples: a line beneath both partners; slashes across it when they parted.
    couple_middle: dict[frozenset, tuple[float, float]] = {}
    for couple in couples:
        if couple.first not in keys or couple.second not in keys:
            continue
        a, b = sorted((couple.first, couple.second), key=lambda k: where.x[k])
        below = max(where.y[a], where.y[b]) + half + COUPLE_DROP
        css = "line couple-partners" if couple.kind == PARTNERS else "line"
        parts.append(
            f'<g class="couple couple-{escape(couple.kind)}">'
            + _line(where.x[a], where.y[a] + half, where.x[a], below, css)
            + _line(where.x[b], where.y[b] + half, where.x[b], below, css)
            + _line(where.x[a], below, where.x[b], below, css)
        )
        middle = (where.x[a] + where.x[b]) / 2
        slashes = {SEPARATED: [0], DIVORCED: [-4, 4]}.get(couple.kind, [])
        for offset in slashes:
            parts.append(
                _line(middle + offset - 5, below + 8, middle + offset + 5, below - 8, "slash")
            )
        parts.append("</g>")
        couple_middle[frozenset((a, b))] = (middle, below)

    # Children hang from their parents' line (or from a lone parent) by a sibship line.
    families = defaultdict(list)
    for person in people:
        parents = tuple(sorted(parents_of(person, keys)))
        if parents:
            families[parents].append(person.key)
    for index, (parents, children) in enumerate(sorted(families.items())):
        if len(parents) == 2 and frozenset(parents) in couple_middle:
            top_x, top_y = couple_middle[frozenset(parents)]
        elif len(parents) == 2:  # parents not recorded as a couple: from between them
            top_x = sum(where.x[p] for p in parents) / 2
            top_y = max(where.y[p] for p in parents) + half + COUPLE_DROP
            parts.append(
                _line(
                    where.x[parents[0]], top_y, where.x[parents[1]], top_y, "line couple-partners"
                )
            )
        else:
            lone = by_key[parents[0]]
            top_x = where.x[lone.key]
            top_y = where.y[lone.key] + half + LABEL_TOP + len(_label_lines(lone)) * LINE_HEIGHT
        child_top = min(where.y[c] for c in children) - half
        sibship = child_top - 22 - (index % 4) * 5
        xs = [where.x[c] for c in children] + [top_x]
        parts.append('<g class="descent">')
        parts.append(_line(top_x, top_y, top_x, sibship))
        parts.append(_line(min(xs), sibship, max(xs), sibship))
        for child in children:
            parts.append(_line(where.x[child], sibship, where.x[child], where.y[child] - half))
        parts.append("</g>")

    # The people.
    for person in people:
        x, y = where.x[person.key], where.y[person.key]
        css = f"person person-{escape(person.sex)}"
        if person.is_subject:
            css += " person-subject"
        if person.is_deceased:
            css += " person-deceased"
        group = [f'<g class="{css}">', _shape(person.sex, x, y, half, "shape")]
        if person.is_subject:
            group.append(_shape(person.sex, x, y, half - 5, "shape"))
        if person.is_deceased:
            reach = half - 4
            group.append(_line(x - reach, y - reach, x + reach, y + reach, "cross"))
            group.append(_line(x - reach, y + reach, x + reach, y - reach, "cross"))
        for n, text in enumerate(_label_lines(person)):
            css = "label" if n < len(_wrap(person.label)) else "label age"
            baseline = y + half + LABEL_TOP + n * LINE_HEIGHT - 8
            group.append(
                f'<text class="{css}" {_ATTRS[css]} x="{x:g}" y="{baseline:g}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
        group.append("</g>")
        parts.append("".join(group))

    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="app-genogram" '
        f'width="{where.width:g}" height="{where.height:g}" '
        f'viewBox="0 0 {where.width:g} {where.height:g}" '
        f'aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>' + "".join(parts) + "</svg>"
    )


def svg_text(svg: str) -> str:
    """Every word the SVG shows or says (its text, title and description), for the check
    that an anonymised genogram names nobody."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", svg)).split())
