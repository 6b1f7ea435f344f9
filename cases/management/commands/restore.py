from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from lcspr.backups import operations
from lcspr.backups.errors import BackupError


class Command(BaseCommand):
    help = (
        "Restore an archive that manage.py backup wrote into the database and media storage "
        "the settings name, which must be empty unless --force. Prints each table's and each "
        "file's comparison with the backup's manifest; exits non-zero if anything differs."
    )
    # The target database is empty: no check may expect the app's tables.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive manage.py backup wrote")
        parser.add_argument(
            "--force",
            action="store_true",
            help="restore over a database or storage that is not empty: the database's "
            "tables are dropped and recreated from the backup, files at its paths overwritten",
        )

    def handle(self, *args, archive, force, **options):
        try:
            passphrase = operations.passphrase_from_environment(for_backup=False)
            opened = operations.archive_open(Path(archive), passphrase)
            manifest, comparison = operations.backup_restore(
                archive=opened, connection=connection, storage=default_storage, force=force
            )
        except BackupError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Restored the backup made {manifest['created_at']}.")
        self._print(comparison)
        self._migrations_note(manifest)
        if not comparison.matches:
            raise CommandError(
                "The restore differs from the backup's manifest: "
                f"{comparison.differences} difference(s), listed above as DIFFERS."
            )
        self.stdout.write(
            f"Everything matches the backup: {len(comparison.tables)} tables and "
            f"{len(comparison.files)} files."
        )

    def _print(self, comparison):
        self.stdout.write("Tables (rows expected, rows restored):")
        for table, expected, restored in comparison.tables:
            verdict = "ok" if expected == restored else "DIFFERS"
            shown = "missing" if restored is None else restored
            self.stdout.write(f"  {table}: {expected} {shown} {verdict}")
        for table in comparison.tables_not_in_backup:
            self.stdout.write(f"  {table}: not in the backup DIFFERS")
        self.stdout.write("Files (SHA-256):")
        for name, expected, restored in comparison.files:
            if restored is None:
                self.stdout.write(f"  {name}: missing DIFFERS")
            else:
                self.stdout.write(f"  {name}: {'ok' if expected == restored else 'DIFFERS'}")
        for name in comparison.files_not_in_backup:
            self.stdout.write(f"  {name}: not in the backup DIFFERS")

    def _migrations_note(self, manifest):
        leaves = dict(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())
        behind = sorted(
            app for app, name in manifest["migrations"].items() if leaves.get(app, name) != name
        )
        if behind:
            self.stdout.write(
                "This code's migrations differ from the backup's in: "
                f"{', '.join(behind)}. Run manage.py migrate if the code is newer."
            )
