// Package proxytest proves docs/reverse_proxy.md: its test runs nginx with the
// document's configuration in front of the real API and goes through it as a
// client would (login, documents, a PDF, request ids, the body limit), and
// checks that the proxy's timeouts and limits agree with the server's
// defaults.
//
// The package has no code of its own: everything is in its _test.go files.
package proxytest
