"""The two built-in flows (sectoral and village), as engine.DEFAULT_DEFINITIONS declares them.

The step list is copied here (not imported) so that the migration keeps meaning what it meant
when written, whatever the engine's declaration becomes later.
"""

from django.db import migrations

FLOWS = (
    (
        "sektoral",
        "Alur data sektoral (OPD → walidata)",
        "Produsen data OPD mengajukan, walidata memverifikasi lalu menerbitkan (Perpres 39/2019).",
        [],
        True,
        (
            ("submit", ["produsen"], "organisation", "Produsen OPD"),
            ("verify", ["walidata"], "all", "Walidata"),
            ("publish", ["walidata"], "all", "Walidata"),
        ),
    ),
    (
        "desa",
        "Alur data desa (desa → kecamatan → kabupaten)",
        "Operator desa mengajukan, verifikator kecamatan memverifikasi data desa di kecamatannya,"
        " walidata kabupaten menerbitkan.",
        ["desa"],
        False,
        (
            ("submit", ["operator_desa"], "organisation", "Operator desa"),
            ("verify", ["verifikator_kecamatan"], "region", "Verifikator kecamatan"),
            ("publish", ["walidata"], "all", "Walidata kabupaten"),
        ),
    ),
)


def create_flows(apps, schema_editor):
    Definition = apps.get_model("workflow", "WorkflowDefinition")
    Step = apps.get_model("workflow", "WorkflowStep")
    for slug, name, description, kinds, is_default, steps in FLOWS:
        definition, created = Definition.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "organisation_kinds": kinds,
                "is_default": is_default,
            },
        )
        if created:
            for position, (action, roles, scope, label) in enumerate(steps):
                Step.objects.create(
                    definition=definition,
                    position=position,
                    action=action,
                    roles=roles,
                    scope=scope,
                    label=label,
                )


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]

    operations = [migrations.RunPython(create_flows, migrations.RunPython.noop)]
