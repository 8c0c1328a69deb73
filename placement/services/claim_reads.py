"""A claim's first reads, outside any lock (R-S-6, R-S-7): the applications with what the claim
checks first, and the seats with their group and kindergarten; one written-out statement each. In a
rush most claims are refused on these reads, so they are kept cheap; the bid of a claim window reads
its applications the same way."""

import functools

from django.db import connection
from django.db.models import Exists, OuterRef

from accounts.models import RepresentativeLink
from placement.models import Application, Child, Referral
from vacancies.models import City, Group, Kindergarten, Seat

_BIGINT_MAX = 2**63 - 1


def _storable(pks: list[int]) -> list[int]:
    """The ids a row can have: the functions take bigint[], and a number beyond it (any whole number
    fits the API's input) would fail the call with a server error instead of naming no row."""
    return [pk for pk in pks if 0 < pk <= _BIGINT_MAX]


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def claim_applications(pks: list[int], user) -> list[Application]:
    """The applications of a claim in pk order, with their child and city, each marked with what the
    claim checks first: `claimant_verified` (the user is the child's verified representative) and
    `holds_referral`. One statement, written out: compiling it through the ORM cost more CPU than
    PostgreSQL spends answering it (docs/performance.md)."""
    if connection.vendor != "postgresql":
        return _claim_applications_orm(pks, user)
    pks = _storable(pks)
    with connection.cursor() as cursor:
        # Through its function, which keeps the plan (_KeptPlan): planning was nine tenths of
        # PostgreSQL's work on this statement, paid again by every claim and every bid.
        cursor.execute(_APPLICATIONS.call, [user.pk, list(pks)])
        rows = cursor.fetchall()
    applications = []
    for row in rows:
        application, child, city = _Columns.build(row, Application, Child, City)
        application.child, application.city = child, city
        application.claimant_verified, application.holds_referral = row[-2], row[-1]
        applications.append(application)
    return applications


def _claim_applications_orm(pks: list[int], user) -> list[Application]:
    """The same read through the ORM, for the SQLite demo (its timestamps need Django's converters)."""
    return list(
        Application.objects.filter(pk__in=pks)
        .select_related("child", "city")
        .annotate(
            claimant_verified=Exists(
                RepresentativeLink.objects.filter(
                    user_id=user.pk, child_id=OuterRef("child_id"), state=RepresentativeLink.State.VERIFIED
                )
            ),
            holds_referral=Exists(Referral.objects.filter(child_id=OuterRef("child_id"), state=Referral.State.ISSUED)),
        )
        .order_by("pk")
    )


def _claim_seats(pks: list[int]) -> dict[int, Seat]:
    """The seats of a claim with their group and kindergarten, by id; one statement, as above."""
    if connection.vendor != "postgresql":
        return Seat.objects.select_related("group__kindergarten").in_bulk(pks)
    pks = _storable(pks)
    with connection.cursor() as cursor:
        cursor.execute(_SEATS.call, [list(pks)])
        rows = cursor.fetchall()
    seats = {}
    for row in rows:
        seat, group, kindergarten = _Columns.build(row, Seat, Group, Kindergarten)
        group.kindergarten, seat.group = kindergarten, group
        seats[seat.pk] = seat
    return seats


def applications_with_child(pks: list[int]) -> dict[int, Application]:
    """Applications by id with their child, in one written-out statement (a window's allocation reads
    6,000 at once: the ORM's select_related cost more than making the rows)."""
    if connection.vendor != "postgresql":
        return Application.objects.select_related("child").in_bulk(pks)
    sql = _WITH_CHILD_SQL.format(columns=_Columns.select((Application, "a"), (Child, "c")))
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(pks)])
        rows = cursor.fetchall()
    applications = {}
    for row in rows:
        application, child = _Columns.build(row, Application, Child)
        application.child = child
        applications[application.pk] = application
    return applications


class _Columns:
    """Several models' rows read by one written-out SELECT, and the model instances made from them."""

    @staticmethod
    @functools.cache
    def names(model) -> tuple[list[str], list[str]]:
        fields = model._meta.concrete_fields
        return [f.column for f in fields], [f.attname for f in fields]

    @classmethod
    @functools.cache
    def select(cls, *tables) -> str:
        return ", ".join(f"{alias}.{column}" for model, alias in tables for column in cls.names(model)[0])

    @classmethod
    def build(cls, row, *models) -> list:
        instances, start = [], 0
        for model in models:
            attnames = cls.names(model)[1]
            instances.append(model.from_db(connection.alias, attnames, row[start : start + len(attnames)]))
            start += len(attnames)
        return instances


# Only placeholders, parameter names and the models' own column names (_Columns) are formatted into these.
_CLAIM_APPLICATIONS_SQL = """
SELECT {columns},
    EXISTS (SELECT 1 FROM accounts_representativelink l WHERE l.user_id = p_user AND l.child_id = a.child_id
            AND l.state = 'verified'),
    EXISTS (SELECT 1 FROM placement_referral r WHERE r.child_id = a.child_id AND r.state = 'issued')
FROM placement_application a
JOIN placement_child c ON c.id = a.child_id
JOIN vacancies_city ci ON ci.id = a.city_id
WHERE a.id = ANY(p_ids) ORDER BY a.id
"""


class _KeptPlan:
    """A hot read as a PL/pgSQL function, which keeps its statement's plan for the connection's life:
    psycopg2 prepares nothing, so PostgreSQL planned the statement again on every claim and bid, nine
    tenths of its work on it; SQL PREPARE would break behind PgBouncer's transaction pooling, a
    function does not. The generic plan is forced: left to choose, PostgreSQL kept planning each
    call anew for these array parameters. Made from the text and the models here by a migration and
    again after every migrate (placement/apps.py), so it always returns the columns the models have."""

    def __init__(self, name: str, sql: str, tables: tuple, parameters: str, extra: str = ""):
        self.name, self.sql, self.tables, self.parameters, self.extra = name, sql, tables, parameters, extra
        marks = ", ".join(f"%s::{kind.split()[-1]}" for kind in parameters.split(", "))
        self.call = f"SELECT * FROM {name}({marks})"  # noqa: S608 - constants only
        self.signature = f"{name}({', '.join(kind.split()[-1] for kind in parameters.split(', '))})"

    def create(self, target) -> list[str]:
        columns = [
            f"{alias}_{field.column} {field.db_type(target)}"
            for model, alias in self.tables
            for field in model._meta.concrete_fields
        ]
        body = self.sql.format(columns=_Columns.select(*self.tables))
        return [
            f"DROP FUNCTION IF EXISTS {self.signature}",
            f"""CREATE FUNCTION {self.name}({self.parameters})
            RETURNS TABLE ({", ".join(columns)}{self.extra})
            LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
            #variable_conflict use_column
            BEGIN
                RETURN QUERY {body};
            END
            $fn$""",
        ]


_CLAIM_SEATS_SQL = """
SELECT {columns} FROM vacancies_seat s
JOIN vacancies_group g ON g.id = s.group_id
JOIN vacancies_kindergarten k ON k.id = g.kindergarten_id
WHERE s.id = ANY(p_ids)
"""
_APPLICATIONS = _KeptPlan(
    "indigo_claim_applications",
    _CLAIM_APPLICATIONS_SQL,
    ((Application, "a"), (Child, "c"), (City, "ci")),
    "p_user bigint, p_ids bigint[]",
    ", claimant_verified boolean, holds_referral boolean",
)
_SEATS = _KeptPlan(
    "indigo_claim_seats", _CLAIM_SEATS_SQL, ((Seat, "s"), (Group, "g"), (Kindergarten, "k")), "p_ids bigint[]"
)


def claim_reads_functions_install(using: str = "default") -> None:
    """(Re)create the functions of the claim's reads (_KeptPlan) on a PostgreSQL database."""
    from django.db import connections, transaction

    target = connections[using]
    if target.vendor != "postgresql":
        return
    # Dropped and made in one transaction: a claim running meanwhile finds the old functions or the new.
    with transaction.atomic(using=using), target.cursor() as cursor:
        for function in (_APPLICATIONS, _SEATS):
            for statement in function.create(target):
                cursor.execute(statement)


_WITH_CHILD_SQL = """
SELECT {columns} FROM placement_application a JOIN placement_child c ON c.id = a.child_id WHERE a.id = ANY(%s)
"""
