from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from colloquium.groups import EDITORS

ACCOUNTS = (
    # username, password, full name, superuser
    ("admin", "admin", ("Site", "Administrator"), True),
    ("editor", "editor", ("Yeory", "Lim"), False),
)


class Command(BaseCommand):
    help = "Locally (DEBUG=1): make sure the admin and editor accounts exist, and print them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--address",
            default="http://127.0.0.1:8000/",
            help="Where the site is served, to print the admin's address (make run passes its "
            "HOST and PORT).",
        )

    def handle(self, *args, address, **options):
        if not settings.DEBUG:
            raise CommandError("ensureadmin makes weak local passwords: it runs only with DEBUG=1.")
        User = get_user_model()
        editors = Group.objects.get(name=EDITORS)
        for username, password, (first, last), is_superuser in ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "is_staff": True,
                    "is_superuser": is_superuser,
                },
            )
            if created:
                user.set_password(password)
                user.save()
                if not is_superuser:
                    user.groups.add(editors)
        self.stdout.write(
            f"Admin: {urljoin(address, reverse('admin:index'))}\n"
            "  superuser  login: admin   password: admin\n"
            "  editor     login: editor  password: editor   (in the Editors group)"
        )
