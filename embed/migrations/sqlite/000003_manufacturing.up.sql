-- Bills of materials and manufacturing orders.
-- Decimals are exact TEXT as in the catalog (see 000002): the Go side bounds
-- quantities and costs as NUMERIC(20,6) and loss rates as NUMERIC(7,4), and
-- checks that quantities are positive.
CREATE TABLE boms (
    id         INTEGER      PRIMARY KEY AUTOINCREMENT,
    ref        VARCHAR(64)  NOT NULL,
    label      VARCHAR(255) NOT NULL DEFAULT '',
    product_id INTEGER      NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    qty        TEXT         NOT NULL,
    created_at DATETIME     NOT NULL,
    updated_at DATETIME     NOT NULL
);
CREATE UNIQUE INDEX ux_boms_ref ON boms (ref);
CREATE INDEX ix_boms_product ON boms (product_id);

CREATE TABLE bom_lines (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    bom_id       INTEGER NOT NULL REFERENCES boms (id) ON DELETE CASCADE,
    line_no      INTEGER NOT NULL,
    product_id   INTEGER NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    qty          TEXT    NOT NULL,
    loss_percent TEXT    NOT NULL DEFAULT '0'
);
CREATE UNIQUE INDEX ux_bom_lines_product ON bom_lines (bom_id, product_id);
CREATE INDEX ix_bom_lines_product ON bom_lines (product_id);

-- Kept for the schema's sake: on SQLite, BEGIN IMMEDIATE already makes the
-- writers of BOMs take turns.
CREATE TABLE bom_graph_lock (
    id INTEGER PRIMARY KEY
);
INSERT INTO bom_graph_lock (id) VALUES (1);

CREATE TABLE manufacturing_orders (
    id           INTEGER      PRIMARY KEY AUTOINCREMENT,
    bom_id       INTEGER      NOT NULL REFERENCES boms (id) ON DELETE RESTRICT,
    product_id   INTEGER      NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    warehouse_id INTEGER      NOT NULL REFERENCES warehouses (id) ON DELETE RESTRICT,
    qty          TEXT         NOT NULL,
    status       VARCHAR(16)  NOT NULL CHECK (status IN ('draft', 'validated', 'produced', 'cancelled')),
    label        VARCHAR(255) NOT NULL DEFAULT '',
    unit_cost    TEXT         NULL,
    created_by   INTEGER      NULL,
    created_at   DATETIME     NOT NULL,
    updated_at   DATETIME     NOT NULL,
    validated_at DATETIME     NULL,
    produced_at  DATETIME     NULL,
    cancelled_at DATETIME     NULL
);
CREATE INDEX ix_manufacturing_orders_status ON manufacturing_orders (status, id);
CREATE INDEX ix_manufacturing_orders_bom ON manufacturing_orders (bom_id);
CREATE INDEX ix_manufacturing_orders_product ON manufacturing_orders (product_id);

-- The components an order consumes, computed from its BOM when it is made.
CREATE TABLE manufacturing_order_lines (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    mo_id      INTEGER NOT NULL REFERENCES manufacturing_orders (id) ON DELETE CASCADE,
    line_no    INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    qty        TEXT    NOT NULL
);
CREATE INDEX ix_manufacturing_order_lines_mo ON manufacturing_order_lines (mo_id, line_no);
CREATE INDEX ix_manufacturing_order_lines_product ON manufacturing_order_lines (product_id);
