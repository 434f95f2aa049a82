import contextlib
import errno
import os
import shutil

from django.core.files.storage import FileSystemStorage, default_storage


class MediaStorage(FileSystemStorage):
    """Django's file storage, except that a write that fails part-way (the disk filled
    up) leaves no half-written file behind for a page to link to."""

    def _save(self, name, content):
        full_path = self.path(name)
        existed = os.path.exists(full_path)
        try:
            return super()._save(name, content)
        except OSError:
            if not existed:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(full_path)
            raise


def has_room_for(size: int) -> bool:
    """Whether the media folder has room for `size` more bytes (always true for a
    storage that is not a local folder, such as S3)."""
    try:
        root = default_storage.path("")
    except NotImplementedError:
        return True
    os.makedirs(root, exist_ok=True)
    return shutil.disk_usage(root).free > size


def is_storage_full(error: OSError) -> bool:
    return error.errno in (errno.ENOSPC, errno.EDQUOT)
