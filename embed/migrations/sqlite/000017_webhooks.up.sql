-- See the PostgreSQL migration.
CREATE TABLE webhook_subscriptions (
    id         INTEGER       PRIMARY KEY AUTOINCREMENT,
    url        VARCHAR(2048) NOT NULL,
    secret     VARCHAR(128)  NOT NULL,
    active     BOOLEAN       NOT NULL DEFAULT 1,
    created_at DATETIME      NOT NULL,
    updated_at DATETIME      NOT NULL
);
CREATE TABLE webhook_subscription_events (
    subscription_id INTEGER     NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_type      VARCHAR(64) NOT NULL,
    PRIMARY KEY (subscription_id, event_type)
);
CREATE INDEX ix_webhook_subscription_events_type ON webhook_subscription_events (event_type, subscription_id);
CREATE TABLE webhook_events (
    id         INTEGER     PRIMARY KEY AUTOINCREMENT,
    type       VARCHAR(64) NOT NULL,
    data       TEXT        NOT NULL,
    created_at DATETIME    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '+00:00')
);
-- The pruner's cut-off (queue.Store.Prune).
CREATE INDEX ix_webhook_events_created ON webhook_events (created_at);
CREATE TABLE webhook_deliveries (
    id              INTEGER       PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER       NOT NULL,
    event_id        INTEGER       NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    status          VARCHAR(16)   NOT NULL DEFAULT 'pending'
                                  CHECK (status IN ('pending', 'retrying', 'delivered', 'dead')),
    attempts        INTEGER       NOT NULL DEFAULT 0,
    response_code   INTEGER       NULL,
    response_body   VARCHAR(2048) NOT NULL DEFAULT '',
    error           VARCHAR(2000) NOT NULL DEFAULT '',
    created_at      DATETIME      NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '+00:00'),
    updated_at      DATETIME      NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '+00:00'),
    delivered_at    DATETIME      NULL
);
CREATE UNIQUE INDEX ux_webhook_deliveries_event_subscription ON webhook_deliveries (event_id, subscription_id);
CREATE INDEX ix_webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);
