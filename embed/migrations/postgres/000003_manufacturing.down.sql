DROP TABLE IF EXISTS manufacturing_order_lines;
DROP TABLE IF EXISTS manufacturing_orders;
DROP TABLE IF EXISTS bom_graph_lock;
DROP TABLE IF EXISTS bom_lines;
DROP TABLE IF EXISTS boms;
