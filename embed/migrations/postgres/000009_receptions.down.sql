DROP TABLE IF EXISTS reception_lines;
DROP TABLE IF EXISTS receptions;
