"""`shouhu crypto rotate [--dry-run]`: re-encrypt every encrypted field under the current key.

Procedure (docs/registry-data.md): set SHOUHU_ENCRYPTION_KEY to the new key and put the old one in
SHOUHU_ENCRYPTION_OLD_KEYS, restart, run `shouhu crypto rotate`; when it reports nothing left
under an old key, remove the old key. Every model with `EncryptedTextField`s is found through the
app registry; rows are read by id range in batches, each batch in its own transaction; values
already under the current key are skipped, so the command can be interrupted and run again. Blind
indexes derive from the current key, so `Child.id_number_index` is recomputed too (only where the
row has one: a merged record gives its index to the surviving record).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, connection, models, transaction

from shouhu.core import audit, crypto
from shouhu.core.fields import EncryptedTextField

# (app label, model name) → [(encrypted field, its blind-index column)]
BLIND_INDEXES: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("registry", "child"): [("id_number", "id_number_index")]
}


@dataclass
class Tally:
    rows: int = 0
    values: int = 0
    indexes: int = 0

    def add(self, other: Tally) -> None:
        self.rows += other.rows
        self.values += other.values
        self.indexes += other.indexes


def encrypted_models() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields and not model._meta.proxy and model._meta.managed:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label)


class Command(BaseCommand):
    help = "加密密钥管理：rotate 用当前密钥重新加密所有加密字段并重算盲索引"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="用当前密钥（SHOUHU_ENCRYPTION_KEY）重新加密旧密钥加密的数据")
        rotate.add_argument("--dry-run", action="store_true", help="只统计需要重新加密的数据，不写入")
        rotate.add_argument("--batch-size", type=int, default=1000, help="每批（每个事务）处理的行数")

    def handle(self, *args: Any, action: str, dry_run: bool, batch_size: int, **options: Any) -> None:
        current, keys = crypto.keyring()
        key = crypto.key_id(current)
        old = sorted(k for k in keys if k != key)
        self.stdout.write(
            f"当前密钥 {key}；旧密钥 {', '.join(old) if old else '无'}" + ("（试运行，不写入）" if dry_run else "")
        )
        by_model: dict[str, tuple[list[str], Tally]] = {}
        try:
            for model, fields in encrypted_models():
                tally = Tally()
                by_model[model._meta.label] = ([f.name for f in fields], tally)
                self._rotate_model(model, fields, tally, dry_run=dry_run, batch_size=max(batch_size, 1))
        except CommandError as e:
            # Batches before the failure are committed: the record says what changed before it stopped.
            self._record(by_model, dry_run=dry_run, key=key, old=old, error=str(e))
            raise
        total = self._record(by_model, dry_run=dry_run, key=key, old=old)
        verb = "需要重新加密" if dry_run else "已重新加密"
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：检查 {total.rows} 行，{verb} {total.values} 个字段值，"
                f"{'需要重算' if dry_run else '已重算'} {total.indexes} 个盲索引"
            )
        )

    def _record(
        self, by_model: dict[str, tuple[list[str], Tally]], *, dry_run: bool, key: str, old: list[str], error: str = ""
    ) -> Tally:
        """The run's audit row: per model its encrypted fields and counts; the key ids, no key."""
        total = Tally()
        for _fields, tally in by_model.values():
            total.add(tally)
        what = "试运行" if dry_run else "重新加密"
        summary = f"密钥轮换（{what}）：检查 {total.rows} 行，字段值 {total.values} 个，盲索引 {total.indexes} 个"
        audit.record(
            actor=None,
            action="crypto.rotate",
            summary=summary + ("，未完成" if error else ""),
            detail={
                "dry_run": dry_run,
                "completed": not error,
                "error": error,
                "key_id": key,
                "old_key_ids": old,
                "rows": total.rows,
                "values": total.values,
                "indexes": total.indexes,
                "models": {label: {"fields": fields, **vars(tally)} for label, (fields, tally) in by_model.items()},
            },
        )
        return total

    def _rotate_model(
        self,
        model: type[models.Model],
        fields: list[EncryptedTextField],
        tally: Tally,
        *,
        dry_run: bool,
        batch_size: int,
    ) -> None:
        """Rotate one model's values, adding each committed batch to `tally`."""
        meta = model._meta
        indexes = dict(BLIND_INDEXES.get((meta.app_label, meta.model_name or ""), []))
        qn = connection.ops.quote_name
        index_columns = [str(getattr(meta.get_field(name), "column", name)) for name in indexes.values()]
        columns = [str(meta.pk.column), *(str(f.column) for f in fields), *index_columns]
        select = (
            f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(meta.db_table)} "  # noqa: S608  (names from the model)
            f"WHERE {qn(meta.pk.column)} > %s ORDER BY {qn(meta.pk.column)} LIMIT %s"
        )
        total_rows = model._default_manager.count()
        last = 0
        while True:
            batch = Tally()
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(select, [last, batch_size])
                    rows = cursor.fetchall()
                if not rows:
                    break
                changes = self._batch_changes(meta.label, rows, fields, indexes, batch)
                if changes and not dry_run:
                    self._write(model, changes)
            last = rows[-1][0]
            batch.rows = len(rows)
            tally.add(batch)
            self.stdout.write(
                f"  {meta.label}：{tally.rows} / {total_rows} 行", ending="\r" if self.stdout.isatty() else "\n"
            )
        self.stdout.write(
            f"{meta.label}（{meta.verbose_name}）：{tally.rows} 行，字段值 {tally.values} 个，盲索引 {tally.indexes} 个"
        )

    def _batch_changes(
        self,
        label: str,
        rows: list[tuple[Any, ...]],
        fields: list[EncryptedTextField],
        indexes: dict[str, str],
        tally: Tally,
    ) -> dict[Any, dict[str, str | None]]:
        """{pk: {attname: new plaintext (re-encrypted on save) or new index}} for one batch."""
        n = len(fields)
        changes: dict[Any, dict[str, str | None]] = {}
        for row in rows:
            pk, stored, old_indexes = row[0], row[1 : 1 + n], row[1 + n :]
            plain: dict[str, str] = {}
            for field, token in zip(fields, stored, strict=True):
                if not token:
                    continue
                needs = not crypto.is_current(token)
                if needs or field.name in indexes:
                    try:
                        plain[field.name] = crypto.decrypt(token)
                    except crypto.DecryptionError as e:
                        raise CommandError(f"{label} #{pk} 的字段「{field.verbose_name}」无法解密：{e}") from e
                if needs:
                    changes.setdefault(pk, {})[field.attname] = plain[field.name]
                    tally.values += 1
            for (source, index_field), old_index in zip(indexes.items(), old_indexes, strict=True):
                if old_index and source in plain:
                    new_index = crypto.blind_index(plain[source])
                    if new_index != old_index:
                        changes.setdefault(pk, {})[index_field] = new_index
                        tally.indexes += 1
        return changes

    def _write(self, model: type[models.Model], changes: dict[Any, dict[str, str | None]]) -> None:
        by_fields: dict[tuple[str, ...], list[models.Model]] = {}
        for pk, values in changes.items():
            by_fields.setdefault(tuple(sorted(values)), []).append(model(pk=pk, **values))
        try:
            for names, objects in by_fields.items():
                # bulk_update saves through the field: EncryptedTextField encrypts under the current key.
                model._default_manager.bulk_update(objects, list(names), batch_size=500)
        except IntegrityError as e:
            raise CommandError(
                f"{model._meta.label}：重算盲索引时发现重复（两行的同一值在旧密钥下索引不同），请先核查重复档案：{e}"
            ) from e
