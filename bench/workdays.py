"""`make bench`: the working-day engine side by side with numpy and workalendar.

100,000 random add-working-days and 100,000 between-dates calls (start dates
2024-2030, N from 0 to 130), each answer checked against the others, with the
time per call and the ratios the deadline issue sets as targets. Timings live
here, never in the test suite.
"""

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lcspr.settings")
os.environ.setdefault("DEBUG", "1")

from cases.workdays import WorkingCalendar, bank_holidays  # noqa: E402

CALLS = int(os.environ.get("BENCH_CALLS", 100_000))
rng = np.random.default_rng(2026)
first, last = date(2024, 1, 1), date(2030, 12, 31)
offsets = rng.integers(0, (last - first).days + 1, CALLS)
starts = [first + timedelta(days=int(o)) for o in offsets]
ns = rng.integers(0, 131, CALLS)
ends = [
    s + timedelta(days=int(d)) for s, d in zip(starts, rng.integers(-200, 200, CALLS), strict=True)
]
np_starts = np.array(starts, dtype="datetime64[D]")
np_ends = np.array(ends, dtype="datetime64[D]")
holiday_list = sorted(d for y in range(2023, 2033) for d in bank_holidays(y))
np_holidays = np.array(holiday_list, dtype="datetime64[D]")


def timed(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - began)
    return best, result


cal = WorkingCalendar()
cal.add(first, 1)
cal.add(last, 400)  # build the table before timing, as a long-running process has it

ours_add_t, ours_add = timed(lambda: [cal.add(s, int(n)) for s, n in zip(starts, ns, strict=True)])
ours_between_t, ours_between = timed(
    lambda: [cal.between(s, e) for s, e in zip(starts, ends, strict=True)]
)
batch_t, batch = timed(lambda: cal.add_many(np_starts, ns))


def numpy_add():
    moved = np.busday_offset(np_starts, ns, roll="backward", holidays=np_holidays)
    return np.where(ns == 0, np_starts, moved)


def numpy_between():
    # numpy counts [a, b); ours counts (a, b], negative when b is before a.
    one = np.timedelta64(1, "D")
    low, high = np.minimum(np_starts, np_ends) + one, np.maximum(np_starts, np_ends) + one
    count = np.busday_count(low, high, holidays=np_holidays)
    return np.where(np_ends >= np_starts, count, -count)


numpy_add_t, numpy_added = timed(numpy_add)
numpy_between_t, numpy_counted = timed(numpy_between)

from workalendar.europe import UnitedKingdom  # noqa: E402

uk = UnitedKingdom()
for year in range(2023, 2033):
    uk.holidays(year)  # warm its cache, as for ours
wa_add_t, wa_added = timed(
    lambda: [uk.add_working_days(s, int(n)) for s, n in zip(starts, ns, strict=True)], repeat=1
)
wa_between_t, wa_counted = timed(
    lambda: [
        uk.get_working_days_delta(s, e) * (1 if e >= s else -1)
        for s, e in zip(starts, ends, strict=True)
    ],
    repeat=1,
)

added_np = [d.astype(object) for d in numpy_added]
disagree = {
    "add: ours vs numpy": sum(a != b for a, b in zip(ours_add, added_np, strict=True)),
    "add: batch vs numpy": int((batch != numpy_added).sum()),
    "add: ours vs workalendar": sum(
        a != b for a, b, n in zip(ours_add, wa_added, ns, strict=True) if n > 0
    ),
    "between: ours vs numpy": sum(
        a != int(b) for a, b in zip(ours_between, numpy_counted, strict=True)
    ),
}
wa_between_mismatch = sum(abs(a) != abs(b) for a, b in zip(ours_between, wa_counted, strict=True))


def per_call(seconds):
    return seconds / CALLS * 1e9


rows = [
    ("add (single calls)", ours_add_t, numpy_add_t, wa_add_t),
    ("between (single calls)", ours_between_t, numpy_between_t, wa_between_t),
    ("add (batch form)", batch_t, numpy_add_t, None),
]
print(f"{CALLS:,} calls each; start dates 2024-2030, N 0-130; ns per call (best of 3)\n")
print(
    f"{'operation':<24}{'ours':>10}{'numpy':>10}{'workalendar':>13}{'ours/numpy':>12}{'wa/ours':>10}"
)
for name, ours, numpy_t, wa in rows:
    wa_text = f"{per_call(wa):>13.0f}" if wa else f"{'-':>13}"
    ratio_wa = f"{wa / ours:>10.0f}" if wa else f"{'-':>10}"
    print(
        f"{name:<24}{per_call(ours):>10.0f}{per_call(numpy_t):>10.0f}{wa_text}"
        f"{ours / numpy_t:>12.1f}{ratio_wa}"
    )

print("\nagreement (answers that differ):")
for name, count in disagree.items():
    print(f"  {name}: {count}")
print(
    f"  between: ours vs workalendar (its delta counts differently at the ends): "
    f"{wa_between_mismatch} of {CALLS:,}"
)

targets = [
    ("single add at least 100x faster than workalendar", wa_add_t / ours_add_t >= 100),
    ("single between at least 100x faster than workalendar", wa_between_t / ours_between_t >= 100),
    ("single add within 5x numpy per element", ours_add_t / numpy_add_t <= 5),
    ("single between within 5x numpy per element", ours_between_t / numpy_between_t <= 5),
    ("batch add within 2x numpy", batch_t / numpy_add_t <= 2),
    ("ours, batch and numpy agree on every answer", not any(disagree.values())),
]
print("\ntargets:")
for name, met in targets:
    print(f"  [{'met' if met else 'MISSED'}] {name}")
sys.exit(0 if all(met for _, met in targets) else 1)
