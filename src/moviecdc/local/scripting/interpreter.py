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

from typing import TYPE_CHECKING, Any

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.results import Result
from moviecdc.local.dialect.errors import unsupported
from moviecdc.local.scripting import nodes as s
from moviecdc.local.scripting.binding import render
from moviecdc.local.scripting.expressions import Expressions, missing, statement_error
from moviecdc.local.scripting.lexer import (
    WORD,
    line_and_position,
    script_tokens,
)
from moviecdc.local.scripting.state import (
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

_DML = ("INSERT", "UPDATE", "DELETE", "MERGE")
_COUNTS = ("number of rows inserted", "number of rows updated", "number of rows deleted")
_BUILTINS = ("SQLROWCOUNT", "SQLFOUND", "SQLNOTFOUND", "SQLCODE", "SQLERRM", "SQLSTATE")


class Interpreter:
    """Runs one top-level block (an anonymous block, a procedure's body) on ``engine``."""

    def __init__(self, engine: Engine, source: str) -> None:
        self.engine = engine
        self.source = source
        self.specials: dict[str, Any] = dict.fromkeys(_BUILTINS)
        self.values = Expressions(engine, source, self.specials)
        self.owns_transaction = False  # the block ran BEGIN TRANSACTION and has not ended it
        self.lost_transaction = False  # a failure rolled back the block's transaction (see module docstring)
        self.handling: list[ScriptError] = []

    # -- entry ------------------------------------------------------------------------------------

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
            value = self.values.evaluate(node.default, scope) if node.default is not None else None
            scope.variables[node.name] = Variable(self.values.coerce(value, type_, node.start), type_)
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
        result = self.run_sql(self.values.bind(node.text, scope, bare=False), node.start)
        if node.into:
            # "The SELECT statement must return a single row" (https://docs.snowflake.com/en/sql-reference/constructs/into)
            rows = result.rows()
            if len(rows) != 1 or len(rows[0]) < len(node.into):
                problem = f"returned {len(rows)} rows" if len(rows) != 1 else "has fewer columns than INTO variables"
                raise statement_error(
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
            raise statement_error(error, where) from error
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
        return self.run_sql(self.values.bind(inner, scope, bare=False), where)

    # -- expressions and variables ----------------------------------------------------------------

    def assign(self, node: s.Assign, scope: Scope) -> None:
        variable = scope.find(node.name)
        if variable is not None and variable.type == "RESULTSET":
            variable.value = self.query(node.value, scope, node.start)
            return
        self.set(node.name, self.values.evaluate(node.value, scope), scope, node.start)

    def set(self, name: str, value: Any, scope: Scope, where: int) -> None:
        variable = scope.find(name)
        if variable is None:
            raise LocalEngineError(
                f"SQL compilation error: variable '{name}' is not declared. Declare it in DECLARE or with LET."
            )
        variable.value = self.values.coerce(value, variable.type, where)

    def _type(self, text: s.Text | None) -> str | None:
        if text is None:
            return None
        return " ".join(t.text.upper() for t in text.tokens).replace(" (", "(").replace("( ", "(").replace(" )", ")")

    # -- control flow -----------------------------------------------------------------------------

    def if_(self, node: s.If, scope: Scope) -> None:
        for condition, body in node.branches:
            if self.values.condition(condition, scope):
                self.statements(body, Scope(scope))
                return
        if node.otherwise is not None:
            self.statements(node.otherwise, Scope(scope))

    def case(self, node: s.Case, scope: Scope) -> None:
        subject = self.values.evaluate(node.subject, scope) if node.subject is not None else None
        for value, body in node.whens:
            if node.subject is None:
                hit = self.values.condition(value, scope)
            else:
                other = self.values.evaluate(value, scope)
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
            if isinstance(node, s.Loop) and node.until is not None and self.values.condition(node.until, body_scope):
                return

    def _passes(self, node: s.Loop | s.ForRange | s.ForCursor, scope: Scope) -> Any:
        if isinstance(node, s.ForRange):
            low, high = self.values.evaluate(node.low, scope), self.values.evaluate(node.high, scope)
            values = range(int(low), int(high) + 1)
            for value in reversed(values) if node.reverse else values:
                yield Scope(scope, {node.var: Variable(value, "INTEGER")})
        elif isinstance(node, s.ForCursor):
            for row in self._open(node.cursor, scope, [], node.start):
                yield Scope(scope, {node.var: Variable(row)})
        else:
            while node.condition is None or self.values.condition(node.condition, scope):
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
            rows = self.run_sql(
                self.values.bind(cursor.query, scope, bare=False, positional=args), where, track=False
            ).rows()
        cursor.rows, cursor.position = rows, 0
        return rows

    def cursor_op(self, node: s.CursorOp, scope: Scope) -> None:
        if node.kind == "OPEN":
            self._open(node.cursor, scope, [self.values.evaluate(a, scope) for a in node.args], node.start)
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
        raise ReturnSignal(self.values.evaluate(node.value, scope) if node.value is not None else None)

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
        value = self.values.evaluate(node.text, scope)
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
        return render(value, s.Text(tuple(script_tokens(value))), lambda n, c: missing(n), bare=False, positional=args)
