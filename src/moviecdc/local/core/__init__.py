"""The core of the local engine: what every statement family stands on. It imports no family.

Modules: :mod:`.engine` (``Engine``: the DuckDB connection, transactions, the change clock, catalog caches),
:mod:`.catalog` (the ``_MOVIECDC`` tables: tracked tables, streams, the change clock), :mod:`.names`
(Snowflake name resolution and quoting), :mod:`.clock` (manual and real-time time), :mod:`.results`
(``Result``, ``LocalDataFrame``, status rows), :mod:`.router` (``Statement``, ``Route``, ``Router``),
:mod:`.tokens` and :mod:`.show_filters` (reading the clauses of statements fakesnow parses only as commands),
:mod:`.script` (a text's statements; one per ``sql()``).

The interface a family uses is the small part of ``Engine`` below, in five groups; nothing else of it:

names
    ``database``, ``schema`` (the session's current ones, or None), ``use(database, schema)`` and
    ``context(database, schema)`` (set them; the latter for a block, e.g. a task's run), ``resolve(parts)``,
    ``resolve_table(node)``: Snowflake's name resolution against the current database and schema.
catalog
    ``tracked`` (tracked tables by name), ``tracked_by_uid``, ``streams`` (streams by name), ``holders(table)``
    (the databases whose catalog has that table), ``history`` (tables whose change log is kept as their
    history), ``family_caches`` (a family's own cache of its catalog
    rows), ``invalidate()`` (drop every cache after DDL, a rollback or a failure; it moves ``catalog_version``, the
    counter translations cached by shape are valid for) and ``path`` (the session's
    folder, None in memory: where a family keeps state that belongs to no database, e.g. account objects).
the current transaction
    ``atomic()`` (a block in the user's open transaction, or in its own), ``begin()``,
    ``end_transaction(commit=…)``, ``rollback()`` (after a failure: a failed COMMIT's error stays the one
    reported), ``check_folder()`` (refuses to go on when the session's folder vanished),
    ``implicit_commit()`` (DDL commits first, as in Snowflake),
    ``in_transaction``, ``transaction_id`` and ``last_transaction_id`` (the open explicit transaction's id,
    NULL outside one, and the last committed or rolled back one's: CURRENT_TRANSACTION(), LAST_TRANSACTION()),
    ``snapshot(db)`` and ``change_seq(db)`` (the change clock a stream read sees, and its
    tick for a changing statement), ``advance_stream(stream, offset)`` (held until COMMIT inside a
    transaction: repeatable read).
the clock
    ``now()`` (the instant of the statement running now), ``begin_statement()``, ``clock`` (the scheduler's
    manual or real-time clock), ``lock`` (held by whoever runs statements), ``seq_at(db, instant)`` (the change
    clock's value at an instant: time travel).
running SQL
    ``fakesnow(sql)`` (Snowflake SQL through fakesnow's translator), ``transform(ast)`` (translate a parsed
    statement, cached by shape), ``rewriters`` (AST rewrites every ordinary statement passes through),
    ``translation_hooks`` (wrap fakesnow's translation itself; cached with it),
    ``con`` and ``arrow(sql)`` (DuckDB SQL, already translated), ``session_variables`` (``SET v = …``),
    ``run(text)`` (a whole statement as the session runs it: task bodies), ``register``/``unregister`` (Arrow
    tables as DuckDB relations), ``temp_name``, ``reusable_temp_name``/``release_temp_name`` (scratch objects).
"""
