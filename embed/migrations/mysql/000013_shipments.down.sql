ALTER TABLE commercial_document_lines DROP COLUMN qty_shipped;
DROP TABLE IF EXISTS shipment_lines;
DROP TABLE IF EXISTS shipments;
