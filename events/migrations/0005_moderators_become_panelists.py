"""
A panel's moderator was a field of the panel; it becomes one of its Panelist rows, with the role
moderator and the position and affiliation the panel showed beside the name. A moderator who
also sat on the panel as a panelist keeps a single row, now the moderator's.
"""

from django.db import migrations


def moderators_become_panelists(apps, schema_editor):
    Panel = apps.get_model("events", "Panel")
    Panelist = apps.get_model("events", "Panelist")
    for panel in Panel.objects.exclude(moderator=None):
        Panelist.objects.update_or_create(
            panel=panel,
            speaker_id=panel.moderator_id,
            defaults={
                "role": "moderator",
                "position": 0,
                "job_title": panel.moderator_job_title,
                "affiliation": panel.moderator_affiliation,
            },
        )


def moderators_back_on_panels(apps, schema_editor):
    # A moderator who was also a panelist before comes back as the moderator only.
    Panel = apps.get_model("events", "Panel")
    Panelist = apps.get_model("events", "Panelist")
    for row in Panelist.objects.filter(role="moderator"):
        Panel.objects.filter(pk=row.panel_id).update(
            moderator_id=row.speaker_id,
            moderator_job_title=row.job_title,
            moderator_affiliation=row.affiliation,
        )
        row.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_panelist_role"),
    ]

    operations = [
        migrations.RunPython(moderators_become_panelists, moderators_back_on_panels),
    ]
