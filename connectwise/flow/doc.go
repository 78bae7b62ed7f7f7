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
// RunEvery drives Run (and Audit on its own cadence) with jitter and backoff
// until its context ends.
//
// Everything a flow must remember goes through a Store: settings, mappings,
// fingerprints of delivered data, watermarks, failure and notification state.
package flow
