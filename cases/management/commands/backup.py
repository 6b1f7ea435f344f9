from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from lcspr.backups import operations
from lcspr.backups.errors import BackupError


class Command(BaseCommand):
    help = (
        "Write one encrypted archive of the database (pg_dump) and every uploaded file, with "
        "a manifest of row counts and checksums. The passphrase comes from BACKUP_KEY. The "
        "archive is written as FILE.partial and renamed to FILE when complete."
    )
    # A backup must run even when a configuration check would stop the web app.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="the archive to write (a new file)")

    def handle(self, *args, output, **options):
        output = Path(output)
        try:
            passphrase = operations.passphrase_from_environment(for_backup=True)
            manifest = operations.backup_create(
                output=output, passphrase=passphrase, connection=connection, storage=default_storage
            )
        except BackupError as error:
            raise CommandError(error.message) from None
        database = manifest["database"]
        rows = sum(database["tables"].values())
        self.stdout.write(
            f"Backup written to {output}: {len(database['tables'])} tables ({rows} rows), "
            f"{len(manifest['files'])} files ({sum(f['size'] for f in manifest['files'])} "
            f"bytes), database dump {database['dump_bytes']} bytes."
        )
