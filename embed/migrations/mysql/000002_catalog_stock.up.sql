-- Catalog and stock ledger.
-- Decimals (internal/domain/precision.go refuses inputs that do not fit):
--   quantities DECIMAL(20,6), prices and costs DECIMAL(20,6), VAT rates DECIMAL(7,4).
CREATE TABLE products (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ref         VARCHAR(64)   NOT NULL,
    label       VARCHAR(255)  NOT NULL,
    type        VARCHAR(16)   NOT NULL,
    unit_price  DECIMAL(20,6) NOT NULL DEFAULT 0,
    vat_rate    DECIMAL(7,4)  NOT NULL DEFAULT 0,
    cost_price  DECIMAL(20,6) NOT NULL DEFAULT 0,
    track_stock BOOLEAN       NOT NULL DEFAULT TRUE,
    active      BOOLEAN       NOT NULL DEFAULT TRUE,
    created_at  DATETIME(6)   NOT NULL,
    updated_at  DATETIME(6)   NOT NULL,
    UNIQUE KEY ux_products_ref (ref),
    CONSTRAINT ck_products_type CHECK (type IN ('product', 'service')),
    CONSTRAINT ck_products_service_untracked CHECK (type = 'product' OR NOT track_stock)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE warehouses (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ref        VARCHAR(64)  NOT NULL,
    label      VARCHAR(255) NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    updated_at DATETIME(6)  NOT NULL,
    UNIQUE KEY ux_warehouses_ref (ref)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per (product, warehouse), locked FOR UPDATE by every stock change;
-- its qty always equals the sum of the row's movements.
CREATE TABLE stock_levels (
    product_id   BIGINT        NOT NULL,
    warehouse_id BIGINT        NOT NULL,
    qty          DECIMAL(20,6) NOT NULL DEFAULT 0,
    updated_at   DATETIME(6)   NOT NULL,
    PRIMARY KEY (product_id, warehouse_id),
    KEY ix_stock_levels_warehouse (warehouse_id),
    CONSTRAINT fk_stock_levels_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT fk_stock_levels_warehouse FOREIGN KEY (warehouse_id) REFERENCES warehouses (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The append-only ledger. RESTRICT: a product or warehouse with movements
-- cannot be deleted.
CREATE TABLE stock_movements (
    id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id    BIGINT        NOT NULL,
    warehouse_id  BIGINT        NOT NULL,
    qty           DECIMAL(20,6) NOT NULL,
    balance_after DECIMAL(20,6) NOT NULL,
    unit_cost     DECIMAL(20,6) NULL,
    label         VARCHAR(255)  NOT NULL,
    origin_type   VARCHAR(32)   NOT NULL,
    origin_id     BIGINT        NULL,
    user_id       BIGINT        NULL,
    request_id    VARCHAR(128)  NOT NULL DEFAULT '',
    created_at    DATETIME(6)   NOT NULL,
    KEY ix_stock_movements_product (product_id, warehouse_id, id),
    KEY ix_stock_movements_warehouse (warehouse_id, id),
    KEY ix_stock_movements_created (created_at),
    KEY ix_stock_movements_origin (origin_type, origin_id),
    CONSTRAINT ck_stock_movements_qty CHECK (qty <> 0),
    CONSTRAINT fk_stock_movements_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT,
    CONSTRAINT fk_stock_movements_warehouse FOREIGN KEY (warehouse_id) REFERENCES warehouses (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
