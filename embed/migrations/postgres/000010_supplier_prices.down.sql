DROP TABLE supplier_prices;
