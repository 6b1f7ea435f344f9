"""The publication app's rules, pure or reading only what they are given, shared by its
selectors and services (selectors never import services): `plan` (the seven working days
before publication, §10.5.1), `availability` (a year on the website, §10.5.2), `actions`
(SMART actions, overdue and reminder days, §10.1.2, §11.4.1) and `panel_log` (which
decisions a case owes the National Panel, §1.6.3)."""
