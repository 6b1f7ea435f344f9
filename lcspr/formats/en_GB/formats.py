# Dates as GOV.UK writes them, for whatever Django formats itself (the admin, a bare
# `{{ day }}`): the same as `cases.dates`. Django's British locale would say "4 Dec 2026".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, g:ia"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y, g:ia"
TIME_FORMAT = "g:ia"
