"""Argon2 at the lowest cost, for the tests only.

Production hashes with Django's Argon2 parameters (about 0.3 s a hash on a CI core, by
design); the suite makes thousands of users, and seed_demo dozens per browser test. This
hasher is the same algorithm through the same library, so hashes still read "argon2";
tests/cases/test_sign_in.py checks that production settings put Argon2 first.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8  # KiB: argon2's minimum for one lane
    parallelism = 1
