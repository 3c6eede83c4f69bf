CREATE TABLE users (
    id            INTEGER      PRIMARY KEY AUTOINCREMENT,
    login         VARCHAR(64)  NOT NULL,
    email         VARCHAR(255) NOT NULL DEFAULT '',
    password_hash VARCHAR(255) NOT NULL,
    active        BOOLEAN      NOT NULL DEFAULT 1,
    created_at    DATETIME     NOT NULL,
    updated_at    DATETIME     NOT NULL
);
CREATE UNIQUE INDEX ux_users_login ON users (login);

CREATE TABLE roles (
    id          INTEGER      PRIMARY KEY AUTOINCREMENT,
    name        VARCHAR(64)  NOT NULL,
    description VARCHAR(255) NOT NULL DEFAULT '',
    builtin     BOOLEAN      NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ux_roles_name ON roles (name);

CREATE TABLE role_permissions (
    role_id    INTEGER     NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission VARCHAR(64) NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE RESTRICT,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX ix_user_roles_role ON user_roles (role_id);

CREATE TABLE login_failures (
    login         VARCHAR(64) NOT NULL,
    address       VARCHAR(64) NOT NULL,
    failures      INTEGER     NOT NULL,
    first_failure DATETIME    NOT NULL,
    locked_until  DATETIME    NULL,
    PRIMARY KEY (login, address)
);

CREATE TABLE idempotency_keys (
    scope           VARCHAR(64)  NOT NULL,
    idem_key        VARCHAR(255) NOT NULL,
    method          VARCHAR(8)   NOT NULL,
    path            VARCHAR(512) NOT NULL,
    request_hash    CHAR(64)     NOT NULL,
    state           VARCHAR(16)  NOT NULL,
    response_status INTEGER      NOT NULL DEFAULT 0,
    response_type   VARCHAR(128) NOT NULL DEFAULT '',
    response_body   BLOB         NULL,
    created_at      DATETIME     NOT NULL,
    expires_at      DATETIME     NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_at);
