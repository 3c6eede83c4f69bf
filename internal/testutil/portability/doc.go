// Package portability holds the tests that keep the binaries shippable in an
// empty container: CT-01 builds cmd/api and cmd/worker the way the Dockerfile
// does, checks that they are statically linked and runs each alone in an empty
// chroot against PostgreSQL; the container tests check the invariants of the
// Dockerfile and docker-compose.yml, since no Docker engine runs in CI.
//
// The package has no code of its own: everything is in its _test.go files.
package portability
