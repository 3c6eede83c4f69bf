-- Receptions: goods of a purchase order received into a warehouse. Each
-- reception moves stock (origin_type 'reception', origin_id its id) and adds
-- to the qty_received of the order's lines, in one unit of work. Decimals are
-- exact TEXT as in the catalog (see 000002); the Go side bounds them.
CREATE TABLE receptions (
    id                INTEGER     PRIMARY KEY AUTOINCREMENT,
    ref               VARCHAR(64) NULL, -- NULL until numbered, late in the unit of work that inserts it
    purchase_order_id INTEGER     NOT NULL REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    warehouse_id      INTEGER     NOT NULL REFERENCES warehouses (id) ON DELETE RESTRICT,
    reception_date    DATE        NOT NULL,
    created_by        INTEGER     NOT NULL DEFAULT 0,
    created_at        DATETIME    NOT NULL
);
CREATE UNIQUE INDEX ux_receptions_ref ON receptions (ref);
CREATE INDEX ix_receptions_order ON receptions (purchase_order_id, id);
CREATE INDEX ix_receptions_warehouse ON receptions (warehouse_id);

CREATE TABLE reception_lines (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    reception_id  INTEGER NOT NULL REFERENCES receptions (id) ON DELETE CASCADE,
    line_no       INTEGER NOT NULL,
    order_line_id INTEGER NOT NULL REFERENCES commercial_document_lines (id) ON DELETE RESTRICT,
    product_id    INTEGER NULL REFERENCES products (id) ON DELETE RESTRICT,
    qty           TEXT    NOT NULL,
    unit_cost     TEXT    NOT NULL
);
CREATE INDEX ix_reception_lines_reception ON reception_lines (reception_id, line_no);
CREATE INDEX ix_reception_lines_order_line ON reception_lines (order_line_id);
CREATE INDEX ix_reception_lines_product ON reception_lines (product_id);
