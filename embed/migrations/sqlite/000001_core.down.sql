DROP TABLE idempotency_keys;
DROP TABLE login_failures;
DROP TABLE user_roles;
DROP TABLE role_permissions;
DROP TABLE roles;
DROP TABLE users;
