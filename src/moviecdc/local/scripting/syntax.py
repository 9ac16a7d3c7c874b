"""The shape of a Snowflake Scripting block: a parser from tokens to a small tree of statements.

Expressions and SQL statements stay token runs (:class:`~.nodes.Text`): the interpreter binds their variables and
sends them to the engine, so Snowflake's own SQL evaluates them. What this parser does not know raises
``UnsupportedSqlError`` naming the construct, never a silent skip.

Grammar (https://docs.snowflake.com/en/developer-guide/snowflake-scripting/blocks and the pages of each
construct under https://docs.snowflake.com/en/sql-reference/snowflake-scripting)::

    block   := [DECLARE decl;...] BEGIN stmt;... [EXCEPTION WHEN name [OR name] THEN stmt;...] END [label]
    decl    := name [type] [DEFAULT|:= expr] | name CURSOR FOR query | name RESULTSET [DEFAULT|:= (query)]
             | name EXCEPTION [(code, 'message')]
"""

from __future__ import annotations

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.scripting.lexer import DOLLAR, NUMBER, OP, STRING, WORD, Token, script_tokens, string_value
from moviecdc.local.scripting.nodes import (
    Assign,
    Block,
    Case,
    CursorDecl,
    CursorOp,
    ExceptionDecl,
    ExecuteImmediate,
    ForCursor,
    ForRange,
    If,
    Jump,
    Loop,
    Node,
    Nothing,
    Raise,
    ResultsetDecl,
    Return,
    Sql,
    Text,
    Transaction,
    VarDecl,
)

_LOOP_WORDS = ("DO", "LOOP")
# Scripting statements the interpreter does not run: refused by name, never sent on as SQL.
_REFUSED = {
    "ASYNC": "Run the statement without ASYNC.",
    "AWAIT": "Run the statements without ASYNC/AWAIT.",
    "CANCEL": "",
}


def parse_block(source: str) -> Block:
    """The block ``source`` holds (``[DECLARE …] BEGIN … END``, an optional ``;`` after it)."""
    parser = _Parser(source)
    block = parser.block()
    if parser.peek().text == ";":
        parser.pos += 1
    if parser.pos < len(parser.tokens):
        parser.fail("text after the block's END")
    return block


def parse_expression_list(text: Text) -> list[Text]:
    """Split ``a, b, (c, d)`` at its top-level commas."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in text.tokens:
        if token.text in ("(", "["):
            depth += 1
        elif token.text in (")", "]"):
            depth -= 1
        if token.text == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(token)
    return [Text(tuple(p)) for p in parts if p]


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = script_tokens(source)
        self.pos = 0

    # -- tokens -----------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else Token(OP, "", len(self.source), len(self.source))

    def next(self) -> Token:
        token = self.peek()
        if self.pos >= len(self.tokens):
            self.fail("unexpected end of the block")
        self.pos += 1
        return token

    def at(self, *words: str) -> bool:
        return self.peek().is_word(*words)

    def expect(self, *words: str) -> Token:
        token = self.next()
        if not token.is_word(*words) and token.text not in words:
            self.fail(f"expected {' or '.join(words)}, found {token.text!r}", token)
        return token

    def name(self) -> str:
        token = self.next()
        if token.kind == WORD:
            return token.text.upper()
        if token.kind == "quoted":
            return token.text[1:-1].replace('""', '"')
        self.fail(f"expected a name, found {token.text!r}", token)
        raise AssertionError  # unreachable

    def semicolon(self) -> None:
        self.expect(";")

    def fail(self, what: str, token: Token | None = None) -> None:
        token = token or self.peek()
        line = self.source.count("\n", 0, token.start) + 1
        raise LocalEngineError(
            f"SQL compilation error: syntax error line {line}: {what} in a Snowflake Scripting block."
        )

    def until(self, *stops: str) -> Text:
        """Tokens up to (not including) the first stop word or operator at depth 0."""
        start = self.pos
        depth = 0
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if depth == 0 and (token.is_word(*stops) or (token.kind == OP and token.text in stops)):
                break
            if token.text in ("(", "[") or token.is_word("CASE"):
                depth += 1
            elif token.text in (")", "]") or (token.is_word("END") and depth > 0):
                depth -= 1
            self.pos += 1
        else:
            self.fail(f"expected {' or '.join(stops)}")
        return Text(tuple(self.tokens[start : self.pos]))

    # -- blocks -----------------------------------------------------------------------------------

    def block(self) -> Block:
        start = self.peek().start
        decls: list[Node] = []
        if self.at("DECLARE"):
            self.next()
            while not self.at("BEGIN"):
                decls.append(self.declaration())
        self.expect("BEGIN")
        body = self.statements("EXCEPTION", "END")
        handlers: list[tuple[tuple[str, ...], list[Node]]] = []
        if self.at("EXCEPTION"):
            self.next()
            while self.at("WHEN"):
                self.next()
                names = [self.name()]
                while self.at("OR"):
                    self.next()
                    names.append(self.name())
                if self.at("EXIT"):  # the default: leave the block after the handler
                    self.next()
                elif self.at("CONTINUE"):
                    raise UnsupportedSqlError(
                        "An exception handler WHEN … CONTINUE THEN (resume after the failing statement) is not "
                        "supported by the local engine. Use an EXIT handler (the default) in a nested block."
                    )
                self.expect("THEN")
                handlers.append((tuple(names), self.statements("WHEN", "END")))
        self.expect("END")
        label = self.name() if self.peek().kind == WORD else None
        return Block(start, decls, body, handlers, label)

    def declaration(self) -> Node:
        start = self.peek().start
        name = self.name()
        node: Node
        if self.at("CURSOR"):
            self.next()
            self.expect("FOR")
            node = CursorDecl(start, name, self.until(";"))
        elif self.at("RESULTSET"):
            self.next()
            query = None
            if self.at("DEFAULT") or self.peek().text == ":=":
                self.next()
                query = self.until(";")
            node = ResultsetDecl(start, name, query)
        elif self.at("EXCEPTION"):
            self.next()
            code, message = -20000, "Exception raised."  # undeclared code and message: docs do not settle
            if self.peek().text == "(":
                self.next()
                sign = -1 if self.peek().text == "-" else 1
                if sign < 0:
                    self.next()
                number = self.next()
                if number.kind != NUMBER:
                    self.fail("expected an exception number", number)
                code = sign * int(number.text)
                self.expect(",")
                text = self.next()
                if text.kind not in (STRING, DOLLAR):
                    self.fail("expected an exception message", text)
                message = string_value(text)
                self.expect(")")
            node = ExceptionDecl(start, name, code, message)
        else:
            type_ = self.until("DEFAULT", ":=", ";")
            default = None
            if self.at("DEFAULT") or self.peek().text == ":=":
                self.next()
                default = self.until(";")
            node = VarDecl(start, name, type_ if type_.tokens else None, default)
        self.semicolon()
        return node

    def statements(self, *stops: str) -> list[Node]:
        found: list[Node] = []
        while not self.at(*stops):
            if self.pos >= len(self.tokens):
                self.fail(f"expected {' or '.join(stops)}")
            found.append(self.statement())
        return found

    # -- statements -------------------------------------------------------------------------------

    def statement(self) -> Node:  # noqa: PLR0911, PLR0912, PLR0915 - one branch per statement kind
        token = self.peek()
        word = token.upper if token.kind == WORD else ""
        start = token.start
        if word == "BEGIN" and (self.peek(1).is_word("TRANSACTION", "WORK", "NAME") or self.peek(1).text == ";"):
            self.until(";")
            self.semicolon()
            return Transaction(start, "BEGIN")
        if word == "START" and self.peek(1).is_word("TRANSACTION"):
            self.until(";")
            self.semicolon()
            return Transaction(start, "BEGIN")
        if word in ("COMMIT", "ROLLBACK"):
            self.until(";")
            self.semicolon()
            return Transaction(start, word)
        if word in ("BEGIN", "DECLARE"):
            block = self.block()
            self.semicolon()
            return block
        if word == "LET":
            return self.let()
        if word == "IF":
            return self.if_()
        if word == "CASE":
            return self.case()
        if word == "FOR":
            return self.for_()
        if word == "WHILE":
            self.next()
            condition = self.until(*_LOOP_WORDS)
            self.next()
            body = self.statements("END")
            return Loop(start, body, condition=condition, label=self.end_loop("WHILE", "LOOP"))
        if word == "REPEAT":
            self.next()
            body = self.statements("UNTIL")
            self.next()
            until = self.until("END")
            return Loop(start, body, until=until, label=self.end_loop("REPEAT"))
        if word == "LOOP":
            self.next()
            body = self.statements("END")
            return Loop(start, body, label=self.end_loop("LOOP"))
        if word in ("BREAK", "EXIT", "CONTINUE", "ITERATE"):
            self.next()
            label = self.name() if self.peek().kind == WORD else None
            self.semicolon()
            return Jump(start, "BREAK" if word in ("BREAK", "EXIT") else "CONTINUE", label)
        if word == "RETURN":
            return self.return_()
        if word == "RAISE":
            self.next()
            name = None if self.peek().text == ";" else self.name()
            self.semicolon()
            return Raise(start, name)
        if word in ("OPEN", "FETCH", "CLOSE"):
            return self.cursor_op(word)
        if word == "NULL" and self.peek(1).text == ";":
            self.pos += 2
            return Nothing(start)
        if word == "EXECUTE" and self.peek(1).is_word("IMMEDIATE"):
            self.pos += 2
            text = self.until("USING", ";")
            using: tuple[str, ...] = ()
            if self.at("USING"):
                self.next()
                self.expect("(")
                using = tuple(t.text.upper() for t in self.until(")").tokens if t.kind == WORD)
                self.expect(")")
            self.semicolon()
            return ExecuteImmediate(start, text, using)
        if token.kind == WORD and self.peek(1).text == ":=":
            name = self.name()
            self.next()
            value = self.until(";")
            self.semicolon()
            return Assign(start, name, value)
        if word in ("ELSE", "ELSEIF", "END", "WHEN", "UNTIL", "EXCEPTION", "THEN"):
            self.fail(f"unexpected {word}", token)
        if word in _REFUSED:
            raise UnsupportedSqlError(
                f"Snowflake Scripting {word} is not supported by the local engine. {_REFUSED.get(word, '')}"
            )
        return self.sql()

    def sql(self) -> Sql:
        start = self.peek().start
        text = self.until(";")
        self.semicolon()
        tokens = list(text.tokens)
        into: list[str] = []
        if tokens and tokens[0].is_word("SELECT", "WITH", "CALL"):
            depth = 0
            for index, token in enumerate(tokens):
                if token.text == "(":
                    depth += 1
                elif token.text == ")":
                    depth -= 1
                elif depth == 0 and token.is_word("INTO"):
                    end = index + 1
                    while end + 1 < len(tokens) and tokens[end].text == ":" and tokens[end + 1].kind == WORD:
                        into.append(tokens[end + 1].text.upper())
                        end += 2
                        if end < len(tokens) and tokens[end].text == ",":
                            end += 1
                        else:
                            break
                    if into:
                        tokens = tokens[:index] + tokens[end:]
                    break
        return Sql(start, Text(tuple(tokens)), tuple(into))

    def let(self) -> Node:
        start = self.next().start
        name = self.name()
        node: Node
        if self.at("CURSOR"):
            self.next()
            self.expect("FOR")
            node = CursorDecl(start, name, self.until(";"))
        elif self.at("RESULTSET"):
            self.next()
            self.expect("DEFAULT", ":=")
            node = ResultsetDecl(start, name, self.until(";"))
        elif self.at("EXCEPTION"):
            self.fail("an EXCEPTION is declared in DECLARE, not with LET")
            raise AssertionError
        else:
            type_ = self.until("DEFAULT", ":=", ";")
            if not (self.at("DEFAULT") or self.peek().text == ":="):
                self.fail("LET needs DEFAULT or := and a value")
            self.next()
            node = VarDecl(start, name, type_ if type_.tokens else None, self.until(";"))
        self.semicolon()
        return node

    def if_(self) -> If:
        start = self.next().start
        branches: list[tuple[Text, list[Node]]] = []
        condition = self.until("THEN")
        self.next()
        branches.append((condition, self.statements("ELSEIF", "ELSE", "END")))
        otherwise = None
        while self.at("ELSEIF"):
            self.next()
            condition = self.until("THEN")
            self.next()
            branches.append((condition, self.statements("ELSEIF", "ELSE", "END")))
        if self.at("ELSE"):
            self.next()
            otherwise = self.statements("END")
        self.expect("END")
        self.expect("IF")
        self.semicolon()
        return If(start, branches, otherwise)

    def case(self) -> Case:
        start = self.next().start
        subject = None if self.at("WHEN") else self.until("WHEN")
        whens: list[tuple[Text, list[Node]]] = []
        while self.at("WHEN"):
            self.next()
            value = self.until("THEN")
            self.next()
            whens.append((value, self.statements("WHEN", "ELSE", "END")))
        otherwise = None
        if self.at("ELSE"):
            self.next()
            otherwise = self.statements("END")
        self.expect("END")
        if self.at("CASE"):
            self.next()
        self.semicolon()
        return Case(start, subject, whens, otherwise)

    def for_(self) -> Node:
        start = self.next().start
        var = self.name()
        self.expect("IN")
        reverse = False
        if self.at("REVERSE"):
            self.next()
            reverse = True
        if self.peek().kind == WORD and self.peek(1).is_word(*_LOOP_WORDS) and not reverse:
            cursor = self.name()
            self.next()
            body = self.statements("END")
            return ForCursor(start, var, cursor, body, self.end_loop("FOR", "LOOP"))
        low = self.until("TO")
        self.next()
        high = self.until(*_LOOP_WORDS)
        self.next()
        body = self.statements("END")
        return ForRange(start, var, low, high, reverse, body, self.end_loop("FOR", "LOOP"))

    def end_loop(self, *kinds: str) -> str | None:
        self.expect("END")
        self.expect(*kinds)
        label = self.name() if self.peek().kind == WORD else None
        self.semicolon()
        return label

    def return_(self) -> Return:
        start = self.next().start
        if self.at("TABLE") and self.peek(1).text == "(":
            self.pos += 2
            inner = self.until(")")
            self.next()
            self.semicolon()
            words = inner.tokens
            if len(words) == 1 and words[0].kind == WORD:
                return Return(start, None, table=words[0].text.upper())
            raise UnsupportedSqlError(
                "RETURN TABLE(...) of anything but a RESULTSET variable (e.g. RESULTSET_FROM_CURSOR) is not "
                "supported by the local engine. Assign the query to a RESULTSET and RETURN TABLE(that_resultset)."
            )
        value = None if self.peek().text == ";" else self.until(";")
        self.semicolon()
        return Return(start, value)

    def cursor_op(self, kind: str) -> CursorOp:
        start = self.next().start
        cursor = self.name()
        node = CursorOp(start, kind, cursor)
        if kind == "OPEN" and self.at("USING"):
            self.next()
            self.expect("(")
            node.args = parse_expression_list(self.until(")"))
            self.next()
        if kind == "FETCH":
            self.expect("INTO")
            names = [self.name()]
            while self.peek().text == ",":
                self.next()
                names.append(self.name())
            node.into = tuple(names)
        self.semicolon()
        return node
