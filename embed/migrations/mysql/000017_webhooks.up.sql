-- See the PostgreSQL migration.
CREATE TABLE webhook_subscriptions (
    id         BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    url        VARCHAR(2048) NOT NULL,
    secret     VARCHAR(128)  NOT NULL,
    active     BOOLEAN       NOT NULL DEFAULT TRUE,
    created_at DATETIME(6)   NOT NULL,
    updated_at DATETIME(6)   NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE webhook_subscription_events (
    subscription_id BIGINT      NOT NULL,
    event_type      VARCHAR(64) NOT NULL,
    PRIMARY KEY (subscription_id, event_type),
    KEY ix_webhook_subscription_events_type (event_type, subscription_id),
    CONSTRAINT fk_webhook_subscription_events_subscription FOREIGN KEY (subscription_id)
        REFERENCES webhook_subscriptions (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE webhook_events (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    type       VARCHAR(64) NOT NULL,
    data       MEDIUMTEXT  NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- The pruner's cut-off (queue.Store.Prune).
CREATE INDEX ix_webhook_events_created ON webhook_events (created_at);
CREATE TABLE webhook_deliveries (
    id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    subscription_id BIGINT        NOT NULL,
    event_id        BIGINT        NOT NULL,
    status          VARCHAR(16)   NOT NULL DEFAULT 'pending',
    attempts        INT           NOT NULL DEFAULT 0,
    response_code   INT           NULL,
    response_body   VARCHAR(2048) NOT NULL DEFAULT '',
    error           VARCHAR(2000) NOT NULL DEFAULT '',
    created_at      DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at      DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    delivered_at    DATETIME(6)   NULL,
    CONSTRAINT ck_webhook_deliveries_status CHECK (status IN ('pending', 'retrying', 'delivered', 'dead')),
    UNIQUE KEY ux_webhook_deliveries_event_subscription (event_id, subscription_id),
    KEY ix_webhook_deliveries_subscription (subscription_id, id),
    CONSTRAINT fk_webhook_deliveries_event FOREIGN KEY (event_id) REFERENCES webhook_events (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
