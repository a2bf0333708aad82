"""Writes of the reports app: one function per change, permission-checked, atomic, audited.

Editing reports and generating editions is for the walidata (and admins). Subscribing is open to
everyone for a public report; an address typed into the form only receives announcements after
its owner followed the confirmation link, and every announcement carries an unsubscribe link.
Subscriber addresses are personal data: audit events name the subscription by id, never by
address, and unsubscribing deletes the row.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from satudata.core import audit, blobs
from satudata.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from satudata.core.permissions import actor_for
from satudata.reports import conf, content, render
from satudata.reports.models import Edition, Report, Schedule, Section, SectionKind, Subscription
from satudata.reports.periods import Period, last_complete_period

logger = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Path words under /laporan/ that a report slug may not take.
RESERVED_SLUGS = frozenset({"baru", "langganan"})
TITLE_MAX_CHARS = 200
TEXT_MAX_CHARS = 20_000
REPORT_FIELDS = ("title", "subtitle", "introduction", "organisation", "schedule", "is_public")


def _require_walidata(actor) -> None:
    if not actor_for(actor).is_walidata:
        raise PermissionDenied(_("Only the walidata may edit and publish reports."))


def _editable_report(actor, report: Report) -> Report:
    _require_walidata(actor)
    found = Report.objects.editable_by(actor).filter(pk=report.pk).first()
    if found is None:
        raise NotFound(_("Report not found."))
    return found


def _clean_text(value, label: str, *, required: bool = False, max_chars: int) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("%(label)s is required.") % {"label": label})
    if len(text) > max_chars:
        raise ValidationFailed(
            _("%(label)s is too long (at most %(max)d characters).")
            % {"label": label, "max": max_chars}
        )
    return text


def _clean_report(values: dict) -> dict:
    schedule = values.get("schedule") or Schedule.NONE
    if schedule not in Schedule.values:
        raise ValidationFailed(_("Unknown schedule “%(value)s”.") % {"value": schedule})
    return {
        "title": " ".join(
            _clean_text(
                values.get("title"), _("Title"), required=True, max_chars=TITLE_MAX_CHARS
            ).split()
        ),
        "subtitle": _clean_text(values.get("subtitle"), _("Subtitle"), max_chars=300),
        "introduction": _clean_text(
            values.get("introduction"), _("Introduction"), max_chars=TEXT_MAX_CHARS
        ),
        "organisation": values.get("organisation"),
        "schedule": schedule,
        "is_public": bool(values.get("is_public", True)),
    }


def _snapshot_report(report: Report) -> dict:
    return {
        "title": report.title,
        "schedule": report.schedule,
        "is_public": report.is_public,
        "organisation": report.organisation_id,
    }


def create_report(actor, *, slug: str, is_demo: bool = False, **values) -> Report:
    """A new report template (no sections yet)."""
    _require_walidata(actor)
    slug = str(slug or "").strip().lower()
    if not SLUG_RE.match(slug) or len(slug) > 120 or slug in RESERVED_SLUGS:
        raise ValidationFailed(
            _("The slug may only hold lowercase letters, digits and single dashes.")
        )
    cleaned = _clean_report(values)
    with transaction.atomic():
        if Report.objects.filter(slug=slug).exists():
            raise Conflict(_("A report with the slug “%(slug)s” exists already.") % {"slug": slug})
        user = actor if getattr(actor, "_meta", None) else None
        report = Report.objects.create(slug=slug, is_demo=is_demo, created_by=user, **cleaned)
        audit.record(actor, "reports.create", report, after=_snapshot_report(report))
    return report


def update_report(actor, report: Report, **values) -> Report:
    report = _editable_report(actor, report)
    cleaned = _clean_report(values)
    with transaction.atomic():
        before = _snapshot_report(report)
        for name, value in cleaned.items():
            setattr(report, name, value)
        report.save()
        audit.record(
            actor,
            "reports.update",
            report,
            changes={"before": before, "after": _snapshot_report(report)},
        )
    return report


def delete_report(actor, report: Report) -> None:
    report = _editable_report(actor, report)
    with transaction.atomic():
        audit.record(actor, "reports.delete", report, before=_snapshot_report(report))
        report.delete()


# --- sections ---------------------------------------------------------------------------------


def _clean_section(report: Report, values: dict) -> dict:
    kind = values.get("kind")
    if kind not in SectionKind.values:
        raise ValidationFailed(_("Unknown section kind “%(value)s”.") % {"value": kind})
    config = values.get("config") or {}
    if not isinstance(config, dict):
        raise ValidationFailed(_("Section settings must be an object."))
    return {
        "kind": kind,
        "title": _clean_text(
            values.get("title"), _("Title"), required=True, max_chars=TITLE_MAX_CHARS
        ),
        "body": _clean_text(values.get("body"), _("Text"), max_chars=TEXT_MAX_CHARS),
        "dataset": values.get("dataset")
        if kind in (SectionKind.TABLE, SectionKind.INDICATOR)
        else None,
        "config": config,
        "starts_chapter": bool(values.get("starts_chapter", False)),
    }


def _snapshot_section(section: Section) -> dict:
    return {
        "kind": section.kind,
        "title": section.title,
        "position": section.position,
        "dataset": section.dataset_id,
        "config": section.config,
    }


def save_section(actor, report: Report, section: Section | None = None, **values) -> Section:
    """Add a section at the end of `report` (section None) or change one. The section is tried
    once before it is saved: a column that does not exist, a dataset that is not public or a
    chart the public may not see is refused with the reason."""
    report = _editable_report(actor, report)
    cleaned = _clean_section(report, values)
    if section is not None and section.report_id != report.pk:
        raise NotFound(_("Section not found."))
    if section is None and report.sections.count() >= conf.sections_max():
        raise ValidationFailed(
            _("A report holds at most %(max)d sections.") % {"max": conf.sections_max()}
        )
    candidate = section or Section(report=report)
    before = _snapshot_section(section) if section is not None else None
    for name, value in cleaned.items():
        setattr(candidate, name, value)
    content.check_section(candidate)
    with transaction.atomic():
        if section is None:
            last = report.sections.order_by("-position").values_list("position", flat=True).first()
            candidate.position = (last or 0) + 1
        candidate.save()
        audit.record(
            actor,
            "reports.section_save" if before else "reports.section_add",
            candidate,
            changes={
                "report": report.slug,
                "before": before,
                "after": _snapshot_section(candidate),
            },
        )
    return candidate


def delete_section(actor, section: Section) -> None:
    report = _editable_report(actor, section.report)
    with transaction.atomic():
        audit.record(
            actor,
            "reports.section_delete",
            section,
            changes={"report": report.slug},
            before=_snapshot_section(section),
        )
        section.delete()


def move_section(actor, section: Section, offset: int) -> None:
    """Swap the section with its neighbour above (offset -1) or below (+1)."""
    report = _editable_report(actor, section.report)
    with transaction.atomic():
        ordered = list(report.sections.select_for_update().order_by("position", "id"))
        index = next(i for i, s in enumerate(ordered) if s.pk == section.pk)
        target = index + (1 if offset > 0 else -1)
        if not 0 <= target < len(ordered):
            return
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, item in enumerate(ordered, start=1):
            if item.position != position:
                Section.objects.filter(pk=item.pk).update(position=position)
        audit.record(
            actor,
            "reports.section_move",
            section,
            changes={"report": report.slug, "order": [s.pk for s in ordered]},
        )


# --- editions ---------------------------------------------------------------------------------


def edition_period(report: Report, today: date | None = None) -> Period:
    """The period an edition made now covers; its label in the site's language (it is stored
    and printed, whatever language the walidata's browser uses)."""
    with translation.override(settings.LANGUAGE_CODE):
        return last_complete_period(report.schedule, today or timezone.localdate())


def generate_edition(
    actor,
    report: Report,
    *,
    today: date | None = None,
    scheduled: bool = False,
    announce: bool = True,
) -> Edition:
    """Build the report now, store its PDF and XLSX in the blob store and record the edition of
    the period (a second run for the same period replaces the files). A new edition is announced
    to the confirmed subscribers of a public report."""
    report = _editable_report(actor, report)
    period = edition_period(report, today)
    contents = content.build_report(report)
    files = render.render_edition(report, period, contents)
    pdf_ref = blobs.put_bytes(files.pdf)
    xlsx_ref = blobs.put_bytes(files.xlsx)
    notes = [
        {"section": c.number, "title": c.section.title, "problem": c.problem}
        for c in contents
        if c.problem
    ]
    user = actor if getattr(actor, "_meta", None) else None
    with transaction.atomic():
        edition, created = Edition.objects.select_for_update().get_or_create(
            report=report,
            period_key=period.key,
            defaults={"period_label": period.label, "generated_at": timezone.now()},
        )
        edition.period_label = period.label
        edition.pdf_sha256, edition.pdf_size = pdf_ref.sha256, pdf_ref.size
        edition.xlsx_sha256, edition.xlsx_size = xlsx_ref.sha256, xlsx_ref.size
        edition.page_count = files.page_count
        edition.notes = notes
        edition.scheduled = scheduled
        edition.generated_at = timezone.now()
        edition.generated_by = user
        edition.save()
        audit.record(
            actor,
            "reports.generate" if created else "reports.regenerate",
            edition,
            changes={
                "report": report.slug,
                "period": period.key,
                "pdf_sha256": pdf_ref.sha256,
                "xlsx_sha256": xlsx_ref.sha256,
                "pages": files.page_count,
                "scheduled": scheduled,
                "problems": len(notes),
            },
        )
    if announce and edition.announced_at is None and report.is_public:
        announce_edition(actor, edition)
    return edition


def _announcement(edition: Edition, subscription: Subscription) -> EmailMessage:
    report = edition.report
    site = conf.site_url()
    unsubscribe = site + f"/laporan/langganan/{subscription.token}/berhenti"
    body = render_to_string(
        "reports/email/announce.txt",
        {
            "report": report,
            "edition": edition,
            "report_url": site + report.get_absolute_url(),
            "pdf_url": site + f"/laporan/{report.slug}/{edition.period_key}.pdf",
            "xlsx_url": site + f"/laporan/{report.slug}/{edition.period_key}.xlsx",
            "unsubscribe_url": unsubscribe,
        },
    )
    subject = _("New edition: %(title)s, %(period)s") % {
        "title": report.title,
        "period": edition.period_label,
    }
    return EmailMessage(
        subject=subject,
        body=body,
        to=[subscription.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>"},
    )


def announce_edition(actor, edition: Edition) -> int:
    """E-mail every confirmed subscriber of the report (one message each: addresses are never
    shown to each other); returns how many were sent."""
    subscriptions = list(
        edition.report.subscriptions.filter(confirmed_at__isnull=False).order_by("pk")
    )
    sent = 0
    for subscription in subscriptions:
        try:
            with translation.override(settings.LANGUAGE_CODE):
                message = _announcement(edition, subscription)
            sent += message.send()
        except Exception:  # one bad mailbox must not stop the others
            logger.exception("announcement to subscription %s failed", subscription.pk)
    with transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(announced_at=timezone.now())
        audit.record(
            actor,
            "reports.announce",
            edition,
            changes={
                "report": edition.report.slug,
                "sent": sent,
                "subscribers": len(subscriptions),
            },
        )
    edition.announced_at = timezone.now()
    return sent


def due_reports(today: date | None = None) -> list[tuple[Report, Period]]:
    """Scheduled reports whose last complete period has no edition yet."""
    today = today or timezone.localdate()
    due = []
    for report in Report.objects.exclude(schedule=Schedule.NONE).order_by("pk"):
        period = last_complete_period(report.schedule, today)
        if not report.editions.filter(period_key=period.key).exists():
            due.append((report, period))
    return due


# --- subscriptions ----------------------------------------------------------------------------


def _clean_email(value) -> str:
    email = str(value or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address.")) from None
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _send_confirmation(subscription: Subscription) -> None:
    site = conf.site_url()
    body = render_to_string(
        "reports/email/confirm.txt",
        {
            "report": subscription.report,
            "confirm_url": site + f"/laporan/langganan/{subscription.token}/konfirmasi",
            "unsubscribe_url": site + f"/laporan/langganan/{subscription.token}/berhenti",
        },
    )
    subject = _("Confirm your subscription: %(title)s") % {"title": subscription.report.title}
    EmailMessage(subject=subject, body=body, to=[subscription.email]).send()


def subscribe(user, report: Report, email: str = "") -> Subscription:
    """Subscribe `email` (or the logged-in user's own address) to `report`. The user's own
    address is active at once; any other address first gets a confirmation e-mail (at most one
    per `SATUDATA_REPORT_CONFIRMATION_RESEND_MIN` minutes)."""
    if not Report.objects.visible_to(user).filter(pk=report.pk, is_public=True).exists():
        # Unlisted reports are not announced (their files are not public): no subscriptions.
        raise NotFound(_("Report not found."))
    logged_in = getattr(user, "is_authenticated", False)
    own = _clean_email(user.email) if logged_in and user.email else ""
    address = _clean_email(email) if email else own
    if not address:
        raise ValidationFailed(_("Enter a valid e-mail address."))
    confirmed_now = bool(own) and address.lower() == own.lower()
    now = timezone.now()
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .filter(report=report, email__iexact=address)
            .first()
        )
        if subscription is None:
            try:
                with transaction.atomic():
                    subscription = Subscription.objects.create(
                        report=report, email=address, user=user if logged_in else None
                    )
            except IntegrityError:
                raise Conflict(_("This address is already subscribed.")) from None
            audit.record(
                user,
                "reports.subscribe",
                object_type="reports.subscription",
                object_id=str(subscription.pk),
                changes={"report": report.slug, "confirmed": confirmed_now},
            )
        if subscription.is_active:
            return subscription
        if confirmed_now:
            subscription.confirmed_at = now
            subscription.user = user
            subscription.save(update_fields=["confirmed_at", "user"])
            return subscription
        recent = subscription.confirmation_sent_at and (
            now - subscription.confirmation_sent_at
            < timedelta(minutes=conf.confirmation_resend_min())
        )
        send = not recent
        if send:
            subscription.confirmation_sent_at = now
            subscription.save(update_fields=["confirmation_sent_at"])
    if send:  # after the commit: the link in the mail must already work
        _send_confirmation(subscription)
    return subscription


def subscription_by_token(token: str) -> Subscription:
    subscription = (
        Subscription.objects.select_related("report").filter(token=str(token)[:64]).first()
    )
    if subscription is None:
        raise NotFound(_("This link is not valid (any more)."))
    return subscription


def confirm_subscription(token: str) -> Subscription:
    subscription = subscription_by_token(token)
    if subscription.is_active:
        return subscription
    with transaction.atomic():
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
        audit.record(
            None,
            "reports.subscription_confirm",
            object_type="reports.subscription",
            object_id=str(subscription.pk),
            changes={"report": subscription.report.slug},
        )
    return subscription


def unsubscribe(token: str) -> Report:
    """Delete the subscription (and with it the address); returns its report."""
    subscription = subscription_by_token(token)
    report = subscription.report
    with transaction.atomic():
        audit.record(
            None,
            "reports.unsubscribe",
            object_type="reports.subscription",
            object_id=str(subscription.pk),
            changes={"report": report.slug},
        )
        subscription.delete()
    return report
