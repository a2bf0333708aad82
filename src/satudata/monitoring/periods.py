"""Reference periods and due dates of promised data (issue 5 point 5).

The rule, in one place:

- **yearly** data of year N is due by `SATUDATA_YEARLY_DUE_MONTH_DAY` (default 03-31) of N+1;
- **monthly** data of a month is due by day `SATUDATA_MONTHLY_DUE_DAY` (default 15) of the next
  month; **quarterly** and **semester** data likewise, by that day of the month after the quarter
  or semester ends (a day past the month's end is the month's last day).

A version counts as a delivery of a period when it was submitted on or after the day after the
period ended (data about a period cannot be complete before it ends).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from satudata.monitoring import conf


class Frequency(models.TextChoices):
    YEARLY = "yearly", _("Yearly")
    SEMESTER = "semester", _("Every semester")
    QUARTERLY = "quarterly", _("Quarterly")
    MONTHLY = "monthly", _("Monthly")


# Months per period and periods per year.
MONTHS = {Frequency.YEARLY: 12, Frequency.SEMESTER: 6, Frequency.QUARTERLY: 3, Frequency.MONTHLY: 1}
FREQUENCY_WORDS = {
    "yearly": Frequency.YEARLY,
    "tahunan": Frequency.YEARLY,
    "annual": Frequency.YEARLY,
    "semester": Frequency.SEMESTER,
    "semesteran": Frequency.SEMESTER,
    "quarterly": Frequency.QUARTERLY,
    "triwulan": Frequency.QUARTERLY,
    "triwulanan": Frequency.QUARTERLY,
    "monthly": Frequency.MONTHLY,
    "bulanan": Frequency.MONTHLY,
}
PERIOD_PATTERN = re.compile(r"^(\d{4})(?:\s*[-/ ]\s*([QqTtSs]?)(\d{1,2}))?$")


def periods_per_year(frequency: str) -> int:
    return 12 // MONTHS[Frequency(frequency)]


def period_end(frequency: str, year: int, number: int = 0) -> date:
    """Last day of the reference period (`number`: 1-based month/quarter/semester; 0 for a year)."""
    months = MONTHS[Frequency(frequency)]
    last_month = 12 if frequency == Frequency.YEARLY else number * months
    return date(year, last_month, calendar.monthrange(year, last_month)[1])


def due_date(frequency: str, year: int, number: int = 0) -> date:
    """The day by which the data of this period is due (see the module docstring)."""
    if frequency == Frequency.YEARLY:
        month, day = conf.yearly_due_month_day()
        return date(year + 1, month, min(day, calendar.monthrange(year + 1, month)[1]))
    end = period_end(frequency, year, number)
    first_next = end + timedelta(days=1)
    day = min(conf.monthly_due_day(), calendar.monthrange(first_next.year, first_next.month)[1])
    return first_next.replace(day=day)


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone (aware)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def period_label(frequency: str, year: int, number: int = 0) -> str:
    """A short label: "2025", "2026-03", "2026-T1" (triwulan), "2026-S2"."""
    if frequency == Frequency.YEARLY:
        return str(year)
    if frequency == Frequency.MONTHLY:
        return f"{year}-{number:02d}"
    prefix = "T" if frequency == Frequency.QUARTERLY else "S"
    return f"{year}-{prefix}{number}"


def parse_period(frequency: str, text: str) -> tuple[int, int]:
    """(year, number) from "2025", "2026-03", "2026-T1"/"2026-Q1", "2026-S2"; raises ValueError
    with a translated message."""
    match = PERIOD_PATTERN.match(str(text).strip())
    if not match:
        raise ValueError(
            gettext("Reference period “%(value)s” is not like 2025, 2026-03, 2026-T1 or 2026-S1.")
            % {"value": text}
        )
    year, number = int(match.group(1)), int(match.group(3) or 0)
    if not 1900 <= year <= 2200:
        raise ValueError(gettext("Year %(year)s is out of range.") % {"year": year})
    if frequency == Frequency.YEARLY:
        if number:
            raise ValueError(gettext("Yearly data has a year as its period, e.g. 2025."))
        return year, 0
    count = periods_per_year(frequency)
    if not 1 <= number <= count:
        raise ValueError(
            gettext("The period number must be between 1 and %(count)s for this frequency.")
            % {"count": count}
        )
    return year, number


def parse_frequency(text: str) -> str:
    value = FREQUENCY_WORDS.get(str(text).strip().lower())
    if value is None:
        raise ValueError(
            gettext("Unknown frequency “%(value)s” (use yearly, semester, quarterly or monthly).")
            % {"value": text}
        )
    return value
