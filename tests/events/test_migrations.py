import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import SEOUL

WITH_MODERATOR_FIELD = [("events", "0004_panelist_role")]
WITH_MODERATOR_ROWS = [("events", "0006_remove_panel_moderator")]

# Migrating the schema back and forth needs real transactions (SQLite refuses it inside one).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def migrate():
    """migrate(targets) moves the events tables there and returns the models as they were."""

    def to(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    yield to
    # The tests after this one expect the latest schema.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_moderators_become_the_first_panelist_rows_with_their_credentials(migrate):
    apps = migrate(WITH_MODERATOR_FIELD)
    Event, Panel, Panelist, Speaker = (
        apps.get_model("events", name) for name in ("Event", "Panel", "Panelist", "Speaker")
    )
    event = Event.objects.create(
        title="The 5th NIS Policy Colloquium",
        slug="colloquium",
        starts_at=dt.datetime(2019, 8, 29, 14, tzinfo=SEOUL),
        ends_at=dt.datetime(2019, 8, 29, 17, tzinfo=SEOUL),
    )
    suh, kim, yang, lee = (
        Speaker.objects.create(name=name, slug=name.lower(), job_title="Now", affiliation="Here")
        for name in ("Suh", "Kim", "Yang", "Lee")
    )
    panel = Panel.objects.create(
        event=event,
        title="Panel discussion",
        moderator=suh,
        moderator_job_title="President",
        moderator_affiliation="Korea Brain Research Institute",
    )
    for position, speaker in enumerate((kim, yang), 1):
        Panelist.objects.create(
            panel=panel, speaker=speaker, position=position, job_title="Head", affiliation="KISTEP"
        )
    # A moderator who also sat on the panel as a panelist.
    round_table = Panel.objects.create(
        event=event, title="Round table", moderator=lee, moderator_job_title="Chair"
    )
    Panelist.objects.create(panel=round_table, speaker=kim, position=1)
    Panelist.objects.create(panel=round_table, speaker=lee, position=2, job_title="Advisor")
    Panel.objects.create(event=event, title="Open floor")

    apps = migrate(WITH_MODERATOR_ROWS)

    rows = apps.get_model("events", "Panelist").objects.select_related("panel", "speaker")
    assert [
        (row.panel.title, row.role, row.speaker.name, row.job_title, row.affiliation)
        for row in rows.order_by("panel__pk", *rows.model._meta.ordering)
    ] == [
        ("Panel discussion", "moderator", "Suh", "President", "Korea Brain Research Institute"),
        ("Panel discussion", "panelist", "Kim", "Head", "KISTEP"),
        ("Panel discussion", "panelist", "Yang", "Head", "KISTEP"),
        ("Round table", "moderator", "Lee", "Chair", ""),
        ("Round table", "panelist", "Kim", "", ""),
    ]
    assert apps.get_model("events", "Panel").objects.count() == 3


def test_moderator_rows_go_back_to_the_panel_when_migrating_back(migrate):
    apps = migrate(WITH_MODERATOR_ROWS)
    Event, Panel, Panelist, Speaker = (
        apps.get_model("events", name) for name in ("Event", "Panel", "Panelist", "Speaker")
    )
    event = Event.objects.create(
        title="Colloquium",
        slug="colloquium",
        starts_at=dt.datetime(2019, 8, 29, 14, tzinfo=SEOUL),
        ends_at=dt.datetime(2019, 8, 29, 17, tzinfo=SEOUL),
    )
    suh = Speaker.objects.create(name="Suh", slug="suh")
    kim = Speaker.objects.create(name="Kim", slug="kim")
    panel = Panel.objects.create(event=event, title="Panel discussion")
    Panelist.objects.create(panel=panel, speaker=suh, role="moderator", job_title="President")
    Panelist.objects.create(panel=panel, speaker=kim, position=1)

    apps = migrate(WITH_MODERATOR_FIELD)

    panel = apps.get_model("events", "Panel").objects.get()
    assert (panel.moderator.name, panel.moderator_job_title) == ("Suh", "President")
    assert [row.speaker.name for row in panel.panelists.all()] == ["Kim"]
