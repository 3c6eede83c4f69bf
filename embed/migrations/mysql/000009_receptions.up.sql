-- Receptions: goods of a purchase order received into a warehouse. Each
-- reception moves stock (origin_type 'reception', origin_id its id) and adds
-- to the qty_received of the order's lines, in one unit of work.
CREATE TABLE receptions (
    id                BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ref               VARCHAR(64) NULL, -- NULL until numbered, late in the unit of work that inserts it
    purchase_order_id BIGINT      NOT NULL,
    warehouse_id      BIGINT      NOT NULL,
    reception_date    DATE        NOT NULL,
    created_by        BIGINT      NOT NULL DEFAULT 0,
    created_at        DATETIME(6) NOT NULL,
    UNIQUE KEY ux_receptions_ref (ref),
    KEY ix_receptions_order (purchase_order_id, id),
    KEY ix_receptions_warehouse (warehouse_id),
    CONSTRAINT fk_receptions_order FOREIGN KEY (purchase_order_id) REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    CONSTRAINT fk_receptions_warehouse FOREIGN KEY (warehouse_id) REFERENCES warehouses (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE reception_lines (
    id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    reception_id  BIGINT        NOT NULL,
    line_no       INT           NOT NULL,
    order_line_id BIGINT        NOT NULL,
    product_id    BIGINT        NULL,
    qty           DECIMAL(20,6) NOT NULL,
    unit_cost     DECIMAL(20,6) NOT NULL,
    KEY ix_reception_lines_reception (reception_id, line_no),
    KEY ix_reception_lines_order_line (order_line_id),
    KEY ix_reception_lines_product (product_id),
    CONSTRAINT ck_reception_lines_qty CHECK (qty > 0),
    CONSTRAINT fk_reception_lines_reception FOREIGN KEY (reception_id) REFERENCES receptions (id) ON DELETE CASCADE,
    CONSTRAINT fk_reception_lines_order_line FOREIGN KEY (order_line_id) REFERENCES commercial_document_lines (id) ON DELETE RESTRICT,
    CONSTRAINT fk_reception_lines_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
