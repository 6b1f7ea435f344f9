"""What erasing a case removes (issue 18), decided once, here.

Erasure is a person's decision on the retention page (services/decision.py), never a job.
It keeps every row that belongs to the case, so the figures (counts, dates, stages,
timeliness) and the audit trail still stand, and removes from each row what identifies
the child and what the case says:

- every free-text field (names, addresses, contacts, NHS and local authority numbers,
  summaries, replies, chronology entries, minutes, reports, notes, reasons) is emptied;
- every date of birth is emptied;
- every structured field holding free content (JSON: criteria assessments, imported
  rows, checklists, recipients) is reset to its empty default;
- every uploaded file (documents, genograms, report drafts, the published files,
  evidence) is deleted through the storage API, with each older version the history names;
- the same fields are emptied in every history row (django-simple-history) of those rows,
  including the rows deleted before, so the history does not keep what was erased, and
  the reason typed for each change is replaced by "(reason erased ...)".

Kept: the case's reference, partnership, stage and dates; every row's dates, statuses,
choices, numbers and links (who, which agency, which meeting); the access log, which
holds references, never content; and the retention decision itself.

"The rows that belong to the case" are read from each model's declared way to its case
(`tenant_case_path`, cases/tenancy.py), so a model added later is erased with the others
without being named here. The few fields kept though they are text are named below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat
from simple_history.utils import bulk_update_with_history

from cases.models import Case, User
from cases.tenancy import tenant_case_path

ERASED_REASON = "Erased by a retention decision"
REASON_ERASED = "(reason erased by a retention decision)"

# Text fields kept on erasure: they name a kind, not the child or the case's content.
KEPT_FIELDS = {
    ("cases", "Case", "reference"),
    ("cases", "Child", "pseudonym"),  # "Child A": the name documents use instead
    ("cases", "Deadline", "kind"),
    ("cases", "Deadline", "own_seed"),
    ("publication", "PlanRecommendation", "number"),
}
# A text field in a uniqueness constraint (a workshop invitee's email and link digest)
# cannot be emptied in every row: it becomes "erased-<row id>", unique and meaningless
# (so an erased case's personal links stop working too).
UNIQUE_ERASED = object()
# Dates that identify a person; every other date is kept for the figures.
IDENTIFYING_DATES = {"date_of_birth"}
# The retention decision is the record of the erasure: it stays as it is.
NOT_ERASED = {("retention", "RetentionReview")}


@dataclass
class Erasure:
    """What one erasure did: rows and history rows emptied, files deleted, per model."""

    rows: dict[str, int] = field(default_factory=dict)
    history_rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    storages: dict[str, object] = field(default_factory=dict, repr=False)


def _unique_fields(model) -> set[str]:
    names = {f.name for f in model._meta.concrete_fields if f.unique}
    for constraint in model._meta.constraints:
        names |= set(getattr(constraint, "fields", ()) or ())
    return names


def erasable_fields(model) -> dict[str, object]:
    """{field name: its erased value} for the model's fields that identify or hold
    content."""
    label = (model._meta.app_label, model.__name__)
    unique = _unique_fields(model)
    erased = {}
    for f in model._meta.concrete_fields:
        if (*label, f.name) in KEPT_FIELDS or f.primary_key:
            continue
        if f.name in unique:
            if isinstance(f, models.CharField | models.TextField) and not f.choices:
                erased[f.name] = UNIQUE_ERASED
            continue
        if isinstance(f, models.FileField):
            erased[f.name] = ""
        elif isinstance(f, models.CharField | models.TextField) and not f.choices:
            erased[f.name] = None if f.null else ""
        elif isinstance(f, models.JSONField):
            erased[f.name] = f.get_default() if f.has_default() else None
        elif isinstance(f, models.DateField) and f.name in IDENTIFYING_DATES:
            erased[f.name] = None
    return erased


def case_models() -> list:
    """Every model whose rows belong to one case, parents before children."""
    found = []
    for model in apps.get_models():
        if (model._meta.app_label, model.__name__) in NOT_ERASED:
            continue
        if not hasattr(model, "tenant_partnership_path") or not hasattr(model, "history"):
            continue
        if tenant_case_path(model) is None:
            continue
        found.append(model)
    return found


def _history(model):
    return model.history.model


def _ids(model, case: Case, memo: dict) -> set[int]:
    """The ids of the model's rows of the case, now or ever (from its history too)."""
    if model in memo:
        return memo[model]
    path = tenant_case_path(model)
    if path == "":
        memo[model] = {case.pk}
        return memo[model]
    first = path.split("__")[0]
    parent = model._meta.get_field(first).related_model
    if parent is not Case and tenant_case_path(parent) is None:
        # A link through a row that belongs to no case: the live rows only, by the path.
        memo[model] = set(
            model.objects.for_partnership(case.partnership)
            .filter(**{path: case})
            .values_list("pk", flat=True)
        )
        return memo[model]
    parent_ids = {case.pk} if parent is Case else _ids(parent, case, memo)
    key = f"{model._meta.get_field(first).attname}__in"
    live = set(
        model.objects.for_partnership(case.partnership)
        .filter(**{key: parent_ids})
        .values_list("pk", flat=True)
    )
    past = set(_history(model).objects.filter(**{key: parent_ids}).values_list("id", flat=True))
    memo[model] = live | past
    return memo[model]


def case_erase(*, case: Case, actor: User) -> Erasure:
    """Empty the case's identifying details and content in its live rows and their history
    (see the module's docstring). Call inside the decision's transaction; the files are
    deleted after it commits (returned in `files`, deleted by `files_delete`)."""
    done = Erasure()
    memo: dict = {}
    for model in case_models():
        erased = erasable_fields(model)
        ids = _ids(model, case, memo)
        if not ids:
            continue
        label = model._meta.label
        file_fields = [n for n in erased if isinstance(model._meta.get_field(n), models.FileField)]
        history = _history(model).objects.filter(id__in=ids)
        rows = list(model.objects.for_partnership(case.partnership).filter(pk__in=ids))
        for name in file_fields:
            storage = model._meta.get_field(name).storage
            names = {f for f in history.exclude(**{name: ""}).values_list(name, flat=True) if f}
            names |= {getattr(row, name).name for row in rows if getattr(row, name)}
            for file_name in names:
                done.storages[file_name] = storage
        for row in rows:
            for name, value in erased.items():
                setattr(row, name, f"erased-{row.pk}" if value is UNIQUE_ERASED else value)
        if rows and erased:
            bulk_update_with_history(
                rows,
                model,
                list(erased),
                default_user=actor,
                default_change_reason=ERASED_REASON,
            )
            done.rows[label] = len(rows)
        # The history rows themselves, including those of rows deleted before and the ones
        # just written: a history table has no history of its own.
        in_history = {
            name: Concat(Value("erased-"), Cast("id", models.CharField()))
            if value is UNIQUE_ERASED
            else value
            for name, value in erased.items()
        }
        if in_history:
            done.history_rows[label] = history.update(**in_history)  # history-free model
        # The reasons people typed for each change may name the child: the history keeps who
        # changed what and when, and says the reason was erased.
        typed = history.exclude(history_change_reason__in=[ERASED_REASON, REASON_ERASED])
        typed.exclude(history_change_reason=None).update(  # history-free model
            history_change_reason=REASON_ERASED
        )
    done.files = sorted(done.storages)
    return done


def files_delete(erasure: Erasure) -> int:
    """Delete the erased case's files through the storage API (local folder or object
    store, each field's own storage); one already gone is no error."""
    deleted = 0
    for name, storage in erasure.storages.items():
        if storage.exists(name):
            storage.delete(name)
            deleted += 1
    return deleted
