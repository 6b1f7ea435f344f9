# Dates as GOV.UK writes them, for whatever Django formats itself (the admin, a bare
# `{{ day }}`): the same as `cases.dates`, where Django's British locale would say
# "4 Dec 2026". Django has no format for "4:30pm": its nearest is "4:30 p.m." (P).
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, P"
SHORT_DATETIME_FORMAT = "j F Y, P"
TIME_FORMAT = "P"
