from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_moderators_become_panelists"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='panel',
            name='moderator',
        ),
        migrations.RemoveField(
            model_name='panel',
            name='moderator_affiliation',
        ),
        migrations.RemoveField(
            model_name='panel',
            name='moderator_job_title',
        ),
    ]
