-- See the PostgreSQL migration. Decimals are exact TEXT, written in the
-- canonical form (no trailing zeros), so the unique index compares 1 and
-- 1.000 as one quantity.
CREATE TABLE supplier_prices (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    product_id     INTEGER     NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    supplier_id    INTEGER     NOT NULL REFERENCES thirdparties (id) ON DELETE CASCADE,
    supplier_ref   VARCHAR(64) NOT NULL DEFAULT '',
    unit_price     TEXT        NOT NULL,
    min_qty        TEXT        NOT NULL,
    vat_rate       TEXT        NOT NULL DEFAULT '0',
    lead_time_days INTEGER     NOT NULL DEFAULT 0 CHECK (lead_time_days >= 0),
    created_at     DATETIME    NOT NULL,
    updated_at     DATETIME    NOT NULL
);
CREATE UNIQUE INDEX ux_supplier_prices_product_supplier_qty ON supplier_prices (product_id, supplier_id, min_qty);
CREATE INDEX ix_supplier_prices_supplier ON supplier_prices (supplier_id, id);
