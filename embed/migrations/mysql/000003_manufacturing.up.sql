-- Bills of materials and manufacturing orders.
-- Quantities DECIMAL(20,6), costs DECIMAL(20,6), loss rates DECIMAL(7,4), as
-- in the catalog (internal/domain/precision.go).
CREATE TABLE boms (
    id         BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ref        VARCHAR(64)   NOT NULL,
    label      VARCHAR(255)  NOT NULL DEFAULT '',
    product_id BIGINT        NOT NULL,
    qty        DECIMAL(20,6) NOT NULL,
    created_at DATETIME(6)   NOT NULL,
    updated_at DATETIME(6)   NOT NULL,
    UNIQUE KEY ux_boms_ref (ref),
    KEY ix_boms_product (product_id),
    CONSTRAINT ck_boms_qty CHECK (qty > 0),
    CONSTRAINT fk_boms_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE bom_lines (
    id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    bom_id       BIGINT        NOT NULL,
    line_no      INT           NOT NULL,
    product_id   BIGINT        NOT NULL,
    qty          DECIMAL(20,6) NOT NULL,
    loss_percent DECIMAL(7,4)  NOT NULL DEFAULT 0,
    UNIQUE KEY ux_bom_lines_product (bom_id, product_id),
    KEY ix_bom_lines_product (product_id),
    CONSTRAINT ck_bom_lines_qty CHECK (qty > 0),
    CONSTRAINT fk_bom_lines_bom FOREIGN KEY (bom_id) REFERENCES boms (id) ON DELETE CASCADE,
    CONSTRAINT fk_bom_lines_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row, locked FOR UPDATE by every change of a BOM: the sub-BOM cycle
-- check reads the whole graph, so its writers take turns.
CREATE TABLE bom_graph_lock (
    id INT NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
INSERT INTO bom_graph_lock (id) VALUES (1);

CREATE TABLE manufacturing_orders (
    id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    bom_id       BIGINT        NOT NULL,
    product_id   BIGINT        NOT NULL,
    warehouse_id BIGINT        NOT NULL,
    qty          DECIMAL(20,6) NOT NULL,
    status       VARCHAR(16)   NOT NULL,
    label        VARCHAR(255)  NOT NULL DEFAULT '',
    unit_cost    DECIMAL(20,6) NULL,
    created_by   BIGINT        NULL,
    created_at   DATETIME(6)   NOT NULL,
    updated_at   DATETIME(6)   NOT NULL,
    validated_at DATETIME(6)   NULL,
    produced_at  DATETIME(6)   NULL,
    cancelled_at DATETIME(6)   NULL,
    KEY ix_manufacturing_orders_status (status, id),
    KEY ix_manufacturing_orders_bom (bom_id),
    KEY ix_manufacturing_orders_product (product_id),
    CONSTRAINT ck_manufacturing_orders_qty CHECK (qty > 0),
    CONSTRAINT ck_manufacturing_orders_status CHECK (status IN ('draft', 'validated', 'produced', 'cancelled')),
    CONSTRAINT fk_manufacturing_orders_bom FOREIGN KEY (bom_id) REFERENCES boms (id) ON DELETE RESTRICT,
    CONSTRAINT fk_manufacturing_orders_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT,
    CONSTRAINT fk_manufacturing_orders_warehouse FOREIGN KEY (warehouse_id) REFERENCES warehouses (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The components an order consumes, computed from its BOM when it is made.
CREATE TABLE manufacturing_order_lines (
    id         BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    mo_id      BIGINT        NOT NULL,
    line_no    INT           NOT NULL,
    product_id BIGINT        NOT NULL,
    qty        DECIMAL(20,6) NOT NULL,
    KEY ix_manufacturing_order_lines_mo (mo_id, line_no),
    KEY ix_manufacturing_order_lines_product (product_id),
    CONSTRAINT fk_manufacturing_order_lines_mo FOREIGN KEY (mo_id) REFERENCES manufacturing_orders (id) ON DELETE CASCADE,
    CONSTRAINT fk_manufacturing_order_lines_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
