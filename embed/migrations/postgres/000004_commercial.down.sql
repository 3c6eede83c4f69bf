DROP TABLE IF EXISTS numbering_sequences;
DROP TABLE IF EXISTS payments;
DROP TABLE IF EXISTS commercial_document_lines;
DROP TABLE IF EXISTS commercial_documents;
DROP TABLE IF EXISTS contacts;
DROP TABLE IF EXISTS thirdparties;
