-- Catalog and stock ledger.
-- Decimals are TEXT: SQLite has no exact decimal type (NUMERIC affinity would
-- turn 0.1 into a binary float). The Go side does every sum and comparison on
-- them; internal/domain/precision.go bounds them as NUMERIC(20,6) for
-- quantities, prices and costs and NUMERIC(7,4) for VAT rates, as on the other
-- dialects.
CREATE TABLE products (
    id          INTEGER      PRIMARY KEY AUTOINCREMENT,
    ref         VARCHAR(64)  NOT NULL,
    label       VARCHAR(255) NOT NULL,
    type        VARCHAR(16)  NOT NULL CHECK (type IN ('product', 'service')),
    unit_price  TEXT         NOT NULL DEFAULT '0',
    vat_rate    TEXT         NOT NULL DEFAULT '0',
    cost_price  TEXT         NOT NULL DEFAULT '0',
    track_stock BOOLEAN      NOT NULL DEFAULT 1,
    active      BOOLEAN      NOT NULL DEFAULT 1,
    created_at  DATETIME     NOT NULL,
    updated_at  DATETIME     NOT NULL,
    CHECK (type = 'product' OR NOT track_stock)
);
CREATE UNIQUE INDEX ux_products_ref ON products (ref);

CREATE TABLE warehouses (
    id         INTEGER      PRIMARY KEY AUTOINCREMENT,
    ref        VARCHAR(64)  NOT NULL,
    label      VARCHAR(255) NOT NULL,
    created_at DATETIME     NOT NULL,
    updated_at DATETIME     NOT NULL
);
CREATE UNIQUE INDEX ux_warehouses_ref ON warehouses (ref);

-- One row per (product, warehouse); its qty always equals the sum of the
-- row's movements. Writers are serialised by BEGIN IMMEDIATE.
CREATE TABLE stock_levels (
    product_id   INTEGER  NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    warehouse_id INTEGER  NOT NULL REFERENCES warehouses (id) ON DELETE CASCADE,
    qty          TEXT     NOT NULL DEFAULT '0',
    updated_at   DATETIME NOT NULL,
    PRIMARY KEY (product_id, warehouse_id)
);
CREATE INDEX ix_stock_levels_warehouse ON stock_levels (warehouse_id);

-- The append-only ledger. RESTRICT: a product or warehouse with movements
-- cannot be deleted.
CREATE TABLE stock_movements (
    id            INTEGER      PRIMARY KEY AUTOINCREMENT,
    product_id    INTEGER      NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    warehouse_id  INTEGER      NOT NULL REFERENCES warehouses (id) ON DELETE RESTRICT,
    qty           TEXT         NOT NULL,
    balance_after TEXT         NOT NULL,
    unit_cost     TEXT         NULL,
    label         VARCHAR(255) NOT NULL,
    origin_type   VARCHAR(32)  NOT NULL,
    origin_id     INTEGER      NULL,
    user_id       INTEGER      NULL,
    request_id    VARCHAR(128) NOT NULL DEFAULT '',
    created_at    DATETIME     NOT NULL
);
CREATE INDEX ix_stock_movements_product ON stock_movements (product_id, warehouse_id, id);
CREATE INDEX ix_stock_movements_warehouse ON stock_movements (warehouse_id, id);
CREATE INDEX ix_stock_movements_created ON stock_movements (created_at);
CREATE INDEX ix_stock_movements_origin ON stock_movements (origin_type, origin_id);
