"""Users, organisations (OPD) and memberships with roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from satudata.core.permissions import ScopedQuerySet


class Role(models.TextChoices):
    PRODUSEN = "produsen", _("Data producer (produsen)")
    WALIDATA = "walidata", _("Data steward (walidata)")
    PEMBINA = "pembina", _("Data supervisor (pembina)")
    OPERATOR_DESA = "operator_desa", _("Village operator")
    VERIFIKATOR_KECAMATAN = "verifikator_kecamatan", _("District verifier")
    PIMPINAN = "pimpinan", _("Leadership (pimpinan)")
    ADMIN = "admin", _("Administrator")


class OrganisationKind(models.TextChoices):
    DINAS = "dinas", _("Agency (dinas)")
    BADAN = "badan", _("Board (badan)")
    SEKRETARIAT = "sekretariat", _("Secretariat")
    KECAMATAN = "kecamatan", _("District (kecamatan)")
    DESA = "desa", _("Village (desa/kelurahan)")
    BPS = "bps", _("Statistics office (BPS)")
    LAINNYA = "lainnya", _("Other")


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Organisation(models.Model):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_visible(cls, qs, actor):
        # The list of agencies is public information.
        return qs

    @classmethod
    def scope_editable(cls, qs, actor):
        return qs if actor.is_walidata else qs.none()


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="unique_membership_role"
            )
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.role}"


class LoginFailure(models.Model):
    """Failed log-in attempts, kept for throttling (SATUDATA_LOGIN_MAX_FAILURES)."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip_address or '-'} ({self.created_at:%Y-%m-%d %H:%M})"


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """An API key of a user (DESIGN: accounts hold API tokens).

    The secret is shown once at creation; only its sha256 is stored. The secret has 256 bits of
    randomness, so a plain (fast) sha256 cannot be reversed by guessing — a slow password hash
    would cost milliseconds on every API request for no gain. The prefix (the first characters
    of the key, not secret) lets the owner and the walidata recognise a key in lists and logs.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    # Empty = every organisation the user belongs to (at the time of each request).
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisations"), blank=True, related_name="api_tokens"
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    def is_active(self, now=None) -> bool:
        from django.utils import timezone

        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now
