DROP TABLE invoice_template_periods;
DROP TABLE invoice_templates;
