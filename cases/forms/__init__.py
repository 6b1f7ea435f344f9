"""Forms, split by the part of the case they serve; GOV.UK fields live in fields.py."""
