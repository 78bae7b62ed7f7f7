// Package flow is the contract every psabridge integration flow shares:
// Heimdal → PSA (heimdal/psasync), Office Protect → PSA (officeprotect),
// INFIMA → Security 360 (security360/infimasync) and INFIMA counts → PSA
// billing (infima/psabilling).
//
// Where a flow lives: under the package of the product it reads from, named
// for where it writes (heimdal/psasync reads Heimdal and writes the PSA).
// Office Protect has no client of its own, so its flow is the package.
//
// Every flow is built from the API clients it uses and a Store, never builds
// a client itself (one PSA client shared by several flows is one rate budget),
// and offers the same verbs:
//
//   - Check reports connection, permissions and settings item by item
//     (granted, missing, unknown, warning, with what is lost);
//   - Run reconciles once and returns a Report sharing one core;
//   - Audit, where a flow has one, repairs what a run cannot see.
//
// A constructor refuses what it cannot work with before anything is sent,
// with a *bridge.ConfigError whose Field names the argument by what it is
// (PSA, Heimdal, INFIMA, Asio, Source, Sink, Store, Instance) and a
// setting by its Go field path (Mappings[2].CompanyID).
//
// RunEvery drives Run (and Audit on its own cadence) with jitter and backoff
// until its context ends.
//
// Everything a flow must remember goes through a Store: settings, mappings,
// fingerprints of delivered data, watermarks, failure and notification state.
// Two ship here: NewMemoryStore, and Open, a durable bbolt file that needs no
// server, survives a crash (each write is one fsynced copy-on-write
// transaction) and refuses, with ErrLocked, a file another process holds.
// GetJSON, PutJSON and UpdateJSON store typed values; flowtest.TestStore is
// the conformance suite any other Store (Redis, say) must pass.
//
// # Where secrets rest
//
// A flow's settings hold its API keys, and they rest in the store as the
// flow's JSON. In a MemoryStore that is process memory. In a file opened
// without a key it is plain JSON in a 0600 file: anyone who can read the
// file can read the secrets. Open the file with WithEncryptionKey (or wrap
// any Store with Encrypt) and each value is sealed with AES-GCM before it is
// written, bound to its key name; keep that key outside the store. Keys are
// never sealed, so no secret may appear in a key. No Store logs values, and
// the errors of this package name keys and files, never values.
//
// Bad stored state (a truncated file, a value from an older shape, a value
// sealed with another key) gives a *StateError matching ErrCorrupt that
// names the file or key; flows write nothing to an API from such state.
package flow
