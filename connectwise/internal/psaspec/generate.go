package psaspec

// The spec beside this file is the input of everything generated from it:
// the models (connectwise/cwmodel), the services of each area
// (connectwise/cw<area>), table_gen.go here and connectwise/COVERAGE.md.
//go:generate go run ../../../internal/psagen -spec connectwise-psa-openapi.json.gz -out ../..
