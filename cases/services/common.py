"""What every service does to write a row: validate, record who and why, save."""

from django.core.exceptions import ValidationError

from cases.errors import ApplicationError


def validated_save(instance, actor, reason: str, *, exclude=()) -> None:
    """`full_clean()` (its first error becomes an ApplicationError on its field), then save
    with the history's user and change reason."""
    instance._history_user = actor
    instance._change_reason = reason
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(messages[0], field=None if field == "__all__" else field) from None
    instance.save()
