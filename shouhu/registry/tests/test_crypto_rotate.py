from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from shouhu.accounts.models import User
from shouhu.core import crypto
from shouhu.core.management.commands.crypto import encrypted_models
from shouhu.registry import services
from shouhu.registry.exchange.format import parse_record
from shouhu.registry.models import Child

from .example import EXAMPLE
from .misc_helpers import DAY, child_data, register

pytestmark = pytest.mark.django_db
NEW_KEY = base64.b64encode(b"a brand new key for rotation 32b").decode()


def stored() -> list[tuple[int, str | None, str, str, str | None]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number, phone, address, id_number_index FROM registry_child ORDER BY id")
        return list(cursor.fetchall())


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("crypto", "rotate", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def children(personas: dict[str, User]) -> list[Child]:
    crypto._keys.cache_clear()
    first = register(None, EXAMPLE)
    record, errors = parse_record(child_data("刘佳怡", "2016-08-08", 88, sex="female"), today=DAY)
    assert record is not None, errors
    second = services.child_register(actor=None, record=record, phone="13912345678", address="桓仁镇东关村 3 组 12 号")
    return [first, second]


def test_every_model_with_encrypted_fields_is_found() -> None:
    found = {model._meta.label: [f.name for f in fields] for model, fields in encrypted_models()}
    assert found["registry.Child"] == ["id_number", "phone", "address"]


def test_rotation_re_encrypts_everything_and_lookups_still_work(children: list[Child]) -> None:
    old_id = crypto.key_id(base64.b64decode(settings.ENCRYPTION_KEY))
    new_id = crypto.key_id(base64.b64decode(NEW_KEY))
    before = stored()
    assert all((row[1] or "").startswith(f"v1:{old_id}:") for row in before)

    # The new key alone cannot read rows written under the old one: a clear Chinese error.
    without_old_key = override_settings(ENCRYPTION_KEY=NEW_KEY, ENCRYPTION_OLD_KEYS=[])
    with without_old_key, pytest.raises(crypto.DecryptionError, match=f"缺少密钥 {old_id}.*SHOUHU_ENCRYPTION_OLD_KEYS"):
        Child.objects.get(pk=children[0].pk)

    with override_settings(ENCRYPTION_KEY=NEW_KEY, ENCRYPTION_OLD_KEYS=[settings.ENCRYPTION_KEY]):
        dry = rotate("--dry-run")
        assert "需要重新加密 4 个字段值" in dry and "需要重算 2 个盲索引" in dry
        assert stored() == before
        out = rotate("--batch-size", "1")
        assert "已重新加密 4 个字段值" in out and "已重算 2 个盲索引" in out
        after = stored()
        for row in after:
            for token in (row[1], row[2], row[3]):
                assert not token or (token.startswith(f"v1:{new_id}:") and old_id not in token.split(":")[1])
        assert services.find_by_id_number("210522201503150015") == children[0]
        second = Child.objects.get(pk=children[1].pk)
        assert (second.phone, second.address) == ("13912345678", "桓仁镇东关村 3 组 12 号")
        assert "已重新加密 0 个字段值" in rotate() and stored() == after  # idempotent

    # After the rotation the old key is no longer needed.
    with override_settings(ENCRYPTION_KEY=NEW_KEY, ENCRYPTION_OLD_KEYS=[]):
        assert Child.objects.get(pk=children[0].pk).id_number == "210522201503150015"


def test_rotation_without_the_old_key_stops_with_a_clear_message(children: list[Child]) -> None:
    from django.core.management.base import CommandError

    with (
        override_settings(ENCRYPTION_KEY=NEW_KEY, ENCRYPTION_OLD_KEYS=[]),
        pytest.raises(CommandError, match="缺少密钥"),
    ):
        rotate()


def test_a_row_without_index_does_not_get_one(children: list[Child]) -> None:
    Child.objects.filter(pk=children[0].pk).update(id_number_index=None)  # a record merged into another
    with override_settings(ENCRYPTION_KEY=NEW_KEY, ENCRYPTION_OLD_KEYS=[settings.ENCRYPTION_KEY]):
        rotate()
        assert stored()[0][4] is None


def test_each_rotation_leaves_an_audit_row_without_key_material(children: list[Child]) -> None:
    from shouhu.core.models import AuditEvent

    new_id = crypto.key_id(base64.b64decode(NEW_KEY))
    old_id = crypto.key_id(base64.b64decode(settings.ENCRYPTION_KEY))
    with override_settings(ENCRYPTION_KEY=NEW_KEY, ENCRYPTION_OLD_KEYS=[settings.ENCRYPTION_KEY]):
        rotate("--dry-run")
        rotate()
    dry, done = AuditEvent.objects.filter(action="crypto.rotate").order_by("id")
    assert dry.actor is None and dry.actor_label == "系统"
    assert dry.detail["dry_run"] is True and done.detail["dry_run"] is False
    for event in (dry, done):
        assert event.detail["completed"] is True
        assert (event.detail["rows"], event.detail["values"], event.detail["indexes"]) == (2, 4, 2)
        assert event.detail["models"]["registry.Child"] == {
            "fields": ["id_number", "phone", "address"],
            "rows": 2,
            "values": 4,
            "indexes": 2,
        }
        assert (event.detail["key_id"], event.detail["old_key_ids"]) == (new_id, [old_id])
    assert "试运行" in dry.summary and "重新加密" in done.summary
    recorded = str(AuditEvent.objects.filter(action="crypto.rotate").values_list("summary", "detail"))
    for key in (NEW_KEY, settings.ENCRYPTION_KEY):
        assert key not in recorded and base64.b64decode(key).hex() not in recorded


def test_a_rotation_that_stops_is_recorded_as_unfinished(children: list[Child]) -> None:
    from django.core.management.base import CommandError

    from shouhu.core.models import AuditEvent

    with (
        override_settings(ENCRYPTION_KEY=NEW_KEY, ENCRYPTION_OLD_KEYS=[]),
        pytest.raises(CommandError),
    ):
        rotate()
    event = AuditEvent.objects.get(action="crypto.rotate")
    assert event.detail["completed"] is False and "缺少密钥" in event.detail["error"]
    assert event.detail["values"] == 0 and "未完成" in event.summary
