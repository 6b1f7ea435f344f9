"""Reading a Word draft of the report (§9.1): its full text, paragraphs and tables in the
order the document has them, and its sections, split at each Heading-style paragraph.

Pure: takes bytes, returns text. What it refuses, it refuses with the reason the Reviewer
reads (a file that is not a Word document, one that is password-protected or an old .doc,
one that is empty). The size limit is the service's (reviews/services/report_drafts.py).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

OPENING = "Opening"  # the section of the text before the first heading
# An OLE2 compound file: an old Word 97-2003 .doc, or a .docx Word encrypted with a password
# (Word wraps the encrypted package in one).
OLE2_HEADER = bytes.fromhex("D0CF11E0A1B11AE1")

NOT_WORD = "The file is not a Word document: upload the draft as a .docx file."
PROTECTED_OR_DOC = (
    "The file is password-protected or an old .doc: remove the password, or save it in Word "
    "as a .docx document, and upload it again."
)
EMPTY = "The Word document has no text: check it is the draft, then upload it again."
UNREADABLE = "The Word document cannot be read: open it in Word, save it again and upload it."


class DocxRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DocxSection:
    heading: str
    body: str


@dataclass(frozen=True)
class DocxText:
    text: str
    sections: list[DocxSection]


def docx_check(content: bytes) -> None:
    """Refuse what is not a .docx by its content, never by its name: a zip holding
    word/document.xml. An OLE2 file is said to be protected or an old .doc."""
    if not content:
        raise DocxRefused(EMPTY)
    if content.startswith(OLE2_HEADER):
        raise DocxRefused(PROTECTED_OR_DOC)
    if not content.startswith(b"PK"):
        raise DocxRefused(NOT_WORD)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise DocxRefused(NOT_WORD)
    except zipfile.BadZipFile:
        raise DocxRefused(NOT_WORD) from None


def _is_heading(paragraph) -> bool:
    style = paragraph.style
    while style is not None:
        name = (style.name or "").lower()
        if name.startswith("heading") or name == "title":
            return True
        style = style.base_style
    return False


def _blocks(document):
    """("heading" | "text", text) for each paragraph and each table row, in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            if text:
                yield ("heading" if _is_heading(paragraph) else "text"), text
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat
                        cells.append(value)
                if cells:
                    yield "text", " | ".join(cells)


def docx_read(content: bytes) -> DocxText:
    """The document's text, and its sections split at each heading (the text before the
    first heading is the section "Opening")."""
    docx_check(content)
    import docx

    try:
        document = docx.Document(io.BytesIO(content))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on a broken package
        raise DocxRefused(UNREADABLE) from None
    lines: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for kind, text in _blocks(document):
        lines.append(text)
        if kind == "heading":
            sections.append((text, []))
        else:
            if not sections:
                sections.append((OPENING, []))
            sections[-1][1].append(text)
    if not lines:
        raise DocxRefused(EMPTY)
    return DocxText(
        text="\n\n".join(lines),
        sections=[DocxSection(heading[:300], "\n\n".join(body)) for heading, body in sections],
    )
