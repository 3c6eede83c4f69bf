-- See the PostgreSQL migration. Decimals are exact TEXT as in the catalog
-- (see 000002); the Go side bounds them.
CREATE TABLE shipments (
    id            INTEGER     PRIMARY KEY AUTOINCREMENT,
    ref           VARCHAR(64) NULL, -- NULL until numbered, late in the unit of work that inserts it
    order_id      INTEGER     NOT NULL REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    thirdparty_id INTEGER     NOT NULL REFERENCES thirdparties (id) ON DELETE RESTRICT,
    warehouse_id  INTEGER     NOT NULL REFERENCES warehouses (id) ON DELETE RESTRICT,
    shipment_date DATE        NOT NULL,
    created_by    INTEGER     NOT NULL DEFAULT 0,
    created_at    DATETIME    NOT NULL
);
CREATE UNIQUE INDEX ux_shipments_ref ON shipments (ref);
CREATE INDEX ix_shipments_order ON shipments (order_id, id);
CREATE INDEX ix_shipments_thirdparty ON shipments (thirdparty_id, id);
CREATE INDEX ix_shipments_warehouse ON shipments (warehouse_id);

CREATE TABLE shipment_lines (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_id   INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    line_no       INTEGER NOT NULL,
    order_line_id INTEGER NOT NULL REFERENCES commercial_document_lines (id) ON DELETE RESTRICT,
    product_id    INTEGER NULL REFERENCES products (id) ON DELETE RESTRICT,
    qty           TEXT    NOT NULL
);
CREATE INDEX ix_shipment_lines_shipment ON shipment_lines (shipment_id, line_no);
CREATE INDEX ix_shipment_lines_order_line ON shipment_lines (order_line_id);
CREATE INDEX ix_shipment_lines_product ON shipment_lines (product_id);

ALTER TABLE commercial_document_lines ADD COLUMN qty_shipped TEXT NOT NULL DEFAULT '0';
