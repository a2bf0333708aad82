"""Daftar Data: the yearly list of datasets each agency promised (issue 5 point 5).

A promise's due date, and the window in which a version counts as its delivery, are stored when
it is saved (periods.py), so the monitoring figures are a few aggregate queries. Its status is
derived from the linked dataset's versions (queries.py), never stored.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from satudata.core.permissions import ScopedQuerySet
from satudata.monitoring import periods
from satudata.monitoring.periods import Frequency


def _scope_visible(qs, actor):
    """Walidata, pembina and pimpinan see every agency's list; others their own agencies'."""
    if not actor.is_authenticated:
        return qs.none()
    if actor.oversees_all:
        return qs
    return qs.filter(organisation_id__in=actor.organisation_ids)


def _scope_editable(qs, actor):
    """Only the walidata (or an admin) edits the Daftar Data."""
    return qs if actor.is_walidata else qs.none()


class DaftarData(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="daftar_data"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="unique_daftar_per_year")
        ]
        verbose_name = _("Daftar Data")
        verbose_name_plural = _("Daftar Data")

    def __str__(self) -> str:
        return f"Daftar Data {self.year} · {self.organisation}"

    scope_visible = classmethod(lambda cls, qs, actor: _scope_visible(qs, actor))
    scope_editable = classmethod(lambda cls, qs, actor: _scope_editable(qs, actor))


class DataPromise(models.Model):
    daftar = models.ForeignKey(DaftarData, on_delete=models.CASCADE, related_name="promises")
    # Copied from the list: what the monitoring queries group by without a join.
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("dataset title"), max_length=250)
    dataset = models.ForeignKey(
        "catalog.Dataset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promises",
        verbose_name=_("dataset"),
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    period_year = models.PositiveSmallIntegerField(_("reference year"))
    # 1-based month, quarter or semester; 0 for yearly data.
    period_number = models.PositiveSmallIntegerField(_("period"), default=0)
    period_end = models.DateField(_("period ends"))
    due_date = models.DateField(_("due date"), db_index=True)
    # A version created at or after `accepts_from` delivers this period; before `due_before`
    # it is on time (the day after the due date, midnight local time: exclusive).
    accepts_from = models.DateTimeField()
    due_before = models.DateTimeField(db_index=True)
    # When the linked dataset delivered this period (see `deliveries.py`): kept up to date on
    # every version save, so the dashboard reads a column instead of a subquery per promise.
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["daftar", "title", "period_year", "period_number"],
                name="unique_promise_period",
            )
        ]
        indexes = [
            # Covers the dashboard's grouped count (organisation, due date → deliveries) so
            # it reads the index alone, in group order, never the table.
            models.Index(
                fields=["organisation", "due_date", "due_before", "delivered_at", "daftar"],
                name="promise_org_due_cover",
            )
        ]
        verbose_name = _("data promise")
        verbose_name_plural = _("data promises")

    def __str__(self) -> str:
        return f"{self.title} ({self.period_label})"

    def save(self, *args, **kwargs) -> None:
        from satudata.monitoring.deliveries import first_delivery

        self.compute_dates()
        self.organisation_id = self.daftar.organisation_id
        self.delivered_at = first_delivery(self.dataset_id, self.accepts_from)
        super().save(*args, **kwargs)

    @property
    def period_label(self) -> str:
        return periods.period_label(self.frequency, self.period_year, self.period_number)

    def compute_dates(self) -> None:
        """Derive the period end, due date and delivery window from frequency and period."""
        self.period_end = periods.period_end(self.frequency, self.period_year, self.period_number)
        self.due_date = periods.due_date(self.frequency, self.period_year, self.period_number)
        self.accepts_from = periods.start_of_day(self.period_end + timedelta(days=1))
        self.due_before = periods.start_of_day(self.due_date + timedelta(days=1))

    scope_visible = classmethod(lambda cls, qs, actor: _scope_visible(qs, actor))
    scope_editable = classmethod(lambda cls, qs, actor: _scope_editable(qs, actor))


class FiguresGeneration(models.Model):
    """One row whose stamp changes with every change to the promises or their deliveries
    (deliveries.py): the dashboard's grouped counts are cached under it, so a cached answer is
    never older than the data, in any server process."""

    singleton = models.PositiveSmallIntegerField(primary_key=True, default=1)
    generation = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("monitoring figures generation")
        verbose_name_plural = _("monitoring figures generation")

    def __str__(self) -> str:
        return str(self.generation)
