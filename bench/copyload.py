"""Rows written with PostgreSQL's COPY for the generated city: values in COPY's text format, a model's
defaults filled in, and the foreign keys checked in bulk afterwards (the load runs with its triggers off).
"""

import datetime as dt
import io
import json
from decimal import Decimal


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Copy:
    """COPY rows of one model; columns it is not given get the model's default, or NULL."""

    def __init__(self, cursor, model, fields: list[str], flush_every: int = 100_000):
        from django.db import connection, models

        self.cursor, self.model, self.fields = cursor, model, fields
        self.flush_every = flush_every
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(fields) - set(by_attname)
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
        self.columns = [by_attname[name].column for name in fields]
        self.constant = []
        for field in model._meta.concrete_fields:
            if field.attname in fields or field.primary_key:
                continue
            if field.has_default():
                if callable(field.default) and field.unique:
                    raise ValueError(f"{model.__name__}.{field.name} is unique with a generated default: give it")
                value = field.get_default()
                if isinstance(field, models.JSONField):
                    text = _text(value)
                else:
                    text = _text(field.get_db_prep_save(value, connection))
            elif field.null:
                text = "\\N"
            elif isinstance(field, models.CharField | models.TextField):
                text = ""
            else:
                raise ValueError(f"{model.__name__}.{field.name} is required: give it")
            self.columns.append(field.column)
            self.constant.append(text)
        self.tail = "".join("\t" + text for text in self.constant)
        self.buffer = io.StringIO()
        self.pending = 0
        self.count = 0

    def put(self, *values) -> None:
        self.buffer.write("\t".join(map(_text, values)) + self.tail + "\n")
        self.pending += 1
        if self.pending >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.buffer.seek(0)
        table = self.model._meta.db_table
        self.cursor.copy_expert(f'COPY "{table}" ({", ".join(self.columns)}) FROM STDIN', self.buffer)
        self.count += self.pending
        self.buffer = io.StringIO()
        self.pending = 0


def check_references(cursor) -> None:
    """The foreign keys COPY did not check, checked in bulk: a broken generator stops here."""
    checks = {
        "seat → group": "SELECT count(*) FROM vacancies_seat s LEFT JOIN vacancies_group g ON g.id = s.group_id "
        "WHERE g.id IS NULL",
        "event → seat": "SELECT count(*) FROM vacancies_seatevent e WHERE NOT EXISTS "
        "(SELECT 1 FROM vacancies_seat s WHERE s.id = e.seat_id)",
        "referral → application": "SELECT count(*) FROM placement_referral r LEFT JOIN placement_application a "
        "ON a.id = r.application_id WHERE a.id IS NULL OR a.child_id <> r.child_id",
        "application → child": "SELECT count(*) FROM placement_application a LEFT JOIN placement_child c "
        "ON c.id = a.child_id WHERE c.id IS NULL",
        "link → user": "SELECT count(*) FROM accounts_representativelink l LEFT JOIN accounts_user u "
        "ON u.id = l.user_id WHERE u.id IS NULL",
    }
    for name, sql in checks.items():
        cursor.execute(sql)
        broken = cursor.fetchone()[0]
        if broken:
            raise SystemExit(f"citygen: {broken} broken references ({name})")
