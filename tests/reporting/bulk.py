"""Reporting's rows in bulk, for tests/reporting/test_query_counts.py and `make bench`: the
one generator, cases/management/bulk.py, which `manage.py seed_scale` uses too."""

from cases.management.bulk import KINDS, bulk_cases

__all__ = ["KINDS", "bulk_cases"]
