"""API gateway: CKAN Action API, DCAT (and API v1)."""
