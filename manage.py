#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.core.management import execute_from_command_line

    from newsroom.startup import database_errors_in_one_line, load_settings

    load_settings()
    with database_errors_in_one_line():
        execute_from_command_line(sys.argv)
