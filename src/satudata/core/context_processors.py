from django.conf import settings


def site(request):
    return {
        "site_name": settings.SATUDATA_SITE_NAME,
        "site_region_code": settings.SATUDATA_REGION_CODE,
    }
