"""Write a file so that no reader ever sees half of it: the one atomic-write helper of the course.

Checkpoints, reports and results are written while other processes may read them (a second notebook, the
site builder, a student's JupyterLab). Writing to a temporary file beside the target and renaming it into
place (``os.replace``, atomic on one file system) means a reader finds the old file or the new one, never a
torn one. The file gets the permissions an ordinary ``open()`` would give (``0o666`` less the umask, so
usually group-readable), not the owner-only ``0o600`` of ``tempfile.mkstemp``: a checkpoint cache shared by
a group stays readable.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write(path: str | Path, content: str | bytes | Callable[[Path], None], suffix: str | None = None) -> Path:
    """Write ``content`` to ``path`` atomically and return the path.

    Args:
        path: the target file; its folder is created if needed.
        content: text (written as UTF-8), bytes, or a function that writes the file at the temporary path it
            is given (for writers that want a file name, such as ``model.save_weights``).
        suffix: the temporary file's ending, for writers that check it (``".weights.h5"``); defaults to
            ``path``'s last suffix.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix if suffix is None else suffix,
                                    dir=path.parent)
    tmp = Path(tmp_name)
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
