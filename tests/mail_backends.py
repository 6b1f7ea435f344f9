"""Email backends for tests."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends import locmem


class FailFirstBackend(locmem.EmailBackend):
    """The in-memory outbox, except that the first message whose subject starts with
    `fail_subject` fails as a mail server hanging up would: its job must retry."""

    fail_subject = ""
    attempts: list[str] = []

    def send_messages(self, messages):
        for message in messages:
            FailFirstBackend.attempts.append(message.subject)
        if FailFirstBackend.fail_subject and any(
            m.subject.startswith(FailFirstBackend.fail_subject) for m in messages
        ):
            FailFirstBackend.fail_subject = ""
            raise SMTPServerDisconnected("test: the mail server hung up")
        return super().send_messages(messages)
