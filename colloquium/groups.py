"""The "Editors" group: staff who manage content (posts, events, files) but not users."""

EDITORS = "Editors"


def editors_may_manage(app_label):
    """A RunPython operation body giving Editors every permission on `app_label`'s models."""

    def grant(apps, schema_editor):
        from django.contrib.auth.management import create_permissions

        # Permissions are normally created after all migrations; make this app's exist now.
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        group, _ = Group.objects.get_or_create(name=EDITORS)
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label))

    return grant
