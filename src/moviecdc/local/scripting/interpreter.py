"""Running a Snowflake Scripting block: variables, control flow, exceptions and transactions.

Every SQL statement of a block, and every expression the interpreter cannot read alone, goes back to the
engine's router (``engine.run``) with its variables bound as literals (:mod:`.binding`), so a block's SQL gets
exactly the engine's ordinary treatment: stream reads and their consumption, change capture, DDL's commit.

Transactions, as Snowflake documents them for blocks and stored procedures
(https://docs.snowflake.com/en/sql-reference/transactions#stored-procedures-and-transactions): outside an
explicit transaction each statement commits on its own (with the stream offsets it moves); ``BEGIN
TRANSACTION … COMMIT|ROLLBACK`` inside the block makes its statements one unit; a transaction the block opened
and left open is rolled back and the block fails. A failing statement fails the block with its error
(``STATEMENT_ERROR``) unless a handler catches it.

Not emulated, refused with ``UnsupportedSqlError`` (never skipped): a transaction the block opens while its
caller's is open (Snowflake's scoped transactions), and a handled failure inside the block's explicit
transaction followed by anything but ``ROLLBACK`` (DuckDB cannot undo one statement of a transaction, so the
engine has already rolled back the whole transaction, which Snowflake would keep open), and any failure of a
statement inside the caller's open transaction (for the same reason; refused even under a handler).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.results import Result
from moviecdc.local.dialect.errors import describe, unsupported
from moviecdc.local.scripting import nodes as s
from moviecdc.local.scripting.binding import literal, render
from moviecdc.local.scripting.lexer import (
    DOLLAR,
    NUMBER,
    STRING,
    WORD,
    line_and_position,
    script_tokens,
    string_value,
)
from moviecdc.local.scripting.state import (
    EXPRESSION_ERROR,
    OTHER,
    STATEMENT_ERROR,
    USER_SQLSTATE,
    Cursor,
    JumpSignal,
    ReturnSignal,
    Scope,
    ScriptError,
    Variable,
)

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

_CODED = re.compile(r"^(\d{6}) \(([0-9A-Z]{5})\): (.*)$", re.DOTALL)
_DML = ("INSERT", "UPDATE", "DELETE", "MERGE")
_COUNTS = ("number of rows inserted", "number of rows updated", "number of rows deleted")
_NATIVE = {  # declared types a Python value of this type already has (no CAST needed)
    int: ("INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT", "NUMBER", "NUMERIC", "DECIMAL"),
    str: ("VARCHAR", "STRING", "TEXT", "CHAR", "CHARACTER"),
    bool: ("BOOLEAN",),
    float: ("FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8", "DOUBLE PRECISION"),
}
_BUILTINS = ("SQLROWCOUNT", "SQLFOUND", "SQLNOTFOUND", "SQLCODE", "SQLERRM", "SQLSTATE")


class Interpreter:
    """Runs one top-level block (an anonymous block, a procedure's body) on ``engine``."""

    def __init__(self, engine: Engine, source: str) -> None:
        self.engine = engine
        self.source = source
        self.specials: dict[str, Any] = dict.fromkeys(_BUILTINS)
        self.owns_transaction = False  # the block ran BEGIN TRANSACTION and has not ended it
        self.lost_transaction = False  # a failure rolled back the block's transaction (see module docstring)
        self.handling: list[ScriptError] = []

    # -- entry ------------------------------------------------------------------------------------

    @staticmethod
    def new_scope() -> Scope:
        return Scope(None)

    def run(self, block: s.Block, arguments: dict[str, Variable] | None = None) -> Any:
        """Run the block; its RETURN value (a Python value or a RESULTSET's :class:`Result`), or None."""
        scope = Scope(None, dict(arguments or {}))
        try:
            try:
                self.block(block, scope)
                value = None
            except ReturnSignal as done:
                value = done.value
            except JumpSignal as jump:
                raise LocalEngineError(f"SQL compilation error: {jump.kind} outside a loop.") from None
        except ScriptError as error:
            self._abandon_transaction()
            line, position = line_and_position(self.source, error.where)
            raise LocalEngineError(
                f"Uncaught exception of type '{error.name}' on line {line} at position {position} : {error.message}"
            ) from error
        except BaseException:
            self._abandon_transaction()
            raise
        if self.owns_transaction or self.lost_transaction:
            self._abandon_transaction()
            raise LocalEngineError(
                "A transaction that the block started was still active when the block ended; it was rolled back. "
                "End it with COMMIT or ROLLBACK inside the block."
            )
        return value

    def _abandon_transaction(self) -> None:
        if self.owns_transaction and self.engine.in_transaction:
            self.engine.end_transaction(commit=False)
        self.owns_transaction = self.lost_transaction = False

    # -- blocks and statements --------------------------------------------------------------------

    def block(self, block: s.Block, outer: Scope) -> None:
        scope = Scope(outer)
        try:
            for decl in block.decls:
                self.statement(decl, scope)
            self.statements(block.body, scope)
        except ScriptError as error:
            body = self._handler(block, error)
            if body is None:
                raise
            self.handling.append(error)
            saved = {k: self.specials[k] for k in ("SQLCODE", "SQLERRM", "SQLSTATE")}
            self.specials.update(SQLCODE=error.code, SQLERRM=error.message, SQLSTATE=error.state)
            try:
                self.statements(body, Scope(scope))
            finally:
                self.handling.pop()
                self.specials.update(saved)

    @staticmethod
    def _handler(block: s.Block, error: ScriptError) -> list[s.Node] | None:
        for names, body in block.handlers:
            if error.name in names or OTHER in names:
                return body
        return None

    def statements(self, nodes: list[s.Node], scope: Scope) -> None:
        for node in nodes:
            self.statement(node, scope)

    def statement(self, node: s.Node, scope: Scope) -> None:  # noqa: PLR0912 - one branch per node kind
        if isinstance(node, s.Sql):
            self.sql(node, scope)
        elif isinstance(node, s.VarDecl):
            type_ = self._type(node.type)
            value = self.evaluate(node.default, scope) if node.default is not None else None
            scope.variables[node.name] = Variable(self.coerce(value, type_, node.start), type_)
        elif isinstance(node, s.Assign):
            self.assign(node, scope)
        elif isinstance(node, s.ResultsetDecl):
            value = self.query(node.query, scope, node.start) if node.query is not None else None
            scope.variables[node.name] = Variable(value, "RESULTSET")
        elif isinstance(node, s.CursorDecl):
            words = node.query.tokens
            if len(words) == 1 and words[0].kind == WORD:
                cursor = Cursor(None, resultset=words[0].text.upper())
            else:
                cursor = Cursor(node.query)
            scope.variables[node.name] = Variable(cursor, "CURSOR")
        elif isinstance(node, s.ExceptionDecl):
            scope.exceptions[node.name] = (node.code, node.message)
        elif isinstance(node, s.Block):
            self.block(node, scope)
        elif isinstance(node, s.If):
            self.if_(node, scope)
        elif isinstance(node, s.Case):
            self.case(node, scope)
        elif isinstance(node, s.Loop | s.ForRange | s.ForCursor):
            self.loop(node, scope)
        elif isinstance(node, s.Jump):
            raise JumpSignal(node.kind, node.label)
        elif isinstance(node, s.Return):
            self.return_(node, scope)
        elif isinstance(node, s.Raise):
            self.raise_(node, scope)
        elif isinstance(node, s.CursorOp):
            self.cursor_op(node, scope)
        elif isinstance(node, s.Transaction):
            self.transaction(node)
        elif isinstance(node, s.ExecuteImmediate):
            self.execute_immediate(node, scope)
        elif isinstance(node, s.Nothing):
            pass
        else:  # pragma: no cover - the parser makes only the nodes above
            raise UnsupportedSqlError(f"Snowflake Scripting statement {type(node).__name__} is not supported.")

    # -- SQL --------------------------------------------------------------------------------------

    def sql(self, node: s.Sql, scope: Scope) -> None:
        result = self.run_sql(self.bind(node.text, scope, bare=False), node.start)
        if node.into:
            # "The SELECT statement must return a single row" (https://docs.snowflake.com/en/sql-reference/constructs/into)
            rows = result.rows()
            if len(rows) != 1 or len(rows[0]) < len(node.into):
                problem = f"returned {len(rows)} rows" if len(rows) != 1 else "has fewer columns than INTO variables"
                raise self._statement_error(
                    LocalEngineError(f"SELECT … INTO must return a single row; this one {problem}."), node.start
                )
            for index, name in enumerate(node.into):
                self.set(name, rows[0][index], scope, node.start)

    def run_sql(self, text: str, where: int, *, track: bool = True) -> Result:
        """One statement through the engine's router; its failure becomes STATEMENT_ERROR."""
        if self.lost_transaction:
            raise UnsupportedSqlError(
                "A statement after a handled failure inside the block's explicit transaction is not supported by "
                "the local engine: it has already rolled the whole transaction back (Snowflake keeps it open). "
                "ROLLBACK in the handler, or handle the failure outside the transaction."
            )
        in_own = self.owns_transaction
        in_callers = self.engine.in_transaction and not in_own
        try:
            result = self.engine.run(text)
        except ScriptError:
            raise
        except Exception as error:
            if unsupported(error):  # never caught by a handler: the block must not go on as if it had run
                raise
            if in_callers and not self.engine.in_transaction:
                raise UnsupportedSqlError(
                    "A statement of a block failed inside the caller's open transaction, and the local engine "
                    "rolled back that whole transaction (Snowflake rolls back only the statement and keeps the "
                    f"transaction open); the block cannot go on as Snowflake's would. The statement's error: {error}"
                ) from error
            if in_own and not self.engine.in_transaction:
                self.owns_transaction, self.lost_transaction = False, True
            raise self._statement_error(error, where) from error
        if track:
            self._row_counts(text, result)
        return result

    def _row_counts(self, text: str, result: Result) -> None:
        """SQLROWCOUNT / SQLFOUND / SQLNOTFOUND after a statement: NULL after one that is not DML (the
        2025_01 behaviour, on by default; TRUNCATE is not counted)
        https://docs.snowflake.com/en/developer-guide/snowflake-scripting/dml-status."""
        first = text.lstrip().split(None, 1)[0].upper() if text.strip() else ""
        if first not in _DML:
            self.specials.update(SQLROWCOUNT=None, SQLFOUND=None, SQLNOTFOUND=None)
            return
        count = 0
        for name in _COUNTS:
            if name in result.columns:
                count += sum(int(v or 0) for v in result.table.column(name).to_pylist())
        self.specials.update(SQLROWCOUNT=count, SQLFOUND=count > 0, SQLNOTFOUND=count == 0)

    def _statement_error(self, error: Exception, where: int, name: str = STATEMENT_ERROR) -> ScriptError:
        if isinstance(error, ScriptError):
            return error
        code, message = describe(error)
        state = None
        coded = _CODED.match(message)
        if coded is not None:
            code, state, message = coded.group(1), coded.group(2), coded.group(3)
        message = message.split("\n  Statement: ")[0]
        return ScriptError(name, int(code) if code is not None else None, message, state, where)

    def query(self, text: s.Text, scope: Scope, where: int) -> Result:
        """A RESULTSET's query: ``(SELECT …)`` or ``(EXECUTE IMMEDIATE …)``, run now."""
        tokens = text.tokens
        if len(tokens) >= 2 and tokens[0].text == "(" and tokens[-1].text == ")":
            tokens = tokens[1:-1]
        inner = s.Text(tokens)
        if tokens and tokens[0].is_word("ASYNC"):
            raise UnsupportedSqlError(
                "Snowflake Scripting ASYNC is not supported by the local engine. Run the query without ASYNC."
            )
        if tokens and tokens[0].is_word("EXECUTE") and len(tokens) > 1 and tokens[1].is_word("IMMEDIATE"):
            node = s.ExecuteImmediate(where, s.Text(tokens[2:]))
            return self.run_sql(self._immediate_text(node, scope), where)
        return self.run_sql(self.bind(inner, scope, bare=False), where)

    def bind(self, text: s.Text, scope: Scope, *, bare: bool, positional: list[Any] | None = None) -> str:
        def lookup(name: str, column: str | None) -> Any:
            variable = scope.find(name)
            if variable is None:
                if column is None and name in self.specials:
                    return self.specials[name]
                raise KeyError(name)
            value = variable.value
            if column is None:
                if isinstance(value, Cursor | Result) or _is_row(value):
                    raise KeyError(name)  # not a scalar: leave the name to SQL (it may be a table)
                return value
            if _is_row(value):
                fields = value.as_dict()
                if column in fields:
                    return fields[column]
            raise KeyError(name)

        return render(self.source, text, lookup, bare=bare, positional=positional)

    # -- expressions and variables ----------------------------------------------------------------

    def evaluate(self, text: s.Text, scope: Scope) -> Any:  # noqa: PLR0911 - the direct reads, then SQL
        """The value of an expression of the block: read directly when it is a literal or a variable,
        otherwise ``SELECT <expression>`` with its variables bound."""
        tokens = text.tokens
        if len(tokens) == 1:
            token = tokens[0]
            if token.kind == NUMBER:
                return int(token.text) if token.text.isdigit() else Decimal(token.text)
            if token.kind in (STRING, DOLLAR):
                return string_value(token)
            if token.is_word("TRUE", "FALSE"):
                return token.upper == "TRUE"
            if token.is_word("NULL"):
                return None
            if token.kind == WORD:
                name = token.text.upper()
                variable = scope.find(name)
                if variable is not None and not isinstance(variable.value, Cursor | Result):
                    return variable.value
                if variable is None and name in self.specials:
                    return self.specials[name]
        sql = "SELECT " + self.bind(text, scope, bare=True)
        try:
            result = self.engine.run(sql)
        except Exception as error:
            if unsupported(error):
                raise
            raise self._statement_error(error, text.start, EXPRESSION_ERROR) from error
        rows = result.rows()
        return rows[0][0] if rows else None

    def condition(self, text: s.Text, scope: Scope) -> bool:
        return bool(self.evaluate(text, scope))

    def assign(self, node: s.Assign, scope: Scope) -> None:
        variable = scope.find(node.name)
        if variable is not None and variable.type == "RESULTSET":
            variable.value = self.query(node.value, scope, node.start)
            return
        self.set(node.name, self.evaluate(node.value, scope), scope, node.start)

    def set(self, name: str, value: Any, scope: Scope, where: int) -> None:
        variable = scope.find(name)
        if variable is None:
            raise LocalEngineError(
                f"SQL compilation error: variable '{name}' is not declared. Declare it in DECLARE or with LET."
            )
        variable.value = self.coerce(value, variable.type, where)

    def coerce(self, value: Any, type_: str | None, where: int) -> Any:
        """``value`` as the declared type (Snowflake casts each assignment): a CAST in SQL unless the value
        already has that type."""
        if value is None or type_ is None or type_ in ("RESULTSET", "CURSOR"):
            return value
        base = type_.split("(")[0].strip()
        for python_type, names in _NATIVE.items():
            if type(value) is python_type and base in names and (python_type is not int or "," not in type_):
                return value
        try:
            rows = self.engine.run(f"SELECT CAST({literal(value)} AS {type_})").rows()
        except UnsupportedSqlError:
            raise
        except Exception as error:
            raise self._statement_error(error, where, EXPRESSION_ERROR) from error
        return rows[0][0]

    def _type(self, text: s.Text | None) -> str | None:
        if text is None:
            return None
        return " ".join(t.text.upper() for t in text.tokens).replace(" (", "(").replace("( ", "(").replace(" )", ")")

    # -- control flow -----------------------------------------------------------------------------

    def if_(self, node: s.If, scope: Scope) -> None:
        for condition, body in node.branches:
            if self.condition(condition, scope):
                self.statements(body, Scope(scope))
                return
        if node.otherwise is not None:
            self.statements(node.otherwise, Scope(scope))

    def case(self, node: s.Case, scope: Scope) -> None:
        subject = self.evaluate(node.subject, scope) if node.subject is not None else None
        for value, body in node.whens:
            if node.subject is None:
                hit = self.condition(value, scope)
            else:
                other = self.evaluate(value, scope)
                hit = subject is not None and other is not None and subject == other
            if hit:
                self.statements(body, Scope(scope))
                return
        if node.otherwise is not None:
            self.statements(node.otherwise, Scope(scope))
            return
        raise ScriptError(
            "CASE_NOT_FOUND", None, "No CASE branch matched and there is no ELSE.", None, node.start
        )  # docs do not give this error's text

    def loop(self, node: s.Loop | s.ForRange | s.ForCursor, scope: Scope) -> None:
        for body_scope in self._passes(node, scope):
            try:
                self.statements(node.body, body_scope)
            except JumpSignal as jump:
                if jump.label is not None and jump.label != node.label:
                    raise
                if jump.kind == "BREAK":
                    return
            if isinstance(node, s.Loop) and node.until is not None and self.condition(node.until, body_scope):
                return

    def _passes(self, node: s.Loop | s.ForRange | s.ForCursor, scope: Scope) -> Any:
        if isinstance(node, s.ForRange):
            low, high = self.evaluate(node.low, scope), self.evaluate(node.high, scope)
            values = range(int(low), int(high) + 1)
            for value in reversed(values) if node.reverse else values:
                yield Scope(scope, {node.var: Variable(value, "INTEGER")})
        elif isinstance(node, s.ForCursor):
            for row in self._open(node.cursor, scope, [], node.start):
                yield Scope(scope, {node.var: Variable(row)})
        else:
            while node.condition is None or self.condition(node.condition, scope):
                yield Scope(scope)

    def _open(self, name: str, scope: Scope, args: list[Any], where: int) -> list[Any]:
        variable = scope.find(name)
        if variable is not None and isinstance(variable.value, Result):  # FOR row IN resultset
            return variable.value.rows()
        if variable is None or not isinstance(variable.value, Cursor):
            raise LocalEngineError(f"SQL compilation error: '{name}' is not a declared cursor.")
        cursor = variable.value
        if cursor.resultset is not None:
            source = scope.find(cursor.resultset)
            if source is None or not isinstance(source.value, Result):
                raise LocalEngineError(f"SQL compilation error: '{cursor.resultset}' is not an assigned RESULTSET.")
            rows = source.value.rows()
        else:
            assert cursor.query is not None
            rows = self.run_sql(self.bind(cursor.query, scope, bare=False, positional=args), where, track=False).rows()
        cursor.rows, cursor.position = rows, 0
        return rows

    def cursor_op(self, node: s.CursorOp, scope: Scope) -> None:
        if node.kind == "OPEN":
            self._open(node.cursor, scope, [self.evaluate(a, scope) for a in node.args], node.start)
            return
        variable = scope.find(node.cursor)
        if variable is None or not isinstance(variable.value, Cursor):
            raise LocalEngineError(f"SQL compilation error: '{node.cursor}' is not a declared cursor.")
        cursor = variable.value
        if node.kind == "CLOSE":
            cursor.rows, cursor.position = None, 0
            return
        if cursor.rows is None:
            raise ScriptError(STATEMENT_ERROR, None, f"Cursor '{node.cursor}' is not open.", None, node.start)
        row = cursor.rows[cursor.position] if cursor.position < len(cursor.rows) else None
        cursor.position += 1
        for index, name in enumerate(node.into):
            self.set(name, row[index] if row is not None else None, scope, node.start)

    def return_(self, node: s.Return, scope: Scope) -> None:
        if node.table is not None:
            variable = scope.find(node.table)
            if variable is None or not isinstance(variable.value, Result):
                raise LocalEngineError(f"SQL compilation error: '{node.table}' is not an assigned RESULTSET.")
            raise ReturnSignal(variable.value)
        raise ReturnSignal(self.evaluate(node.value, scope) if node.value is not None else None)

    def raise_(self, node: s.Raise, scope: Scope) -> None:
        if node.name is None:
            if not self.handling:
                raise LocalEngineError(
                    "SQL compilation error: RAISE without an exception outside an exception handler."
                )
            raise self.handling[-1]
        declared = scope.exception(node.name)
        if declared is None:
            raise LocalEngineError(f"SQL compilation error: exception '{node.name}' is not declared.")
        code, message = declared
        raise ScriptError(node.name, code, message, USER_SQLSTATE, node.start)

    # -- transactions and dynamic SQL ----------------------------------------------------------------

    def transaction(self, node: s.Transaction) -> None:
        engine = self.engine
        if node.kind == "BEGIN":
            if engine.in_transaction and not self.owns_transaction:
                raise UnsupportedSqlError(
                    "BEGIN TRANSACTION in a block that runs inside an open transaction (a scoped transaction) is "
                    "not supported by the local engine. COMMIT before running the block."
                )
            if self.lost_transaction:
                self.run_sql("SELECT 1", node.start)  # refuses, as any statement after the loss
            engine.begin()  # inside the block's own open transaction BEGIN is ignored, as Snowflake does
            self.owns_transaction = True
            return
        if engine.in_transaction and not self.owns_transaction:
            raise UnsupportedSqlError(
                f"{node.kind} inside a block of a transaction that the block did not start (a scoped transaction) "
                "is not supported by the local engine. End the transaction outside the block."
            )
        if self.lost_transaction:
            if node.kind == "COMMIT":
                self.run_sql("COMMIT", node.start)  # refuses: the work it would commit is gone
            self.lost_transaction = False
            return
        engine.end_transaction(commit=node.kind == "COMMIT")
        self.owns_transaction = False

    def execute_immediate(self, node: s.ExecuteImmediate, scope: Scope) -> None:
        self.run_sql(self._immediate_text(node, scope), node.start)

    def _immediate_text(self, node: s.ExecuteImmediate, scope: Scope) -> str:
        value = self.evaluate(node.text, scope)
        if not isinstance(value, str):
            raise LocalEngineError(
                "EXECUTE IMMEDIATE needs a string: a literal, a $$ string or a variable holding one."
            )
        if not node.using:
            return value
        args = []
        for name in node.using:
            variable = scope.find(name)
            if variable is None:
                raise LocalEngineError(f"SQL compilation error: variable '{name}' is not declared.")
            args.append(variable.value)
        return render(value, s.Text(tuple(script_tokens(value))), lambda n, c: _missing(n), bare=False, positional=args)


def _missing(name: str) -> Any:
    raise KeyError(name)


def _is_row(value: Any) -> bool:
    return hasattr(value, "as_dict") and isinstance(value, tuple)
