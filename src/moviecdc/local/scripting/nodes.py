"""The tree of a Snowflake Scripting block: one small node per statement kind (:mod:`.syntax` builds it,
:mod:`.interpreter` runs it). Expressions, types and SQL statements stay token runs (:class:`Text`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from moviecdc.local.scripting.lexer import Token


@dataclass(frozen=True)
class Text:
    """A run of tokens of the source: an expression, a type or a SQL statement."""

    tokens: tuple[Token, ...]

    @property
    def start(self) -> int:
        return self.tokens[0].start if self.tokens else 0


@dataclass
class Node:
    start: int


@dataclass
class VarDecl(Node):
    name: str
    type: Text | None
    default: Text | None


@dataclass
class CursorDecl(Node):
    name: str
    query: Text  # a query, or one word naming a RESULTSET


@dataclass
class ResultsetDecl(Node):
    name: str
    query: Text | None


@dataclass
class ExceptionDecl(Node):
    name: str
    code: int
    message: str


@dataclass
class Block(Node):
    decls: list[Node]
    body: list[Node]
    handlers: list[tuple[tuple[str, ...], list[Node]]]
    label: str | None = None


@dataclass
class Sql(Node):
    text: Text
    into: tuple[str, ...] = ()  # SELECT … INTO :a, :b


@dataclass
class Assign(Node):
    name: str
    value: Text


@dataclass
class If(Node):
    branches: list[tuple[Text, list[Node]]]
    otherwise: list[Node] | None


@dataclass
class Case(Node):
    subject: Text | None
    whens: list[tuple[Text, list[Node]]]
    otherwise: list[Node] | None


@dataclass
class Loop(Node):
    """LOOP, WHILE (``condition`` before each pass) and REPEAT (``until`` after each pass)."""

    body: list[Node]
    condition: Text | None = None
    until: Text | None = None
    label: str | None = None


@dataclass
class ForRange(Node):
    var: str
    low: Text
    high: Text
    reverse: bool
    body: list[Node]
    label: str | None = None


@dataclass
class ForCursor(Node):
    var: str
    cursor: str
    body: list[Node]
    label: str | None = None


@dataclass
class Jump(Node):
    kind: str  # BREAK or CONTINUE
    label: str | None


@dataclass
class Return(Node):
    value: Text | None
    table: str | None = None  # RETURN TABLE(resultset)


@dataclass
class Raise(Node):
    name: str | None


@dataclass
class CursorOp(Node):
    kind: str  # OPEN, FETCH, CLOSE
    cursor: str
    args: list[Text] = field(default_factory=list)  # OPEN … USING (args)
    into: tuple[str, ...] = ()  # FETCH … INTO vars


@dataclass
class Transaction(Node):
    kind: str  # BEGIN, COMMIT, ROLLBACK


@dataclass
class ExecuteImmediate(Node):
    text: Text
    using: tuple[str, ...] = ()


@dataclass
class Nothing(Node):
    """``NULL;``: the statement that does nothing, on purpose."""
