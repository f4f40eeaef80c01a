from django.db import migrations

from colloquium.groups import editors_may_manage


class Migration(migrations.Migration):
    dependencies = [
        ("colloquium", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(editors_may_manage("colloquium"), migrations.RunPython.noop),
    ]
