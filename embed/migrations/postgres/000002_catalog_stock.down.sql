DROP TABLE IF EXISTS stock_movements;
DROP TABLE IF EXISTS stock_levels;
DROP TABLE IF EXISTS warehouses;
DROP TABLE IF EXISTS products;
