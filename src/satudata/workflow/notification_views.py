"""Notification pages: the list (/notifikasi/), marking as read, opening one, and the e-mail
preferences. Everyone sees only their own notifications (`Notification.objects.visible_to`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satudata.core.errors import ValidationFailed
from satudata.workflow import conf, services
from satudata.workflow.models import Notification, NotificationKind
from satudata.workflow.notifications import email_kinds_of, notification_text


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.visible_to(request.user).order_by("-created_at", "-pk")
    only_unread = request.GET.get("belum") == "1"
    if only_unread:
        mine = mine.filter(read_at__isnull=True)
    page = Paginator(mine, conf.notifications_page_size()).get_page(request.GET.get("halaman"))
    rows = [
        {
            "notification": item,
            "text": notification_text(item.kind, item.params, item.actor_label),
            "note": item.params.get("note", ""),
        }
        for item in page.object_list
    ]
    unread = Notification.objects.visible_to(request.user).filter(read_at__isnull=True).count()
    context = {"page": page, "rows": rows, "unread": unread, "only_unread": only_unread}
    return render(request, "workflow/notifications.html", context)


def _ids(values: list[str]) -> list[int]:
    found = []
    for value in values:
        try:
            found.append(int(value))
        except (TypeError, ValueError):
            continue
    return found


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """POST `id` (repeatable) marks those; `semua=1` marks every unread notification."""
    ids = None if request.POST.get("semua") == "1" else _ids(request.POST.getlist("id"))
    count = services.mark_read(request.user, ids)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "workflow:notifications"
    return redirect(target)


@login_required
@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of one's own notifications as read and go where it points."""
    found = Notification.objects.visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("Notification not found."))
    services.mark_read(request.user, [found.pk])
    target = found.url
    if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "workflow:notifications"
    return redirect(target)


class PreferencesForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Send me an e-mail when"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                services.set_email_preferences(request.user, form.cleaned_data["email_kinds"])
            except ValidationFailed as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your e-mail choices were saved."))
                return redirect("workflow:preferences")
        status = 400
    else:
        form = PreferencesForm(initial={"email_kinds": email_kinds_of(request.user)})
        status = 200
    context = {"form": form, "has_email": bool(request.user.email)}
    return render(request, "workflow/preferences.html", context, status=status)
