"""Stop reading an upload as soon as it passes `SATUDATA_UPLOAD_MAX_MB`, so an oversize file never
fills the disk. The view then shows the same message the ingest service gives."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from satudata.warehouse.ingest.receive import upload_limit_bytes

# Room for the form fields and multipart boundaries around the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit = upload_limit_bytes()
        self.received = 0
        self.declared_too_large = False

    def _refuse(self) -> None:
        self.request.satudata_upload_too_large = True
        raise StopUpload(connection_reset=False)

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Django only accepts StopUpload from the per-file hooks, so decide here, refuse there.
        self.declared_too_large = bool(
            content_length and content_length > self.limit + MULTIPART_OVERHEAD_BYTES
        )

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.declared_too_large:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None


def install(request) -> None:
    """Put the size guard in front of Django's own handlers (before request.POST is read)."""
    request.satudata_upload_too_large = False
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
