-- See the PostgreSQL migration.
CREATE TABLE shipments (
    id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ref           VARCHAR(64) NULL, -- NULL until numbered, late in the unit of work that inserts it
    order_id      BIGINT      NOT NULL,
    thirdparty_id BIGINT      NOT NULL,
    warehouse_id  BIGINT      NOT NULL,
    shipment_date DATE        NOT NULL,
    created_by    BIGINT      NOT NULL DEFAULT 0,
    created_at    DATETIME(6) NOT NULL,
    UNIQUE KEY ux_shipments_ref (ref),
    KEY ix_shipments_order (order_id, id),
    KEY ix_shipments_thirdparty (thirdparty_id, id),
    KEY ix_shipments_warehouse (warehouse_id),
    CONSTRAINT fk_shipments_order FOREIGN KEY (order_id) REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    CONSTRAINT fk_shipments_thirdparty FOREIGN KEY (thirdparty_id) REFERENCES thirdparties (id) ON DELETE RESTRICT,
    CONSTRAINT fk_shipments_warehouse FOREIGN KEY (warehouse_id) REFERENCES warehouses (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE shipment_lines (
    id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    shipment_id   BIGINT        NOT NULL,
    line_no       INT           NOT NULL,
    order_line_id BIGINT        NOT NULL,
    product_id    BIGINT        NULL,
    qty           DECIMAL(20,6) NOT NULL,
    KEY ix_shipment_lines_shipment (shipment_id, line_no),
    KEY ix_shipment_lines_order_line (order_line_id),
    KEY ix_shipment_lines_product (product_id),
    CONSTRAINT ck_shipment_lines_qty CHECK (qty > 0),
    CONSTRAINT fk_shipment_lines_shipment FOREIGN KEY (shipment_id) REFERENCES shipments (id) ON DELETE CASCADE,
    CONSTRAINT fk_shipment_lines_order_line FOREIGN KEY (order_line_id) REFERENCES commercial_document_lines (id) ON DELETE RESTRICT,
    CONSTRAINT fk_shipment_lines_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE commercial_document_lines ADD COLUMN qty_shipped DECIMAL(20,6) NOT NULL DEFAULT 0;
