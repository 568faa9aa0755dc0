"""Database expressions the keep-in-touch rules need, for PostgreSQL and SQLite alike."""

from django.db.models import DateTimeField, Func


class PlusHours(Func):
    """``timestamp + hours``, where hours is a (possibly fractional) number expression.

    Django cannot multiply an integer column by a duration on SQLite, so each backend gets
    its own SQL: an interval product on PostgreSQL, Django's own date arithmetic function
    (microseconds) on SQLite.
    """

    arity = 2
    output_field = DateTimeField()

    def _compiled(self, compiler):
        moment, hours = self.get_source_expressions()
        moment_sql, moment_params = compiler.compile(moment)
        hours_sql, hours_params = compiler.compile(hours)
        return moment_sql, hours_sql, [*moment_params, *hours_params]

    def as_postgresql(self, compiler, connection, **extra_context):
        moment_sql, hours_sql, params = self._compiled(compiler)
        return f"({moment_sql} + ({hours_sql}) * INTERVAL '1 hour')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        moment_sql, hours_sql, params = self._compiled(compiler)
        microseconds = f"CAST(ROUND(({hours_sql}) * 3600000000) AS INTEGER)"
        return f"django_format_dtdelta('+', {moment_sql}, {microseconds})", params
