"""The `shouhu` console command: runs any management command from anywhere."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouhu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shouhu", *sys.argv[1:]])


if __name__ == "__main__":
    main()
