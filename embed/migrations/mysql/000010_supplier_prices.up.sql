-- See the PostgreSQL migration.
CREATE TABLE supplier_prices (
    id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id     BIGINT        NOT NULL,
    supplier_id    BIGINT        NOT NULL,
    supplier_ref   VARCHAR(64)   NOT NULL DEFAULT '',
    unit_price     DECIMAL(20,6) NOT NULL,
    min_qty        DECIMAL(20,6) NOT NULL,
    vat_rate       DECIMAL(7,4)  NOT NULL DEFAULT 0,
    lead_time_days INT           NOT NULL DEFAULT 0,
    created_at     DATETIME(6)   NOT NULL,
    updated_at     DATETIME(6)   NOT NULL,
    UNIQUE KEY ux_supplier_prices_product_supplier_qty (product_id, supplier_id, min_qty),
    KEY ix_supplier_prices_supplier (supplier_id, id),
    CONSTRAINT fk_supplier_prices_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT fk_supplier_prices_supplier FOREIGN KEY (supplier_id) REFERENCES thirdparties (id) ON DELETE CASCADE,
    CONSTRAINT ck_supplier_prices_min_qty CHECK (min_qty > 0),
    CONSTRAINT ck_supplier_prices_lead_time CHECK (lead_time_days >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
