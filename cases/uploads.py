"""Reading uploads: stop at UPLOAD_MAX_BYTES instead of spooling a body of any size to disk;
and a clear page for a form whose text is too large to accept (FormTooLargeMiddleware).

Django's own handlers read every byte of a multipart body (to memory, then to a
temporary file) before any view can look at its size. This handler runs first and
stops reading once the request's files pass UPLOAD_MAX_BYTES, or at the first file
of a body whose declared length is already past it. The form fields sent before
the file (the CSRF token first) are kept, so the page can say why the file was
refused. Bodies too large for the app should not even reach it: the proxy's limit
is in the README (Configuration, UPLOAD_MAX_BYTES).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme

# Room in a multipart body beside the file: the other fields (the CSRF token) and
# each part's headers. A body longer than UPLOAD_MAX_BYTES plus this cannot hold
# an acceptable file.
MULTIPART_SLACK_BYTES = 64 * 1024
_STOPPED = "upload_stopped_at_limit"


class UploadLimitHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts the bytes of every file in the request."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803 - Django's name
        self.declared_too_large = content_length > settings.UPLOAD_MAX_BYTES + MULTIPART_SLACK_BYTES
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.declared_too_large:
            self._stop()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self._stop()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) makes the file

    def _stop(self):
        setattr(self.request, _STOPPED, True)
        # Leave the rest of the body unread: the server drops the connection after
        # answering rather than reading (and storing) what is left.
        raise StopUpload(connection_reset=True)


def upload_stopped_at_limit(request) -> bool:
    """Whether the request's file was refused for its size while it was being read."""
    request.FILES  # noqa: B018 - reading the body is what sets the mark
    return getattr(request, _STOPPED, False)


class FormTooLargeMiddleware:
    """A form whose text is past DATA_UPLOAD_MAX_MEMORY_SIZE (a paste of a whole document)
    gets a page saying which limit it hit, instead of Django's bare 400, before anything
    reads the body. The text is not lost: the form's script kept it in the browser's tab
    (static/js/app.mjs) and puts it back when the user returns to the form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        ):
            return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request):
        sent = int(request.META["CONTENT_LENGTH"])
        # Read what was sent, keeping none of it, so that the browser shows this page rather
        # than a dropped connection (the proxy caps the size, see README Configuration).
        while request.read(64 * 1024):
            pass
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = request.path
        return render(
            request,
            "413.html",
            {
                "limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
                "sent": filesizeformat(sent),
                "back": back,
            },
            status=413,
        )
