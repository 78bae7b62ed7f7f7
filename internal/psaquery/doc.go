// Package psaquery parses and evaluates the ConnectWise PSA "conditions"
// and "orderBy" query grammar.
//
// The PSA translates conditions into SQL Server queries, so evaluation
// follows SQL Server rather than Go: string comparison is case-insensitive
// and ignores trailing spaces, a comparison against a null field is false
// (only "= null" and "!= null" match it), and like patterns use % (any run),
// _ (one character) and [abc] / [^a-z] classes.
//
// String literals are enclosed in double or single quotes and have no
// escape sequences: a backslash is an ordinary character, a value holding
// a double quote must be single-quoted and vice versa, and a value holding
// both cannot be written as a literal at all.
//
// The simulator in connectwise/cwtest filters with this package, and fuzz
// tests use Expr.Comparisons to check that a conditions builder produced
// exactly the literals it was given.
package psaquery
