"""An append-only stream and a task guarded by SYSTEM$STREAM_HAS_DATA (DataCamp, "Data Pipeline Automation
in Snowflake")."""

from __future__ import annotations

from scenario_helpers import rows, run

from moviecdc import LocalSession


def test_append_only_stream_tracks_inserts_only(session: LocalSession) -> None:
    run(
        session,
        "CREATE SCHEMA logistics",
        "CREATE TABLE logistics.delivery_events (shipment_id INT, event VARCHAR)",
        "CREATE STREAM delivery_events_stream ON TABLE logistics.delivery_events APPEND_ONLY = TRUE",
        "INSERT INTO logistics.delivery_events VALUES (1, 'picked'), (1, 'loaded'), (2, 'picked')",
        "UPDATE logistics.delivery_events SET event = 'lost' WHERE shipment_id = 2",
        "DELETE FROM logistics.delivery_events WHERE event = 'loaded'",
    )
    # Inserts only, with the values they were inserted with; the update and the delete are not recorded.
    assert rows(
        session,
        'SELECT shipment_id, event, "METADATA$ACTION", "METADATA$ISUPDATE" FROM delivery_events_stream '
        "ORDER BY shipment_id, event",
    ) == [(1, "loaded", "INSERT", False), (1, "picked", "INSERT", False), (2, "picked", "INSERT", False)]


def test_a_guarded_task_moves_staged_shipments(session: LocalSession) -> None:
    run(
        session,
        "CREATE SCHEMA logistics",
        "CREATE TABLE logistics.staging_shipments (shipment_id INT, region VARCHAR, carrier VARCHAR, "
        "delivery_days INT)",
        "CREATE TABLE logistics.shipments (shipment_id INT, region VARCHAR, carrier VARCHAR, delivery_days INT)",
        "CREATE STREAM logistics.staging_shipments_stream ON TABLE logistics.staging_shipments",
        """CREATE TASK logistics.sync_shipments
             WAREHOUSE = compute_wh
             SCHEDULE = '5 MINUTE'
             WHEN SYSTEM$STREAM_HAS_DATA('logistics.staging_shipments_stream')
           AS
           INSERT INTO logistics.shipments
           SELECT shipment_id, region, carrier, delivery_days
           FROM logistics.staging_shipments_stream
           WHERE METADATA$ACTION = 'INSERT'""",
        "ALTER TASK logistics.sync_shipments RESUME",
        "INSERT INTO logistics.staging_shipments VALUES (7, 'EMEA', 'DHL', 3), (8, 'APAC', 'Yamato', 5)",
    )
    session.advance(minutes=5)
    assert rows(session, "SELECT * FROM logistics.shipments ORDER BY shipment_id") == [
        (7, "EMEA", "DHL", 3),
        (8, "APAC", "Yamato", 5),
    ]
    assert rows(session, "SELECT SYSTEM$STREAM_HAS_DATA('logistics.staging_shipments_stream')") == [(False,)]
