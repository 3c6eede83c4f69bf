-- See the PostgreSQL migration.
CREATE TABLE accounting_accounts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    code         VARCHAR(32)  NOT NULL,
    label        VARCHAR(255) NOT NULL,
    account_type VARCHAR(16)  NOT NULL,
    CONSTRAINT ck_accounting_accounts_type CHECK (account_type IN ('asset', 'liability', 'equity', 'income', 'expense'))
);
CREATE UNIQUE INDEX ux_accounting_accounts_code ON accounting_accounts (code);

CREATE TABLE accounting_vat_accounts (
    rate              TEXT NOT NULL PRIMARY KEY,
    sales_account     VARCHAR(32)  NOT NULL,
    purchases_account VARCHAR(32)  NOT NULL
);

CREATE TABLE accounting_bookings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    source_type   VARCHAR(32) NOT NULL,
    source_id     INTEGER      NOT NULL,
    journal       VARCHAR(16) NOT NULL,
    entry_num     VARCHAR(32) NOT NULL,
    entry_date    DATE        NOT NULL,
    document_ref  VARCHAR(64) NOT NULL,
    document_date DATE        NOT NULL,
    booked_at     DATETIME NOT NULL
);
CREATE UNIQUE INDEX ux_accounting_bookings_source ON accounting_bookings (source_type, source_id);

CREATE TABLE accounting_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id    INTEGER        NOT NULL REFERENCES accounting_bookings (id) ON DELETE RESTRICT,
    journal       VARCHAR(16)   NOT NULL,
    entry_date    DATE          NOT NULL,
    document_ref  VARCHAR(64)   NOT NULL,
    account       VARCHAR(32)   NOT NULL,
    label         VARCHAR(255)  NOT NULL,
    debit         TEXT NOT NULL,
    credit        TEXT NOT NULL,
    thirdparty_id INTEGER        NULL
);
CREATE INDEX ix_accounting_entries_date ON accounting_entries (entry_date, id);
CREATE INDEX ix_accounting_entries_account ON accounting_entries (account, entry_date, id);
CREATE INDEX ix_accounting_entries_booking ON accounting_entries (booking_id, id);

CREATE TABLE accounting_periods (
    period    CHAR(7)     NOT NULL PRIMARY KEY,
    closed_at DATETIME NOT NULL,
    closed_by INTEGER      NOT NULL DEFAULT 0
);

ALTER TABLE products ADD COLUMN accounting_code_sell VARCHAR(32) NULL;
ALTER TABLE products ADD COLUMN accounting_code_buy VARCHAR(32) NULL;
ALTER TABLE thirdparties ADD COLUMN accounting_code VARCHAR(32) NULL;

-- The default chart: a small generic one with the French PCG accounts the
-- FEC and the bookings need (docs/accounting.md); editable through the API.
INSERT INTO accounting_accounts (code, label, account_type) VALUES
    ('101', 'Capital', 'equity'),
    ('106', 'Réserves', 'equity'),
    ('120', 'Résultat de l''exercice (bénéfice)', 'equity'),
    ('129', 'Résultat de l''exercice (perte)', 'equity'),
    ('164', 'Emprunts auprès des établissements de crédit', 'liability'),
    ('218', 'Autres immobilisations corporelles', 'asset'),
    ('31', 'Matières premières', 'asset'),
    ('37', 'Stocks de marchandises', 'asset'),
    ('401', 'Fournisseurs', 'liability'),
    ('411', 'Clients', 'asset'),
    ('421', 'Personnel - rémunérations dues', 'liability'),
    ('431', 'Sécurité sociale', 'liability'),
    ('44551', 'TVA à décaisser', 'liability'),
    ('44566', 'TVA déductible sur autres biens et services', 'asset'),
    ('445661', 'TVA déductible 20 %', 'asset'),
    ('445662', 'TVA déductible 10 %', 'asset'),
    ('445663', 'TVA déductible 5,5 %', 'asset'),
    ('445664', 'TVA déductible 2,1 %', 'asset'),
    ('44567', 'Crédit de TVA à reporter', 'asset'),
    ('44571', 'TVA collectée', 'liability'),
    ('445711', 'TVA collectée 20 %', 'liability'),
    ('445712', 'TVA collectée 10 %', 'liability'),
    ('445713', 'TVA collectée 5,5 %', 'liability'),
    ('445714', 'TVA collectée 2,1 %', 'liability'),
    ('471', 'Compte d''attente', 'asset'),
    ('512', 'Banque', 'asset'),
    ('531', 'Caisse', 'asset'),
    ('580', 'Virements internes', 'asset'),
    ('601', 'Achats stockés - matières premières', 'expense'),
    ('604', 'Achats d''études et prestations de services', 'expense'),
    ('606', 'Achats non stockés de matières et fournitures', 'expense'),
    ('607', 'Achats de marchandises', 'expense'),
    ('613', 'Locations', 'expense'),
    ('622', 'Rémunérations d''intermédiaires et honoraires', 'expense'),
    ('626', 'Frais postaux et de télécommunications', 'expense'),
    ('627', 'Services bancaires et assimilés', 'expense'),
    ('641', 'Rémunérations du personnel', 'expense'),
    ('645', 'Charges de sécurité sociale et de prévoyance', 'expense'),
    ('658', 'Charges diverses de gestion courante (écarts d''arrondi)', 'expense'),
    ('661', 'Charges d''intérêts', 'expense'),
    ('665', 'Escomptes accordés', 'expense'),
    ('666', 'Pertes de change', 'expense'),
    ('701', 'Ventes de produits finis', 'income'),
    ('706', 'Prestations de services', 'income'),
    ('707', 'Ventes de marchandises', 'income'),
    ('708', 'Produits des activités annexes', 'income'),
    ('758', 'Produits divers de gestion courante (écarts d''arrondi)', 'income'),
    ('765', 'Escomptes obtenus', 'income'),
    ('766', 'Gains de change', 'income');

-- VAT accounts per French rate; other rates book on 44571 / 44566.
INSERT INTO accounting_vat_accounts (rate, sales_account, purchases_account) VALUES
    ('20', '445711', '445661'),
    ('10', '445712', '445662'),
    ('5.5', '445713', '445663'),
    ('2.1', '445714', '445664');
