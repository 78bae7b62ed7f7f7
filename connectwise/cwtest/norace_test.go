//go:build !race

package cwtest

const raceEnabled = false
