"""Every file access howtoctl makes goes through this package (tests/file_access_test.py holds
the rest of howtoctl to it): files in the repository's work tree, in a temporary work tree, in
howtoctl's state directory and temporary directories, and paths the user names. The rules:
follow no symbolic link that could lead out (or into `.git`), never read or replace a device,
pipe or socket where a regular file is meant, read with a bound, write whole or not at all.

Modules: paths.py checks where a path leads (and opens nothing); read.py reads, bounded;
write.py writes and removes single files and directories; transaction.py writes several files
as one step; outputs.py writes the files the user or the environment names for output;
scratch.py makes temporary directories and tells whether the run that owns one has ended.
This module is the facade: callers write `fsutil.write_atomic(...)`.
"""

from howtoctl.fsutil.outputs import (
    append_output,
    append_report,
    check_output,
    check_report,
    write_output,
)
from howtoctl.fsutil.paths import (
    check_creatable,
    is_inside,
    require_directory,
    require_inside,
    require_outside_git,
)
from howtoctl.fsutil.read import read_or_none, read_private, read_regular
from howtoctl.fsutil.scratch import (
    OWNED,
    make_temporary_directory,
    owned_prefix,
    owner_gone,
    remove_dead_locks,
    temporary_directory,
    temporary_root,
)
from howtoctl.fsutil.transaction import FileWrite, PartlyWrittenError, write_files
from howtoctl.fsutil.write import (
    clear_stale,
    copy_file,
    create_private,
    extract_tar,
    make_directories,
    open_lock_file,
    remove_file,
    remove_tree,
    write_atomic,
    write_in_tree,
    write_private,
)

__all__ = [
    "OWNED",
    "FileWrite",
    "PartlyWrittenError",
    "append_output",
    "append_report",
    "check_creatable",
    "check_output",
    "check_report",
    "clear_stale",
    "copy_file",
    "create_private",
    "extract_tar",
    "is_inside",
    "make_directories",
    "make_temporary_directory",
    "open_lock_file",
    "owned_prefix",
    "owner_gone",
    "read_or_none",
    "read_private",
    "read_regular",
    "remove_dead_locks",
    "remove_file",
    "remove_tree",
    "require_directory",
    "require_inside",
    "require_outside_git",
    "temporary_directory",
    "temporary_root",
    "write_atomic",
    "write_files",
    "write_in_tree",
    "write_output",
    "write_private",
]
