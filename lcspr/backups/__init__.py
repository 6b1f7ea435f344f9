"""Encrypted backups of the database and the uploaded files, and their restore.

`archive` is the file format (described in its docstring), `postgres` and `files` the two
sides of the data, `operations` what `manage.py backup` and `manage.py restore` do.
"""
