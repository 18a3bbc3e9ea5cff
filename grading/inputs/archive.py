"""Safe extraction of a student's `.zip` and checks of a submitted folder.

A submission is untrusted. An archive is refused whole, before a single
byte is written, when any entry is unsafe: an absolute path, a `..`
component, a drive or backslash path, a symlink entry (zip symlinks can
point anywhere), a device or other special file, an encrypted or duplicate
entry, more than `max_files` entries or more than `max_bytes` declared.
Extraction then streams every entry and stops if the real size exceeds
the declared one (a lying header cannot smuggle a zip bomb through), and
never writes over an existing file. A folder is refused whole when a
symlink inside it points outside it, or when it is too big.
"""

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

DEFAULT_MAX_FILES = 5000
DEFAULT_MAX_BYTES = 2 << 30  # 2 GiB: ten full-size runs are ~100 MB
CHUNK = 1 << 20


class UnsafeSubmissionError(ValueError):
    """The submission is refused whole; the message says why."""


def entry_problem(info):
    """Why one zip entry is unsafe, or None."""
    name = info.filename
    mode = info.external_attr >> 16
    if "\x00" in name or "\\" in name:
        return f"entry {name!r} has a backslash or NUL in its name"
    path = PurePosixPath(name)
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return f"entry {name!r} is an absolute path"
    if ".." in path.parts:
        return f"entry {name!r} climbs out of the archive with '..'"
    if stat.S_ISLNK(mode):
        return f"entry {name!r} is a symlink"
    kind = stat.S_IFMT(mode)  # 0 when the tool recorded no file type
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return f"entry {name!r} is a special file (mode {oct(mode)})"
    if info.flag_bits & 0x1:
        return f"entry {name!r} is encrypted"
    return None


def check_archive(archive, max_files=DEFAULT_MAX_FILES,
                  max_bytes=DEFAULT_MAX_BYTES):
    """The archive's entries, or `UnsafeSubmissionError` listing problems."""
    try:
        with zipfile.ZipFile(archive) as handle:
            entries = handle.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnsafeSubmissionError(
            f"not a readable zip archive ({type(error).__name__}: {error})")
    problems = [p for p in map(entry_problem, entries) if p]
    names = [PurePosixPath(info.filename).as_posix() for info in entries]
    if len(set(names)) != len(names):
        problems.append("the archive holds duplicate entry names")
    if len(entries) > max_files:
        problems.append(f"{len(entries)} entries, more than the "
                        f"{max_files} allowed")
    declared = sum(info.file_size for info in entries)
    if declared > max_bytes:
        problems.append(f"{declared} bytes uncompressed, more than the "
                        f"{max_bytes} allowed")
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise UnsafeSubmissionError(
            f"archive refused, nothing was extracted: {shown}{more}")
    return entries


def extract_archive(archive, destination, max_files=DEFAULT_MAX_FILES,
                    max_bytes=DEFAULT_MAX_BYTES):
    """Extract a checked archive into the empty folder `destination`."""
    entries = check_archive(archive, max_files, max_bytes)
    root = Path(destination).resolve()
    root.mkdir(parents=True, exist_ok=True)
    written = 0
    with zipfile.ZipFile(archive) as handle:
        for info in entries:
            target = (root / info.filename).resolve()
            if target != root and root not in target.parents:
                raise UnsafeSubmissionError(
                    f"entry {info.filename!r} resolves outside the folder")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written += _copy_entry(handle, info, target, max_bytes - written)
    return written


def _copy_entry(handle, info, target, budget):
    size = 0
    with handle.open(info) as source, open(target, "xb") as sink:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > info.file_size or size > budget:
                raise UnsafeSubmissionError(
                    f"entry {info.filename!r} is larger than its header "
                    "says or than the size cap; extraction stopped")
            sink.write(chunk)
    return size


def check_folder(folder, max_files=DEFAULT_MAX_FILES,
                 max_bytes=DEFAULT_MAX_BYTES):
    """Refuse a folder with escaping symlinks or too many/too big files."""
    root = Path(folder).resolve()
    files = total = 0
    for parent, directories, names in os.walk(root):
        for name in directories + names:
            path = Path(parent) / name
            if path.is_symlink():
                target = path.resolve()
                if target != root and root not in target.parents:
                    raise UnsafeSubmissionError(
                        f"folder refused: {path.relative_to(root)} is a "
                        "symlink pointing outside the submission")
        for name in names:
            path = Path(parent) / name
            files += 1
            if not path.is_symlink():
                total += path.lstat().st_size
    if files > max_files or total > max_bytes:
        raise UnsafeSubmissionError(
            f"folder refused: {files} files and {total} bytes, more than "
            f"the {max_files} files or {max_bytes} bytes allowed")
    return files, total
