// Package publicapi holds the tests that check the shape of psabridge's
// public API as a whole: what one client accepts from another, and what
// the documentation of every public package names. It has no code of its
// own; the checks run the go tool on the module, so they live apart from
// any one package.
package publicapi
