"""Warehouse views (being built; every view answers 404 until its service lands)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def upload(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def preview(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    raise Http404


def version_download(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    raise Http404


def publish(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    raise Http404
